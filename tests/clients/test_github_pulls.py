"""The GitHub client's pull request reads against the sandbox: one request each, lists paged at 100."""

from __future__ import annotations

import pytest

from fleetops.clients.github import FileChange, GitHubClient
from fleetops.errors import NotFound, ServiceError
from fleetops.settings import Settings


def client(server, tmp_path):
    settings = Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), **server.env()}, github_write_interval=0.0, retry_backoff=0.0)
    return GitHubClient(settings, "fleetdm/fleet")


def github_gets(server):
    return [r["path"].split("?")[0] for r in server.requests if r["service"] == "github"]


def test_pull_request_is_one_request(sandbox, tmp_path):
    pr = client(sandbox, tmp_path).pull_request(23101)
    assert (pr.number, pr.state, pr.merged, pr.base, pr.author, pr.changed_files) == (23101, "open", False, "main", "mna", 3)
    assert pr.body.startswith("Fixes #23001") and pr.labels == ("#g-mdm",)
    assert pr.url.endswith("/fleetdm/fleet/pull/23101") and len(pr.head_sha) == 40
    assert github_gets(sandbox) == ["/github/repos/fleetdm/fleet/pulls/23101"]


def test_merged_pull_request(sandbox, tmp_path):
    pr = client(sandbox, tmp_path).pull_request(23107)
    assert (pr.state, pr.merged) == ("closed", True)


def test_files_page_at_100_and_nothing_else(sandbox, tmp_path):
    files = client(sandbox, tmp_path).pull_files(23110)
    assert len(files) == 150 and files[0] == FileChange("website/assets/images/docs/screenshot-000.png", "modified")
    assert github_gets(sandbox) == ["/github/repos/fleetdm/fleet/pulls/23110/files"] * 2
    assert all("per_page=100" in r["path"] for r in sandbox.requests)


def test_a_renamed_file_keeps_its_old_path(sandbox, tmp_path):
    pull = sandbox.state["github"]["repos"]["fleetdm/fleet"]["issues"][-1]["pull_request"]
    pull["files"] = [{"filename": "docs/moved.go", "status": "renamed", "previous_filename": "server/moved.go"}]
    files = client(sandbox, tmp_path).pull_files(23111)
    assert files == [FileChange("docs/moved.go", "renamed", "server/moved.go")]


def test_reviews_oldest_first_in_one_request(sandbox, tmp_path):
    reviews = client(sandbox, tmp_path).pull_reviews(23106)
    assert [(r.reviewer, r.state) for r in reviews] == [
        ("georgekarrv", "APPROVED"), ("xpkoala", "APPROVED"), ("lukeheath", "APPROVED"), ("xpkoala", "CHANGES_REQUESTED"),
    ]
    assert all(r.submitted_at is not None and r.commit_id for r in reviews)
    assert github_gets(sandbox) == ["/github/repos/fleetdm/fleet/pulls/23106/reviews"]


def test_issue_says_whether_it_is_a_pull_request(sandbox, tmp_path):
    gh = client(sandbox, tmp_path)
    issue = gh.issue(23002)
    assert issue is not None and issue.labels == ("bug", "~release blocker", "#g-endpoint-ops") and not issue.is_pull_request
    assert gh.issue(23101).is_pull_request  # type: ignore[union-attr]
    assert gh.issue(99999) is None


@pytest.mark.parametrize("read", ["pull_request", "pull_files", "pull_reviews"])
def test_missing_pull_request_is_not_found(sandbox, tmp_path, read):
    with pytest.raises(NotFound):
        getattr(client(sandbox, tmp_path), read)(23001)  # an issue, not a pull request


def test_server_errors_are_retried_then_reported(sandbox, tmp_path):
    from fleetops.sandbox.server import Fault

    sandbox.inject(Fault("GET", "/pulls/23101$", status=502, times=2))
    assert client(sandbox, tmp_path).pull_request(23101).number == 23101
    sandbox.inject(Fault("GET", "/pulls/23101/reviews", status=503, times=50))
    with pytest.raises(ServiceError, match="503 while listing the reviews of pull request #23101"):
        client(sandbox, tmp_path).pull_reviews(23101)
