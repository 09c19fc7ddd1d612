"""One board interface, two backends: the same behaviour on ZenHub (default world) and GitHub Projects (rc world)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from fleetops.boards import Boards, Milestone
from fleetops.boards.github_projects import GitHubProjectsBoards
from fleetops.boards.zenhub import ZenHubBoards
from fleetops.clients.github_projects import GitHubProjectsClient
from fleetops.clients.zenhub import ZenHubClient
from fleetops.errors import RitualsError
from fleetops.settings import Settings


@dataclass
class Case:
    boards: Boards
    server: Any
    key: str | int
    milestone: Milestone
    other_milestone: Milestone
    sprint: str  # the current sprint's name
    group_label: str
    service: str  # in the request log

    def writes(self) -> int:
        return len(self.server.writes(self.service))

    def rest_issue(self, number: int) -> dict:
        return next(i for i in self.server.state["github"]["repos"]["fleetdm/fleet"]["issues"] if i["number"] == number)


@pytest.fixture(params=["zenhub", "github-projects"])
def case(request, make_sandbox, clock) -> Case:
    if request.param == "zenhub":
        server = make_sandbox("default")
        boards = ZenHubBoards(ZenHubClient(Settings.from_env(server.env())))
        ms = server.state["github"]["repos"]["fleetdm/fleet"]["milestones"]
        current = next(m for m in ms if m["title"].endswith("-tentative"))
        sprint = next(
            s["name"] for s in server.state["zenhub"]["workspaces"]["63bc507f6558550011840298"]["sprints"] if s["state"] == "OPEN"
        )
        return Case(boards, server, "63bc507f6558550011840298", Milestone(current["number"], current["title"]),
                    Milestone(101, "4.57.0"), sprint, "#g-mdm", "zenhub")
    server = make_sandbox("rc")  # built at the clock's instant: the current sprint is the clock's
    boards = GitHubProjectsBoards(GitHubProjectsClient(Settings.from_env(server.env())), "fleetdm", today=clock.now.date())
    return Case(boards, server, 58, Milestone(103, "4.59.0"), Milestone(104, "4.60.0"), "Sprint 42", "#g-mdm", "github-graphql")


def test_find_gives_columns_closed_column_and_current_sprint(case):
    board = case.boards.find(case.key)
    names = [c.name for c in board.columns]
    assert "Ready for release" in names and "In progress" in names
    assert board.closed is not None and board.column("closed") == board.closed
    assert board.current_sprint is not None and board.current_sprint.name == case.sprint
    assert board.column("ready  FOR release").name == "Ready for release"


def test_cards_of_a_column_filtered_by_milestone_and_labels(case):
    board = case.boards.find(case.key)
    every = case.boards.cards(board, "Ready for release")
    in_milestone = case.boards.cards(board, "Ready for release", milestone=case.milestone.title)
    assert in_milestone and len(in_milestone) < len(every)
    assert all(c.column == "Ready for release" and c.milestone == case.milestone.title for c in in_milestone)
    bugs = case.boards.cards(board, "Ready for release", milestone=case.milestone.title, labels=["bug"])
    assert bugs and all("bug" in c.labels for c in bugs) and len(bugs) < len(in_milestone)
    assert all(case.group_label in c.labels for c in bugs)


def test_a_column_the_board_lacks_is_a_rituals_error(case):
    board = case.boards.find(case.key)
    with pytest.raises(RitualsError, match="no column 'Shipped'"):
        case.boards.cards(board, "Shipped")


def test_move_changes_only_what_needs_it(case):
    board = case.boards.find(case.key)
    cards = case.boards.cards(board, "In progress", milestone=case.milestone.title)
    assert cards
    before = case.writes()
    assert case.boards.move(board, cards, "Ready for release") == len(cards)
    assert case.writes() == before + 1  # one request for them all
    moved = {c.number for c in case.boards.cards(board, "Ready for release")}
    assert {c.number for c in cards} <= moved
    assert case.boards.cards(board, "In progress", milestone=case.milestone.title) == []
    again = case.boards.cards(board, "Ready for release", milestone=case.milestone.title)
    assert case.boards.move(board, again, "Ready for release") == 0
    assert case.writes() == before + 1


def test_set_sprint_and_milestone_skip_cards_that_have_them(case):
    board = case.boards.find(case.key)
    cards = case.boards.cards(board, "Ready for release", milestone=case.milestone.title)
    without_sprint = [c for c in cards if board.current_sprint.id not in c.sprints]
    assert case.boards.set_sprint(board, cards, board.current_sprint) == len(without_sprint)
    cards = case.boards.cards(board, "Ready for release", milestone=case.milestone.title)
    assert all(board.current_sprint.id in c.sprints for c in cards)
    assert case.boards.set_sprint(board, cards, board.current_sprint) == 0

    first = cards[0]
    assert case.boards.set_milestone(board, [first], case.other_milestone) == 1
    assert case.rest_issue(first.number)["milestone"] == case.other_milestone.number
    [moved] = [c for c in case.boards.cards(board, "Ready for release") if c.number == first.number]
    assert moved.milestone == case.other_milestone.title
    assert case.boards.set_milestone(board, [moved], case.milestone) == 1
    assert case.boards.set_milestone(board, case.boards.cards(board, "Ready for release", milestone=case.milestone.title), case.milestone) == 0


def test_close_closes_the_issues_and_shows_them_closed(case):
    board = case.boards.find(case.key)
    cards = case.boards.cards(board, "Ready for release", milestone=case.milestone.title, labels=["bug"])
    open_cards = [c for c in cards if c.state == "open"]
    assert open_cards
    assert case.boards.close(board, open_cards) >= len(open_cards)
    assert all(case.rest_issue(c.number)["state"] == "closed" for c in open_cards)
    closed_numbers = {c.number for c in case.boards.cards(board, board.closed.name)}
    assert {c.number for c in open_cards} <= closed_numbers
    before = case.writes()
    assert case.boards.close(board, case.boards.cards(board, board.closed.name)) == 0
    assert case.writes() == before


def test_both_backends_provide_the_interface(case):
    assert isinstance(case.boards, Boards)
    assert case.boards.backend in ("zenhub", "github-projects")


def test_a_projects_board_is_read_once_for_several_columns_until_a_write(make_sandbox, clock):
    server = make_sandbox("rc")
    boards = GitHubProjectsBoards(GitHubProjectsClient(Settings.from_env(server.env())), "fleetdm", today=clock.now.date())
    board = boards.find(70)
    server.reset_log()
    ready = boards.cards(board, "Ready for release")
    boards.cards(board, "Awaiting QA")
    boards.cards(board, "Closed")
    assert len(server.requests) == 1  # every item of the board in one page, read once
    boards.move(board, ready[:1], "Awaiting QA")
    assert ready[0].number in {c.number for c in boards.cards(board, "Awaiting QA")}  # read again after the write
    assert [r["write"] for r in server.requests] == [False, True, False]
