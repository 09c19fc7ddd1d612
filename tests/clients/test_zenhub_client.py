"""ZenHub client: errors with respx, and the real calls against the sandbox."""

from __future__ import annotations

import httpx
import pytest
import respx

from fleetops.clients.zenhub import ZenHubClient
from fleetops.errors import AuthError, NotFound, ServiceError
from fleetops.settings import Settings

URL = "https://zenhub.example.test/public/graphql"
MDM = "63bc507f6558550011840298"
DRAFTING = "6192dd66ea2562000faea25c"


def client(tmp_path, **env):
    settings = Settings.from_env(
        {"FLEETOPS_STATE_DIR": str(tmp_path), "ZENHUB_TOKEN": "zh_secret_token_1234", "FLEETOPS_ZENHUB_URL": "https://zenhub.example.test", **env},
        retry_backoff=0.0,
    )
    return ZenHubClient(settings)


def test_missing_token_is_exit_4_naming_the_variable(tmp_path):
    with pytest.raises(AuthError, match="ZENHUB_TOKEN is not set"):
        ZenHubClient(Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path)}))


@respx.mock
def test_graphql_errors_in_a_200_are_errors(tmp_path):
    respx.post(URL).respond(200, json={"data": None, "errors": [{"message": "Field 'x' doesn't exist on type 'Query'"}]})
    with pytest.raises(ServiceError, match="ZenHub rejected the request: Field 'x' doesn't exist"):
        client(tmp_path).board(MDM)


@respx.mock
def test_401_is_an_auth_error_without_the_token(tmp_path):
    respx.post(URL).respond(401, json={"errors": [{"message": "Unauthorized"}]})
    with pytest.raises(AuthError) as err:
        client(tmp_path).board(MDM)
    assert "ZENHUB_TOKEN" in str(err.value) and "zh_secret_token_1234" not in str(err.value)


@respx.mock
def test_queries_are_retried_on_5xx(tmp_path):
    board = {"data": {"workspace": {"id": MDM, "displayName": "b", "activeSprint": None, "closedPipeline": {"id": "c", "name": "Closed"},
                                      "pipelinesConnection": {"nodes": [{"id": "p", "name": "Ready"}]}, "repositoriesConnection": {"nodes": []}}}}
    route = respx.post(URL).mock(side_effect=[httpx.Response(502), httpx.Response(200, json=board)])
    assert client(tmp_path).board(MDM).pipelines[0].name == "Ready"
    assert route.call_count == 2


@respx.mock
def test_mutations_are_not_retried(tmp_path):
    route = respx.post(URL).mock(side_effect=[httpx.Response(502), httpx.Response(200, json={"data": {"closeIssues": {"successCount": 1}}})])
    with pytest.raises(ServiceError, match="HTTP 502"):
        client(tmp_path).close_issues(["id1"])
    assert route.call_count == 1


@respx.mock
def test_timeouts_and_malformed_json(tmp_path):
    respx.post(URL).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ServiceError, match="did not answer in time"):
        client(tmp_path).board(MDM)
    respx.post(URL).respond(200, text="<html>maintenance</html>")
    with pytest.raises(ServiceError, match="not JSON"):
        client(tmp_path).board(MDM)


@respx.mock
def test_failed_issues_in_a_batch_are_reported(tmp_path):
    respx.post(URL).respond(200, json={"data": {"closeIssues": {"successCount": 1, "failedIssues": [{"id": "x", "number": 42}], "githubErrors": {"42": "locked"}}}})
    with pytest.raises(ServiceError, match="#42"):
        client(tmp_path).close_issues(["a", "b"])


def sandbox_client(server, tmp_path):
    return ZenHubClient(Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), **server.env()}))


def test_board_pipelines_sprint_and_issues_from_the_sandbox(sandbox, tmp_path):
    zh = sandbox_client(sandbox, tmp_path)
    board = zh.board(MDM)
    assert [p.name for p in board.pipelines] == ["New Issues", "Ready", "In progress", "Awaiting QA", "Ready for release"]
    assert board.active_sprint is not None and board.repository_gh_ids == {"fleetdm/fleet": 30000001}
    assert list(board.repository_ids) == ["fleetdm/fleet"] and board.repository_ids["fleetdm/fleet"]
    ready = zh.pipeline_issues(MDM, board.pipeline("Ready for release").id)
    assert len(ready) == 8 and all(i.pipeline.name == "Ready for release" for i in ready)
    stories = zh.pipeline_issues(MDM, board.pipeline("Ready for release").id, labels=["story"])
    assert {i.title for i in stories} >= {"Custom OS settings for iPhones and iPads"}
    in_milestone = zh.pipeline_issues(MDM, board.pipeline("In progress").id, milestones=["4.58.0-tentative"])
    assert len(in_milestone) == 2
    assert sandbox.writes() == []  # GraphQL queries are POSTs but not writes


def test_batch_mutations_write_through_to_github(sandbox, tmp_path):
    zh = sandbox_client(sandbox, tmp_path)
    board = zh.board(MDM)
    ready = zh.pipeline_issues(MDM, board.pipeline("Ready for release").id)
    milestone = zh.milestone_id(30000001, 102)
    assert zh.add_milestone([i.id for i in ready], milestone) == 8
    zh.add_labels([ready[0].id], [":product"])
    zh.remove_labels([ready[0].id], [":release"])
    zh.close_issues([ready[1].id])
    issues = {i["number"]: i for i in sandbox.state["github"]["repos"]["fleetdm/fleet"]["issues"]}
    assert all(issues[i.number]["milestone"] == 102 for i in ready)
    assert ":product" in issues[ready[0].number]["labels"] and ":release" not in issues[ready[0].number]["labels"]
    assert issues[ready[1].number]["state"] == "closed"
    assert zh.issue(30000001, ready[1].number, MDM).pipeline.name == "Closed"
    assert len(sandbox.writes("zenhub")) == 4  # one request per batch, not one per issue


def test_pipeline_issues_page_through_more_than_100(make_sandbox, tmp_path):
    server = make_sandbox()
    repo = server.state["github"]["repos"]["fleetdm/fleet"]
    for n in range(30000, 30150):
        repo["issues"].append({"id": n, "number": n, "title": f"bulk {n}", "state": "open", "labels": [], "assignees": [],
                               "milestone": None, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"})
    zh = sandbox_client(server, tmp_path)
    board = zh.board(MDM)
    new = zh.pipeline_issues(MDM, board.pipelines[0].id)  # unplaced issues sit in the first pipeline
    bulk = [i for i in new if i.title.startswith("bulk ")]
    assert len(bulk) == 150 and len({i.number for i in new}) == len(new)
    assert sum(1 for r in server.requests if r["service"] == "zenhub") == 3  # board + 2 pages


@respx.mock
@pytest.mark.parametrize("error", [
    {"message": "Issue not found: #99999"},  # the sandbox's words (sandbox/services/zenhub.py)
    {"message": "Not Found", "extensions": {"code": "NOT_FOUND"}},
    {"message": "Record could not be located", "extensions": {"code": "NOT_FOUND"}},
])
def test_an_issue_zenhub_does_not_know_is_not_found(tmp_path, error):
    respx.post(URL).respond(200, json={"data": None, "errors": [error]})
    with pytest.raises(NotFound, match="ZenHub has no issue #99999 in repository 1"):
        client(tmp_path).issue(1, 99999, MDM)


@respx.mock
def test_other_errors_of_the_issue_lookup_stay_service_errors(tmp_path):
    respx.post(URL).respond(200, json={"data": None, "errors": [{"message": "Internal server error"}]})
    with pytest.raises(ServiceError, match="ZenHub rejected the request: Internal server error") as err:
        client(tmp_path).issue(1, 7, MDM)
    assert not isinstance(err.value, NotFound)


@respx.mock
def test_not_found_elsewhere_is_not_a_missing_issue(tmp_path):
    # only the issue lookup maps "not found" to NotFound: a missing workspace stays a ServiceError
    respx.post(URL).respond(200, json={"data": None, "errors": [{"message": "Workspace not found: x"}]})
    with pytest.raises(ServiceError) as err:
        client(tmp_path).board(MDM)
    assert not isinstance(err.value, NotFound)
