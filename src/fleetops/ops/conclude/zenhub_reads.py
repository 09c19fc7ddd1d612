"""What conclude-milestone reads on ZenHub: the milestones, the tag, Merge Freeze and every board, in two concurrent rounds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any


from fleetops.concurrency import gather
from fleetops.ops.conclude.board_steps import BoardReads, BoardSteps, GroupBoard
from fleetops.ops.conclude.rules import shared_boards

if TYPE_CHECKING:
    from fleetops.clients.github import Milestone
    from fleetops.clients.mergefreeze import FreezeState
    from fleetops.boards import BoardInfo, Card
    from fleetops.rituals.models import Pipelines


@dataclass
class Reads(BoardReads):
    freeze: FreezeState
    user: str
    tag_commit: str | None  # the commit the release tag points to; None: not published yet
    branch: tuple[str, str] | None
    celebrated: list[Card]  # this milestone's stories already in "Confirm and celebrate"


class ZenHubReading(BoardSteps):
    """`BoardSteps` with the ZenHub backend's reads (the module docstring of zenhub.py says which board concludes what)."""

    reads: Reads

    def _column_names(self) -> Pipelines:
        return self.rituals.zenhub.pipelines

    # -- reading --------------------------------------------------------------------------------------------
    def _group_boards(self) -> list[GroupBoard]:
        """Each product group's workspace, once (two groups on one board: one board), unread."""
        workspaces = self.rituals.zenhub.workspaces
        return [
            GroupBoard(key=ws, ref=workspaces[ws].id, data={"workspace": ws}, label=group.label)
            for ws, group in shared_boards(self.rituals.people.product_groups, lambda g: g.zenhub_workspace)
        ]

    def _drafting_board(self) -> GroupBoard | None:
        key = self.rituals.zenhub.drafting_workspace
        return GroupBoard(key=key, ref=self.rituals.zenhub.workspaces[key].id, data={"workspace": key}) if key else None

    def read(self) -> Reads:
        groups, drafting = self._group_boards(), self._drafting_board()
        first = self._read_first(groups, drafting)
        milestone = self._find_milestone(first["milestones"])

        # Second round: the issues on the boards (they need the milestone's title) and the tag's commit.
        # A closed milestone's boards are left alone (see plan()), so they are not read either.
        boards_open = milestone.state != "closed"
        tasks: dict[str, Any] = {}
        for group in groups:
            group.board = first[f"board:{group.key}"]
            if boards_open:
                self._board_tasks(group, milestone, tasks)
        celebrate = None
        if drafting is not None:
            drafting.board = board = first["board:drafting"]
            celebrate = board.column(self.columns.confirm_and_celebrate, closed=False) if boards_open else None
            if boards_open and celebrate is None:
                drafting.problem = self._no_pipeline(board, self.columns.confirm_and_celebrate)
            elif celebrate is not None:
                self._drafting_tasks(board, celebrate.id, milestone, tasks)
        second = gather(tasks)
        if boards_open:
            self._sort_boards(groups, milestone, second)
        celebrated: list[Card] = []
        if drafting is not None and celebrate is not None:
            for pipe in drafting.board.columns:  # type: ignore[union-attr]
                found = [i for i in second[f"drafting:{pipe.id}"] if self._ours(i)]
                (celebrated if pipe.id == celebrate.id else drafting.cards).extend(found)
        return Reads(
            milestone=milestone,
            milestones=first["milestones"],
            groups=groups,
            drafting=drafting,
            freeze=first["freeze"],
            user=self.rituals.freeze.user_name or first.get("login") or "fleetops",
            tag_commit=first["tag_commit"],
            branch=first["branch"],
            celebrated=celebrated,
        )

    def _read_first(self, groups: list[GroupBoard], drafting: GroupBoard | None) -> dict[str, Any]:
        """First round: the milestones, the tag's commit, the patch branch, Merge Freeze, the boards."""
        app = self.app
        # Built here, not in the worker threads: a missing token is one clear error (exit 4).
        github, mergefreeze, boards = app.clients.github, app.clients.mergefreeze, app.boards
        tasks: dict[str, Any] = {
            "milestones": lambda: github.milestones("all"),
            # GET /commits/{tag} resolves a tag, annotated or not, to its commit in one request.
            "tag_commit": lambda: github.commit_sha(self.tag),
            "branch": lambda: github.ref(f"heads/{self.branch}"),
            "freeze": lambda: mergefreeze.status(self.repo, self.freeze_branch),
        }
        if self.rituals.freeze.user_name is None:
            tasks["login"] = github.login
        for group in groups:
            tasks[f"board:{group.key}"] = lambda ws=group.ref: boards.find(ws)
        if drafting is not None:
            tasks["board:drafting"] = lambda ws=drafting.ref: boards.find(ws)
        return gather(tasks)

    def _drafting_tasks(self, drafting: BoardInfo, celebrate_id: str, milestone: Milestone, tasks: dict[str, Any]) -> None:
        """The drafting board's stories: every column's, and this milestone's in "Confirm and celebrate"."""
        boards = self.app.boards
        story = [self.labels.story]
        for pipe in drafting.columns:
            only = milestone.title if pipe.id == celebrate_id else None
            tasks[f"drafting:{pipe.id}"] = lambda p=pipe, only=only: boards.cards(drafting, p, labels=story, milestone=only, issues_only=True)

    def _no_pipeline(self, board: BoardInfo, name: str) -> str:
        names = ", ".join(repr(p.name) for p in board.columns)
        return f"board {board.name!r} has no pipeline {name!r} (it has {names}): fix zenhub.pipelines in the rituals file"

    def _ours(self, issue: Card) -> bool:
        """Open issues of the Fleet repository; closed issues and pull requests are left as they are."""
        return issue.state == "open" and not issue.is_pr and issue.repo == self.repo

    def _board_tasks(self, group: GroupBoard, milestone: Milestone, tasks: dict[str, Any]) -> None:
        board = group.board
        assert board is not None
        ready = board.column(self.columns.ready_for_release, closed=False)
        if ready is None:
            group.problem = self._no_pipeline(board, self.columns.ready_for_release)
            return
        if not board.shows(self.repo):
            group.problem = f"board {board.name!r} does not show {self.repo}: add the repository to the workspace"
            return
        boards = self.app.boards
        for pipe in board.columns:
            # the whole "Ready for release" column is part of the release; elsewhere only this milestone's items matter
            only = None if pipe.id == ready.id else milestone.title
            tasks[f"{group.key}:{pipe.id}"] = lambda p=pipe, only=only: boards.cards(board, p, milestone=only, issues_only=True)

    def _sort_boards(self, groups: list[GroupBoard], milestone: Milestone, results: dict[str, Any]) -> None:
        """Decide which board concludes which item (see the module docstring)."""
        usable = [g for g in groups if g.problem is None and g.board is not None]
        outside: dict[str, list[Card]] = {}  # group key → this milestone's items outside the column
        for group in usable:
            board = group.board
            assert board is not None
            ready = board.column(self.columns.ready_for_release, closed=False)
            assert ready is not None  # else _board_tasks gave the group a problem
            group.cards = sorted((i for i in results[f"{group.key}:{ready.id}"] if self._ours(i)), key=lambda i: i.number)
            outside[group.key] = [
                i for pipe in board.columns if pipe.id != ready.id
                for i in results[f"{group.key}:{pipe.id}"] if self._ours(i) and i.milestone_number == milestone.number
            ]
        released = {i.issue_id for g in usable for i in g.cards}
        claimed: set[str] = set()
        for group in usable:
            # A story that an earlier run sent back to drafting (`:product`, no `:release`) is done
            # here; Fleet's boards drop it from the column, the sandbox's keep it there.
            mine = [i for i in group.cards if i.issue_id not in claimed and not self._sent_back(i)]
            claimed.update(i.issue_id for i in group.cards)
            group.ready = mine
        owners: dict[str, tuple[GroupBoard, Card]] = {}
        for group in usable:
            for issue in outside[group.key]:
                if issue.issue_id in released:
                    continue
                current = owners.get(issue.issue_id)
                labelled = group.label is not None and group.label in issue.labels
                if current is None or (labelled and not (current[0].label and current[0].label in issue.labels)):
                    owners[issue.issue_id] = (group, issue)
        for group, issue in owners.values():
            group.unfinished.append(issue)
        for group in usable:
            group.unfinished.sort(key=lambda i: i.number)

    def _sent_back(self, issue: Card) -> bool:
        return self.labels.story in issue.labels and self.labels.product in issue.labels and self.labels.release not in issue.labels
