"""check-deps for people: the verdict table and the fleetd table.

The table highlights the part of the latest version that differs from Fleet's (1.22.**12**),
so the size of the gap reads at a glance.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from fleetops.ops.deps.check import Report
    from fleetops.ops.deps.verdicts import Finding
    from fleetops.ui import UI

VERDICT_STYLES = {"up-to-date": "green", "outdated": "bold red", "major-available": "yellow", "unknown": "magenta"}


def changed_part(current: str | None, latest: str | None) -> tuple[str, str]:
    """Split `latest` into the part it shares with `current` and the part that changed.

    Versions are compared component by component ("1.22.3" vs "1.22.12" → "1.22.", "12");
    an identical version has no changed part.
    """
    if not latest:
        return "", ""
    if not current or current == latest:
        return latest, ""
    parts = re.split(r"([.\-+])", latest)
    theirs = re.split(r"([.\-+])", current)
    same = 0
    for index, part in enumerate(parts):
        if index < len(theirs) and theirs[index] == part:
            same += len(part)
        else:
            break
    return latest[:same], latest[same:]


def _latest_cell(finding: Finding) -> Text:
    text = Text()
    if finding.latest:
        common, changed = changed_part(finding.current, finding.latest)
        text.append(common)
        text.append(changed, style="bold yellow")
    else:
        text.append("?", style="dim")
    newest = finding.extra.get("latest_minor")
    if newest and newest != finding.latest:
        common, changed = changed_part(finding.current, newest)
        text.append("\n")
        text.append(common)
        text.append(changed, style="bold yellow")
        text.append(" (newest)", style="dim")
    return text


def report(ui: UI, report: Report) -> None:
    """The verdict table and the fleetd table, on stderr."""
    ui.heading("Dependencies (handbook: Confirm latest versions of dependencies)")
    table = Table(box=None, padding=(0, 1), show_edge=False)
    table.add_column("dependency", no_wrap=True)
    table.add_column("Fleet", overflow="fold", max_width=22)
    table.add_column("latest", overflow="fold", max_width=22)
    table.add_column("verdict", no_wrap=True)
    table.add_column("action", overflow="fold", min_width=16)
    for finding in report.findings:
        table.add_row(
            finding.name,
            Text(finding.current or "?", style="" if finding.current else "dim"),
            _latest_cell(finding),
            Text(finding.status, style=VERDICT_STYLES.get(finding.status, "")),
            Text(finding.short or finding.action),
        )
    ui.print(table)
    ui.print()
    ui.heading("fleetd components (changes since their last release tag)")
    if report.fleetd_error is not None:
        ui.error(f"fleetd: {report.fleetd_error}")
    else:
        fleetd = Table(box=None, padding=(0, 1), show_edge=False)
        for column in ("component", "path", "last tag", "changed", "commits"):
            fleetd.add_column(column, no_wrap=column != "path")
        for change in report.fleetd:
            fleetd.add_row(
                change.component,
                change.path,
                change.last_tag,
                Text("yes", style="bold yellow") if change.changed else Text("no", style="green"),
                str(change.commits),
            )
        ui.print(fleetd)
    ui.print()
