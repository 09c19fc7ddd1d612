"""Plan and Step, and the runner: check → show → confirm → apply → journal.

An ops module reads the world and returns a `Plan`: every step already knows its current
state and either has nothing to do (`skipped`, with the reason) or has an `action` that makes
the change (`pending`). The runner shows the plan, asks (or requires `--yes`), applies the
pending steps in order, keeps going past failures for steps that do not depend on the failed
one, and journals each applied step. `--dry-run` stops after showing: reads only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from fleetops.errors import ConfirmationNeeded, ExitCode, FleetopsError
from fleetops.redaction import redact

if TYPE_CHECKING:
    from fleetops.journal import Journal
    from fleetops.ui import UI


class Status(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    PENDING = "pending"
    FAILED = "failed"


class Skip(Exception):
    """Raised by an action that finds, at apply time, that there is nothing to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Action = Callable[["Step"], str | None]


@dataclass
class Step:
    """One change: its state now, what would change, and how to change it."""

    id: str
    title: str
    detail: str = ""  # pending: what will change; skipped: why not; done/failed: what happened
    action: Action | None = None
    status: Status = Status.PENDING
    needs: tuple[str, ...] = ()  # ids of steps that must not have failed
    manual: bool = False  # a checklist item for a person; never applied by fleetops
    data: dict[str, Any] = field(default_factory=dict)  # extra JSON (issue numbers, urls)
    preview: Any = None  # optional data the UI shows under the step (e.g. a body diff; see fleetops.render)

    @classmethod
    def todo(cls, id: str, title: str, detail: str, action: Action, **kw: Any) -> Step:  # noqa: A002
        return cls(id=id, title=title, detail=detail, action=action, status=Status.PENDING, **kw)

    @classmethod
    def skip(cls, id: str, title: str, reason: str, **kw: Any) -> Step:  # noqa: A002
        return cls(id=id, title=title, detail=reason, status=Status.SKIPPED, **kw)

    @classmethod
    def checklist(cls, id: str, title: str, detail: str, **kw: Any) -> Step:  # noqa: A002
        """Something a person must do; reported as skipped (fleetops cannot do it)."""
        return cls(id=id, title=title, detail=detail, status=Status.SKIPPED, manual=True, **kw)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "title": self.title, "status": str(self.status), "detail": self.detail}
        if self.manual:
            out["manual"] = True
        out.update(self.data)
        return out


@dataclass
class Plan:
    """Everything a command will do, plus the keys it adds to `--json`."""

    command: str
    steps: list[Step] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    needs_action: bool = False  # a check found something (exit 3 when nothing failed)
    title: str | None = None

    def add(self, step: Step) -> Step:
        self.steps.append(step)
        return step

    @property
    def pending(self) -> list[Step]:
        return [s for s in self.steps if s.status is Status.PENDING and s.action is not None]

    @property
    def failed(self) -> list[Step]:
        return [s for s in self.steps if s.status is Status.FAILED]

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)


@dataclass
class Outcome:
    plan: Plan
    dry_run: bool
    exit_code: ExitCode

    def as_json(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "command": self.plan.command,
            "dry_run": self.dry_run,
            "steps": [s.as_json() for s in self.plan.steps],
        }
        payload.update(self.plan.extra)
        return payload


class Runner:
    """Runs a plan the same way for every command (SPEC §1 "Global behaviour")."""

    def __init__(self, ui: UI, journal: Journal | None, *, yes: bool, dry_run: bool) -> None:
        self.ui = ui
        self.journal = journal
        self.yes = yes
        self.dry_run = dry_run

    def run(self, plan: Plan) -> Outcome:
        pending = plan.pending
        self.ui.plan(plan, heading="Plan (dry run: nothing will change)" if self.dry_run else "Plan")
        if self.dry_run or not pending:
            if not pending and plan.steps and not self.dry_run:
                self.ui.info("Nothing to change.")
            return self._finish(plan)
        self._confirm(plan, len(pending))
        self._apply(plan, pending)
        return self._finish(plan)

    def _confirm(self, plan: Plan, count: int) -> None:
        noun = "change" if count == 1 else "changes"
        if self.yes:
            return
        if not self.ui.can_prompt():
            raise ConfirmationNeeded(
                f"{count} {noun} pending and no terminal to confirm: nothing was changed.",
                hint="Re-run with --yes to apply them, or with --dry-run to only show the plan.",
            )
        if not self.ui.confirm(f"Apply {count} {noun}?"):
            raise ConfirmationNeeded("Declined: nothing was changed.")

    def _apply(self, plan: Plan, pending: list[Step]) -> None:
        # failed while planning (a precondition a person must fix), or failed or blocked during this run
        unfinished: set[str] = {s.id for s in plan.steps if s.status is Status.FAILED}
        with self.ui.progress(len(pending), "Applying") as advance:
            for step in pending:
                blockers = [n for n in step.needs if n in unfinished]
                if blockers:
                    unfinished.add(step.id)
                    step.detail = f"not run: needs {', '.join(blockers)}, which did not finish"
                    self._report(step)
                else:
                    self._apply_one(step)
                    if step.status is Status.FAILED:
                        unfinished.add(step.id)
                advance(step.title)

    def _report(self, step: Step) -> None:
        self.ui.step_result(step)

    def _apply_one(self, step: Step) -> None:
        assert step.action is not None
        try:
            result = step.action(step)
            step.status = Status.DONE
            if result:
                step.detail = result
        except Skip as skip:
            step.status = Status.SKIPPED
            step.detail = skip.reason
        except FleetopsError as err:
            step.status = Status.FAILED
            step.detail = redact(str(err))
        except Exception as err:  # a bug or an unexpected library error: report it, keep going
            step.status = Status.FAILED
            step.detail = redact(f"{type(err).__name__}: {err}")
            if self.ui.debug_enabled:
                import traceback

                self.ui.debug(redact(traceback.format_exc()))
        self._report(step)
        if self.journal is not None:
            self.journal.record(step.id, str(step.status), step.detail)

    def _finish(self, plan: Plan) -> Outcome:
        return outcome_of(self.ui, plan, dry_run=self.dry_run)


def outcome_of(ui: UI, plan: Plan, *, dry_run: bool) -> Outcome:
    """The exit code of a plan, applied or only read: failed steps (1), a finding (3), or 0."""
    if plan.failed:
        names = ", ".join(s.id for s in plan.failed)
        ui.error(f"{len(plan.failed)} step(s) failed: {names}. Fix the cause and re-run: finished steps are skipped.")
        code = ExitCode.FAILED
    elif plan.needs_action:
        code = ExitCode.NEEDS_ACTION
    else:
        code = ExitCode.OK
    return Outcome(plan=plan, dry_run=dry_run, exit_code=code)
