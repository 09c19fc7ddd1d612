"""A multi-step ritual's plan from the rituals file's list: each kind built, the boards' order, the needs.

What each kind is, what builds it and what it needs are declared once, in rituals/steps.py; this is
the one place that turns a list into steps, for every ritual (conclude-milestone, cut-rc, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fleetops.rituals.steps import EARLIER, RITUALS

if TYPE_CHECKING:
    from fleetops.plan import Plan, Step
    from fleetops.rituals.models import Rituals
    from fleetops.rituals.steps import Kind

Built = list[tuple["Kind", "Step"]]


def add_steps(flow: Any, rituals: Rituals, ritual: str, plan: Plan) -> None:
    """Add `ritual`'s steps in the file's order, each built by `flow`'s method that its kind names for the
    board backend in force. Consecutive per-board kinds go board by board (all of a board's steps, then
    the next board's); each step needs the steps of the kinds its kind needs (the same board's, for two
    per-board kinds), so a step whose prerequisite failed is not run."""
    declared = RITUALS[ritual]
    backend = rituals.boards.backend
    built: Built = []
    run: list[tuple[Kind, list[Step]]] = []  # the steps of consecutive per-board kinds, one list per kind
    for entry in rituals.steps_of(ritual):
        kind = declared.kind(entry.kind)
        method = kind.builder(backend)
        assert method is not None, f"{kind.name} on {backend}: refused when the rituals file was loaded"  # noqa: S101
        steps = _as_list(getattr(flow, method)(entry, plan))
        if kind.per_board:
            run.append((kind, steps))
            continue
        _add_run(plan, run, built)
        for step in steps:
            _add(plan, kind, step, built)
    _add_run(plan, run, built)


def _as_list(built: Step | list[Step] | None) -> list[Step]:
    """A builder gives one step, none (nothing to do for this file), or one per board."""
    if built is None:
        return []
    return built if isinstance(built, list) else [built]


def _add_run(plan: Plan, run: list[tuple[Kind, list[Step]]], built: Built) -> None:
    for board_steps in zip(*(steps for _, steps in run), strict=True):
        for (kind, _), step in zip(run, board_steps, strict=True):
            _add(plan, kind, step, built)
    run.clear()


def _add(plan: Plan, kind: Kind, step: Step, built: Built) -> None:
    step.needs = needs_of(kind, step, built)
    plan.add(step)
    built.append((kind, step))


def _board(step: Step) -> str:
    return step.id.partition(".")[0]  # a per-board step's id: <board key>.<name>


def needs_of(kind: Kind, step: Step, built: Built) -> tuple[str, ...]:
    """The ids of the steps built so far that `step` (of `kind`) needs, in plan order."""
    if EARLIER in kind.needs:
        return tuple(s.id for _, s in built)
    return tuple(
        s.id for k, s in built
        if k.name in kind.needs and not (kind.per_board and k.per_board and _board(s) != _board(step))
    )
