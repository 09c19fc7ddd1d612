"""How check-deps reports beyond its table (fleetops.render.check_deps): Markdown for GitHub Actions,
and the last line for people.

The Markdown summary is appended to $GITHUB_STEP_SUMMARY when the variable is set (GitHub Actions
sets it for every step).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fleetops.redaction import redact

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.ops.deps.check import Report
    from fleetops.plan import Plan

STEP_MARKS = {"done": "✅", "skipped": "➖", "pending": "⏳", "failed": "❌", "manual": "☐"}


def verdict(app: App, plan: Plan) -> None:
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
