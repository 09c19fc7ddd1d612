"""Plan and Step, and the runner: check → show → confirm → apply → journal.

An ops module reads the world and returns a `Plan`: every step already knows its current
state and either has nothing to do (`skipped`, with the reason) or has an `action` that makes
the change (`pending`). The runner shows the plan, asks (or requires `--yes`), applies the
pending steps in order, keeps going past failures for steps that do not depend on the failed
one, and journals each applied step (a journal that cannot be written is reported, never a reason
to stop). `--dry-run` stops after showing: reads only.

A step whose effect cannot be read back (`Step.once`, a Slack webhook post) is attempted at most
once: the runner journals the attempt before the action runs, and a step with an unconfirmed
earlier attempt (from the journal, or from the ops module's own durable record) is held, shown as
"may have been sent at T", until the person says to send it again (its option, or a yes on a
terminal). A held step needs a person: the run exits 3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from fleetops.errors import ConfirmationNeeded, ExitCode, FleetopsError
from fleetops.redaction import redact

if TYPE_CHECKING:
    from fleetops.journal import Journal, Past
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


class Hold(Skip):
    """Raised by a `once` action that finds, at apply time, another run's unconfirmed attempt."""


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
    watch: bool = False  # only reads (following a workflow run): applied without asking, never in a dry run
    data: dict[str, Any] = field(default_factory=dict)  # extra JSON (issue numbers, urls)
    preview: Any = None  # optional data the UI shows under the step (e.g. a body diff; see fleetops.render)
    # Its effect cannot be read back: the option that allows sending it again (e.g.
    # "--resend-announcement"); the runner then attempts it at most once (module docstring).
    once: str | None = None
    attempted: str | None = None  # when an earlier attempt, not confirmed, was made (ISO time)

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
        """Append `step`; what it needs must be steps of the plan already (a need on nothing would be
        silently satisfied at apply time: a mistake of the code, so it fails here, before any write)."""
        known = {s.id for s in self.steps}
        missing = [n for n in step.needs if n not in known]
        if missing:
            raise ValueError(f"step {step.id!r} needs {', '.join(missing)}, which is not an earlier step of the plan")
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

    def __init__(self, ui: UI, journal: Journal | None, *, yes: bool, dry_run: bool, resend: bool = False) -> None:
        self.ui = ui
        self.journal = journal
        self.yes = yes
        self.dry_run = dry_run
        self.resend = resend  # send again what an unconfirmed attempt may have sent
        self.journal_problem: str | None = None
        self._recorded: set[str] = set()  # the steps of this run the journal holds
        self._past: Past | None = None  # this command's earlier entries, read once (_history)

    def run(self, plan: Plan) -> Outcome:
        ask = self._unconfirmed(plan)
        self.ui.plan(plan, heading="Plan (dry run: nothing will change)" if self.dry_run else "Plan")
        for step in ask:
            if not self.ui.confirm(f"{step.title}: it may have been sent at {step.attempted}. Send it again?"):
                self._hold(plan, step, step.attempted or "?")
        pending = plan.pending
        if not self.dry_run:
            self._record_found(plan)
        if self.dry_run or not pending:
            if not pending and plan.steps and not self.dry_run:
                self.ui.info("Nothing to change.")
            return self._finish(plan)
        writes = [s for s in pending if not s.watch]
        if writes:
            self._confirm(plan, len(writes))
        self._apply(plan, pending)
        return self._finish(plan)

    def _record_found(self, plan: Plan) -> None:
        """Record the steps an interrupted run left unrecorded that this run finds already done (journal.py)."""
        if self.journal is None:
            return
        unfinished = set(self._history().unfinished())
        for step in plan.steps:
            # a held step (an unconfirmed attempt) was not found done: its attempt must keep holding
            if step.id in unfinished and step.status is Status.SKIPPED and not step.manual and step.attempted is None:
                self._journal(step, {"found": True}, status="found")

    def _unconfirmed(self, plan: Plan) -> list[Step]:
        """Mark each `once` step with an unconfirmed attempt: send again, hold, or ask (returned)."""
        ask: list[Step] = []
        for step in plan.pending:
            if step.once is None:
                continue
            if step.attempted is None and self.journal is not None:
                step.attempted = self._history().unconfirmed(step.id)
            if step.attempted is None:
                continue
            if self.resend:
                step.detail = f"may have been sent at {step.attempted}; sending again ({step.once}): {step.detail}"
            elif self.yes or self.dry_run or not self.ui.can_prompt():
                self._hold(plan, step, step.attempted)
            else:
                ask.append(step)
        return ask

    def _history(self) -> Past:
        """The journal's entries of this command, read on first use, before this run writes any."""
        assert self.journal is not None  # noqa: S101 - asked only with a journal
        if self._past is None:
            self._past = self.journal.past()
        return self._past

    @staticmethod
    def _hold(plan: Plan, step: Step, when: str) -> None:
        step.status = Status.SKIPPED
        step.detail = f"may have been sent at {when} (not confirmed): check, and re-run with {step.once} to send it again"
        plan.needs_action = True

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
        try:
            with self.ui.progress(len(pending), "Applying") as advance:
                for step in pending:
                    blockers = [n for n in step.needs if n in unfinished]
                    if blockers:
                        unfinished.add(step.id)
                        step.detail = f"not run: needs {', '.join(blockers)}, which did not finish"
                        self._report(step)
                    else:
                        self._apply_one(plan, step)
                        if step.status is Status.FAILED:
                            unfinished.add(step.id)
                    advance(step.title)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM (cli): the re-run records what it finds done
            left = [s.id for s in pending if s.id not in self._recorded and s.status is not Status.FAILED]
            if self.journal is not None:
                try:
                    self.journal.record(left[0] if left else "-", "interrupted", "interrupted: re-run to finish", unfinished=left)
                except OSError:
                    pass  # the re-run still finds every change by reading; only the record is lost
            raise

    def _report(self, step: Step) -> None:
        self.ui.step_result(step)

    def _apply_one(self, plan: Plan, step: Step) -> None:
        assert step.action is not None
        extra: dict[str, Any] = {}
        try:
            if step.once is not None and self.journal is not None:
                try:  # durably, before the write that cannot be read back
                    self.journal.record(step.id, "attempted", step.detail)
                except OSError as err:
                    unrecorded = FleetopsError(f"not attempted: the attempt cannot be recorded in the journal {self.journal.path} ({err.strerror or err}).")
                    unrecorded.not_sent = True  # type: ignore[attr-defined]
                    raise unrecorded from None
            result = step.action(step)
            step.status = Status.DONE
            if result:
                step.detail = result
        except Hold as hold:
            step.status = Status.SKIPPED
            step.detail = hold.reason
            plan.needs_action = True
        except Skip as skip:
            step.status = Status.SKIPPED
            step.detail = skip.reason
        except FleetopsError as err:
            step.status = Status.FAILED
            step.detail = redact(str(err))
            if getattr(err, "not_sent", False):  # the service said no: nothing was sent
                extra["sent"] = False
        except Exception as err:  # a bug or an unexpected library error: report it, keep going
            step.status = Status.FAILED
            step.detail = redact(f"{type(err).__name__}: {err}")
            if self.ui.debug_enabled:
                import traceback

                self.ui.debug(redact(traceback.format_exc()))
        self._journal(step, extra)
        self._report(step)

    def _journal(self, step: Step, extra: dict[str, Any], *, status: str | None = None) -> None:
        """Part of the step's outcome: a journal that cannot be written stops nothing and hides nothing."""
        if self.journal is None:
            return
        try:
            self.journal.record(step.id, status or str(step.status), step.detail, **extra)
            self._recorded.add(step.id)
        except OSError as err:
            self.journal_problem = f"{self.journal.path}: {err.strerror or err}"
            step.detail += " (not journaled)"

    def _finish(self, plan: Plan) -> Outcome:
        outcome = outcome_of(self.ui, plan, dry_run=self.dry_run)
        if self.journal_problem is not None:
            # The changes stand, but the audit log misses them: a person must know (exit 1).
            self.ui.error(f"the journal could not be written ({self.journal_problem}): the steps marked 'not journaled' were applied but are not in it.")
            plan.extra["journal_error"] = self.journal_problem
            outcome.exit_code = ExitCode.FAILED
        return outcome


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
