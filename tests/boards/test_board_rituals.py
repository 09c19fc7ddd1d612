"""What the rituals need beyond the first board interface, on both backends (ZenHub on the default
world, GitHub Projects on the rc world): labels, removing the milestone, issues only, a column by
value, the search, the repositories a board shows. Each write is one request for every card given
and none when no card needs it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fleetops.boards.github_projects import GitHubProjectsBoards
from fleetops.clients.github_projects import GitHubProjectsClient
from fleetops.errors import RitualsError
from fleetops.settings import Settings
from tests.boards.test_boards import case  # noqa: F401 - the fixture, once per backend

# Where each world has a pull request on a board: the board key and its column.
PULL_REQUESTS = {"zenhub": ("63bc507f6558550011840298", "New Issues"), "github-projects": (71, "In progress")}
# A closed issue on a board: the board key, a piece of its title, its number.
CLOSED = {"zenhub": ("63bc507f6558550011840298", "abm TOKEN", 21014), "github-projects": (71, "export to CSV", 24009)}


def _labels(case, number: int) -> set[str]:
    return {label["name"] if isinstance(label, dict) else label for label in case.rest_issue(number)["labels"]}


def test_add_labels_gives_only_the_missing_ones_in_one_request(case):
    board = case.boards.find(case.key)
    cards = case.boards.cards(board, "Ready for release", milestone=case.milestone.title)[:3]
    assert len(cards) == 3 and all("customer-acme" not in c.labels and ":release" in c.labels for c in cards)
    before = case.writes()
    assert case.boards.add_labels(board, cards, ["customer-acme", ":release"]) == 3
    assert case.writes() == before + 1
    assert all({"customer-acme", ":release"} <= _labels(case, c.number) for c in cards)
    again = case.boards.cards(board, "Ready for release", milestone=case.milestone.title)[:3]
    assert all("customer-acme" in c.labels for c in again)
    assert case.boards.add_labels(board, again, ["customer-acme"]) == 0
    assert case.writes() == before + 1


def test_remove_labels_changes_only_cards_that_carry_them(case):
    board = case.boards.find(case.key)
    cards = case.boards.cards(board, "Ready for release", milestone=case.milestone.title)
    carrying = [c for c in cards if ":release" in c.labels]
    assert carrying and all(":reproduce" not in c.labels for c in cards)
    before = case.writes()
    assert case.boards.remove_labels(board, cards, [":release", ":reproduce"]) == len(carrying)
    assert case.writes() == before + 1
    assert all(":release" not in _labels(case, c.number) for c in carrying)
    again = case.boards.cards(board, "Ready for release", milestone=case.milestone.title)
    assert case.boards.remove_labels(board, again, [":release"]) == 0
    assert case.writes() == before + 1


def test_remove_milestone_skips_cards_without_one(case):
    board = case.boards.find(case.key)
    column = case.boards.cards(board, "Ready for release")
    with_it = [c for c in column if c.milestone == case.milestone.title][:2]
    without = [c for c in column if c.milestone is None]
    assert len(with_it) == 2 and without
    before = case.writes()
    assert case.boards.remove_milestone(board, [*with_it, *without]) == 2
    assert case.writes() == before + 1
    assert all(case.rest_issue(c.number)["milestone"] is None for c in with_it)
    numbers = {c.number for c in with_it}
    again = [c for c in case.boards.cards(board, "Ready for release") if c.number in numbers]
    assert len(again) == 2 and all(c.milestone is None and c.milestone_number is None for c in again)
    assert case.boards.remove_milestone(board, again) == 0
    assert case.writes() == before + 1


def test_cards_carry_the_milestone_number(case):
    board = case.boards.find(case.key)
    cards = case.boards.cards(board, "Ready for release", milestone=case.milestone.title)
    assert cards and all(c.milestone_number == case.milestone.number for c in cards)


def test_set_milestone_takes_any_milestone_with_number_and_title(case):
    """ops pass the GitHub client's milestone (they may not build the boards' own types)."""

    @dataclass(frozen=True)
    class GitHubMilestone:
        number: int
        title: str
        state: str = "open"

    board = case.boards.find(case.key)
    [first, *_] = case.boards.cards(board, "Ready for release", milestone=case.milestone.title)
    other = case.other_milestone
    assert case.boards.set_milestone(board, [first], GitHubMilestone(other.number, other.title)) == 1
    assert case.rest_issue(first.number)["milestone"] == other.number


def test_issues_only_leaves_pull_requests_out(case):
    key, column = PULL_REQUESTS[case.boards.backend]
    board = case.boards.find(key)
    every = case.boards.cards(board, column)
    issues = case.boards.cards(board, column, issues_only=True)
    assert any(c.is_pr for c in every)
    assert issues == [c for c in every if not c.is_pr]


def test_cards_take_a_column_of_the_board_or_its_name(case):
    board = case.boards.find(case.key)
    column = board.column("Ready for release")
    assert case.boards.cards(board, column) == case.boards.cards(board, "ready for RELEASE")
    with pytest.raises(RitualsError, match="no column 'Shipped'"):
        case.boards.cards(board, type(column)("x", "Shipped"))


def test_a_column_lookup_can_leave_the_closed_column_out(case):
    board = case.boards.find(case.key)
    assert board.column("Closed") == board.closed
    # ZenHub's closed pipeline is not one of its columns; a project's Status "Closed" is.
    assert (board.column("Closed", closed=False) is None) == (board.closed not in board.columns)
    assert board.column("Ready for release", closed=False) == board.column("Ready for release")


def test_search_finds_the_repository_s_items_by_title_in_any_column(case):
    board = case.boards.find(case.key)
    found = case.boards.search(board, "PROFILE", repo="fleetdm/fleet")
    assert found and all("profile" in c.title.lower() and c.repo == "fleetdm/fleet" for c in found)
    every = [c for col in board.columns for c in case.boards.cards(board, col) if c.state == "open"]
    assert {c.number for c in found} >= {c.number for c in every if "profile" in c.title.lower()}
    assert len({c.column for c in found}) >= 1 and all(c.column for c in found)
    assert case.boards.search(board, "no such title anywhere", repo="fleetdm/fleet") == []
    assert case.boards.search(board, "PROFILE", repo="fleetdm/other") == []


def test_search_finds_closed_issues_too(case):
    key, text, number = CLOSED[case.boards.backend]
    board = case.boards.find(key)
    [found] = case.boards.search(board, text, repo="fleetdm/fleet")
    assert (found.number, found.state) == (number, "closed")


def test_a_board_says_which_repositories_it_shows(case):
    board = case.boards.find(case.key)
    assert board.shows("fleetdm/fleet")
    if case.boards.backend == "zenhub":
        assert board.repos == frozenset({"fleetdm/fleet"}) and not board.shows("fleetdm/other")
    else:  # a project takes any repository's issues
        assert board.repos is None and board.shows("fleetdm/other")


def test_projects_labels_are_read_once_and_a_missing_label_is_a_rituals_error(make_sandbox, clock):
    server = make_sandbox("rc")
    boards = GitHubProjectsBoards(GitHubProjectsClient(Settings.from_env(server.env())), "fleetdm", today=clock.now.date())
    board = boards.find(58)
    cards = boards.cards(board, "Ready for release", milestone="4.59.0")
    server.reset_log()
    assert boards.add_labels(board, cards[:1], [":product"]) == 1
    assert boards.remove_labels(board, cards[1:2], [":release"]) == 1
    # one label read, then one mutation document per call
    assert [(r["write"]) for r in server.requests] == [False, True, True]
    with pytest.raises(RitualsError, match="no label 'no-such-label'"):
        boards.add_labels(board, cards[2:3], ["no-such-label"])
    assert len(server.writes()) == 2


@pytest.mark.parametrize("backend", ["ZenHubBoards", "GitHubProjectsBoards"])
def test_each_backend_has_every_protocol_method_with_its_parameters(backend):
    import inspect

    from fleetops.boards import Boards
    from fleetops.boards.github_projects import GitHubProjectsBoards
    from fleetops.boards.zenhub import ZenHubBoards

    cls = {"ZenHubBoards": ZenHubBoards, "GitHubProjectsBoards": GitHubProjectsBoards}[backend]
    methods = [n for n, v in vars(Boards).items() if inspect.isfunction(v) and not n.startswith("_")]
    assert {"cards", "search", "move", "set_milestone", "remove_milestone", "set_sprint", "add_labels", "remove_labels", "close"} <= set(methods)
    for name in methods:
        wanted = inspect.signature(getattr(Boards, name)).parameters
        have = inspect.signature(getattr(cls, name)).parameters
        assert [(p.name, p.kind, p.default) for p in have.values()] == [(p.name, p.kind, p.default) for p in wanted.values()], name
