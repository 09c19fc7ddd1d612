"""The rituals file: the bundled one is valid; a broken one is exit 2 naming file, field and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fleetops.errors import RitualsError
from fleetops.rituals import bundled_path, load_rituals


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "rituals.yml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def bundled_data() -> dict:
    return yaml.safe_load(bundled_path().read_text())


def test_bundled_rituals_file_is_valid_and_describes_fleet():
    rituals = load_rituals()
    assert rituals.repository == "fleetdm/fleet"
    assert rituals.labels.release_blocker == "~release blocker"
    assert rituals.naming.tentative_regex().match("4.58.0-tentative")["version"] == "4.58.0"
    assert rituals.freeze.weekday == "tuesday" and rituals.freeze.timezone == "America/Los_Angeles"
    assert [g.key for g in rituals.people.product_groups] == ["mdm", "endpoint-ops"]
    assert rituals.zenhub.workspaces["g-mdm"].id == "63bc507f6558550011840298"
    assert [g.em for g in rituals.people.product_groups] == ["georgekarrv", "sharon-fdm"]
    allow = rituals.freeze.allow
    assert rituals.labels.named(allow.deep_freeze_labels) == ["~release blocker", "~unreleased bug"]
    assert rituals.labels.named(allow.bug_labels) == ["bug", "~release blocker", "~unreleased bug"]
    assert "docs/**" in allow.docs_paths and "*.md" in allow.docs_paths


def test_label_keys_are_the_fields_of_the_labels_section():
    """freeze.allow names labels by their key: every key must be a field of `labels`, and back."""
    from typing import get_args

    from fleetops.rituals.models import LabelKey, Labels

    assert set(get_args(LabelKey)) == set(Labels.model_fields)


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d.pop("repository"), "repository: Field required"),
        (lambda d: d["freeze"].update(weekday="tuesdai"), "freeze.weekday"),
        (lambda d: d["freeze"].update(timezone="Mars/Olympus"), "freeze.timezone"),
        (lambda d: d["naming"].update(patch_branch="patch-fleet"), "naming.patch_branch"),
        (lambda d: d["people"]["product_groups"][0].update(qa="not a list"), "people.product_groups[0].qa"),
        (lambda d: d["dependencies"]["go"].update(source="Makefile"), "dependencies.go.source"),
        (lambda d: d.update(unknown_section={}), "unknown_section: unknown field"),
        (lambda d: d["qa"].update(product_groups=["mdm", "orchestration"]), "unknown product groups: orchestration"),
        (lambda d: d["freeze"]["allow"].update(deep_freeze_labels=["release blocker"]), "freeze.allow.deep_freeze_labels[0]"),
        (lambda d: d["freeze"]["allow"].update(deep_freeze_labels=[]), "freeze.allow.deep_freeze_labels"),
        (lambda d: d["freeze"]["allow"].update(docs_only=["docs/**"]), "freeze.allow.docs_only: unknown field"),
        (lambda d: d["people"]["product_groups"][0].update(em="not a login!"), "people.product_groups[0].em"),
    ],
)
def test_invalid_rituals_name_the_file_and_field(tmp_path, mutate, field):
    data = bundled_data()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(RitualsError) as err:
        load_rituals(path)
    message = str(err.value)
    assert str(path) in message and field in message
    assert err.value.exit_code == 2


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, "repository: fleetdm/fleet\npeople: [unclosed\n")
    with pytest.raises(RitualsError, match=r"line \d+, column \d+: invalid YAML"):
        load_rituals(path)


def test_missing_file(tmp_path):
    with pytest.raises(RitualsError, match="does not exist"):
        load_rituals(tmp_path / "nope.yml")


def test_overrides_apply_and_are_validated(tmp_path):
    rituals = load_rituals(overrides={"people.release_dri": "someone", "people.oncall": "oncaller", "repository": "acme/fleet"})
    assert (rituals.people.release_dri, rituals.people.oncall, rituals.repository) == ("someone", "oncaller", "acme/fleet")
    with pytest.raises(RitualsError, match="people.release_dri"):
        load_rituals(overrides={"people.release_dri": "not a login!"})


def test_cli_with_invalid_rituals_exits_2_with_the_field_path_and_writes_nothing(sandbox, cli, tmp_path):
    data = bundled_data()
    data["freeze"]["deep_freeze_hours"] = -5
    path = write(tmp_path, data)
    result = cli("freeze", "begin", "--yes", env={**sandbox.env(), "FLEETOPS_RITUALS": str(path)})
    assert result.code == 2
    assert "freeze.deep_freeze_hours" in result.stderr and str(path) in result.stderr.replace("\n", "")
    assert "Traceback" not in result.output
    assert sandbox.writes() == []


def test_env_overrides_reach_the_commands(sandbox, cli):
    result = cli("freeze", "status", "--json", env={**sandbox.env(), "FLEETOPS_REPO": "fleetdm/nope"})
    assert result.code == 2  # Merge Freeze does not manage that repository's branch
    assert "fleetdm/nope" in result.stderr
