"""File diffs under a step (release prepare's changelog and version bumps): every line, coloured."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from fleetops.ui import UI
    from fleetops.views import FileDiffs


def file_diffs(ui: UI, data: FileDiffs) -> None:
    text = Text()
    for path, lines in data.files:
        text.append(f"--- a/{path}\n+++ b/{path}\n", style="bold")
        for line in lines:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else "dim"
            text.append(line + "\n", style=style)
    text.rstrip()
    ui.print(text)
