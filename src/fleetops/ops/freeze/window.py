"""The merge freeze: "Begin a merge freeze" and "Remove the freeze" in the handbook.

The schedule comes from the release milestone: the open `{version}-tentative` milestone with
the lowest version and a due date; its maths (freeze start, deep freeze, phase) is in
`fleetops.schedule`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version

from fleetops.concurrency import gather
from fleetops.errors import UsageError
from fleetops.plan import Plan, Step
from fleetops.schedule import Schedule, compute_schedule

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import Milestone
    from fleetops.clients.mergefreeze import FreezeState
    from fleetops.rituals.models import Naming


def release_milestone(milestones: list[Milestone], naming: Naming) -> tuple[Milestone, str] | None:
    """The open tentative milestone with a due date and the lowest version (the next release)."""
    pattern = naming.tentative_regex()
    candidates = []
    for ms in milestones:
        match = pattern.match(ms.title)
        if ms.state != "open" or ms.due_on is None or not match:
            continue
        try:
            candidates.append((Version(match["version"]), ms, match["version"]))
        except InvalidVersion:
            continue
    if not candidates:
        return None
    _, ms, version = min(candidates, key=lambda c: c[0])
    return ms, version


@dataclass
class FreezeView:
    branch: str
    state: FreezeState
    schedule: Schedule | None
    user_name: str | None = None
    more: dict[str, Any] = field(default_factory=dict)  # the results of read_view's `more` reads


def read_view(
    app: App, branch: str, *, want_user: bool, more: Mapping[str, Callable[[], Any]] | None = None
) -> FreezeView:
    """Read Merge Freeze, the milestones, (for writes) the token owner and `more`, concurrently.

    A failure in Merge Freeze is raised first, then the milestones', then `more`'s in order.
    """
    clients = app.clients
    # Both clients are built before the reads start, one after the other: building one is CPU
    # work (httpx's transport, PyGithub), and two threads doing it at once take longer in all.
    mergefreeze, github = clients.mergefreeze, clients.github
    tasks: dict[str, Callable[[], Any]] = {
        "state": lambda: mergefreeze.status(app.repo, branch),
        "milestones": lambda: github.milestones("open"),
    }
    if want_user and app.rituals.freeze.user_name is None:
        tasks["login"] = github.login
    extra = dict(more or {})
    tasks.update({f"more:{name}": task for name, task in extra.items()})
    results = gather(tasks)
    found = release_milestone(results["milestones"], app.rituals.naming)
    schedule = None
    if found is not None:
        ms, version = found
        schedule = compute_schedule(ms.title, version, ms.due_on, app.rituals.freeze, app.now())  # type: ignore[arg-type]
    user = app.rituals.freeze.user_name or results.get("login") or "fleetops"
    return FreezeView(
        branch=branch, state=results["state"], schedule=schedule, user_name=user,
        more={name: results[f"more:{name}"] for name in extra},
    )


def _extra(view: FreezeView, frozen: bool) -> dict[str, Any]:
    return {
        "frozen": frozen,
        "branch": view.branch,
        "frozen_by": view.state.frozen_by if frozen else None,
        "schedule": view.schedule.as_json() if view.schedule else None,
    }


def status(app: App, *, branch: str | None) -> Plan:
    """Read-only: the freeze state and the schedule."""
    view = read_view(app, branch or app.rituals.freeze.branch, want_user=False)
    if not app.json_mode:
        app.ui.show(view, milestones=app.rituals.naming.tentative_milestone, repo=app.repo)
    return Plan(command="freeze status", extra=_extra(view, view.state.frozen))


def begin(app: App, *, branch: str | None, note: str | None, if_due: bool) -> Plan:
    """Plan to freeze the branch (skipped when frozen already, or when not due with --if-due)."""
    view = read_view(app, branch or app.rituals.freeze.branch, want_user=True)
    plan = Plan(command="freeze begin", extra=_extra(view, view.state.frozen))
    title = f"Freeze {view.branch} in Merge Freeze"
    schedule = view.schedule
    if if_due and schedule is None:
        raise UsageError(
            f"--if-due needs the release schedule, but {app.repo} has no open milestone named like "
            f"{app.rituals.naming.tentative_milestone!r} with a due date.",
            hint="Set the due date of the release milestone, or run `fleetops freeze begin` without --if-due.",
        )
    if view.state.frozen:
        plan.add(Step.skip("freeze", title, f"already frozen by {view.state.frozen_by or 'someone'}"))
        return plan
    if if_due and schedule is not None and schedule.phase == "open":
        plan.add(Step.skip("freeze", title, f"not due: the freeze for {schedule.version} starts {schedule.freeze_starts.isoformat()}"))
        return plan
    if if_due and schedule is not None and schedule.phase == "released":
        plan.add(Step.skip("freeze", title, f"not due: {schedule.version} was due {schedule.release.isoformat()}; conclude the milestone instead"))
        return plan
    reason = note or (f"Release freeze for {schedule.version}" if schedule else "Release freeze")
    user = view.user_name or "fleetops"

    def apply(step: Step) -> str:
        result = app.clients.mergefreeze.set_frozen(app.repo, view.branch, frozen=True, user_name=user, note=reason)
        plan.extra.update(frozen=True, frozen_by=result.frozen_by or user)
        return f"frozen by {result.frozen_by or user}"

    plan.add(Step.todo("freeze", title, f"frozen: no → yes (as {user}, note: {reason!r})", apply))
    return plan


def end(app: App, *, branch: str | None) -> Plan:
    """Plan to unfreeze the branch (skipped when it is not frozen)."""
    view = read_view(app, branch or app.rituals.freeze.branch, want_user=True)
    plan = Plan(command="freeze end", extra=_extra(view, view.state.frozen))
    title = f"Unfreeze {view.branch} in Merge Freeze"
    if not view.state.frozen:
        plan.add(Step.skip("unfreeze", title, "not frozen"))
        return plan
    user = view.user_name or "fleetops"

    def apply(step: Step) -> str:
        app.clients.mergefreeze.set_frozen(app.repo, view.branch, frozen=False, user_name=user)
        plan.extra.update(frozen=False, frozen_by=None)
        return "unfrozen"

    plan.add(Step.todo("unfreeze", title, f"frozen: yes (by {view.state.frozen_by or 'unknown'}) → no", apply))
    return plan
