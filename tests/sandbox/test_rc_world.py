"""The rc world: it resets from the CLI, and serves its boards, candidate branch and variable over REST
(validated against GitHub's OpenAPI description) and GraphQL."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from github import Auth, Github

from fleetops.sandbox.world import build_world
from fleetops.sandbox.world.rc import BRANCH, ITEMS, PROJECTS


@pytest.fixture
def rc(make_sandbox):
    return make_sandbox("rc")


@pytest.fixture
def gh(rc):
    env = rc.env()
    client = Github(base_url=env["GITHUB_API_URL"], auth=Auth.Token(env["GH_TOKEN"]), per_page=100, lazy=True,
                    seconds_between_requests=None, seconds_between_writes=None, retry=None)
    yield client
    client.close()


def test_sandbox_reset_world_rc(cli, clean_env):
    result = cli("sandbox", "reset", "--world", "rc")
    assert result.code == 0, result.stderr
    state = json.loads((clean_env / "sandbox" / "state.json").read_text())
    assert state["world"] == "rc"
    assert sorted(p["number"] for p in state["github"]["projects"]) == sorted(PROJECTS)
    assert state["github"]["repos"]["fleetdm/confidential"]["variables"]["QAWOLF_DEPLOY_TAG"]["value"] == BRANCH


def test_candidate_branch_has_two_fixes_picked_and_one_missing(gh):
    repo = gh.get_repo("fleetdm/fleet")
    picked = {}
    for commit in repo.get_commits(sha=BRANCH)[:3]:
        message = commit.commit.message
        m = re.search(r"\(cherry picked from commit ([0-9a-f]{40})\)", message)
        picked[message.splitlines()[0]] = m[1] if m else None
    merges = {n: repo.get_pull(n).merge_commit_sha for n in (24100, 24101, 24102, 24103)}
    # 24101: -x names the commit that merged it on main; 24103: only the PR number ties it
    assert picked["Profiles: keep retries across reboots (#24101)"] == merges[24101]
    assert picked["Installers: stop the spinner when the upload ends (#24103)"] is None
    # 24100 merged before the cut: the branch has that very commit; 24102's fix is on main only
    on_branch = {c.sha for c in repo.get_commits(sha=BRANCH)}
    on_main = {c.sha for c in repo.get_commits(sha="main")}
    assert merges[24100] in on_branch
    assert merges[24102] in on_main and merges[24102] not in on_branch
    assert repo.get_pull(24104).base.ref == BRANCH and repo.get_pull(24104).state == "open"
    assert repo.get_branch(BRANCH).name == BRANCH


def test_qawolf_deploy_tag_reads_and_updates(gh, rc):
    variable = gh.get_repo("fleetdm/confidential").get_variable("QAWOLF_DEPLOY_TAG")
    assert variable.value == BRANCH
    assert variable.edit("main") is True
    assert gh.get_repo("fleetdm/confidential").get_variable("QAWOLF_DEPLOY_TAG").value == "main"
    assert [w["method"] for w in rc.writes("github")] == ["PATCH"]


def test_updating_a_variable_that_does_not_exist_is_404(rc):
    env = rc.env()
    response = httpx.patch(f"{env['GITHUB_API_URL']}/repos/fleetdm/confidential/actions/variables/NOPE",
                           json={"value": "x"}, headers={"Authorization": f"Bearer {env['GH_TOKEN']}"})
    assert response.status_code == 404


def test_graphql_endpoint_answers_like_github(rc):
    env = rc.env()
    url = f"{env['GITHUB_API_URL']}/graphql"
    query = {"query": "query { organization(login: \"fleetdm\") { projectV2(number: 67) { title } } rateLimit { cost remaining } }"}
    ok = httpx.post(url, json=query, headers={"Authorization": f"bearer {env['GH_TOKEN']}"})
    assert ok.status_code == 200 and ok.headers["x-ratelimit-resource"] == "graphql"
    assert ok.json()["data"]["organization"]["projectV2"]["title"] == "🎨 Drafting"
    assert "project" in ok.headers["x-oauth-scopes"].split(", ")
    no_scope = httpx.post(url, json=query, headers={"Authorization": f"bearer {rc.tokens['github_no_project']}"})
    assert no_scope.status_code == 200 and "data" not in no_scope.json()
    assert no_scope.json()["errors"][0]["type"] == "INSUFFICIENT_SCOPES"
    assert httpx.post(url, json=query, headers={"Authorization": "bearer nope"}).status_code == 401
    too_many = {"query": "query($p: ID!) { node(id: $p) { ... on ProjectV2 { items(first: 101) { totalCount } } } }",
                "variables": {"p": "x"}}
    assert httpx.post(url, json=too_many, headers={"Authorization": f"bearer {env['GH_TOKEN']}"}).json()["errors"]


def test_the_large_rc_world_spreads_1500_issues_of_the_milestone_over_the_group_boards():
    state = build_world("rc", rc_items=1500)
    fleet = state["github"]["repos"]["fleetdm/fleet"]
    milestone = next(m["number"] for m in fleet["milestones"] if m["title"] == "4.59.0")
    in_milestone = [i for i in fleet["issues"] if i.get("milestone") == milestone]
    assert len(in_milestone) == 1500 + sum(1 for v in ITEMS.values() if v[3] == "4.59.0")
    items = {p["number"]: len(p["items"]) for p in state["github"]["projects"]}
    assert all(items[n] >= 500 for n in (58, 71, 70))
    assert sum(items.values()) > 1500


CLOSING = """query($n: Int!, $only: Boolean) { repository(owner: "fleetdm", name: "fleet") {
  pullRequest(number: $n) { closingIssuesReferences(first: 10, userLinkedOnly: $only) { totalCount nodes { number } } } } }"""


def closing(rc, number, *, only=False, token=None):
    env = rc.env()
    answer = httpx.post(f"{env['GITHUB_API_URL']}/graphql", json={"query": CLOSING, "variables": {"n": number, "only": only}},
                        headers={"Authorization": f"bearer {token or env['GH_TOKEN']}"}).json()
    assert "errors" not in answer, answer
    return [n["number"] for n in answer["data"]["repository"]["pullRequest"]["closingIssuesReferences"]["nodes"]]


def test_closing_issue_references_are_the_keywords_and_the_links_made_by_hand(rc):
    from fleetops.sandbox.world.rc import LINKED_BY_HAND, PULLS

    assert closing(rc, 24101) == [24011]  # "Fixes #24011" in its description
    assert closing(rc, 24101, only=True) == []
    assert "#24010" not in PULLS[24102][1] and LINKED_BY_HAND[24102] == [24010]
    assert closing(rc, 24102) == [24010] == closing(rc, 24102, only=True)  # linked by hand only
    assert closing(rc, 24106) == []
    # no `project` scope needed: rc-status reads them with a token that has `repo`
    assert closing(rc, 24102, token=rc.tokens["github_no_project"]) == [24010]


def test_closing_keywords_link_only_a_pull_request_into_the_default_branch(rc):
    pr = next(i for i in rc.state["github"]["repos"]["fleetdm/fleet"]["issues"] if i["number"] == 24104)
    pr["body"] = "Fixes #24010 on the candidate"  # 24104 is open into the candidate branch
    assert closing(rc, 24104) == []
    pr["pull_request"]["linked_issues"] = [24010]
    assert closing(rc, 24104) == [24010]


def test_a_pull_request_that_does_not_exist_is_not_found(rc):
    env = rc.env()
    answer = httpx.post(f"{env['GITHUB_API_URL']}/graphql", json={"query": CLOSING, "variables": {"n": 24010}},
                        headers={"Authorization": f"bearer {env['GH_TOKEN']}"}).json()  # 24010 is an issue
    assert answer["errors"][0]["type"] == "NOT_FOUND" and answer["data"]["repository"]["pullRequest"] is None


def test_an_issues_milestone_answers_its_issues_as_the_repositorys_milestone_does(rc, github_graphql_schema):
    from graphql import parse, validate

    query = """query($n: Int!) { repository(owner: "fleetdm", name: "fleet") {
      issue(number: $n) { milestone { number issues(first: 5) { totalCount } } } } }"""
    assert validate(github_graphql_schema, parse(query)) == []
    env = rc.env()
    answer = httpx.post(f"{env['GITHUB_API_URL']}/graphql", json={"query": query, "variables": {"n": 24010}},
                        headers={"Authorization": f"bearer {env['GH_TOKEN']}"}).json()
    assert "errors" not in answer, answer
    milestone = answer["data"]["repository"]["issue"]["milestone"]
    fleet = rc.state["github"]["repos"]["fleetdm/fleet"]
    expected = [i for i in fleet["issues"] if i.get("milestone") == milestone["number"] and not i.get("pull_request")]
    assert milestone["issues"]["totalCount"] == len(expected) > 0
