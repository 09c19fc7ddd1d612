"""`freeze status` for people: the branch in Merge Freeze, then the release schedule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from fleetops.ops.freeze.window import FreezeView
    from fleetops.ui import UI


def status(ui: UI, view: FreezeView, *, milestones: str, repo: str) -> None:
    """The human view of `freeze status`."""
    state = view.state
    if state.frozen:
        line = Text.assemble((f"{view.branch} is FROZEN", "bold red"), f" in Merge Freeze (by {state.frozen_by or 'unknown'})")
        if state.note:
            line.append(f": {state.note}")
    else:
        line = Text.assemble((f"{view.branch} is open", "bold green"), " in Merge Freeze")
    ui.print(line)
    if state.frozen and state.unblocked_prs:
        ui.print(f"Unblocked pull requests: {', '.join(f'#{n}' for n in state.unblocked_prs)}")
    schedule = view.schedule
    if schedule is None:
        ui.warn(f"no open release milestone ({milestones}) with a due date in {repo}: the schedule is unknown.")
        return
    fmt = "%a %Y-%m-%d %H:%M %Z"
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Release", f"{schedule.version} (milestone {schedule.milestone}), {schedule.release.strftime(fmt)}")
    grid.add_row("Freeze starts", schedule.freeze_starts.strftime(fmt))
    grid.add_row("Deep freeze starts", schedule.deep_freeze_starts.strftime(fmt))
    grid.add_row("Phase", schedule.phase)
    ui.print(grid)
    if schedule.phase in ("freeze", "deep-freeze") and not state.frozen:
        ui.warn(f"the schedule says {schedule.phase}, but {view.branch} is not frozen: run `fleetops freeze begin`.")
    if schedule.phase == "open" and state.frozen:
        ui.warn(f"{view.branch} is frozen before the freeze period starts.")
