"""The release world: a real bare git repository behind the sandbox's GitHub, what is pushed shows in the API."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import httpx
import pytest

from fleetops.sandbox.world.prepare import QA_ISSUE, REPO
from tests.git.gitrepo import ENV, commit, git

NOW = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


@pytest.fixture
def world(clock, make_sandbox, tmp_path):
    clock.set(NOW)
    return make_sandbox("release", git_dir=str(tmp_path / "git"))


def api(server, method, path, **kw):
    headers = {"Authorization": f"token {server.tokens['github']}"}
    return httpx.request(method, f"{server.env()['GITHUB_API_URL']}{path}", headers=headers, timeout=10, **kw)


def bare(server):
    return server.state["github"]["repos"][REPO]["git_dir"]


def test_the_models_shas_are_the_bare_repositorys(world):
    repo = world.state["github"]["repos"][REPO]
    for ref in ("heads/main", "tags/fleet-v4.60.0", "heads/rc-minor-fleet-v4.61.0"):
        real = subprocess.run(["git", "rev-parse", f"refs/{ref}"], cwd=bare(world), capture_output=True, text=True, check=True).stdout.strip()
        assert repo["refs"][ref] == real
    fix = next(i for i in repo["issues"] if i["number"] == 25105)
    assert fix["pull_request"]["merge_commit_sha"] in repo["commits"]


def test_a_pushed_branch_shows_in_the_api_and_can_get_a_pull_request(world, tmp_path):
    work = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", f"file://{bare(world)}", str(work)], env=ENV, check=True)
    git(work, "switch", "-q", "-c", "update-changelog-4.60.1")
    sha = commit(work, "Adding changes for Fleet v4.60.1", {"CHANGELOG.md": "## Fleet 4.60.1 (Dec 03, 2026)\n"})
    git(work, "push", "-q", "origin", "update-changelog-4.60.1")
    answer = api(world, "GET", f"/repos/{REPO}/git/ref/heads/update-changelog-4.60.1")
    assert answer.status_code == 200 and answer.json()["object"]["sha"] == sha
    made = api(world, "POST", f"/repos/{REPO}/pulls", json={"title": "Adding changes", "head": "update-changelog-4.60.1", "base": "main"})
    assert made.status_code == 201, made.text
    listed = api(world, "GET", f"/repos/{REPO}/pulls", params={"head": "fleetdm:update-changelog-4.60.1", "base": "main", "state": "all"})
    assert [p["number"] for p in listed.json()] == [made.json()["number"]]
    again = api(world, "POST", f"/repos/{REPO}/pulls", json={"title": "Again", "head": "update-changelog-4.60.1", "base": "main"})
    assert again.status_code == 422


def test_a_pull_request_from_a_branch_that_does_not_exist_is_refused(world):
    answer = api(world, "POST", f"/repos/{REPO}/pulls", json={"title": "x", "head": "nope", "base": "main"})
    assert answer.status_code == 422


def test_the_release_qa_issue_exists(world):
    assert api(world, "GET", f"/repos/{REPO}/issues/{QA_ISSUE}").json()["title"] == "Release QA: 4.60.1"


def test_a_pushed_fleet_tag_goes_through_githubs_one_door_and_starts_the_release_run(world, tmp_path):
    work = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", f"file://{bare(world)}", str(work)], env=ENV, check=True)
    git(work, "tag", "fleet-v4.60.1", "origin/main")
    git(work, "push", "-q", "origin", "fleet-v4.60.1")
    answer = api(world, "GET", f"/repos/{REPO}/git/ref/tags/fleet-v4.60.1")
    assert answer.status_code == 200
    runs = world.state["github"]["repos"][REPO]["actions"]["runs"]
    started = [r for r in runs if r["head_branch"] == "fleet-v4.60.1"]
    assert len(started) == 1 and started[0]["head_sha"] == git(work, "rev-parse", "origin/main")
    api(world, "GET", f"/repos/{REPO}/git/ref/tags/fleet-v4.60.1")  # a later sync starts nothing again
    assert len([r for r in world.state["github"]["repos"][REPO]["actions"]["runs"] if r["head_branch"] == "fleet-v4.60.1"]) == 1


def test_merge_pr_before_any_github_request_still_starts_the_release_run_of_a_pushed_tag(world, tmp_path):
    """merge-pr syncs the bare repository itself: a tag pushed since the last GitHub request goes through the one door."""
    work = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", f"file://{bare(world)}", str(work)], env=ENV, check=True)
    git(work, "switch", "-q", "-c", "docs-4.60.1")
    commit(work, "Docs for 4.60.1", {"docs/4.60.1.md": "# 4.60.1\n"})
    git(work, "push", "-q", "origin", "docs-4.60.1")
    made = api(world, "POST", f"/repos/{REPO}/pulls", json={"title": "Docs for 4.60.1", "head": "docs-4.60.1", "base": "main"})
    assert made.status_code == 201, made.text
    git(work, "tag", "fleet-v4.60.1", "origin/main")
    git(work, "push", "-q", "origin", "fleet-v4.60.1")
    merged = httpx.post(f"{world.url}/_sandbox/merge-pr", json={"repo": REPO, "number": made.json()["number"]}, timeout=10)
    assert merged.status_code == 200, merged.text
    runs = [r for r in world.state["github"]["repos"][REPO]["actions"]["runs"] if r["head_branch"] == "fleet-v4.60.1"]
    assert len(runs) == 1 and runs[0]["head_sha"] == git(work, "rev-parse", "origin/main")
    api(world, "GET", f"/repos/{REPO}/git/ref/tags/fleet-v4.60.1")  # the next GitHub request finds nothing new
    assert len([r for r in world.state["github"]["repos"][REPO]["actions"]["runs"] if r["head_branch"] == "fleet-v4.60.1"]) == 1


def test_a_files_graphql_oid_is_its_git_blob_sha_as_rest_contents_gives(world, github_graphql_schema):
    from graphql import parse, validate

    query = """query { repository(owner: "fleetdm", name: "fleet") { ref(qualifiedName: "refs/heads/main") { target { ... on Commit {
      file(path: "charts/fleet/Chart.yaml") { oid } dir: file(path: "charts/fleet") { object { ... on Tree { entries { name oid } } } } } } } } }"""
    assert validate(github_graphql_schema, parse(query)) == []
    answer = api(world, "POST", "/graphql", json={"query": query}).json()
    assert "errors" not in answer, answer
    commit = answer["data"]["repository"]["ref"]["target"]
    real = subprocess.run(["git", "rev-parse", "main:charts/fleet/Chart.yaml"], cwd=bare(world), capture_output=True, text=True, check=True).stdout.strip()
    rest = api(world, "GET", f"/repos/{REPO}/contents/charts/fleet/Chart.yaml", params={"ref": "main"}).json()["sha"]
    entries = {e["name"]: e["oid"] for e in commit["dir"]["object"]["entries"]}
    assert commit["file"]["oid"] == real == rest == entries["Chart.yaml"]
