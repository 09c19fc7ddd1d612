"""`fleetops rituals ...`: the handbook's `*.rituals.yml` files: list, due, check, create-issues, calendar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fleetops.cli.options import DryRun, Json, Yes, app_of, done

app = typer.Typer(help="The handbook's rituals files: what is due, the lint, the nightly issues, the calendar.", no_args_is_help=True)

Files = Annotated[list[str] | None, typer.Argument(metavar="FILE", help="Local rituals files. Default: the rituals file's handbook.rituals_files, read from GitHub.", show_default=False)]
Day = Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="The day. Default: today in the handbook's time zone.")]


@app.command("list")
def list_(
    ctx: typer.Context,
    files: Files = None,
    dri: Annotated[str | None, typer.Option("--dri", metavar="LOGIN", help="Only the rituals of this DRI.")] = None,
    json: Json = False,
) -> None:
    """List every ritual with its next occurrence.

    \b
    1. Read FILEs, or each path of handbook.rituals_files on the default branch
       (at once); rituals with problems are left out with a warning.
    2. Show department (from the file name), task, frequency, next occurrence
       from today (handbook.timezone), DRI, and where it files an issue.
    --json: {"rituals": [{"file", "task", "frequency", "dri", "next",
    "auto_issue"}]}.
    """
    from fleetops.ops.handbook import commands as rituals

    fleet = app_of(ctx, "rituals list", json=json)
    done(fleet.report(rituals.list_rituals(fleet, files, dri=dri)))


@app.command()
def due(
    ctx: typer.Context,
    files: Files = None,
    day: Day = None,
    days: Annotated[int, typer.Option("--days", metavar="N", help="How many days from --date (1-366).")] = 1,
    json: Json = False,
) -> None:
    """Show the occurrences in [D, D+N), each with its DRI.

    \b
    Reads FILEs (a handbook checkout), or each path of handbook.rituals_files
    on the default branch.
    Daily, Weekly, Biweekly, Triweekly: every 1/7/14/21 days from startedOn.
    Monthly: the same day of the month (the last day of shorter months).
    Quarterly: every three months. Annually: the same date (29 Feb -> 28 Feb).
    Anything else ("Every patch release", "Quarterly (first Tuesday)") is listed
    as not on a calendar, never guessed. See docs/rituals.md.
    --json: {"due": [{"file", "task", "date", "dri", "auto_issue"}],
    "unscheduled": [{"file", "task", "frequency"}]}.
    """
    from fleetops.ops.handbook import commands as rituals

    fleet = app_of(ctx, "rituals due", json=json)
    done(fleet.report(rituals.due_rituals(fleet, on=day, days=days, files=files)))


@app.command()
def check(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(metavar="FILE", help="The rituals files to check.")],
    online: Annotated[bool, typer.Option("--online", help="Also check that each DRI is a GitHub user and each label exists.")] = False,
    json: Json = False,
) -> None:
    """Lint rituals files for a handbook pull request.

    \b
    1. Each ritual needs task, startedOn, frequency, description and dri;
       startedOn is a real YYYY-MM-DD date; dri a GitHub login; no task twice.
    2. With autoIssue: a frequency the scheduler supports, labels a list of
       strings, repo fleet or confidential.
    3. With --online: each DRI is a GitHub user and each label exists in its
       repository (reads only).
    Prints `file:line: problem` for each on stderr and exits 2; 0 when clean.
    """
    from fleetops.ops.handbook import commands as rituals

    fleet = app_of(ctx, "rituals check", json=json)
    done(fleet.report(rituals.check_files(fleet, files, online=online)))


@app.command("create-issues")
def create_issues(
    ctx: typer.Context, files: Files = None, day: Day = None, yes: Yes = False, dry_run: DryRun = False, json: Json = False
) -> None:
    """File the issues of the autoIssue rituals due on a day (the nightly job).

    \b
    1. Read FILEs (a handbook checkout), or the rituals files at the default
       branch; keep the rituals with autoIssue that are due on --date
       (default: today in handbook.timezone).
    2. Read at once: the labels of each target repository (fleet or
       confidential under the repository's owner), one search for issues
       already filed for that date, and the newest issues of each target.
    3. A label missing in its repository stops everything: exit 2, nothing filed.
    4. Show the plan; ask (or need --yes without a terminal).
    5. File each issue not filed yet: title = task, body = description,
       "Read more at" link and a hidden marker (ritual and date), labels,
       assigned to the DRI. The marker makes a re-run skip it: never twice.
    6. Journal each issue. --json adds {"issues": [{"task", "date", "repo",
       "number", "status"}]}.
    One run per date at a time: a second one exits 1 naming the holder
    (--dry-run takes no lock).
    """
    from fleetops.ops.handbook import commands as rituals

    fleet = app_of(ctx, "rituals create-issues", json=json, dry_run=dry_run)
    on = rituals.parse_day(day, fleet).isoformat()  # before any request: the run lock is per date
    fleet = app_of(ctx, "rituals create-issues", json=json, dry_run=dry_run, lock=on)
    done(fleet.execute(rituals.create_issues(fleet, on=on, files=files), yes=yes, dry_run=dry_run))


@app.command()
def calendar(
    ctx: typer.Context,
    ics: Annotated[Path, typer.Option("--ics", metavar="FILE", help="The iCalendar file to write (- for standard output).")],
    files: Files = None,
    start: Annotated[str | None, typer.Option("--from", metavar="YYYY-MM-DD", help="First day. Default: today.")] = None,
    end: Annotated[str | None, typer.Option("--to", metavar="YYYY-MM-DD", help="Last day (included). Default: 90 days on.")] = None,
    json: Json = False,
) -> None:
    """Write the rituals and the release schedule as an iCalendar file.

    \b
    (Handbook: "Update the Fleet releases calendar".)
    1. Read FILEs (a handbook checkout), or the rituals files at the default
       branch, and the open release milestones, at once.
    2. One all-day event per ritual occurrence in [--from, --to]; for each
       open release milestone with a due date: the freeze start, the deep
       freeze and the release, in the freeze's time zone.
    3. Stable UIDs (ritual + date, milestone + event): importing the file
       again updates the events instead of adding copies.
    """
    from fleetops.ops.handbook import calendar as rituals_calendar

    fleet = app_of(ctx, "rituals calendar", json=json)
    done(fleet.report(rituals_calendar.write_calendar(fleet, ics, start=start, end=end, rituals_files=files)))
