"""GitHub through PyGithub against the sandbox over real sockets: errors, paging, pacing settings."""

from __future__ import annotations

from datetime import datetime, timedelta

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


def request_times(server, method_paths):
    """When the sandbox answered each request (its log's clock), for the (method, path start) given."""
    return [
        (r["method"], datetime.fromisoformat(r["time"]))
        for r in server.requests
        if any(r["method"] == m and r["path"].startswith(p) for m, p in method_paths)
    ]


def write_read_read_write(server, settings):
    """Two milestone creations with two reads between them; the times the sandbox saw them."""
    gh = GitHubClient(settings, "fleetdm/fleet")
    gh.create_milestone("4.60.0-tentative", due_on=None)
    gh.milestones()
    gh.milestones()
    gh.create_milestone("4.61.0-tentative", due_on=None)
    seen = request_times(server, [("POST", "/github/repos/fleetdm/fleet/milestones"), ("GET", "/github/repos/fleetdm/fleet/milestones")])
    assert [m for m, _ in seen] == ["POST", "GET", "GET", "POST"]
    return [t for _, t in seen]


@pytest.mark.real_timing
def test_writes_are_paced_one_second_apart_as_github_asks_and_reads_are_not(sandbox, tmp_path):
    settings = Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), **sandbox.env()})  # the defaults outside --sandbox
    first, read1, read2, second = write_read_read_write(sandbox, settings)
    assert second - first >= timedelta(seconds=1.0)
    assert read2 - first < timedelta(seconds=0.9)  # the reads went right away, not a second apart


@pytest.mark.real_timing
def test_the_sandbox_settings_do_not_pace_writes(sandbox, tmp_path):
    settings = Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path)}).for_sandbox(sandbox.url, sandbox.state["tokens"])
    first, _, _, second = write_read_read_write(sandbox, settings)
    assert second - first < timedelta(seconds=0.9)
