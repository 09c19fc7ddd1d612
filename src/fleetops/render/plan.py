"""The plan as a checklist, and one line per applied step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from fleetops.plan import Status

if TYPE_CHECKING:
    from fleetops.plan import Plan, Step
    from fleetops.ui import UI


def checklist(ui: UI, plan: Plan, *, heading: str) -> None:
    """The checklist: one row per step with its status and detail; wraps, never truncates."""
    if not plan.steps:
        return
    ui.heading(heading)
    table = Table(show_header=False, box=None, padding=(0, 1), expand=False)
    table.add_column("status", no_wrap=True)
    table.add_column("step", overflow="fold", ratio=2)
    table.add_column("detail", overflow="fold", ratio=3)
    for step in plan.steps:
        status = "manual" if step.manual else str(step.status)
        table.add_row(ui.status_text(status), Text(step.title), Text(step.detail, style="dim" if step.status is Status.SKIPPED else ""))
    ui.print(table)
    for step in plan.steps:
        if step.preview is not None and step.status is Status.PENDING:
            ui.heading(f"{step.title}:")
            ui.show(step.preview)


def step_result(ui: UI, step: Step) -> None:
    """What one applied step did: its status, title and (dimmed) detail."""
    suffix = f" — {step.detail}" if step.detail else ""
    ui.print(Text.assemble(ui.status_text(str(step.status)), " ", step.title, (suffix, "dim")))
