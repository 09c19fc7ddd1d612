"""The tables of `fleetops rituals list` and `rituals due`, and the lines of `rituals check`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from fleetops.ops.handbook.commands import DueTable, ProblemLines, RitualsTable
    from fleetops.ui import UI


def _issue(auto: dict[str, Any] | None) -> str:
    return f"{auto['repo']}: {', '.join(auto['labels']) or 'no labels'}" if auto else "–"


def rituals_list(ui: UI, data: RitualsTable) -> None:
    if not data.rows:
        ui.info(f"No ritual has DRI {data.dri}." if data.dri else "No rituals.")
        return
    table = Table(title=f"Rituals (next occurrence from {data.today.isoformat()})", title_justify="left", expand=False)
    for name in ("department", "task", "frequency", "next", "DRI", "files an issue"):
        table.add_column(name, overflow="fold", no_wrap=name == "next")
    for row in data.rows:
        table.add_row(
            Text(row["department"]), Text(row["task"]), Text(row["frequency"]),
            Text(row["next"] or "not on a calendar", style="" if row["next"] else "dim"), Text(row["dri"]), Text(_issue(row["auto_issue"])),
        )
    ui.print(table)


def rituals_due(ui: UI, data: DueTable) -> None:
    days = (data.end - data.first).days
    span = data.first.isoformat() if days == 1 else f"{data.first.isoformat()} to {data.end.isoformat()} (excluded)"
    if data.due:
        table = Table(title=f"Due {span}", title_justify="left", expand=False)
        for name in ("date", "department", "task", "DRI", "files an issue"):
            table.add_column(name, overflow="fold", no_wrap=name == "date")
        for row in data.due:
            table.add_row(Text(row["date"]), Text(data.departments[row["file"]]), Text(row["task"]), Text(row["dri"]), Text(_issue(row["auto_issue"])))
        ui.print(table)
    else:
        ui.info(f"Nothing is due {span}.")
    if data.unscheduled:
        table = Table(title="Not on a calendar (events, never guessed)", title_justify="left", expand=False)
        for name in ("department", "task", "frequency"):
            table.add_column(name, overflow="fold")
        for row in data.unscheduled:
            table.add_row(Text(data.departments[row["file"]]), Text(row["task"]), Text(row["frequency"], style="dim"))
        ui.print(table)


def problem_lines(ui: UI, data: ProblemLines) -> None:
    """`file:line: problem`, one per line and never wrapped (editors and CI jump to them)."""
    for line in data.lines:
        ui.err.print(Text(line), soft_wrap=True)
