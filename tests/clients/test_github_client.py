"""GitHub through PyGithub against the sandbox over real sockets: errors, paging, pacing settings."""

from __future__ import annotations

import pytest

from fleetops.clients.github import GitHubClient
from fleetops.errors import AuthError, NotFound, ServiceError
from fleetops.settings import Settings


def client(server, tmp_path, repo="fleetdm/fleet", **env):
    settings = Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), **server.env(), **env}, github_write_interval=0.0)
    return GitHubClient(settings, repo)


def test_milestones_and_login(sandbox, tmp_path):
    gh = client(sandbox, tmp_path)
    assert gh.login() == "fleet-release"
    titles = [m.title for m in gh.milestones("all")]
    assert titles == ["4.57.0", "4.58.0-tentative"]


def test_bad_token_is_auth_error_naming_the_variable(sandbox, tmp_path):
    gh = client(sandbox, tmp_path, GH_TOKEN="ghp_wrong_token_value")
    with pytest.raises(AuthError, match="GH_TOKEN") as err:
        gh.milestones()
    assert "ghp_wrong_token_value" not in str(err.value)


def test_anonymous_reads_work_and_anonymous_writes_need_a_token(sandbox, tmp_path):
    env = sandbox.env()
    del env["GH_TOKEN"]
    settings = Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), **env}, github_write_interval=0.0)
    gh = GitHubClient(settings, "fleetdm/fleet")
    assert gh.login() is None
    assert len(gh.milestones()) == 1
    with pytest.raises(AuthError, match="needs a token"):
        gh.call("creating a milestone", lambda: gh.repo.create_milestone("x"))


def test_unknown_repository_is_not_found(sandbox, tmp_path):
    with pytest.raises(NotFound):
        client(sandbox, tmp_path, repo="fleetdm/nope").milestones()


def test_server_errors_are_retried_then_reported(sandbox, tmp_path):
    from fleetops.sandbox.server import Fault

    sandbox.inject(Fault("GET", "/milestones", status=502, times=2))
    gh = GitHubClient(Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), **sandbox.env()}, retry_backoff=0.0), "fleetdm/fleet")
    assert len(gh.milestones()) == 1
    assert [r["status"] for r in sandbox.requests] == [502, 502, 200]
    sandbox.inject(Fault("GET", "/milestones", status=500, times=10))
    with pytest.raises(ServiceError, match="500"):
        gh.milestones()


def test_lists_are_paged_at_100(make_sandbox, tmp_path):
    server = make_sandbox()
    repo = server.state["github"]["repos"]["fleetdm/fleet"]
    for n in range(150):
        repo["milestones"].append({"id": 9000 + n, "number": 500 + n, "title": f"m{n}", "state": "open", "description": None,
                                   "due_on": None, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "closed_at": None})
    gh = client(server, tmp_path)
    assert len(gh.milestones()) == 151
    pages = [r for r in server.requests if "/milestones" in r["path"]]
    assert len(pages) == 2 and all("per_page=100" in r["path"] for r in pages)


@pytest.mark.real_timing
def test_writes_are_paced_as_github_asks_outside_the_sandbox(tmp_path):
    settings = Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path)})
    gh = GitHubClient(settings, "fleetdm/fleet")
    requester = gh._gh._Github__requester  # PyGithub keeps the pacing on its requester
    assert requester._Requester__seconds_between_writes == 1.0
    assert settings.for_sandbox("http://127.0.0.1:1", {"github": "a", "mergefreeze": "b", "zenhub": "c", "slack": "d", "dogfood": "e"}).github_write_interval == 0.0
