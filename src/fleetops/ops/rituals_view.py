"""The tables of `fleetops rituals list` and `rituals due` (Rich stays out of ops/rituals.py)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from fleetops.handbook.models import department_of

if TYPE_CHECKING:
    from fleetops.ui import UI


def _issue(auto: dict[str, Any] | None) -> str:
    return f"{auto['repo']}: {', '.join(auto['labels']) or 'no labels'}" if auto else "–"


def render_list(ui: UI, rows: list[dict[str, Any]], *, today: date) -> None:
    if not rows:
        ui.info("No rituals.")
        return
    table = Table(title=f"Rituals (next occurrence from {today.isoformat()})", title_justify="left", expand=False)
    for name in ("department", "task", "frequency", "next", "DRI", "files an issue"):
        table.add_column(name, overflow="fold", no_wrap=name == "next")
    for row in rows:
        table.add_row(
            Text(row["department"]), Text(row["task"]), Text(row["frequency"]),
            Text(row["next"] or "not on a calendar", style="" if row["next"] else "dim"), Text(row["dri"]), Text(_issue(row["auto_issue"])),
        )
    ui.print(table)


def render_due(ui: UI, due: list[dict[str, Any]], unscheduled: list[dict[str, Any]], *, first: date, end: date) -> None:
    days = (end - first).days
    span = first.isoformat() if days == 1 else f"{first.isoformat()} to {end.isoformat()} (excluded)"
    if due:
        table = Table(title=f"Due {span}", title_justify="left", expand=False)
        for name in ("date", "department", "task", "DRI", "files an issue"):
            table.add_column(name, overflow="fold", no_wrap=name == "date")
        for row in due:
            table.add_row(Text(row["date"]), Text(department_of(row["file"])), Text(row["task"]), Text(row["dri"]), Text(_issue(row["auto_issue"])))
        ui.print(table)
    else:
        ui.info(f"Nothing is due {span}.")
    if unscheduled:
        table = Table(title="Not on a calendar (events, never guessed)", title_justify="left", expand=False)
        for name in ("department", "task", "frequency"):
            table.add_column(name, overflow="fold")
        for row in unscheduled:
            table.add_row(Text(department_of(row["file"])), Text(row["task"]), Text(row["frequency"], style="dim"))
        ui.print(table)


def render_problems(ui: UI, lines: list[str]) -> None:
    """`file:line: problem`, one per line and never wrapped (editors and CI jump to them)."""
    for line in lines:
        ui.err.print(Text(line), soft_wrap=True)
