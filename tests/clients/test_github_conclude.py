"""The GitHub client's milestone, ref and branch calls against the sandbox (PyGithub over real sockets)."""

from __future__ import annotations

from datetime import date

import pytest

from fleetops.clients.github import GitHubClient
from fleetops.errors import ServiceError
from fleetops.sandbox.server import Fault
from fleetops.settings import Settings


@pytest.fixture
def github(sandbox, tmp_path):
    settings = Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), **sandbox.env()}, github_write_interval=0.0)
    client = GitHubClient(settings, "fleetdm/fleet")
    yield client
    client.close()


def milestones(sandbox):
    return {m["number"]: m for m in sandbox.state["github"]["repos"]["fleetdm/fleet"]["milestones"]}


def test_edit_milestone_renames_closes_and_describes_in_one_patch_each(sandbox, github):
    renamed = github.edit_milestone(102, "4.58.0")
    assert renamed.title == "4.58.0" and renamed.state == "open"
    closed = github.edit_milestone(102, "4.58.0", state="closed", description="concluded")
    assert (closed.state, closed.description) == ("closed", "concluded")
    assert milestones(sandbox)[102]["title"] == "4.58.0"  # closing kept the new title
    assert [r["method"] for r in sandbox.writes("github")] == ["PATCH", "PATCH"]
    assert not [r for r in sandbox.requests if r["method"] == "GET" and "/milestones/" in r["path"]]  # no GET first


def test_create_milestone_sends_the_due_day_and_reports_an_existing_one(sandbox, github):
    created = github.create_milestone("4.59.0-tentative", due_on=date(2025, 7, 8))
    assert created is not None and created.title == "4.59.0-tentative"
    assert milestones(sandbox)[created.number]["due_on"] == "2025-07-08T00:00:00Z"
    assert github.create_milestone("4.59.0-tentative", due_on=None) is None  # GitHub's 422 already_exists


def test_refs_branches_and_annotated_tags(sandbox, github):
    repo = sandbox.state["github"]["repos"]["fleetdm/fleet"]
    sha, kind = github.ref("tags/fleet-v4.58.0")
    commit = github.commit_sha("fleet-v4.58.0")  # an annotated tag resolves to its commit
    assert kind == "tag" and commit == repo["tag_objects"][sha]["object"]
    assert github.ref("heads/patch-fleet-v4.58.1") is None
    assert github.create_branch("patch-fleet-v4.58.1", commit) is True
    assert repo["refs"]["heads/patch-fleet-v4.58.1"] == commit
    assert github.ref("heads/patch-fleet-v4.58.1") == (commit, "commit")
    assert github.create_branch("patch-fleet-v4.58.1", commit) is False  # "Reference already exists"


def test_other_refusals_are_errors(sandbox, github):
    sandbox.inject(Fault("POST", "/git/refs$", status=422, body={"message": "Object does not exist"}))
    with pytest.raises(ServiceError, match="GitHub answered 422 while creating branch x in fleetdm/fleet: Object does not exist"):
        github.create_branch("x", "0" * 40)
