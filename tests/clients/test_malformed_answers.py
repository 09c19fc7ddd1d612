"""A service answer of an unexpected shape is a one-line ServiceError naming the service and the field (issue 9).

godev, the feeds and dogfood have their own tests of malformed answers (tests/unit/test_deps_clients.py,
tests/unit/test_dogfood_client.py); Slack's answer is not JSON (tests/clients/test_slack_client.py).
"""

from __future__ import annotations

import pytest
import respx

from fleetops.clients.dockerhub import DockerHubClient
from fleetops.clients.mergefreeze import MergeFreezeClient
from fleetops.clients.zenhub import ZenHubClient
from fleetops.errors import ServiceError
from fleetops.settings import Settings

MF_BASE = "https://mf.example.test"
MF_URL = f"{MF_BASE}/api/branches/fleetdm/fleet/main"
HUB_BASE = "https://hub.example.test"
ZH_URL = "https://zenhub.example.test/public/graphql"
MDM = "63bc507f6558550011840298"


def settings(tmp_path, **env):
    return Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), **env}, retry_backoff=0.0)


@pytest.fixture
def mf(tmp_path):
    return MergeFreezeClient(settings(tmp_path, MERGEFREEZE_TOKEN="mf_token_0123456789", FLEETOPS_MERGEFREEZE_URL=MF_BASE))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"frozen": True, "unblocked_prs": [{"number": 3}]}, "Merge Freeze answered the state of branch 'main' with an unexpected `unblocked_prs.0`"),
        ({"frozen": True, "unblocked_prs": ["#3"]}, "unexpected `unblocked_prs.0`: input should be a valid integer, unable to parse string as an integer, got '#3'"),
        ({"frozen": True, "unblocked_prs": "3,5"}, "unexpected `unblocked_prs`"),
        ({"frozen": "perhaps"}, "unexpected `frozen`"),
        ({"frozen": True, "frozen_by": {"name": "Ann"}}, "unexpected `frozen_by`"),
        (["main", True], "Merge Freeze answered the state of branch 'main' with a JSON array instead of an object: ['main', True]."),
    ],
)
@respx.mock
def test_merge_freeze_status_of_an_unexpected_shape(mf, body, problem):
    respx.get(MF_URL).respond(200, json=body)
    with pytest.raises(ServiceError) as err:
        mf.status("fleetdm/fleet", "main")
    assert problem in str(err.value)
    assert "\n" not in str(err.value) and err.value.exit_code == 1


@respx.mock
def test_merge_freeze_numbers_as_strings_are_numbers(mf):
    respx.get(MF_URL).respond(200, json={"frozen": True, "unblocked_prs": ["3", 5], "frozen_by": None})
    assert mf.status("fleetdm/fleet", "main").unblocked_prs == [3, 5]


@respx.mock
def test_merge_freeze_unblock_answer_of_an_unexpected_shape(mf):
    respx.post(MF_URL).respond(200, json={"frozen": True, "unblocked_prs": [{"pr": 3}]})
    with pytest.raises(ServiceError, match=r"Merge Freeze answered .* `unblocked_prs\.0`"):
        mf.set_unblocked("fleetdm/fleet", "main", [3], user_name="bot")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "v4.58.0", "digest": 42}, "digest"),
        ({"name": "v4.58.0", "images": [{"os": 7, "architecture": "amd64"}]}, "images.0.os"),
        ({"name": "v4.58.0", "images": "linux/amd64"}, "images"),
    ],
)
@respx.mock
def test_docker_hub_tag_of_an_unexpected_shape(tmp_path, body, field):
    hub = DockerHubClient(settings(tmp_path, FLEETOPS_DOCKERHUB_URL=HUB_BASE))
    respx.get(f"{HUB_BASE}/v2/repositories/fleetdm/fleet/tags/v4.58.0").respond(200, json=body)
    with pytest.raises(ServiceError, match=f"^Docker Hub answered the lookup of a tag of fleetdm/fleet with an unexpected `{field}`"):
        hub.tag("fleetdm/fleet", "v4.58.0")


def zenhub(tmp_path):
    return ZenHubClient(settings(tmp_path, ZENHUB_TOKEN="zh_token_0123456789", FLEETOPS_ZENHUB_URL="https://zenhub.example.test"))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"data": {"workspace": {"id": MDM, "displayName": "b"}}}, f"ZenHub answered the board of workspace {MDM} without the field `pipelinesConnection`."),
        ({"data": {"workspace": {"id": MDM, "displayName": "b", "pipelinesConnection": None}}}, "ZenHub answered the board of workspace"),
        ({"data": {"workspace": []}}, "ZenHub answered the board of workspace"),
        ({"errors": ["rate limited"]}, "ZenHub rejected the request: rate limited."),
        ({"errors": {"message": "nope"}}, "ZenHub rejected the request: nope."),
    ],
)
@respx.mock
def test_zenhub_board_of_an_unexpected_shape(tmp_path, body, problem):
    respx.post(ZH_URL).respond(200, json=body)
    with pytest.raises(ServiceError) as err:
        zenhub(tmp_path).board(MDM)
    assert str(err.value).startswith(problem)


@respx.mock
def test_zenhub_issue_page_of_an_unexpected_shape(tmp_path):
    node = {"id": "i1", "number": 3, "title": "t", "state": "OPEN", "htmlUrl": "u", "pullRequest": False}  # no repository
    respx.post(ZH_URL).respond(200, json={"data": {"searchIssuesByPipeline": {"nodes": [node], "pageInfo": {"hasNextPage": False, "endCursor": None}}}})
    with pytest.raises(ServiceError, match=r"^ZenHub answered an issue without the field `repository`\.$"):
        zenhub(tmp_path).pipeline_issues(MDM, "p1")
    respx.post(ZH_URL).respond(200, json={"data": {"searchIssuesByPipeline": {"nodes": []}}})
    with pytest.raises(ServiceError, match=r"^ZenHub answered a page of searchIssuesByPipeline without the field `pageInfo`\.$"):
        zenhub(tmp_path).pipeline_issues(MDM, "p1")


@respx.mock
def test_zenhub_mutation_answer_of_an_unexpected_shape(tmp_path):
    respx.post(ZH_URL).respond(200, json={"data": {"closeIssues": {"successCount": "many"}}})
    with pytest.raises(ServiceError, match=r"^ZenHub answered the request to close the issues in an unexpected shape"):
        zenhub(tmp_path).close_issues(["i1"])


@pytest.mark.parametrize("entry", ["#3", {"number": 3}])
def test_cli_merge_freeze_unblocked_list_of_an_unexpected_shape_is_one_line_exit_1(sandbox, cli, entry):
    from fleetops.sandbox.server import Fault

    sandbox.inject(Fault("GET", "/mergefreeze/", status=200, body={"branch": "main", "frozen": True, "unblocked_prs": [entry]}))
    result = cli("freeze", "status", env=sandbox.env())
    said = " ".join(result.stderr.split())
    assert result.code == 1
    assert "error: Merge Freeze answered the state of branch 'main' with an unexpected `unblocked_prs.0`" in said
    assert "Traceback" not in result.output and "unexpected TypeError" not in said and "unexpected ValueError" not in said
