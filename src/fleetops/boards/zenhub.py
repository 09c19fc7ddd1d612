"""Boards on ZenHub: an adapter over `clients.zenhub` (whose public API it does not change).

Columns are the workspace's pipelines, the closed column is its closed pipeline (where closing an
issue puts it), the current sprint is the workspace's active sprint. ZenHub filters a pipeline by
milestone and labels itself, and changes many issues per request: every write method here is one
batch mutation (one kind of change, for every card given), or none when no card needs it.
"""

from __future__ import annotations

from fleetops.boards import BoardInfo, Card, Column, MilestoneLike, Sprint, require_column
from fleetops.clients.zenhub import Board, ZenHubClient, ZIssue
from fleetops.errors import FleetopsError, UsageError


class ZenHubBoards:
    backend = "zenhub"

    def __init__(self, client: ZenHubClient) -> None:
        self.client = client
        self._boards: dict[str, Board] = {}  # workspace id → board
        self._milestone_ids: dict[tuple[str, int], str] = {}

    def find(self, key: str | int) -> BoardInfo:
        board = self.client.board(str(key))
        self._boards[board.id] = board
        sprint = board.active_sprint
        return BoardInfo(
            key=str(key), id=board.id, name=board.name,
            columns=tuple(Column(p.id, p.name) for p in board.pipelines),
            closed=Column(board.closed.id, board.closed.name),
            current_sprint=Sprint(sprint.id, sprint.name) if sprint else None,
            repos=frozenset(board.repository_gh_ids),
        )

    def _board(self, board: BoardInfo) -> Board:
        return self._boards.get(board.id) or self.client.board(board.id)

    def cards(
        self, board: BoardInfo, column: Column | str, *, milestone: str | None = None, labels: list[str] | None = None,
        issues_only: bool = False,
    ) -> list[Card]:
        pipeline = require_column(board, column)
        issues = self.client.pipeline_issues(
            board.id, pipeline.id, labels=labels or None, milestones=[milestone] if milestone is not None else None, issues_only=issues_only,
        )
        return [_card(i) for i in issues]

    def search(self, board: BoardInfo, text: str, *, repo: str) -> list[Card]:
        """ZenHub's issue search on the workspace: every pipeline and the closed one, `repo` only."""
        zboard = self._board(board)
        if repo not in zboard.repository_ids:
            return []
        pipelines = [p.id for p in zboard.pipelines] + [zboard.closed.id]
        return [_card(i) for i in self.client.search_issues(board.id, text, repository_ids=[zboard.repository_ids[repo]], pipeline_ids=pipelines)]

    def move(self, board: BoardInfo, cards: list[Card], column: str) -> int:
        target = require_column(board, column)
        if board.closed is not None and target.id == board.closed.id:
            raise UsageError("ZenHub moves an issue to the closed pipeline by closing it: use close().")
        todo = [c for c in cards if c.column != target.name]
        if not todo:
            return 0
        unplaced = sorted(c.number for c in todo if not c.board_item_id)
        if unplaced:
            numbers = ", ".join(f"#{n}" for n in unplaced)
            raise FleetopsError(f"ZenHub did not say where {numbers} sit on the board {board.name!r}; re-run to read it again.")
        self.client.move_pipeline_issues(target.id, [c.board_item_id for c in todo])
        return len(todo)

    def set_sprint(self, board: BoardInfo, cards: list[Card], sprint: Sprint) -> int:
        todo = [c for c in cards if sprint.id not in c.sprints]
        if todo:
            self.client.add_to_sprints([c.issue_id for c in todo], [sprint.id])
        return len(todo)

    def set_milestone(self, board: BoardInfo, cards: list[Card], milestone: MilestoneLike) -> int:
        """ZenHub names a milestone by its own id: read once per repository and number, then kept."""
        todo = [c for c in cards if not _has(c, milestone)]
        by_repo: dict[str, list[Card]] = {}
        for c in todo:
            by_repo.setdefault(c.repo, []).append(c)
        for repo, group in by_repo.items():
            key = (repo, milestone.number)
            if key not in self._milestone_ids:
                self._milestone_ids[key] = self.client.milestone_id(self._board(board).repository_gh_ids[repo], milestone.number)
            self.client.add_milestone([c.issue_id for c in group], self._milestone_ids[key])
        return len(todo)

    def remove_milestone(self, board: BoardInfo, cards: list[Card]) -> int:
        todo = [c for c in cards if c.milestone is not None or c.milestone_number is not None]
        return self.client.remove_milestone([c.issue_id for c in todo]) if todo else 0

    def add_labels(self, board: BoardInfo, cards: list[Card], labels: list[str]) -> int:
        todo = [c for c in cards if not set(labels) <= set(c.labels)]
        if todo:
            self.client.add_labels([c.issue_id for c in todo], labels)
        return len(todo)

    def remove_labels(self, board: BoardInfo, cards: list[Card], labels: list[str]) -> int:
        todo = [c for c in cards if set(labels) & set(c.labels)]
        if todo:
            self.client.remove_labels([c.issue_id for c in todo], labels)
        return len(todo)

    def close(self, board: BoardInfo, cards: list[Card]) -> int:
        """ZenHub's close closes the GitHub issues too; the count is ZenHub's."""
        todo = [c for c in cards if c.state == "open"]
        return self.client.close_issues([c.issue_id for c in todo]) if todo else 0


def _has(card: Card, milestone: MilestoneLike) -> bool:
    if card.milestone_number is not None:
        return card.milestone_number == milestone.number
    return card.milestone == milestone.title


def _card(issue: ZIssue) -> Card:
    return Card(
        board_item_id=issue.pipeline_issue_id or "",
        issue_id=issue.id,
        repo=issue.repo,
        number=issue.number,
        title=issue.title,
        state=issue.state.lower(),
        is_pr=issue.is_pr,
        url=issue.url,
        labels=issue.labels,
        assignees=issue.assignees,
        milestone=issue.milestone,
        column=issue.pipeline.name if issue.pipeline else None,
        sprints=issue.sprints,
        milestone_number=issue.milestone_number,
    )
