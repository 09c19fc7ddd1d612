"""GitHub Projects items that are not cards (issue 19, items 1, 9 and 12): archived items, and items
whose content the token cannot see (GitHub answers `type: REDACTED`, `content: null`)."""

from __future__ import annotations

import pytest

from fleetops.boards.github_projects import GitHubProjectsBoards
from fleetops.clients.github_projects import GitHubProjectsClient
from fleetops.settings import Settings

REPO = "fleetdm/fleet"


@pytest.fixture
def rc(make_sandbox, clock):
    return make_sandbox("rc")


def _boards(server, clock) -> GitHubProjectsBoards:
    return GitHubProjectsBoards(GitHubProjectsClient(Settings.from_env(server.env())), "fleetdm", today=clock.now.date())


def _item(server, project: int, number: int) -> dict:
    state = next(p for p in server.state["github"]["projects"] if p["number"] == project)
    return next(i for i in state["items"] if i["content"] == f"{REPO}#{number}")


def test_an_archived_item_is_no_card_anywhere_but_is_listed_as_archived(rc, clock):
    _item(rc, 58, 24004)["archived"] = True  # a bug of the milestone in "Ready for release" on MDM's board
    boards = _boards(rc, clock)
    board = boards.find(58)
    assert 24004 not in [c.number for c in boards.all_cards(board)]
    assert 24004 not in [c.number for c in boards.cards(board, "Ready for release")]
    assert 24001 in [c.number for c in boards.cards(board, "Ready for release")]  # its neighbour is
    assert boards.search(board, "Profiles: wrong count", repo=REPO) == []
    assert board.id not in boards.issue_cards(REPO, 24004)
    assert [c.number for c in boards.archived_cards(board)] == [24004]


def test_an_item_whose_content_the_token_cannot_see_is_no_card(rc, clock):
    _item(rc, 58, 24001)["redacted"] = True
    boards = _boards(rc, clock)
    board = boards.find(58)
    numbers = [c.number for c in boards.all_cards(board)]
    assert 24001 not in numbers and 0 not in numbers and 24004 in numbers
    assert all(c.number for c in boards.cards(board, "Ready for release"))
    assert boards.archived_cards(board) == []
