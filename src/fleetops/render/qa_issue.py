"""The Release QA issue's preview under its step: the fields, then the body as a diff against the template."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from fleetops.ops.qa.issue import IssuePreview
    from fleetops.ui import UI

# A longer run of removed or added lines is shortened to its first lines.
MAX_RUN = 6


def preview(ui: UI, data: IssuePreview) -> None:
    """Title, labels and assignees, then the body as a diff against the template's body."""
    title, labels, assignees = data.title, data.labels, data.assignees
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("Title", Text(title))
    grid.add_row("Labels", Text(", ".join(labels) or "none"))
    grid.add_row("Assignees", Text(", ".join(assignees) or "none"))
    ui.print(Group(grid, Text("Body, as a diff against the template:", style="bold"), body_diff(data.template_body, data.body)))


def body_diff(old: str, new: str, *, max_run: int = MAX_RUN) -> Text:
    """A unified diff, runs of removed or added lines longer than `max_run` shortened; `(same as the template)` when equal."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "template", "issue", n=1, lineterm=""))
    if not lines:
        return Text("(same as the template)", style="dim")
    text = Text()
    run: list[str] = []

    def flush() -> None:
        shown = run if len(run) <= max_run else run[: max_run - 1]
        for line in shown:
            text.append(line + "\n", style="red" if line.startswith("-") else "green")
        if len(run) > len(shown):
            verb = "removed" if run[0].startswith("-") else "added"
            text.append(f"{run[0][0]} … {len(run) - len(shown)} more lines {verb}\n", style="dim")
        run.clear()

    for line in lines[2:]:  # skip the ---/+++ header
        kind = line[:1]
        if run and (kind != run[0][:1] or kind not in "+-"):
            flush()
        if kind in "+-":
            run.append(line)
        else:
            text.append(line + "\n", style="cyan" if kind == "@" else "dim")
    if run:
        flush()
    text.rstrip()
    return text
