"""The board steps of conclude-milestone, one ritual on either board backend: the boards it concludes (one
`GroupBoard` type), one loop that gives each per-board kind a step per product group's board, and the steps of
the kinds both backends run (stories back to drafting, close the rest, celebrate on the drafting board).

The flow here picks each step's cards by the handbook's rule, holds a step whose board cannot be used and names
it in `--json`; a backend (zenhub_reads.py and zenhub.py, projects.py) reads the boards into `GroupBoard`s and
answers each kind's hook with a `BoardChange`: what is left to do on its board, in its words, and how it is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fleetops.ops.conclude.flow import ConcludeFlow
from fleetops.ops.conclude.rules import _count, _list, _numbers
from fleetops.plan import Status, Step

if TYPE_CHECKING:
    from fleetops.boards import BoardInfo, Card
    from fleetops.clients.github import Milestone
    from fleetops.plan import Plan
    from fleetops.rituals.models import StepEntry


@dataclass
class GroupBoard:
    """One board the ritual concludes: a product group's (two groups on one board: one board), or the drafting one."""

    key: str  # its steps' ids start with it: the ZenHub workspace's key, the product group's key, or "drafting"
    ref: str | int  # what `boards.find` takes: the ZenHub workspace's id, the project's number
    data: dict[str, Any]  # the --json keys that name it in each of its steps ({"workspace": key}, {"project": number})
    label: str | None = None  # the product group's label (ZenHub: which board cleans up an unfinished item)
    board: BoardInfo | None = None
    problem: str | None = None  # why its steps cannot run (a person must fix the board or the rituals file)
    # What was read: ZenHub, every open issue in "Ready for release" (the drafting board: its stories outside
    # "Confirm and celebrate"); Projects, every item (a project cannot be filtered).
    cards: list[Card] = field(default_factory=list)
    archived: list[Card] = field(default_factory=list)  # Projects: archived items, still on the project
    ready: list[Card] = field(default_factory=list)  # the release's items in "Ready for release" that this board concludes
    unfinished: list[Card] = field(default_factory=list)  # ZenHub: this milestone's items elsewhere that it cleans up


@dataclass
class BoardReads:
    """What every backend's read gives the board steps (a backend's reads add their own)."""

    milestone: Milestone  # this release's milestone as it is now (tentative or already renamed)
    milestones: list[Milestone]
    groups: list[GroupBoard]
    drafting: GroupBoard | None  # None: the rituals file names no drafting board (ZenHub)


@dataclass
class BoardChange:
    """What a board step has left to do on its backend: `todo` the plan's words (None: nothing is left, and
    `done` says why), `write` the change (it returns what it did), `data` the step's own --json keys."""

    done: str
    todo: str | None = None
    write: Callable[[], str | None] | None = None
    data: dict[str, Any] = field(default_factory=dict)


class BoardSteps(ConcludeFlow):
    """`ConcludeFlow` with the board steps; a backend subclass reads (`read`) and answers the hooks below."""

    reads: BoardReads

    def held(self, step_id: str, title: str, data: dict[str, Any], *problems: str | None) -> Step | None:
        """A board step as it must stay, on either backend: skipped when the milestone is closed (its
        boards are left alone), failed with the first problem of a board it uses; else None."""
        if self.closed_reason is not None:
            return Step.skip(step_id, title, self.closed_reason, data={**data, "issues": []})
        problem = next((p for p in problems if p is not None), None)
        if problem is not None:
            return Step(id=step_id, title=title, detail=problem, status=Status.FAILED, data=data)
        return None

    def _relabelling(self, stories: list[Card]) -> tuple[list[Card], list[Card], list[str]]:
        """Stories sent back to drafting (both backends): those lacking the product label, those
        still labelled for release, and what the plan says of each."""
        labels = self.labels
        need_product = [c for c in stories if labels.product not in c.labels]
        need_unrelease = [c for c in stories if labels.release in c.labels]
        parts = []
        if need_product:
            parts.append(f"add {labels.product} to {_list(need_product)}")
        if need_unrelease:
            parts.append(f"remove {labels.release} from {_list(need_unrelease)}")
        return need_product, need_unrelease, parts

    def _per_board(self, name: str, title: str, build: Callable[[GroupBoard, str, str], Step], *problems: str | None) -> list[Step]:
        """One step per product group's board, in the rituals file's order; `title` has `{key}`. A board that cannot
        be used fails its step (so does one of `problems`: another board the step needs), a closed milestone skips it."""
        steps = []
        for group in self.reads.groups:
            step_id, text = f"{group.key}.{name}", title.format(key=group.key)
            steps.append(self.held(step_id, text, dict(group.data), group.problem, *problems) or build(group, step_id, text))
        return steps

    def _step(self, step_id: str, title: str, data: dict[str, Any], change: BoardChange, *, did: str = "") -> Step:
        """The step as `change` leaves it: skipped with its reason, or to do (its result: what the write says, else `did`)."""
        data = {**data, **change.data}
        if change.todo is None or change.write is None:
            return Step.skip(step_id, title, change.done, data=data)
        write = change.write
        return Step.todo(step_id, title, change.todo, lambda step: write() or did, data=data)

    # boards.stories-to-drafting: stories go back to drafting (labels; on Projects also the drafting project)
    def _stories_steps(self, entry: StepEntry, plan: Plan) -> list[Step]:
        return self._per_board("stories", "{key}: send stories back to drafting", self._stories_step, *self._stories_need())

    def _stories_step(self, group: GroupBoard, step_id: str, title: str) -> Step:
        stories = self._stories(group)
        need_product, need_unrelease, relabel_parts = self._relabelling(stories)
        data = {**group.data, "issues": _numbers(stories), "label_added": _numbers(need_product), "label_removed": _numbers(need_unrelease)}
        change = self._sending_back(group, stories, need_product, need_unrelease, relabel_parts)
        did = f"{_count(len(stories), 'story')} sent back to drafting: {_list(stories)}"  # on both backends
        return self._step(step_id, title, data, change, did=did)

    # boards.close-ready: the rest of the column is done
    def _close_steps(self, entry: StepEntry, plan: Plan) -> list[Step]:
        return self._per_board("close", f"{{key}}: close the rest of {self.columns.ready_for_release}", self._close_step)

    def _close_step(self, group: GroupBoard, step_id: str, title: str) -> Step:
        rest = [c for c in group.ready if self.labels.story not in c.labels]
        return self._step(step_id, title, {**group.data, "issues": _numbers(rest)}, self._closing(group, rest))

    # drafting.celebrate: on the drafting board, this milestone's stories to "Confirm and celebrate"
    def _celebrate(self, entry: StepEntry, plan: Plan) -> Step | None:
        drafting = self.reads.drafting
        if drafting is None:
            return None
        step_id, title = f"{drafting.key}.celebrate", f"{drafting.key}: move this milestone's stories to {self.columns.confirm_and_celebrate}"
        held = self.held(step_id, title, dict(drafting.data), drafting.problem)
        if held is not None:
            return held
        # Stories with a close label (the rituals file's `close_labels`) are closed, not moved.
        close_labels: tuple[str, ...] = entry.args().close_labels  # type: ignore[attr-defined]
        return self._step(step_id, title, dict(drafting.data), self._celebration(drafting, close_labels))

    # -- what a backend answers ------------------------------------------------------------------------------------
    def _stories_need(self) -> tuple[str | None, ...]:
        """The problems of other boards the stories steps need (none: they change the group's board only)."""
        return ()

    def _stories(self, group: GroupBoard) -> list[Card]:
        """The stories that `group`'s stories step sends back to drafting."""
        raise NotImplementedError

    def _sending_back(self, group: GroupBoard, stories: list[Card], add: list[Card], drop: list[Card], parts: list[str]) -> BoardChange:
        """Add the product label to `add`, remove the release label from `drop` (`parts`: the plan's words for that);
        its write says nothing (`_stories_step` says what it did)."""
        raise NotImplementedError

    def _closing(self, group: GroupBoard, rest: list[Card]) -> BoardChange:
        """Close `rest` (the release's items in "Ready for release" that are not stories)."""
        raise NotImplementedError

    def _celebration(self, drafting: GroupBoard, close_labels: tuple[str, ...]) -> BoardChange:
        """Move this milestone's stories on the drafting board to "Confirm and celebrate" (close those with a close label)."""
        raise NotImplementedError
