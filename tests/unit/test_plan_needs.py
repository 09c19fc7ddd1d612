"""The runner's `needs`: a step failed at planning time blocks its dependents like a failure while applying."""

from __future__ import annotations

import pytest

from fleetops.errors import FleetopsError
from fleetops.plan import Plan, Runner, Status, Step
from fleetops.ui import UI


def _ran(log: list[str], name: str):
    def action(step: Step) -> str:
        log.append(name)
        return f"{name} done"

    return action


def test_a_step_failed_while_planning_blocks_its_dependents_only():
    log: list[str] = []
    plan = Plan(command="test")
    plan.add(Step(id="tag", title="Find the tag", detail="tag missing", status=Status.FAILED))
    plan.add(Step.todo("branch", "Create the branch", "from the tag", _ran(log, "branch"), needs=("tag",)))
    plan.add(Step.todo("other", "Independent", "runs", _ran(log, "other")))
    outcome = Runner(UI(), None, yes=True, dry_run=False).run(plan)
    assert log == ["other"]
    assert plan.step("branch").status is Status.PENDING
    assert plan.step("branch").detail == "not run: needs tag, which did not finish"
    assert int(outcome.exit_code) == 1


def test_a_failure_while_applying_blocks_dependents_and_the_rest_runs():
    log: list[str] = []

    def boom(step: Step) -> str:
        raise FleetopsError("service down")

    plan = Plan(command="test")
    plan.add(Step.todo("a", "A", "fails", boom))
    plan.add(Step.todo("b", "B", "needs a", _ran(log, "b"), needs=("a",)))
    plan.add(Step.todo("c", "C", "needs b", _ran(log, "c"), needs=("b",)))
    plan.add(Step.todo("d", "D", "independent", _ran(log, "d")))
    outcome = Runner(UI(), None, yes=True, dry_run=False).run(plan)
    assert log == ["d"]
    assert [s.status for s in plan.steps] == [Status.FAILED, Status.PENDING, Status.PENDING, Status.DONE]
    assert plan.step("c").detail == "not run: needs b, which did not finish"
    assert int(outcome.exit_code) == 1


def test_a_need_on_no_earlier_step_is_refused_when_the_step_is_added():
    """The runner used to treat a need on a step that is not in the plan as satisfied (issue 18)."""
    from fleetops.plan import Plan, Step

    plan = Plan("demo")
    plan.add(Step.todo("a", "A", "a", lambda step: "a"))
    plan.add(Step.todo("b", "B", "b", lambda step: "b", needs=("a",)))
    with pytest.raises(ValueError, match=r"step 'c' needs unfreeze, which is not an earlier step of the plan"):
        plan.add(Step.todo("c", "C", "c", lambda step: "c", needs=("a", "unfreeze")))
    assert [s.id for s in plan.steps] == ["a", "b"]
