"""Boards behind one interface: ZenHub workspaces and GitHub Projects (v2), chosen by the rituals file.

A *board* has *columns* (ZenHub pipelines; the options of a project's `Status` field), a closed
column, and a current *sprint* (ZenHub's active sprint; the iteration of the `Sprint` field that
contains today). A *card* is an issue on a board, with its labels and its GitHub milestone.
Rituals read cards column by column and change only the cards that need it: every write method
takes the cards to change, skips those already as wanted, and returns how many it changed, so
a re-run after a failure sends only what is still missing. One call is one kind of change on one
board, sent in as few requests as the service allows: one ZenHub batch mutation; GitHub's aliased
mutations, at most 50 per request.

    boards = ZenHubBoards(clients.zenhub)                       # find("63bc507f...")
    boards = GitHubProjectsBoards(clients.github_projects, "fleetdm", today=app.now().date())  # find(58)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from fleetops.text import folded


@dataclass(frozen=True)
class Column:
    id: str
    name: str


@dataclass(frozen=True)
class Sprint:
    id: str
    name: str


@dataclass(frozen=True)
class Milestone:
    """A GitHub milestone, as both backends need it (ZenHub by number, Projects by title)."""

    number: int
    title: str


class MilestoneLike(Protocol):
    """What `set_milestone` reads of a milestone: a `Milestone`, or the GitHub client's (ops pass that)."""

    @property
    def number(self) -> int: ...

    @property
    def title(self) -> str: ...


@dataclass(frozen=True)
class BoardInfo:
    key: str  # what `find` was given: a ZenHub workspace id, or a project number
    id: str  # the service's id of the board
    name: str
    columns: tuple[Column, ...]
    closed: Column | None
    current_sprint: Sprint | None
    # The repositories whose issues the board shows (a ZenHub workspace's); None: any (a project).
    repos: frozenset[str] | None = None

    def column(self, name: str, *, closed: bool = True) -> Column | None:
        """The column called `name` (case- and space-insensitive: boards drift), closed included
        unless `closed=False` (then only `columns`: ZenHub's closed pipeline is not one of them)."""
        wanted = folded(name)
        candidates = [*self.columns, *([self.closed] if closed and self.closed and self.closed not in self.columns else [])]
        return next((c for c in candidates if folded(c.name) == wanted), None)

    def shows(self, repo: str) -> bool:
        """Whether the board shows `repo`'s issues (a project takes any repository's)."""
        return self.repos is None or repo in self.repos


@dataclass(frozen=True)
class Card:
    """An issue (or pull request) on one board."""

    board_item_id: str  # ZenHub: the pipeline issue; Projects: the project item
    issue_id: str  # ZenHub's issue id; GitHub's issue node id
    repo: str  # owner/name
    number: int
    title: str
    state: str  # open / closed
    is_pr: bool
    url: str
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    milestone: str | None
    column: str | None
    sprints: tuple[str, ...]  # sprint ids
    milestone_number: int | None = None  # the milestone's number in `repo`


@runtime_checkable
class Boards(Protocol):
    """What rituals need of a board service; `ZenHubBoards` and `GitHubProjectsBoards` provide it.

    Only what both backends have: the Projects backend's own reads and batched changes are not here
    (boards/github_projects.py; ops reach them through `App.project_boards`).

    `cards` takes a column of the board (`BoardInfo.columns`, its `closed`) or a column's name.
    """

    backend: str

    def find(self, key: str | int) -> BoardInfo:
        """The board with its columns, closed column and current sprint."""
        ...

    def cards(
        self, board: BoardInfo, column: Column | str, *, milestone: str | None = None, labels: list[str] | None = None,
        issues_only: bool = False,
    ) -> list[Card]:
        """The items in `column` (with the milestone titled `milestone`; carrying any of `labels`;
        pull requests left out with `issues_only`)."""
        ...

    def search(self, board: BoardInfo, text: str, *, repo: str) -> list[Card]:
        """`repo`'s items on the board whose title contains `text` (any case), in any column, closed ones
        included (ZenHub: its issue search, every pipeline and the closed one; Projects: the items read whole)."""
        ...

    def move(self, board: BoardInfo, cards: list[Card], column: str) -> int:
        """Put `cards` in `column` (not the closed column: use `close`)."""
        ...

    def set_milestone(self, board: BoardInfo, cards: list[Card], milestone: MilestoneLike) -> int:
        """Put the cards' issues in the milestone (ZenHub names it by number, Projects by title)."""
        ...

    def remove_milestone(self, board: BoardInfo, cards: list[Card]) -> int:
        """Take the cards' issues out of whatever milestone they are in."""
        ...

    def set_sprint(self, board: BoardInfo, cards: list[Card], sprint: Sprint) -> int:
        ...

    def add_labels(self, board: BoardInfo, cards: list[Card], labels: list[str]) -> int:
        """Give each card's issue those of `labels` it lacks; the cards changed."""
        ...

    def remove_labels(self, board: BoardInfo, cards: list[Card], labels: list[str]) -> int:
        """Take those of `labels` it carries off each card's issue; the cards changed."""
        ...

    def close(self, board: BoardInfo, cards: list[Card]) -> int:
        """Close the issues, and show them in the board's closed column."""
        ...


def require_column(board: BoardInfo, name: Column | str) -> Column:
    """The board's column called `name` (a `Column` of the board is taken as it is); RitualsError if none."""
    if isinstance(name, Column):
        if name in board.columns or name == board.closed:
            return name
        name = name.name
    column = board.column(name)
    if column is None:
        from fleetops.errors import RitualsError

        names = ", ".join(repr(c.name) for c in board.columns)
        raise RitualsError(f"the board {board.name!r} has no column {name!r} (it has {names}).")
    return column
