"""`release readiness` for people: one row per product group, then what to do next."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from fleetops.ops.qa.readiness import Readiness
    from fleetops.ui import UI


def readiness(ui: UI, data: Readiness) -> None:
    """The release DRI's view: one row per group, then what to do next."""
    title, ready_name, statuses = data.title, data.ready_name, data.statuses
    ui.heading(f"Release readiness: {title!r} in {ready_name!r} on each group's board")
    table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
    table.add_column("", no_wrap=True)
    table.add_column("Group", no_wrap=True)
    table.add_column("QA", overflow="fold")
    table.add_column("Ticket", no_wrap=True)
    table.add_column("Status", overflow="fold")
    for s in statuses:
        mark = Text("✔ ready", style="green") if s.ready else Text("✘ waiting", style="yellow")
        ticket = f"#{s.ticket.number}" if s.ticket else "-"
        reason = s.reason + (f" ({s.others} more with that title)" if s.others else "")
        table.add_row(mark, Text(s.group.name), Text(", ".join(s.group.qa) or "-"), Text(ticket), Text(reason))
    ui.print(table)
    waiting = [s for s in statuses if not s.ready]
    if not waiting:
        ui.success("Every product group is release-ready: the release can start.")
        return
    names = ", ".join(s.group.name + (f" ({', '.join('@' + q for q in s.group.qa)})" if s.group.qa else "") for s in waiting)
    ui.warn(f"waiting on {len(waiting)} of {len(statuses)} group(s): {names}. Their QA lead moves the ticket to {ready_name!r} when QA passes.")
