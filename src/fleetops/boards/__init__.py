"""Boards behind one interface: ZenHub workspaces and GitHub Projects (v2), chosen by the rituals file.

A *board* has *columns* (ZenHub pipelines; the options of a project's `Status` field), a closed
column, and a current *sprint* (ZenHub's active sprint; the iteration of the `Sprint` field that
contains today). A *card* is an issue on a board, with its labels and its GitHub milestone.
Rituals read cards column by column and change only the cards that need it: every write method
takes the cards to change, skips those already as wanted, and returns how many it changed, so
a re-run after a failure sends only what is still missing.

    boards = ZenHubBoards(clients.zenhub)                       # find("63bc507f...")
    boards = GitHubProjectsBoards(clients.github_projects, "fleetdm", today=app.now().date())  # find(58)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


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


@dataclass(frozen=True)
class BoardInfo:
    key: str  # what `find` was given: a ZenHub workspace id, or a project number
    id: str  # the service's id of the board
    name: str
    columns: tuple[Column, ...]
    closed: Column | None
    current_sprint: Sprint | None

    def column(self, name: str) -> Column | None:
        """The column called `name` (case- and space-insensitive: boards drift), closed included."""
        wanted = _norm(name)
        candidates = [*self.columns, *([self.closed] if self.closed and self.closed not in self.columns else [])]
        return next((c for c in candidates if _norm(c.name) == wanted), None)


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


@runtime_checkable
class Boards(Protocol):
    """What rituals need of a board service; `ZenHubBoards` and `GitHubProjectsBoards` provide it."""

    backend: str

    def find(self, key: str | int) -> BoardInfo:
        """The board with its columns, closed column and current sprint."""
        ...

    def cards(self, board: BoardInfo, column: str, *, milestone: str | None = None, labels: list[str] | None = None) -> list[Card]:
        """The issues in `column` (with the milestone titled `milestone`; carrying any of `labels`)."""
        ...

    def move(self, board: BoardInfo, cards: list[Card], column: str) -> int:
        """Put `cards` in `column` (not the closed column: use `close`)."""
        ...

    def set_milestone(self, board: BoardInfo, cards: list[Card], milestone: Milestone) -> int:
        ...

    def set_sprint(self, board: BoardInfo, cards: list[Card], sprint: Sprint) -> int:
        ...

    def close(self, board: BoardInfo, cards: list[Card]) -> int:
        """Close the issues, and show them in the board's closed column."""
        ...


def _norm(name: str) -> str:
    return " ".join(name.lower().split())


def require_column(board: BoardInfo, name: str) -> Column:
    column = board.column(name)
    if column is None:
        from fleetops.errors import RitualsError

        names = ", ".join(repr(c.name) for c in board.columns)
        raise RitualsError(f"the board {board.name!r} has no column {name!r} (it has {names}).")
    return column
