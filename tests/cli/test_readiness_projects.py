"""`fleetops release readiness` under FLEETOPS_RITUALS=fleet-rc: the Release QA ticket's Status on each
product group's GitHub Projects board, read through the board interface, over real sockets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fleetops.sandbox.world.rc import QA_ISSUE

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
RC = {"FLEETOPS_RITUALS": "fleet-rc"}


def by_key(data):
    return {g["key"]: g for g in data["groups"]}


def set_status(server, project_number, issue, status):
    project = next(p for p in server.state["github"]["projects"] if p["number"] == project_number)
    field = next(f for f in project["fields"] if f["name"] == "Status")
    option = next(o["id"] for o in field["options"] if o["name"] == status)
    item = next(i for i in project["items"] if i["content"] == f"fleetdm/fleet#{issue}")
    item["values"][field["id"]] = option


@pytest.fixture
def rc(clock, make_sandbox):
    clock.set(NOW)
    return make_sandbox("rc")


def test_orchestration_waiting_is_exit_3(rc, cli):
    result = cli("release", "readiness", "4.59.0", "--json", env={**rc.env(), **RC})
    assert result.code == 3, result.stderr
    data = result.json()
    assert data["title"] == "Release QA: 4.59.0" and data["ready"] is False and data["ticket"]["number"] == QA_ISSUE
    groups = by_key(data)
    assert groups["mdm"] == {
        "key": "mdm", "name": "MDM", "project": 58, "qa": ["PezHub", "AndreyKizimenko"], "ready": True,
        "status": "Ready for release", "ticket": QA_ISSUE, "reason": f"#{QA_ISSUE} is in Ready for release",
    }
    assert (groups["orchestration"]["ready"], groups["orchestration"]["status"]) == (False, "Awaiting QA")
    assert (groups["software"]["ready"], groups["software"]["project"]) == (True, 70)
    assert rc.writes() == []
    github = data["requests"]["github"]
    # the cost report shows the Projects queries: the three groups' projects (their node ids, at once) and the ticket's items
    assert github["graphql"] == 4 and github["graphql_points"] >= 4
    assert [r["service"] for r in rc.requests].count("zenhub") == 0


def test_every_group_ready_is_exit_0_and_the_page_says_so(rc, cli):
    set_status(rc, 71, QA_ISSUE, "Ready for release")
    result = cli("release", "readiness", "4.59.0", "--json", env={**rc.env(), **RC})
    assert result.code == 0, result.stderr
    assert result.json()["ready"] is True
    human = cli("release", "readiness", "4.59.0", env={**rc.env(), **RC})
    assert human.code == 0 and "Orchestration (71) ready" in " ".join(human.stderr.split())


def test_no_ticket_is_exit_3_naming_the_title(rc, cli):
    result = cli("release", "readiness", "4.60.0", "--json", env={**rc.env(), **RC})
    assert result.code == 3
    assert {g["reason"] for g in result.json()["groups"]} == {"no issue titled 'Release QA: 4.60.0'"}  # open or closed
    assert result.json()["ticket"] is None


def test_a_token_without_the_project_scope_is_exit_4_naming_it(rc, cli):
    env = {**rc.env(), **RC, "GH_TOKEN": rc.tokens["github_no_project"]}
    result = cli("release", "readiness", "4.59.0", env=env)
    assert result.code == 4, result.stderr
    text = " ".join(result.stderr.split())
    assert "GH_TOKEN" in text and "project" in text and "Traceback" not in text


def qa_ticket(server, number=QA_ISSUE):
    return next(i for i in server.state["github"]["repos"]["fleetdm/fleet"]["issues"] if i["number"] == number)


def test_a_closed_ticket_is_reported_as_closed_with_its_status_on_each_board(rc, cli):
    """As on ZenHub (ops/qa/readiness.py): a closed Release QA ticket is found, and no group is ready by it."""
    set_status(rc, 71, QA_ISSUE, "Ready for release")  # every group moved it: closing it still is not "ready"
    qa_ticket(rc).update(state="closed", state_reason="completed", closed_at="2026-11-25T17:00:00Z")
    result = cli("release", "readiness", "4.59.0", "--json", env={**rc.env(), **RC})
    assert result.code == 3, result.stderr
    data = result.json()
    assert data["ready"] is False and data["ticket"]["number"] == QA_ISSUE and data["ticket"]["state"] == "closed"
    assert {(g["key"], g["ready"], g["status"], g["reason"]) for g in data["groups"]} == {
        (key, False, "Ready for release", f"#{QA_ISSUE} is closed") for key in ("mdm", "orchestration", "software")
    }
    assert data["requests"]["github"]["rest"] == 2 and data["requests"]["github"]["graphql"] == 4  # as for an open one
    human = cli("release", "readiness", "4.59.0", env={**rc.env(), **RC})
    assert human.code == 3 and f"MDM (58) waiting: #{QA_ISSUE} is closed" in " ".join(human.stderr.split())


def test_an_open_ticket_wins_over_an_older_closed_duplicate(rc, cli):
    repo = rc.state["github"]["repos"]["fleetdm/fleet"]
    duplicate = dict(qa_ticket(rc), id=600001, number=24000, state="closed", state_reason="not_planned",
                     closed_at="2026-11-19T17:00:00Z", created_at="2026-11-18T17:00:00Z")
    repo["issues"].append(duplicate)  # older, and closed: the open #24020 is the ticket
    result = cli("release", "readiness", "4.59.0", "--json", env={**rc.env(), **RC})
    assert result.code == 3, result.stderr
    data = result.json()
    assert (data["ticket"]["number"], data["ticket"]["state"]) == (QA_ISSUE, "open")
    assert by_key(data)["mdm"]["ready"] is True and by_key(data)["orchestration"]["status"] == "Awaiting QA"
    qa_ticket(rc).update(state="closed", closed_at="2026-11-25T17:00:00Z")  # both closed: the oldest, #24000
    again = cli("release", "readiness", "4.59.0", "--json", env={**rc.env(), **RC})
    assert again.code == 3 and again.json()["ticket"]["number"] == 24000
    assert {g["reason"] for g in again.json()["groups"]} == {"#24000 is closed"}


def test_a_ticket_also_on_another_owners_project_of_the_same_number_does_not_stand_for_the_groups_card(rc, cli):
    """Project numbers are unique per owner only: a user's project 58 holding the ticket "Ready for
    release" must not overwrite MDM's card (issue 19, item 4)."""
    import copy

    from fleetops.sandbox.services.github_graphql import gid

    set_status(rc, 58, QA_ISSUE, "Awaiting QA")
    mdm = next(p for p in rc.state["github"]["projects"] if p["number"] == 58)
    other = {**copy.deepcopy(mdm), "org": "a-user", "title": "My board", "items": []}
    status = next(f for f in other["fields"] if f["name"] == "Status")
    ready = next(o["id"] for o in status["options"] if o["name"] == "Ready for release")
    other["items"].append({"id": gid("ProjectV2Item", "a-user/58/1"), "content": f"fleetdm/fleet#{QA_ISSUE}", "archived": False,
                           "values": {status["id"]: ready}})
    rc.state["github"]["projects"].append(other)  # listed after MDM's: the last one read used to win
    result = cli("release", "readiness", "4.59.0", "--json", env={**rc.env(), **RC})
    assert result.code == 3, result.stderr
    mdm_group = by_key(result.json())["mdm"]
    assert (mdm_group["ready"], mdm_group["status"]) == (False, "Awaiting QA")
