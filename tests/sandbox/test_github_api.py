"""The sandbox's GitHub: every route answers as GitHub's OpenAPI description says (validated by the
fixture), and its tiny git behaves like git (ancestry, compare, contents at a ref)."""

from __future__ import annotations

import httpx
import pytest
from github import Auth, Github

from tests.helpers import world_time


@pytest.fixture
def gh(sandbox):
    client = Github(base_url=sandbox.env()["GITHUB_API_URL"], auth=Auth.Token(sandbox.env()["GH_TOKEN"]), per_page=100,
                    seconds_between_requests=None, seconds_between_writes=None, retry=None)
    yield client
    client.close()


@pytest.fixture
def api(sandbox):
    with httpx.Client(base_url=sandbox.env()["GITHUB_API_URL"], headers={"Authorization": f"token {sandbox.env()['GH_TOKEN']}"}) as client:
        yield client


def test_repository_user_and_rate_limit(gh, api):
    repo = gh.get_repo("fleetdm/fleet")
    assert repo.full_name == "fleetdm/fleet" and repo.default_branch == "main" and repo.id == 30000001
    assert gh.get_user().login == "fleet-release"
    assert api.get("/rate_limit").json()["resources"]["core"]["limit"] == 5000
    assert api.get("/repos/fleetdm/fleet/branches/main").json()["protected"] is True


def test_milestone_lifecycle(gh):
    repo = gh.get_repo("fleetdm/fleet")
    ms = repo.create_milestone("4.59.0-tentative", description="next")
    assert ms.number > 102 and ms.state == "open"
    ms.edit("4.59.0-tentative", state="closed")
    assert repo.get_milestone(ms.number).state == "closed"
    with pytest.raises(Exception) as err:
        repo.create_milestone("4.59.0-tentative")
    assert getattr(err.value, "status", None) == 422
    ms.delete()


def test_issue_lifecycle_labels_comments_and_search(gh, sandbox):
    repo = gh.get_repo("fleetdm/fleet")
    ms = repo.get_milestone(102)
    issue = repo.create_issue("Upgrade Go to 1.22.12", body="b", labels=["bug", "new-label"], assignees=["lukeheath"], milestone=ms)
    assert [lb.name for lb in issue.labels] == ["bug", "new-label"] and issue.milestone.number == 102
    issue.add_to_labels(":reproduce")
    issue.remove_from_labels("new-label")
    issue.create_comment("hello")
    assert [c.body for c in issue.get_comments()] == ["hello"]
    assert {i.number for i in repo.get_issues(milestone=ms, state="open", labels=["bug"])} >= {issue.number}
    found = gh.search_issues('repo:fleetdm/fleet is:issue is:open in:title "Upgrade Go to 1.22.12"')
    assert [i.number for i in found] == [issue.number]
    issue.edit(state="closed", state_reason="completed", milestone=None)
    assert repo.get_issue(issue.number).state == "closed"
    with pytest.raises(Exception) as err:
        repo.create_issue("x", assignees=["not-a-collaborator"])
    assert getattr(err.value, "status", None) == 422


def test_releases_and_tags(gh):
    macadmins = gh.get_repo("macadmins/osquery-extension")
    assert macadmins.get_latest_release().tag_name == "v1.2.3"  # the v1.3.0-beta1 prerelease is not "latest"
    assert macadmins.get_release("v1.2.1").tag_name == "v1.2.1"
    fleet = gh.get_repo("fleetdm/fleet")
    names = [t.name for t in fleet.get_tags()]
    assert "fleet-v4.58.0" in names and "orbit-v1.34.0" in names
    refs = [r.ref for r in fleet.get_git_matching_refs("tags/orbit-v")]
    assert "refs/tags/orbit-v1.39.1-1337" in refs and "refs/tags/orbit-test-build" not in refs


def test_annotated_tags_dereference_to_their_commit(gh):
    fleet = gh.get_repo("fleetdm/fleet")
    ref = fleet.get_git_ref("tags/fleet-v4.58.0")
    assert ref.object.type == "tag"
    tag = fleet.get_git_tag(ref.object.sha)
    assert tag.object.type == "commit" and fleet.get_git_commit(tag.object.sha).message == "Release 4.58.0"


def test_compare_and_commits_follow_ancestry(gh):
    fleet = gh.get_repo("fleetdm/fleet")
    ahead = fleet.compare("orbit-v1.34.0", "main")
    assert ahead.status == "ahead" and ahead.behind_by == 0
    touched = [c for c in ahead.commits if any(f.filename.startswith("orbit/") for f in fleet.get_commit(c.sha).files)]
    assert len(touched) == 3
    assert fleet.compare("main", "fleet-v4.57.0").status == "behind"
    assert fleet.compare("fleet-v4.58.0", "fleet-v4.58.0").status == "identical"
    since_tag = list(fleet.get_commits(sha="main", path="orbit/cmd/desktop"))
    assert [c.commit.message for c in since_tag][:2] == ["Desktop: translate the tray menu", "Desktop: show MDM migration banner"]


def test_diverged_compare(gh, sandbox):
    fleet = gh.get_repo("fleetdm/fleet")
    base = fleet.get_git_ref("tags/fleet-v4.57.0").object.sha
    commit = fleet.get_git_tag(base).object.sha
    fleet.create_git_ref("refs/heads/patch-fleet-v4.57.1", commit)
    with pytest.raises(Exception) as err:
        fleet.create_git_ref("refs/heads/patch-fleet-v4.57.1", commit)
    assert getattr(err.value, "status", None) == 422
    # a commit on the patch branch makes it diverge from main
    from fleetops.sandbox.world.git import GitBuilder

    GitBuilder(sandbox.state["github"]["repos"]["fleetdm/fleet"]).commit("Fix on the patch branch", world_time(sandbox), {"x.go": "x"}, branch="patch-fleet-v4.57.1")
    assert fleet.compare("main", "patch-fleet-v4.57.1").status == "diverged"


def test_contents_at_a_ref(gh):
    fleet = gh.get_repo("fleetdm/fleet")
    now = fleet.get_contents("go.mod").decoded_content.decode()
    old = fleet.get_contents("go.mod", ref="orbit-v1.9.0").decoded_content.decode()
    assert "\ngo 1.22.3\n" in now and "\ngo 1.21.7\n" in old
    with pytest.raises(Exception) as err:
        fleet.get_contents("nope.txt")
    assert getattr(err.value, "status", None) == 404


def test_actions_variables_need_a_token(sandbox, api):
    sandbox.state["github"]["repos"]["fleetdm/fleet"]["variables"]["GO_VERSION"] = {"value": "1.22.3", "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
    assert api.get("/repos/fleetdm/fleet/actions/variables/GO_VERSION").json()["value"] == "1.22.3"
    assert api.get("/repos/fleetdm/fleet/actions/variables").json()["total_count"] == 1
    anonymous = httpx.get(sandbox.env()["GITHUB_API_URL"] + "/repos/fleetdm/fleet/actions/variables/GO_VERSION")
    assert anonymous.status_code == 401


def test_pagination_links_stay_on_the_sandbox(sandbox, api):
    page = api.get("/repos/fleetdm/fleet/issues", params={"state": "all", "per_page": 5})
    assert len(page.json()) == 5
    assert page.headers["Link"].startswith(f"<{sandbox.url}/github/repos/fleetdm/fleet/issues?")
    assert api.get("/repos/fleetdm/fleet/issues", params={"per_page": 500}).status_code == 200  # capped at 100


def test_unknown_paths_and_methods(api):
    assert api.get("/repos/fleetdm/fleet/nothing-here").status_code == 404
    assert api.put("/repos/fleetdm/fleet/milestones").status_code == 405
