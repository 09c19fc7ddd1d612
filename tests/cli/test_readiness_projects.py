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
    assert github["graphql"] == 1 and github["graphql_points"] >= 1  # the cost report shows the Projects query
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
    assert {g["reason"] for g in result.json()["groups"]} == {"no open issue titled 'Release QA: 4.60.0'"}


def test_a_token_without_the_project_scope_is_exit_4_naming_it(rc, cli):
    env = {**rc.env(), **RC, "GH_TOKEN": rc.tokens["github_no_project"]}
    result = cli("release", "readiness", "4.59.0", env=env)
    assert result.code == 4, result.stderr
    text = " ".join(result.stderr.split())
    assert "GH_TOKEN" in text and "project" in text and "Traceback" not in text
