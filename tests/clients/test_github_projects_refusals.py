"""GitHub GraphQL as it really answers (issue 19, items 2 and 12): a partly refused mutation
document, archived items, items whose content the token cannot see, and the exhausted point budget.
The sandbox answers as GitHub does; these tests hold the client to it over real sockets."""

from __future__ import annotations

import pytest

from fleetops.clients.github_projects import GitHubProjectsClient, PartlyApplied, set_option
from fleetops.errors import ServiceError
from fleetops.settings import Settings


@pytest.fixture
def rc(make_sandbox, clock):
    return make_sandbox("rc")


def _client(server) -> GitHubProjectsClient:
    return GitHubProjectsClient(Settings.from_env(server.env()))


def _project_state(server, number: int) -> dict:
    return next(p for p in server.state["github"]["projects"] if p["number"] == number)


def _closing_changes(client, number: int):
    project = client.project("fleetdm", number)
    status = project.field("Status")
    items = [i for i in client.items(project.id) if i.status != "Closed" and i.kind == "Issue"]
    return project, items, [set_option(project.id, i.id, status.id, status.option("Closed").id, f"#{i.number} to Closed") for i in items]


def test_a_partly_refused_document_names_exactly_the_refused_changes_and_counts_the_applied(make_sandbox, clock):
    server = make_sandbox("rc", rc_items=21)
    client = _client(server)
    project, items, changes = _closing_changes(client, 58)
    items, changes = items[:8], changes[:8]
    refused_item = items[3]
    next(i for i in _project_state(server, 58)["items"] if i["id"] == refused_item.id)["archived"] = True
    with pytest.raises(PartlyApplied) as caught:
        client.apply(changes)
    err = caught.value
    assert [change.what for change, _ in err.refused] == [f"#{refused_item.number} to Closed"]
    assert err.applied == 7
    assert err.message.startswith(f"GitHub refused 1 of 8 change(s) and applied 7: #{refused_item.number} to Closed (The item is archived")
    assert [bool(a) for a in err.answers] == [True, True, True, False, True, True, True, True]
    after = {i.id: i.status for i in client.items(project.id)}
    assert [after[i.id] for i in items] == ["Closed"] * 3 + [refused_item.status] + ["Closed"] * 4


def test_a_re_run_after_a_partial_refusal_sends_only_what_is_missing(make_sandbox, clock):
    server = make_sandbox("rc", rc_items=21)
    client = _client(server)
    project, items, changes = _closing_changes(client, 58)
    state_item = next(i for i in _project_state(server, 58)["items"] if i["id"] == items[5].id)
    state_item["archived"] = True
    with pytest.raises(PartlyApplied):
        client.apply(changes)
    state_item["archived"] = False  # someone unarchived it
    _, left, again = _closing_changes(client, 58)
    assert [i.number for i in left] == [items[5].number] and len(again) == 1  # the other changes were applied
    client.apply(again)
    assert {i.status for i in client.items(project.id) if i.kind == "Issue"} == {"Closed"}


def test_an_archived_item_refuses_updates_until_it_is_unarchived(rc):
    from fleetops.clients.github_projects import Change

    client = _client(rc)
    project, items, changes = _closing_changes(client, 58)
    item = _project_state(rc, 58)["items"][0]
    item["archived"] = True
    change = next(c for c in changes if c.input["itemId"] == item["id"])
    with pytest.raises(PartlyApplied, match="The item is archived and cannot be updated"):
        client.apply([change])
    client.apply([Change("unarchive_item", {"projectId": project.id, "itemId": item["id"]}, "unarchive"), change])
    assert item["archived"] is False and next(i for i in client.items(project.id) if i.id == item["id"]).status == "Closed"


def test_an_item_the_token_cannot_see_is_redacted_and_read_as_such(rc):
    client = _client(rc)
    project = client.project("fleetdm", 58)
    _project_state(rc, 58)["items"][0]["redacted"] = True
    items = client.items(project.id)
    redacted = [i for i in items if i.kind == "Redacted"]
    assert len(redacted) == 1 and redacted[0].number is None and redacted[0].content_id is None


def test_an_exhausted_point_budget_is_a_rate_limit_error_that_says_when_to_re_run(rc):
    client = _client(rc)
    rate = rc.state["github"].setdefault("graphql_rate", {"limit": 5000, "used": 0, "last_cost": 0})
    client.project("fleetdm", 58)
    rate["used"] = rate["limit"]
    with pytest.raises(ServiceError) as caught:
        client.project("fleetdm", 70)
    err = caught.value
    assert "rate limit is exhausted while reading project 70" in err.message and "API rate limit exceeded" in err.message
    assert "resets at" in (err.hint or "") and "re-run" in (err.hint or "")
