"""How check-deps shows its findings: a Rich table for people, Markdown for GitHub Actions.

The table highlights the part of the latest version that differs from Fleet's (1.22.**12**),
so the size of the gap reads at a glance. The Markdown summary is appended to
$GITHUB_STEP_SUMMARY when the variable is set (GitHub Actions sets it for every step).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from fleetops.plan import Plan, render_plan
from fleetops.redaction import redact

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.ops.check_deps import Finding, Report

VERDICT_STYLES = {"up-to-date": "green", "outdated": "bold red", "major-available": "yellow", "unknown": "magenta"}
STEP_MARKS = {"done": "✅", "skipped": "➖", "pending": "⏳", "failed": "❌", "manual": "☐"}


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


def render(app: App, report: Report) -> None:
    """The verdict table and the fleetd table, on stderr."""
    ui = app.ui
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


def render_next_steps(app: App, plan: Plan) -> None:
    """Without --file-issues: what a person (or a re-run with --file-issues) has to do."""
    if plan.steps:
        render_plan(app.ui, plan, heading="Next steps")


def render_verdict(app: App, plan: Plan) -> None:
    """The last line: does the release wait for something? (Failures were already named.)"""
    if plan.failed:
        return
    if plan.needs_action:
        app.ui.warn("some dependencies need action (exit 3).")
    else:
        app.ui.success("All dependencies are current and fleetd has no unreleased changes.")


def _cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, one line."""
    return str(value if value is not None else "?").replace("|", "\\|").replace("\n", " ")


def step_summary(report: Report, plan: Plan) -> str:
    """The GitHub Actions job summary (Markdown)."""
    lines = [
        "## fleetops release check-deps",
        "",
        "| Dependency | Fleet | Latest | Verdict | Action |",
        "|---|---|---|---|---|",
    ]
    for finding in report.findings:
        latest = finding.latest
        newest = finding.extra.get("latest_minor")
        if newest and newest != latest:
            latest = f"{latest or '?'} (newest {newest})"
        verdict = finding.status if finding.status == "up-to-date" else f"**{finding.status}**"
        lines.append(f"| {_cell(finding.name)} | {_cell(finding.current)} | {_cell(latest)} | {verdict} | {_cell(finding.action)} |")
    lines += ["", "### fleetd components", ""]
    if report.fleetd_error is not None:
        lines.append(f"Could not check: {_cell(report.fleetd_error)}")
    else:
        lines += ["| Component | Last tag | Changed | Commits |", "|---|---|---|---|"]
        for change in report.fleetd:
            lines.append(f"| {change.component} | {change.last_tag} | {'**yes**' if change.changed else 'no'} | {change.commits} |")
    if plan.steps:
        lines += ["", "### Steps", ""]
        for step in plan.steps:
            status = "manual" if step.manual else str(step.status)
            issue = step.data.get("issue") or {}
            if issue.get("number"):  # filed now or already open: the link says it all
                what = f"[#{issue['number']}]({issue['url']})" + (" (already open)" if status == "skipped" else "")
            else:
                what = _cell(step.detail)
            lines.append(f"- {STEP_MARKS.get(status, '')} **{status}** {step.title}: {what}")
    needs = "Something needs action (exit 3)." if plan.needs_action else "Everything is current."
    if plan.failed:
        needs = "A check failed (exit 1)."
    lines += ["", needs, ""]
    return "\n".join(lines)


def write_step_summary(app: App, report: Report, plan: Plan) -> None:
    """Append the summary to $GITHUB_STEP_SUMMARY when it is set (GitHub Actions)."""
    path = app.settings.step_summary_path
    if path is None:
        return
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(redact(step_summary(report, plan)) + "\n")
    except OSError as err:
        app.ui.warn(f"could not write the step summary to {path}: {err.strerror}.")
