"""conclude-milestone is one ritual on two board backends (ops/conclude/board_steps.py, docs/architecture.md).

The kinds both backends run are built by one method for both (the declaration names one builder, and both
backends' flows resolve it to the same function), and the one per-board loop holds a board's step the same way
on either backend: a board that cannot be used fails, a closed milestone skips, another board the step needs
fails it too.
"""

from __future__ import annotations

from importlib import import_module

from fleetops.boards import Card
from fleetops.ops.conclude.board_steps import BoardChange, BoardReads, BoardSteps, GroupBoard
from fleetops.plan import Status, Step
from fleetops.rituals.steps import BACKENDS, RITUALS

CONCLUDE = RITUALS["conclude_milestone"]


def _flow(backend: str) -> type:
    module, _, name = CONCLUDE.flows[backend].partition(":")
    return getattr(import_module(module), name)


def test_the_kinds_of_both_backends_are_built_by_one_method():
    shared = [k for k in CONCLUDE.kinds if set(k.backends) == set(BACKENDS)]
    assert {k.name for k in shared} >= {"boards.stories-to-drafting", "boards.close-ready", "drafting.celebrate"}
    for kind in shared:
        names = {kind.builder(b) for b in BACKENDS}
        assert len(names) == 1, f"{kind.name} has a builder per backend: {names}"
        (name,) = names
        built = {getattr(_flow(b), name) for b in BACKENDS}
        assert len(built) == 1, f"{kind.name}: each backend overrides {name}"


def test_both_backends_are_board_steps_and_neither_has_its_own_loop():
    for backend in BACKENDS:
        flow = _flow(backend)
        assert issubclass(flow, BoardSteps)
        assert flow._per_board is BoardSteps._per_board
    assert not issubclass(_flow("github-projects"), _flow("zenhub"))


def _card(number: int, *labels: str) -> Card:
    return Card(
        board_item_id=f"item{number}", issue_id=f"issue{number}", repo="fleetdm/fleet", number=number, title=f"#{number}",
        state="open", is_pr=False, url="", labels=labels, assignees=(), milestone="4.58.0", column="Ready for release", sprints=(),
    )


class _Labels:
    story, product, release = "story", ":product", ":release"


class _Columns:
    ready_for_release, confirm_and_celebrate = "Ready for release", "Confirm and celebrate"


class _Backend(BoardSteps):
    """The hooks as a backend answers them, recording what the flow asked."""

    def __init__(self, groups: list[GroupBoard], *, closed_reason: str | None = None, drafting_problem: str | None = None) -> None:
        # no App: only what the board steps read
        self.reads = BoardReads(milestone=None, milestones=[], groups=groups, drafting=None)  # type: ignore[arg-type]
        self.closed_reason = closed_reason
        self.labels, self.columns = _Labels(), _Columns()
        self.drafting_problem = drafting_problem
        self.asked: list[tuple[str, list[int]]] = []
        self.written: list[str] = []

    def _stories_need(self) -> tuple[str | None, ...]:
        return (self.drafting_problem,)

    def _stories(self, group: GroupBoard) -> list[Card]:
        return [c for c in group.ready if "story" in c.labels]

    def _sending_back(self, group, stories, add, drop, parts) -> BoardChange:
        self.asked.append((f"{group.key}.stories", [c.number for c in stories]))
        return BoardChange("nothing", "; ".join(parts), lambda: self.written.append(group.key), {"extra": 1})

    def _closing(self, group: GroupBoard, rest: list[Card]) -> BoardChange:
        self.asked.append((f"{group.key}.close", [c.number for c in rest]))
        if not rest:
            return BoardChange("nothing left")
        return BoardChange("", "close them", lambda: f"closed {len(rest)}")


def _groups() -> list[GroupBoard]:
    good = GroupBoard("g-mdm", 58, {"project": 58}, ready=[_card(1, "story"), _card(2, "bug"), _card(3, "story", ":release")])
    broken = GroupBoard("g-orch", 70, {"project": 70}, problem="project 70 has no Status 'Closed'")
    empty = GroupBoard("g-sec", 71, {"project": 71})
    return [good, broken, empty]


def test_the_loop_gives_each_board_its_step_and_holds_an_unusable_board():
    flow = _Backend(_groups())
    steps = flow._close_steps(None, None)  # type: ignore[arg-type]
    assert [s.id for s in steps] == ["g-mdm.close", "g-orch.close", "g-sec.close"]
    assert [s.status for s in steps] == [Status.PENDING, Status.FAILED, Status.SKIPPED]
    assert steps[0].title == "g-mdm: close the rest of Ready for release"
    assert steps[0].data == {"project": 58, "issues": [2]}
    assert steps[1].detail == "project 70 has no Status 'Closed'" and steps[1].data == {"project": 70}
    assert steps[2].detail == "nothing left" and steps[2].data == {"project": 71, "issues": []}
    assert flow.asked == [("g-mdm.close", [2]), ("g-sec.close", [])]  # the broken board's backend is not asked
    assert steps[0].action is not None and steps[0].action(steps[0]) == "closed 1"


def test_a_closed_milestone_skips_every_board_step_without_asking_the_backend():
    flow = _Backend(_groups(), closed_reason="milestone 4.58.0 was closed by fleetops")
    steps = flow._stories_steps(None, None)  # type: ignore[arg-type]
    assert {s.status for s in steps} == {Status.SKIPPED}
    assert all(s.detail == "milestone 4.58.0 was closed by fleetops" and s.data["issues"] == [] for s in steps)
    assert flow.asked == []


def test_without_a_drafting_board_there_is_no_celebrate_step():
    assert _Backend(_groups())._celebrate(None, None) is None  # type: ignore[arg-type]


def test_a_board_the_stories_step_needs_fails_it_on_every_group():
    flow = _Backend(_groups(), drafting_problem="project 67: not found")
    steps = flow._stories_steps(None, None)  # type: ignore[arg-type]
    assert [s.status for s in steps] == [Status.FAILED] * 3
    assert [s.detail for s in steps] == ["project 67: not found", "project 70 has no Status 'Closed'", "project 67: not found"]


def test_the_stories_step_relabels_and_says_what_it_did_in_the_same_words_on_both_backends():
    flow = _Backend(_groups())
    step: Step = flow._stories_steps(None, None)[0]  # type: ignore[arg-type]
    assert step.status is Status.PENDING
    assert step.data == {"project": 58, "issues": [1, 3], "label_added": [1, 3], "label_removed": [3], "extra": 1}
    assert step.detail == "add :product to #1, #3; remove :release from #3"
    assert step.action is not None and step.action(step) == "2 stories sent back to drafting: #1, #3"
    assert flow.written == ["g-mdm"]
