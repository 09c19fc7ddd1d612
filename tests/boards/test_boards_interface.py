"""The `Boards` interface is what every backend provides; the Projects backend's own API (issue 18, item b).

`issue_cards`, `all_cards`, `archived_cards`, `labels`, `apply` and the `*_changes` methods have no ZenHub
counterpart, so they are out of the interface: code that runs on Projects only reaches them through
`App.project_boards`, which says so (exit 2) when the rituals file names another backend.
"""

from __future__ import annotations

import inspect

import pytest

from fleetops.app import App
from fleetops.boards import Boards
from fleetops.boards.github_projects import GitHubProjectsBoards
from fleetops.boards.zenhub import ZenHubBoards
from fleetops.errors import ExitCode, RitualsError

PROJECTS_ONLY = {
    "issue_cards", "all_cards", "archived_cards", "labels", "apply",
    "move_changes", "close_changes", "unarchive_changes", "add_changes", "label_changes",
}


def _public_methods(cls: type) -> set[str]:
    return {name for name, member in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


def test_the_interface_is_exactly_what_zenhub_provides_and_the_rest_is_the_projects_backends_own():
    interface = _public_methods(Boards)
    assert _public_methods(ZenHubBoards) == interface
    assert _public_methods(GitHubProjectsBoards) - interface == PROJECTS_ONLY
    assert interface <= _public_methods(GitHubProjectsBoards)


@pytest.fixture
def app_for(tmp_path):
    apps = []

    def make(server, **env):
        app = App(env={**server.env(), "FLEETOPS_STATE_DIR": str(tmp_path), **env})
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


def test_project_boards_is_the_projects_backend_under_fleet_rc(make_sandbox, clock, app_for):
    app = app_for(make_sandbox("rc"), FLEETOPS_RITUALS="fleet-rc")
    assert app.project_boards is app.boards
    assert isinstance(app.project_boards, GitHubProjectsBoards)


def test_project_boards_refuses_a_zenhub_rituals_file(sandbox, app_for):
    app = app_for(sandbox, FLEETOPS_RITUALS="fleet")
    with pytest.raises(RitualsError) as err:
        app.project_boards  # noqa: B018 - the property is what is tested
    assert err.value.exit_code == ExitCode.USAGE
    assert "boards.backend: github-projects" in err.value.message and "zenhub" in err.value.message
