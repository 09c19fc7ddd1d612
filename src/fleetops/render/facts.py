"""Facts (label/value rows), quotes and the sandbox's request log: small views of plain data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from fleetops.ui import UI
    from fleetops.views import Facts, Quote, RequestLog


def facts(ui: UI, data: Facts) -> None:
    """A heading, then a grid: labels in bold, values as plain text (never markup)."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=data.fold)
    if data.fold:
        grid.add_column(overflow="fold")
    else:
        grid.add_column()
    for row in data.rows:
        grid.add_row(row.label, Text(row.value, style=row.style))
    if data.heading is not None:
        ui.heading(data.heading)
    ui.print(grid)
    if data.blank_after:
        ui.print(Text(""))


def quote(ui: UI, data: Quote) -> None:
    ui.print(Text(data.text, style="dim"))


def request_log(ui: UI, data: RequestLog) -> None:
    """One row per request: sequence, service, method, path (folded), status."""
    table = Table("#", "service", "method", "path", "status", box=None)
    table.columns[3].overflow = "fold"
    for entry in data.entries:
        table.add_row(str(entry["seq"]), entry["service"], entry["method"], entry["path"], str(entry["status"]))
    ui.print(table)
