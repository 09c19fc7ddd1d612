"""The runner: order, dependencies, failures that do not stop independent steps, journal, exit codes."""

from __future__ import annotations

import io
import json

import pytest

from fleetops.errors import ConfirmationNeeded, ExitCode, ServiceError
from fleetops.journal import Journal
from fleetops.plan import Plan, Runner, Skip, Status, Step
from fleetops.ui import UI


@pytest.fixture
def ui(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    return UI()


def runner(ui, tmp_path, **kw):
    return Runner(ui, Journal(tmp_path / "journal.jsonl", command="test"), **{"yes": True, "dry_run": False, **kw})


def test_failure_does_not_stop_independent_steps_but_blocks_dependents(ui, tmp_path):
    calls = []

    def ok(name):
        return lambda step: calls.append(name) or f"{name} done"

    def fail(step):
        raise ServiceError("ZenHub answered HTTP 500")

    plan = Plan("test", steps=[
        Step.todo("a", "A", "", ok("a")),
        Step.todo("b", "B", "", fail),
        Step.todo("c", "C", "", ok("c"), needs=("b",)),
        Step.todo("d", "D", "", ok("d"), needs=("c",)),
        Step.todo("e", "E", "", ok("e")),
        Step.skip("f", "F", "already done"),
    ])
    outcome = runner(ui, tmp_path).run(plan)
    assert calls == ["a", "e"]
    assert [s.status for s in plan.steps] == [Status.DONE, Status.FAILED, Status.PENDING, Status.PENDING, Status.DONE, Status.SKIPPED]
    assert plan.step("c").detail.startswith("not run: needs b")
    assert plan.step("d").detail.startswith("not run: needs c")
    assert outcome.exit_code == ExitCode.FAILED
    journal = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert [(j["step"], j["status"]) for j in journal] == [("a", "done"), ("b", "failed"), ("e", "done")]


def test_skip_at_apply_time_and_unexpected_exceptions(ui, tmp_path):
    def late_skip(step):
        raise Skip("someone did it meanwhile")

    def bug(step):
        raise ZeroDivisionError("division by zero")

    plan = Plan("test", steps=[Step.todo("a", "A", "", late_skip), Step.todo("b", "B", "", bug)])
    outcome = runner(ui, tmp_path).run(plan)
    assert plan.step("a").status is Status.SKIPPED and plan.step("a").detail == "someone did it meanwhile"
    assert plan.step("b").status is Status.FAILED and "ZeroDivisionError" in plan.step("b").detail
    assert outcome.exit_code == ExitCode.FAILED


def test_needs_action_is_exit_3_and_json_has_the_contract_keys(ui, tmp_path):
    plan = Plan("check", steps=[Step.skip("x", "X", "nothing")], needs_action=True, extra={"dependencies": []})
    outcome = runner(ui, tmp_path).run(plan)
    assert outcome.exit_code == ExitCode.NEEDS_ACTION
    data = outcome.as_json()
    assert data == {"command": "check", "dry_run": False, "steps": [{"id": "x", "title": "X", "status": "skipped", "detail": "nothing"}], "dependencies": []}


def test_dry_run_applies_nothing(ui, tmp_path):
    called = []
    plan = Plan("test", steps=[Step.todo("a", "A", "would do", lambda s: called.append(1))])
    outcome = runner(ui, tmp_path, yes=False, dry_run=True).run(plan)
    assert called == [] and plan.step("a").status is Status.PENDING
    assert outcome.exit_code == ExitCode.OK and outcome.dry_run is True
    assert not (tmp_path / "journal.jsonl").exists()


def test_without_yes_and_without_a_terminal_nothing_is_applied(ui, tmp_path):
    called = []
    plan = Plan("test", steps=[Step.todo("a", "A", "", lambda s: called.append(1))])
    with pytest.raises(ConfirmationNeeded, match="--yes"):
        runner(ui, tmp_path, yes=False).run(plan)
    assert called == []
