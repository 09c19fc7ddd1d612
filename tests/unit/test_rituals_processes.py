"""Two bundled processes: `fleet` (2024: merge freeze, ZenHub) and `fleet-rc` (releases.md@800f895:
release candidates, GitHub Projects), chosen by FLEETOPS_RITUALS by name or path."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml

from fleetops.errors import RitualsError
from fleetops.rituals import bundled_path, load_rituals
from fleetops.rituals.loader import BUNDLED, resolve_source

ROOT = Path(__file__).resolve().parents[2]


def rc_data() -> dict:
    return yaml.safe_load(bundled_path("fleet-rc").read_text())


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "rituals.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_fleet_rc_encodes_the_current_handbook():
    r = load_rituals(resolve_source("fleet-rc"))
    assert r.process == "release-candidate" and r.repository == "fleetdm/fleet"
    groups = {g.key: (g.name, g.project, g.qa, g.em) for g in r.people.product_groups}
    assert groups == {
        "mdm": ("MDM", 58, ["PezHub", "AndreyKizimenko"], "georgekarrv"),
        "orchestration": ("Orchestration", 71, ["xpkoala"], "sharon-fdm"),
        "software": ("Software", 70, ["jmwatts"], "mostlikelee"),
    }
    assert [g.label for g in r.people.product_groups] == ["#g-mdm", "#g-orchestration", "#g-software"]
    projects = r.boards.github_projects
    assert r.boards.backend == "github-projects" and projects is not None
    assert (projects.org, projects.drafting_project, projects.status_field, projects.sprint_field) == ("fleetdm", 67, "Status", "Sprint")
    assert (projects.ready_for_release, projects.closed_column, projects.confirm_and_celebrate) == (
        "Ready for release", "Closed", "Confirm and celebrate")
    assert r.naming.milestone.format(version="4.59.0") == "4.59.0"
    assert r.candidate is not None
    assert r.candidate.branch.format(version="4.59.0") == "rc-minor-fleet-v4.59.0"
    assert r.candidate.qa_issue_title.format(version="4.59.0") == "Release QA: 4.59.0"
    assert (r.candidate.deploy_variable_repository, r.candidate.deploy_variable) == ("fleetdm/confidential", "QAWOLF_DEPLOY_TAG")
    assert r.labels.unreleased_bug == "~unreleased bug"
    assert r.qa.product_groups == ["mdm", "orchestration", "software"]


def test_fleet_is_the_default_and_keeps_the_2024_process():
    assert resolve_source(None) == bundled_path() == resolve_source("fleet")
    r = load_rituals()
    assert r.process == "merge-freeze" and r.boards.backend == "zenhub" and r.candidate is None
    assert load_rituals(resolve_source("fleet")) == r


def test_a_path_is_still_a_path(tmp_path):
    path = write(tmp_path, rc_data())
    assert resolve_source(str(path)) == path
    assert load_rituals(path).process == "release-candidate"
    with pytest.raises(RitualsError, match="does not exist"):
        load_rituals(resolve_source(str(tmp_path / "fleet-rc.yml")))


def test_the_wheel_ships_every_bundled_process():
    """pyproject force-includes rituals/ as fleetops/_bundled/, where bundled_path looks first."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]["rituals"] == "fleetops/_bundled"
    for name, file in BUNDLED.items():
        assert (ROOT / "rituals" / file).is_file()
        assert bundled_path(name).name == file and bundled_path(name).is_file()


def test_fleetops_rituals_by_name_reaches_the_app(monkeypatch):
    from fleetops.app import App

    assert App(env={"FLEETOPS_RITUALS": "fleet-rc"}).rituals.process == "release-candidate"
    assert App(env={}).rituals.process == "merge-freeze"


def test_a_projects_backend_without_its_settings_names_file_and_field(tmp_path):
    data = rc_data()
    del data["boards"]["github_projects"]
    path = write(tmp_path, data)
    with pytest.raises(RitualsError) as err:
        load_rituals(path)
    assert str(path) in str(err.value) and "boards.github_projects" in str(err.value)
    assert err.value.exit_code == 2


def test_a_zenhub_backend_without_workspaces_names_the_field(tmp_path):
    data = rc_data()
    data["boards"] = {"backend": "zenhub"}
    path = write(tmp_path, data)
    with pytest.raises(RitualsError, match=r"zenhub\.workspaces"):
        load_rituals(path)


def test_a_group_without_its_project_names_it(tmp_path):
    data = rc_data()
    del data["people"]["product_groups"][1]["project"]
    with pytest.raises(RitualsError, match=r"people\.product_groups\[1\]\.project \(orchestration\)"):
        load_rituals(write(tmp_path, data))


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: d["boards"]["github_projects"].update(statusfield="Status"), "boards.github_projects.statusfield"),
        (lambda d: d["boards"].update(backend="trello"), "boards.backend"),
        (lambda d: d.update(process="freeze"), "process"),
        (lambda d: d["candidate"].update(branch="rc-minor"), "candidate.branch"),
        (lambda d: d.pop("candidate"), "candidate"),
    ],
)
def test_a_bad_field_is_exit_2_naming_file_and_path(tmp_path, edit, where):
    data = rc_data()
    edit(data)
    path = write(tmp_path, data)
    with pytest.raises(RitualsError) as err:
        load_rituals(path)
    assert str(path) in str(err.value) and where in str(err.value)
