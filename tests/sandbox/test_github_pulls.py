"""The sandbox's pull requests: GET /pulls/{n}, its files (paged) and reviews, as GitHub answers them
(the fixture validates every answer against GitHub's OpenAPI description)."""

from __future__ import annotations

import httpx
import pytest
from github import Auth, Github, UnknownObjectException


@pytest.fixture
def repo(sandbox):
    env = sandbox.env()
    client = Github(base_url=env["GITHUB_API_URL"], auth=Auth.Token(env["GH_TOKEN"]), per_page=100, lazy=True,
                    seconds_between_requests=None, seconds_between_writes=None, retry=None)
    yield client.get_repo("fleetdm/fleet")
    client.close()


def test_a_pull_request_reads_like_githubs(repo):
    pr = repo.get_pull(23101)
    assert (pr.number, pr.state, pr.merged, pr.draft) == (23101, "open", False, False)
    assert pr.base.ref == "main" and pr.head.ref == "mna/23001-profile-retries"
    assert pr.body.startswith("Fixes #23001") and [lb.name for lb in pr.labels] == ["#g-mdm"]
    assert pr.changed_files == 3 and pr.user.login == "mna"
    assert [f.filename for f in pr.get_files()] == [
        "server/mdm/apple/profiles.go", "server/mdm/apple/profiles_test.go", "changes/23001-profile-retries",
    ]


def test_a_merged_pull_request(repo):
    pr = repo.get_pull(23107)
    assert (pr.state, pr.merged, pr.merged_by.login) == ("closed", True, "lukeheath")
    assert pr.merged_at is not None and pr.merge_commit_sha


def test_files_are_paged_at_100(repo, sandbox):
    files = [f.filename for f in repo.get_pull(23110).get_files()]
    assert len(files) == 150 and files[0].startswith("website/assets/images/")
    pages = [r for r in sandbox.requests if r["path"].startswith("/github/repos/fleetdm/fleet/pulls/23110/files")]
    assert len(pages) == 2 and all("per_page=100" in r["path"] for r in pages)


def test_reviews_come_oldest_first_with_their_states(repo):
    reviews = [(r.user.login, r.state) for r in repo.get_pull(23105).get_reviews()]
    assert reviews == [
        ("sabrinabuckets", "CHANGES_REQUESTED"), ("sharon-fdm", "APPROVED"), ("sabrinabuckets", "APPROVED"),
        ("lukeheath", "APPROVED"), ("sharon-fdm", "COMMENTED"),
    ]


def test_an_issue_is_not_a_pull_request(sandbox):
    env = sandbox.env()
    with httpx.Client(base_url=env["GITHUB_API_URL"]) as api:
        assert api.get("/repos/fleetdm/fleet/pulls/23001").status_code == 404
        assert api.get("/repos/fleetdm/fleet/pulls/23001/files").status_code == 404
        assert api.get("/repos/fleetdm/fleet/pulls/99999/reviews").status_code == 404
        # the issue behind a pull request says it is one
        assert "pull_request" in api.get("/repos/fleetdm/fleet/issues/23101").json()


def test_missing_pull_request_is_404_for_pygithub(repo):
    with pytest.raises(UnknownObjectException):
        repo.get_pull(99999).raw_data
