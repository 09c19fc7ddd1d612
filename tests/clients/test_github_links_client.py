"""The links client (issue ↔ pull request) over real sockets against the sandbox's GitHub GraphQL (rc world)."""

from __future__ import annotations

import pytest

from fleetops.clients.github_links import GitHubLinksClient
from fleetops.clients.github_projects import GitHubProjectsClient
from fleetops.errors import NotFound
from fleetops.sandbox.world.rc import LINKED_BY_HAND
from fleetops.settings import Settings


@pytest.fixture
def rc(make_sandbox, clock):
    return make_sandbox("rc")


def links(server) -> GitHubLinksClient:
    return GitHubLinksClient(GitHubProjectsClient(Settings.from_env(server.env())))


def graphql_requests(server) -> list[dict]:
    return [r for r in server.requests if r["service"] == "github-graphql"]


def test_closing_issues_by_keyword_and_by_hand_in_one_query(rc):
    """`Fixes #24013` in a description and an issue linked by hand (24102) both count; one query for three."""
    found = links(rc).closing_issues("fleetdm/fleet", [24100, 24102, 24104, 24100])
    assert {n: [i.number for i in issues] for n, issues in found.items()} == {24100: [24013], 24102: LINKED_BY_HAND[24102], 24104: []}
    assert found[24100][0].repo == "fleetdm/fleet"
    assert len(graphql_requests(rc)) == 1


def test_no_pull_request_asked_is_no_request(rc):
    assert links(rc).closing_issues("fleetdm/fleet", []) == {}
    assert graphql_requests(rc) == []


def test_an_unknown_repository_is_not_found_saying_what_was_read(rc):
    with pytest.raises(NotFound) as err:
        links(rc).closing_issues("fleetdm/nope", [1])
    assert "reading the issues that 1 pull request(s) of fleetdm/nope close" in err.value.message
