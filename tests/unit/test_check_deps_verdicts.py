"""check-deps verdicts: the handbook's policy as pure functions of what was read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from packaging.version import Version

from fleetops.clients.github import ReleaseInfo
from fleetops.errors import RitualsError
from fleetops.ops.deps.verdicts import FeedState, feeds_finding, fill, go_finding, module_finding, osquery_finding
from fleetops.ops.deps.view import step_summary
from fleetops.render.check_deps import changed_part
from fleetops.ops.deps.parsers import GoLatest
from fleetops.rituals import load_rituals

NOW = datetime(2025, 6, 10, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def rituals():
    return load_rituals()


def go(rituals, current, patch, newest):
    latest = GoLatest(Version(patch) if patch else None, Version(newest) if newest else None)
    return go_finding(Version(current), "go.mod on main", latest, rituals, "https://go.dev/dl/")


def release(tag, repo="x/y"):
    return ReleaseInfo(repo=repo, tag=tag, name=tag, html_url=f"https://github.com/{repo}/releases/tag/{tag}", published_at=None, prerelease=False)


def test_go_behind_on_patch_and_minor_is_outdated_with_both_issues(rituals):
    finding = go(rituals, "1.22.3", "1.22.12", "1.24.4")
    assert (finding.status, finding.latest, finding.extra["latest_minor"]) == ("outdated", "1.22.12", "1.24.4")
    patch, minor = finding.issues
    assert patch.title == "Upgrade Go to 1.22.12"
    assert patch.labels == ("bug", ":reproduce", "~release blocker")
    assert "Fleet builds with Go 1.22.3; Go 1.22.12 is the newest patch release of Go 1.22." in patch.body
    assert "https://go.dev/doc/devel/release#go1.22.12" in patch.body
    assert minor.title == "Upgrade Go to 1.24.4"
    assert minor.labels == ("story", ":product")
    assert finding.action == 'file bug "Upgrade Go to 1.22.12" (~release blocker); file story "Upgrade Go to 1.24.4" (not a ~release blocker)'


def test_go_on_the_newest_patch_of_an_older_line_is_major_available(rituals):
    finding = go(rituals, "1.23.10", "1.23.10", "1.24.4")
    assert finding.status == "major-available"
    assert [i.title for i in finding.issues] == ["Upgrade Go to 1.24.4"]


def test_go_behind_only_on_patch_files_only_the_blocker(rituals):
    finding = go(rituals, "1.24.1", "1.24.4", "1.24.4")
    assert finding.status == "outdated"
    assert [i.key for i in finding.issues] == ["go-patch"]


@pytest.mark.parametrize(("current", "patch", "newest"), [("1.24.4", "1.24.4", "1.24.4"), ("1.25rc1", None, "1.24.4")])
def test_go_current_or_ahead_is_up_to_date(rituals, current, patch, newest):
    finding = go(rituals, current, patch, newest)
    assert (finding.status, finding.action, finding.issues) == ("up-to-date", "none", [])


def test_go_without_any_stable_release_is_unknown(rituals):
    assert go(rituals, "1.24.4", None, None).status == "unknown"


@pytest.mark.parametrize(
    ("current", "latest", "status"),
    [
        ("v1.2.1", "v1.2.3", "outdated"),
        ("v1.2.3", "v1.2.3", "up-to-date"),
        ("v1.1.3-0.20240530154548-05bb97403086", "v1.1.2", "up-to-date"),  # a commit after the latest release
        ("v1.1.3-0.20240530154548-05bb97403086", "v1.1.3", "outdated"),  # that release now exists
        ("main", "v1.2.3", "unknown"),
    ],
)
def test_macadmins_verdicts(rituals, current, latest, status):
    finding = module_finding(current, release(latest, "macadmins/osquery-extension"), rituals)
    assert finding.status == status
    if status == "outdated":
        (spec,) = finding.issues
        assert spec.title == f"Update macadmins-extension to {latest}"
        assert "~release blocker" in spec.labels
        assert "new tables" in spec.body and "new tables" in finding.action


def test_macadmins_issue_describes_a_pseudo_version(rituals):
    finding = module_finding("v1.1.3-0.20240530154548-05bb97403086", release("v1.2.3"), rituals)
    assert "(commit 05bb974 after v1.1.2)" in finding.issues[0].body


def test_osquery_is_a_bug_without_the_blocker_and_mentions_flags(rituals):
    finding = osquery_finding("5.12.1", release("5.13.1", "osquery/osquery"), rituals)
    (spec,) = finding.issues
    assert (finding.status, spec.title) == ("outdated", "Update osquery to 5.13.1")
    assert spec.labels == ("bug", ":reproduce")
    assert "cli-flags" in spec.body and "16239" in spec.body
    assert osquery_finding("5.13.1", release("5.13.1"), rituals).status == "up-to-date"


def test_feeds_fresh_stale_and_unreachable():
    fresh = [FeedState("nvd", "u1", 48, NOW - timedelta(hours=1)), FeedState("cisa", "u2", 336, NOW - timedelta(hours=20))]
    assert feeds_finding(fresh, NOW, "getvictor").status == "up-to-date"
    stale = [FeedState("nvd", "u1", 48, NOW), FeedState("cisa", "u2", 336, NOW - timedelta(hours=400))]
    finding = feeds_finding(stale, NOW, "getvictor")
    assert finding.status == "unknown"
    assert finding.action == "tell @getvictor to investigate (CISA: 400 h old (limit 336 h))"
    down = [FeedState("nvd", "u1", 48, error="cannot reach it"), FeedState("cisa", "u2", 336, NOW)]
    finding = feeds_finding(down, NOW, None)
    assert finding.status == "unknown"
    assert "unknown: set FLEETOPS_ONCALL" in finding.action and "NVD: cannot reach it" in finding.action
    assert finding.extra["feeds"][0] == {
        "name": "nvd", "url": "u1", "date": None, "age_hours": None, "max_age_hours": 48, "fresh": False, "error": "cannot reach it",
    }


def test_an_unknown_placeholder_in_the_rituals_file_is_a_rituals_error():
    with pytest.raises(RitualsError, match=r"dependencies.go.patch_issue.title uses \{lastest\}.*Use one of: \{current\}"):
        fill("Upgrade Go to {lastest}", {"current": "1", "latest": "2"}, "dependencies.go.patch_issue.title")
    with pytest.raises(RitualsError, match="not a valid template"):
        fill("Go {", {}, "x.body")


@pytest.mark.parametrize(
    ("current", "latest", "expected"),
    [
        ("1.22.3", "1.22.12", ("1.22.", "12")),
        ("1.22.3", "1.24.4", ("1.", "24.4")),
        ("v1.2.1", "v1.2.3", ("v1.2.", "3")),
        ("5.13.1", "5.13.1", ("5.13.1", "")),
        (None, "5.13.1", ("5.13.1", "")),
        ("1.2", None, ("", "")),
    ],
)
def test_changed_part_of_a_version(current, latest, expected):
    assert changed_part(current, latest) == expected


def test_step_summary_is_a_markdown_table(rituals):
    from fleetops.ops.deps.check import Report
    from fleetops.plan import Plan

    report = Report(findings=[go(rituals, "1.22.3", "1.22.12", "1.24.4")], fleetd=[])
    text = step_summary(report, Plan(command="release check-deps", needs_action=True))
    assert "| go | 1.22.3 | 1.22.12 (newest 1.24.4) | **outdated** |" in text
    assert text.startswith("## fleetops release check-deps")
    assert "Something needs action (exit 3)." in text
