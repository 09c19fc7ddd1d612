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
        (lambda d: d["boards"].update(github_project=d["boards"].pop("github_projects")),
         "boards.github_project: unknown field (did you mean github_projects?)"),
        (lambda d: d.update(board=d.pop("boards")), "board: unknown field (did you mean boards?)"),
        (lambda d: d["boards"]["github_projects"].update(drafting_projet=d["boards"]["github_projects"].pop("drafting_project")),
         "boards.github_projects.drafting_projet: unknown field (did you mean drafting_project?)"),
        (lambda d: d["people"]["product_groups"][2].update(projet=70), "people.product_groups[2].projet: unknown field (did you mean project?)"),
        (lambda d: d["candidate"].update(qa_issue=d["candidate"].pop("qa_issue_title")),
         "candidate.qa_issue: unknown field (did you mean qa_issue_title?)"),
    ],
)
def test_a_bad_field_is_exit_2_naming_file_and_path(tmp_path, edit, where):
    data = rc_data()
    edit(data)
    path = write(tmp_path, data)
    with pytest.raises(RitualsError) as err:
        load_rituals(path)
    assert str(path) in str(err.value) and where in str(err.value)


def _problems(tmp_path, data):
    path = write(tmp_path, data)
    with pytest.raises(RitualsError) as err:
        load_rituals(path)
    assert err.value.exit_code == 2 and str(err.value).startswith(f"rituals file {path}: ")
    return str(err.value).removeprefix(f"rituals file {path}: ")


def test_a_misspelt_section_is_the_only_problem_named(tmp_path):
    """boards.github_project: one problem, not also "boards.github_projects is required" beside it."""
    data = rc_data()
    data["boards"]["github_project"] = data["boards"].pop("github_projects")
    assert _problems(tmp_path, data) == "boards.github_project: unknown field (did you mean github_projects?)."


def test_a_projects_backend_without_its_section_says_the_field_path_once(tmp_path):
    data = rc_data()
    del data["boards"]["github_projects"]
    assert _problems(tmp_path, data) == (
        "boards.backend is github-projects, so boards.github_projects (org, drafting_project, ...) is required."
    )


def test_a_zenhub_backend_without_zenhub_settings_names_the_field(tmp_path):
    data = rc_data()
    data["boards"]["backend"] = "zenhub"  # the projects' settings stay: they are not ZenHub's
    assert _problems(tmp_path, data) == "boards.backend is zenhub, so zenhub.workspaces is required."


def test_a_zenhub_backend_needs_each_groups_workspace(tmp_path):
    data = yaml.safe_load(bundled_path("fleet").read_text())
    data["boards"] = {"backend": "zenhub"}
    del data["people"]["product_groups"][1]["zenhub_workspace"]
    assert _problems(tmp_path, data) == (
        "boards.backend is zenhub, so people.product_groups[1].zenhub_workspace (endpoint-ops) is required."
    )
    data["people"]["product_groups"][1]["zenhub_workspace"] = "g-nope"
    assert _problems(tmp_path, data) == (
        "people.product_groups[1].zenhub_workspace (endpoint-ops) names 'g-nope', which is not one of zenhub.workspaces."
    )


def _broken(name):
    data = rc_data()
    if name == "projects backend without boards.github_projects":
        del data["boards"]["github_projects"]
        return data, "boards.github_projects"
    if name == "zenhub backend without zenhub settings":
        data["boards"]["backend"] = "zenhub"
        return data, "zenhub.workspaces"
    data["boards"]["github_project"] = data["boards"].pop("github_projects")  # misspelt
    return data, "boards.github_project: unknown field"


@pytest.mark.parametrize("name", [
    "projects backend without boards.github_projects", "zenhub backend without zenhub settings", "boards.github_project misspelt",
])
@pytest.mark.parametrize("args", [("release", "readiness", "4.59.0"), ("release", "cut-rc", "4.60.0", "--yes"), ("release", "rc-status", "4.59.0")])
def test_a_broken_fleet_rc_file_is_exit_2_in_one_line_naming_file_and_field_before_any_request(make_sandbox, cli, tmp_path, name, args):
    server = make_sandbox("rc")
    data, field = _broken(name)
    path = write(tmp_path, data)
    result = cli(*args, env={**server.env(), "FLEETOPS_RITUALS": str(path), "COLUMNS": "1000"})
    assert result.code == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: rituals file {path}: ") and field in lines[0], result.stderr
    assert server.requests == [] and result.stdout == ""
