"""The changelog and the version bumps on a real repository with decoys: only the version lines change."""

from __future__ import annotations

import json
from datetime import date

import pytest
import yaml

from fleetops.errors import UsageError
from fleetops.ops.release.bumps import apply_bump, plan_bumps
from fleetops.ops.release.changelog import ChangeFile, build_section, entry_lines, first_version, with_section
from fleetops.ops.release.files import write_files
from fleetops.rituals.loader import load_rituals
from fleetops.rituals.releasing import Bump
from tests.git.gitrepo import commit, fleet_files, git, make_pair

RELEASING = load_rituals().releasing
OLD_CHANGELOG = "## Fleet 4.60.1 (Nov 12, 2026)\n\n### Bug fixes\n\n- Fixed 4.60.1 things.\n\n## Fleet 4.60.0 (Nov 01, 2026)\n\n- Things.\n"


@pytest.fixture
def repo(tmp_path):
    _, work = make_pair(tmp_path)
    commit(work, "Fleet at 4.60.1", {
        **fleet_files("4.60.1"),
        "CHANGELOG.md": OLD_CHANGELOG,
        "changes/.keep": "",
        "changes/24010-scripts-timeout": "* Fixed script timeouts resetting per host.\n",
        "changes/issue-24011-profiles": "Fixed profile 4.60.1 redelivery.\n  Continues here.",  # no bullet, no trailing newline
        "changes/sso-ratelimit": "\n- Added `FLEET_MDM_SSO_RATE_LIMIT_PER_MINUTE`.\n\n",
    })
    return work


def read_from(root):
    def read(path):
        target = root / path
        return target.read_text() if target.is_file() else None

    return read


def test_bumps_and_changelog_touch_only_the_version_lines_and_change_files(repo):
    edits = plan_bumps(RELEASING.bumps, "4.60.2", read_from(repo))
    assert [e.path for e in edits] == [
        "tools/fleetctl-npm/package.json", "charts/fleet/Chart.yaml", "charts/fleet/values.yaml",
        "infrastructure/dogfood/terraform/aws/variables.tf", "infrastructure/dogfood/terraform/gcp/variables.tf",
    ]
    chart = next(e for e in edits if e.path == "charts/fleet/Chart.yaml")
    assert chart.changes == [("v4.60.1", "v4.60.2"), ("v6.6.5", "v6.6.6")]
    changes = sorted(p for p in (repo / "changes").iterdir() if p.name != ".keep")
    section = build_section("4.60.2", date(2026, 12, 3), [ChangeFile(f"changes/{p.name}", p.read_bytes()) for p in changes],
                            headings=RELEASING.changelog.patch_headings, heading=RELEASING.changelog.heading, date_format=RELEASING.changelog.date_format)
    new_log = with_section((repo / "CHANGELOG.md").read_text(), section, "4.60.2")
    write_files(repo, {**{e.path: e.after for e in edits}, "CHANGELOG.md": new_log}, section.consumed)

    status = sorted(line.strip() for line in git(repo, "status", "--porcelain").splitlines())
    assert status == sorted([
        "M CHANGELOG.md", "M charts/fleet/Chart.yaml", "M charts/fleet/values.yaml",
        "D changes/24010-scripts-timeout", "D changes/issue-24011-profiles", "D changes/sso-ratelimit",
        "M infrastructure/dogfood/terraform/aws/variables.tf", "M infrastructure/dogfood/terraform/gcp/variables.tf",
        "M tools/fleetctl-npm/package.json",
    ])
    diff = git(repo, "diff", "-U0", "--", ".", ":!CHANGELOG.md", ":!changes")
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert len(removed) == 6  # the six version lines, nothing else
    assert all("4.60.2" in line or "v6.6.6" in line for line in added) and len(added) == 6
    # the decoys: the AWS provider pin, the script's comment, a doc, the changelog's history
    for path in ("infrastructure/guardduty/main.tf", "tools/release/publish_release.sh", "docs/Deploy/README.md"):
        assert "4.60.1" in (repo / path).read_text()
    assert new_log.endswith(OLD_CHANGELOG)
    assert json.loads((repo / "tools/fleetctl-npm/package.json").read_text())["version"] == "v4.60.2"
    assert yaml.safe_load((repo / "charts/fleet/Chart.yaml").read_text())["version"] == "v6.6.6"
    assert (repo / "changes/.keep").exists()


def test_the_section_in_fleets_format(repo):
    changes = [ChangeFile("changes/b", b"* Fixed b.\n"), ChangeFile("changes/a", b"Fixed a.\n  More on a."), ChangeFile("changes/c", b"")]
    section = build_section("4.60.2", date(2026, 12, 3), changes, headings=["### Bug fixes"], heading="## Fleet {version} ({date})", date_format="%b %d, %Y")
    assert section.text == "## Fleet 4.60.2 (Dec 03, 2026)\n\n### Bug fixes\n\n- Fixed a.\n  More on a.\n- Fixed b.\n\n"
    assert section.warnings == ["changes/c is empty: no entry (deleted with the others)"]
    assert section.consumed == ["changes/a", "changes/b", "changes/c"]
    assert "null" not in section.text


def test_a_changelog_already_at_the_version_is_kept():
    section = build_section("4.60.1", date(2026, 12, 3), [], headings=[], heading="## Fleet {version} ({date})", date_format="%b %d, %Y")
    assert with_section(OLD_CHANGELOG, section, "4.60.1") is None


@pytest.mark.parametrize(("text", "says"), [("", "(empty file)"), ("# Changelog\n\n## Fleet 4.60.1 (x)\n", "# Changelog")])
def test_an_unexpected_first_heading_is_bad_input(text, says):
    with pytest.raises(UsageError, match="does not start with a '## Fleet X.Y.Z") as err:
        first_version(text)
    assert says in str(err.value)


@pytest.mark.parametrize(("data", "says"), [(b"\x00\x01PNG", "is a binary file"), (b"\xff\xfe bad", "is not UTF-8")])
def test_a_binary_change_file_is_bad_input(data, says):
    with pytest.raises(UsageError, match=says):
        entry_lines(ChangeFile("changes/x", data))


def test_a_pattern_that_matches_twice_or_never_names_the_file():
    bump = Bump(file="charts/fleet/values.yaml", pattern=r"^imageTag: (v\d+\.\d+\.\d+)")
    with pytest.raises(UsageError, match="charts/fleet/values.yaml: 2 lines match"):
        apply_bump("imageTag: v1.0.0\nimageTag: v1.0.0\n", bump, "1.0.1")
    with pytest.raises(UsageError, match="no line match"):
        apply_bump("other: 1\n", bump, "1.0.1")


def test_an_edit_that_breaks_json_is_refused():
    bump = Bump(file="p.json", pattern=r'"version": "(v\d+\.\d+\.\d+)"', format="json")
    with pytest.raises(UsageError, match="would no longer parse as JSON"):
        plan_bumps([bump], "1.0.1", lambda path: '{"version": "v1.0.0",}')


def test_a_path_that_is_not_a_regular_file_is_never_written(tmp_path):
    (tmp_path / "CHANGELOG.md").mkdir()
    (tmp_path / "kept").write_text("mine\n")
    with pytest.raises(UsageError, match="not a regular file"):
        write_files(tmp_path, {"kept": "theirs\n", "CHANGELOG.md": "x"}, [])
    assert (tmp_path / "kept").read_text() == "mine\n"
