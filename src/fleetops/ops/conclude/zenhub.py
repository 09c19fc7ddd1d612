"""Conclude the milestone on ZenHub: every step of the 2024 handbook's "Conclude current milestone", as one plan.

The plan reads GitHub, the ZenHub boards (through `app.boards`), Merge Freeze and Slack's marker
once (reads run concurrently), then holds one step per handbook step (per board where the
handbook says "on each board"):

     1 rename                `VERSION-tentative` → `VERSION`
   2–3 <board>.unfinished    remove the milestone from items that did not reach "Ready for release"
     4 <board>.ready         give "Ready for release" items the milestone and the active sprint
     5 <board>.stories       stories there: add `:product`, remove `:release` (back to drafting)
     6 <board>.close         close the other "Ready for release" items (ZenHub closes the issues)
     8 drafting.celebrate    move this milestone's stories to "Confirm and celebrate"
     9 close-milestone, 10 next-milestone, 11 unfreeze, 12 announce, 13 patch-branch

The milestone's own steps (1, 9, 10, 12) are flow.py's and the board kinds both backends run (5, 6, 8)
are board_steps.py's, for either backend: this module answers those with ZenHub's changes and builds
ZenHub's own kinds (2–4, 11, 13); zenhub_reads.py reads.
Every board change is one `app.boards` call per kind of change per board: on ZenHub, one batch
mutation (boards/zenhub.py). A ZenHub workspace shows every issue of its repositories (issues
nobody placed sit in the first pipeline), so an item counts as released when it is in "Ready for
release" on ANY product group's board; an unfinished item is handled by the board of its group
label, else by the first board that shows it.
Closed issues and pull requests are left as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING


from fleetops.plan import Plan, Skip, Status, Step
from fleetops.schedule import compute_schedule
from fleetops.ops.conclude.rules import _count, _list, _numbers
from fleetops.ops.conclude.board_steps import BoardChange, GroupBoard
from fleetops.ops.conclude.zenhub_reads import ZenHubReading

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.boards import BoardInfo, Card, Column
    from fleetops.ops.conclude.rules import Versions
    from fleetops.rituals.models import StepEntry


class ConcludeZenHub(ZenHubReading):
    """conclude-milestone on ZenHub: the board steps of the handbook of 2024 (module docstring)."""

    def __init__(self, app: App, versions: Versions) -> None:
        super().__init__(app, versions)
        self._added: set[str] = set()  # items the board steps give the milestone (the celebrate step moves them)
        self._removed: set[str] = set()  # items the board steps take it from (the celebrate step leaves them)

    def start_plan(self) -> Plan:
        """The plan's frame: whether the freeze is the next release's (Merge Freeze), and ZenHub's `--json` keys."""
        self.next_freeze = self._next_release_freeze() if self.reads.freeze.frozen else None
        plan = self._new_plan()
        plan.extra.update(next_milestone=self.next_titles[0], patch_branch=self.branch)
        return plan


    # -- the steps, as the rituals file lists them ------------------------------------------------------
    # Each kind's builder is named in its declaration (rituals/steps.py): (entry, plan) → step(s). The
    # kinds both backends run are built in board_steps.py, with this backend's answers below (5, 6, 8).
    def _unfinished_steps(self, entry: StepEntry, plan: Plan) -> list[Step]:
        return self._per_board("unfinished", "{key}: remove the milestone from unfinished items", self._unfinished_step)

    def _ready_steps(self, entry: StepEntry, plan: Plan) -> list[Step]:
        return self._per_board("ready", "{key}: milestone and sprint on Ready for release", self._ready_step)

    # 2–3: items of this milestone outside the column did not make the release
    def _unfinished_step(self, group: GroupBoard, step_id: str, title: str) -> Step:
        boards, ms = self.app.boards, self.reads.milestone
        board = group.board
        assert board is not None
        unfinished = group.unfinished
        self._removed.update(i.issue_id for i in unfinished)
        data = {**group.data, "issues": _numbers(unfinished)}
        if not unfinished:
            return Step.skip(step_id, title, f"no open item outside {self.columns.ready_for_release} carries {ms.title}", data=data)

        def remove(step: Step, issues: list[Card] = unfinished) -> str:
            count = boards.remove_milestone(board, issues)
            return f"removed {ms.title} from {_count(count, 'item')}: {_list(issues)}"

        detail = f"{_count(len(unfinished), 'item')} outside {self.columns.ready_for_release} still carry {ms.title}: {_list(unfinished, where=True)} → remove it"
        return Step.todo(step_id, title, detail, remove, data=data)

    # 4: every item in the column gets the milestone and the active sprint
    def _ready_step(self, group: GroupBoard, step_id: str, title: str) -> Step:
        boards, ms = self.app.boards, self.reads.milestone
        board = group.board
        assert board is not None
        ready = group.ready
        sprint = board.current_sprint
        lacking_ms = [i for i in ready if i.milestone_number != ms.number]
        lacking_sprint = [i for i in ready if sprint is not None and sprint.id not in i.sprints]
        self._added.update(i.issue_id for i in lacking_ms)
        touched = sorted({*_numbers(lacking_ms), *_numbers(lacking_sprint)})
        data = {**group.data, "issues": touched, "milestone_added": _numbers(lacking_ms), "sprint_added": _numbers(lacking_sprint)}
        if ready and sprint is None:
            return Step(
                id=step_id, title=title, status=Status.FAILED, data=data,
                detail=f"board {board.name!r} has no active sprint for its {_count(len(ready), 'item')} in {self.columns.ready_for_release}: start the sprint in ZenHub, then re-run",
            )
        if not lacking_ms and not lacking_sprint:
            reason = (
                f"all {_count(len(ready), 'item')} in {self.columns.ready_for_release} have {ms.title} and sprint {sprint.name!r}"
                if ready and sprint
                else f"no open issue in {self.columns.ready_for_release}"
            )
            return Step.skip(step_id, title, reason, data=data)

        def prep(step: Step, no_ms: list[Card] = lacking_ms, no_sprint: list[Card] = lacking_sprint) -> str:
            done = []
            if no_ms:
                boards.set_milestone(board, no_ms, ms)
                done.append(f"milestone on {_list(no_ms)}")
            if no_sprint:
                boards.set_sprint(board, no_sprint, sprint)  # type: ignore[arg-type]
                done.append(f"sprint on {_list(no_sprint)}")
            return "added " + "; ".join(done)

        parts = [f"{_count(len(ready), 'item')} in {self.columns.ready_for_release}"]
        if lacking_ms:
            parts.append(f"{len(lacking_ms)} lack {ms.title}: {_list(lacking_ms)}")
        if lacking_sprint:
            parts.append(f"{len(lacking_sprint)} lack sprint {sprint.name!r}: {_list(lacking_sprint)}")  # type: ignore[union-attr]
        return Step.todo(step_id, title, "; ".join(parts) + " → add", prep, data=data)

    # 5: stories go back to the drafting board (labels), they are not closed
    def _stories(self, group: GroupBoard) -> list[Card]:
        # none is sent back already (_sort_boards leaves those out of `ready`): each lacks a label change
        return [i for i in group.ready if self.labels.story in i.labels]

    def _sending_back(self, group: GroupBoard, stories: list[Card], add: list[Card], drop: list[Card], parts: list[str]) -> BoardChange:
        boards, board, ready = self.app.boards, group.board, self.columns.ready_for_release
        assert board is not None
        sent = [i for i in group.cards if self._sent_back(i)]
        done = f"{_count(len(sent), 'story')} already sent back ({self.labels.product}, no {self.labels.release})" if sent else f"no story in {ready}"

        def relabel() -> None:
            if add:
                boards.add_labels(board, add, [self.labels.product])
            if drop:
                boards.remove_labels(board, drop, [self.labels.release])

        if not add and not drop:
            return BoardChange(done)
        return BoardChange(done, "; ".join([f"{_count(len(stories), 'story')} in {ready}: {_list(stories)}", *parts]), relabel)

    # 6: the rest of the column is done: ZenHub's close also closes the GitHub issues
    def _closing(self, group: GroupBoard, rest: list[Card]) -> BoardChange:
        boards, board = self.app.boards, group.board
        assert board is not None and board.closed is not None

        def close() -> str:
            count = boards.close(board, rest)
            return f"closed {_count(count, 'issue')}: {_list(rest)}"

        done = f"no open issue left in {self.columns.ready_for_release} besides stories"
        if not rest:
            return BoardChange(done)
        return BoardChange(done, f"{_count(len(rest), 'open issue')}: {_list(rest)} → closed (moved to {board.closed.name})", close)

    # 8
    def _celebration(self, drafting: GroupBoard, close_labels: tuple[str, ...]) -> BoardChange:
        reads, celebrate = self.reads, self.columns.confirm_and_celebrate
        ms = reads.milestone
        # The stories that carry the milestone once the board steps are done (not just now).
        moving = [
            i for i in drafting.cards
            if (i.milestone_number == ms.number and i.issue_id not in self._removed) or i.issue_id in self._added
        ]
        moving.sort(key=lambda i: i.number)
        closing = [i for i in moving if set(close_labels) & set(i.labels)]
        moving = [i for i in moving if i not in closing]
        already = f"; {len(reads.celebrated)} already there" if reads.celebrated else ""
        data = {"issues": _numbers(moving), **({"closed": _numbers(closing)} if close_labels else {})}
        done = f"no story of {ms.title} outside {celebrate}{already}"
        if not moving and not closing:
            return BoardChange(done, data=data)
        board = drafting.board
        assert board is not None
        target = board.column(celebrate, closed=False)
        assert target is not None
        todo = f"{_count(len(moving), 'story')} with the milestone (once the steps above are done): {_list(moving, where=True)} → {target.name}{already}"
        if closing:
            todo += f"; closed instead ({', '.join(sorted(set(close_labels)))}): {_list(closing)}"
        return BoardChange(done, todo, lambda: self._move_and_close(board, moving, closing, target), data)

    def _move_and_close(self, drafting: BoardInfo, moving: list[Card], closing: list[Card], target: Column) -> str:
        boards, done = self.app.boards, []
        if moving:
            boards.move(drafting, moving, target.name)
            done.append(f"moved {_count(len(moving), 'story')} to {target.name}: {_list(moving)}")
        if closing:
            boards.close(drafting, closing)
            done.append(f"closed {_count(len(closing), 'story')}: {_list(closing)}")
        return "; ".join(done)


    # 11
    def _unfreeze(self, entry: StepEntry, plan: Plan) -> Step:
        state = self.reads.freeze
        title = f"Unfreeze {self.freeze_branch} in Merge Freeze"
        if not state.frozen:
            return Step.skip("unfreeze", title, "not frozen")
        if self.next_freeze is not None:
            return Step.skip("unfreeze", title, self.next_freeze)
        user = self.reads.user

        def apply(step: Step) -> str:
            self.app.clients.mergefreeze.set_frozen(self.repo, self.freeze_branch, frozen=False, user_name=user)
            return f"unfrozen (as {user})"

        return Step.todo("unfreeze", title, f"frozen (by {state.frozen_by or 'unknown'}) → open", apply)

    def _next_release_freeze(self) -> str | None:
        """Why the branch's freeze belongs to the next release (its freeze has begun), or None."""
        nxt = self._next_existing()
        if nxt is None or nxt.due_on is None or nxt.state != "open":
            return None
        schedule = compute_schedule(nxt.title, self.v.next, nxt.due_on, self.rituals.freeze, self.app.now())
        if schedule.phase not in ("freeze", "deep-freeze"):
            return None
        return f"frozen for {self.v.next} (milestone {nxt.title}: its freeze began {schedule.freeze_starts.isoformat()}): left as it is"


    # 13
    def _patch_branch(self, entry: StepEntry, plan: Plan) -> Step:
        reads = self.reads
        title = f"Create branch {self.branch} from {self.tag}"
        if reads.branch is not None:
            at = reads.branch[0]
            note = "" if at == reads.tag_commit else f" (the tag is at {reads.tag_commit[:7]})" if reads.tag_commit else ""
            return Step.skip("patch-branch", title, f"exists at {at[:7]}{note}", data={"branch": self.branch})
        if reads.tag_commit is None:
            return Step(
                id="patch-branch", title=title, status=Status.FAILED, data={"branch": self.branch},
                detail=f"tag {self.tag} does not exist in {self.repo}: publish the release first, then re-run",
            )
        sha = reads.tag_commit

        def apply(step: Step) -> str:
            if not self.app.clients.github.create_branch(self.branch, sha):
                raise Skip(f"{self.branch} exists already (created by an earlier run)")
            return f"created {self.branch} at {sha[:7]}"

        return Step.todo("patch-branch", title, f"{self.branch} at {self.tag} (commit {sha[:7]})", apply, data={"branch": self.branch})


