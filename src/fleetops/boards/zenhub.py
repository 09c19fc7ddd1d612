"""Boards on ZenHub: an adapter over `clients.zenhub` (whose public API it does not change).

Columns are the workspace's pipelines, the closed column is its closed pipeline (where closing an
issue puts it), the current sprint is the workspace's active sprint. ZenHub filters a pipeline by
milestone and labels itself, and changes many issues per request (its batch mutations).
"""

from __future__ import annotations

from fleetops.boards import BoardInfo, Card, Column, Milestone, Sprint, require_column
from fleetops.clients.zenhub import Board, ZenHubClient, ZIssue
from fleetops.errors import UsageError


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
        )

    def cards(self, board: BoardInfo, column: str, *, milestone: str | None = None, labels: list[str] | None = None) -> list[Card]:
        pipeline = require_column(board, column)
        issues = self.client.pipeline_issues(
            board.id, pipeline.id, labels=labels or None, milestones=[milestone] if milestone is not None else None, issues_only=False,
        )
        return [_card(i) for i in issues]

    def move(self, board: BoardInfo, cards: list[Card], column: str) -> int:
        target = require_column(board, column)
        if board.closed is not None and target.id == board.closed.id:
            raise UsageError("ZenHub moves an issue to the closed pipeline by closing it: use close().")
        todo = [c for c in cards if c.column != target.name]
        if todo:
            self.client.move_pipeline_issues(target.id, [c.board_item_id for c in todo])
        return len(todo)

    def set_sprint(self, board: BoardInfo, cards: list[Card], sprint: Sprint) -> int:
        todo = [c for c in cards if sprint.id not in c.sprints]
        if todo:
            self.client.add_to_sprints([c.issue_id for c in todo], [sprint.id])
        return len(todo)

    def set_milestone(self, board: BoardInfo, cards: list[Card], milestone: Milestone) -> int:
        todo = [c for c in cards if c.milestone != milestone.title]
        by_repo: dict[str, list[Card]] = {}
        for c in todo:
            by_repo.setdefault(c.repo, []).append(c)
        zboard = self._boards.get(board.id) or self.client.board(board.id)
        for repo, group in by_repo.items():
            key = (repo, milestone.number)
            if key not in self._milestone_ids:
                self._milestone_ids[key] = self.client.milestone_id(zboard.repository_gh_ids[repo], milestone.number)
            self.client.add_milestone([c.issue_id for c in group], self._milestone_ids[key])
        return len(todo)

    def close(self, board: BoardInfo, cards: list[Card]) -> int:
        todo = [c for c in cards if c.state == "open"]
        if todo:
            self.client.close_issues([c.issue_id for c in todo])
        return len(todo)


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
    )
