"""`fleetops rituals ...`: the handbook's `*.rituals.yml` files (list, due, check, create-issues).

Rituals are read from local files (a handbook checkout) or, without FILE, from the paths in the
rituals file's `handbook.rituals_files`, through GitHub's contents API on the default branch
(all at once). Dates are calendar dates in `handbook.timezone`; "today" is `App.now()` there.
The calendar maths is `fleetops.handbook.calendar`; the `.ics` export is `ops.handbook.calendar`.

`create-issues` is Fleet's nightly job done right: one issue per `autoIssue` ritual due on the
date, never twice. Each body ends with a hidden marker line naming the ritual and the date;
one search per run (every target repository, paged at 100) plus the newest page of issues of
each target repository (a new issue is not searchable at once) finds what was filed already.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fleetops.concurrency import gather
from fleetops.errors import NotFound, UsageError
from fleetops.handbook.calendar import is_due, next_occurrence, occurrences, parse_frequency, today_in
from fleetops.handbook.loader import HandbookError, parse
from fleetops.handbook.models import Problem, Ritual, department_of
from fleetops.plan import Plan, Step

if TYPE_CHECKING:
    from fleetops.app import App

MARKER = "fleetops-ritual"
MAX_DAYS = 366


@dataclass
class Handbook:
    """The rituals read from some files, and the problems found while reading them."""

    files: list[str]
    rituals: list[Ritual] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------------------------

# --- what the UI shows (fleetops.render.rituals draws it) --------------------------------------------------
@dataclass(frozen=True)
class RitualsTable:
    """`rituals list`: one row per ritual, with its next occurrence from `today`."""

    rows: list[dict[str, Any]]
    today: date
    dri: str | None = None  # the --dri filter, for "no ritual has DRI x"


@dataclass(frozen=True)
class DueTable:
    """`rituals due`: the occurrences in [first, end) and the rituals that are not on a calendar."""

    due: list[dict[str, Any]]
    unscheduled: list[dict[str, Any]]
    first: date
    end: date
    departments: dict[str, str]


@dataclass(frozen=True)
class ProblemLines:
    """`rituals check`: `file:line: problem`, one per line and never wrapped (editors and CI jump to them)."""

    lines: list[str]


def _local(path: str) -> str:
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file.", hint="Give the path of a handbook rituals file (handbook/*/*.rituals.yml).") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a rituals file.") from None
    except OSError as err:
        raise UsageError(f"{path}: cannot be read ({err.strerror}).") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise HandbookError(f"{path}:{line}: not UTF-8 text.", file=path, line=line) from None


def read_texts(app: App, files: list[str] | None) -> dict[str, str]:
    """path → text: the local FILEs, or the rituals file's handbook paths read from GitHub at once."""
    if files:
        return {path: _local(path) for path in dict.fromkeys(files)}
    paths = list(dict.fromkeys(app.rituals.handbook.rituals_files))
    ref = app.rituals.default_branch
    github = app.clients.github

    def fetch(path: str) -> Any:
        def run() -> str:
            try:
                return github.file_text(path, ref).text
            except NotFound:
                raise UsageError(
                    f"{path} is not in {app.repo} at {ref}.",
                    hint="Fix handbook.rituals_files in the rituals file (FLEETOPS_RITUALS), or give FILEs.",
                ) from None

        return run

    found = gather({path: fetch(path) for path in paths})
    return {path: found[path] for path in paths}


def read_handbook(app: App, files: list[str] | None, *, warn: bool = True) -> Handbook:
    """Every usable ritual; each one left out is warned about with its `file:line: problem`."""
    texts = read_texts(app, files)
    book = Handbook(files=list(texts))
    for path, text in texts.items():
        parsed = parse(text, path)
        book.rituals += parsed.rituals
        book.problems += parsed.problems
    if warn:
        for problem in book.problems:
            app.ui.warn(f"{problem} (left out; see `fleetops rituals check`)")
    return book


# The days a ritual command accepts: wide enough for any real question, narrow enough that a range of
# a year and the look-ahead of the next occurrence never leave the calendar Python can count in.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(8999, 12, 31)


def parse_day(text: str | None, app: App, what: str = "--date") -> date:
    """A YYYY-MM-DD option (default today); exit 2 for a day that is not one or is too far out."""
    if text is None:
        return today(app)
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{what} {text!r} is not a date.", hint="Use YYYY-MM-DD, e.g. 2026-12-01.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise UsageError(f"{what} {day} is too far from today.", hint=f"Give a day from {FIRST_DAY} to {LAST_DAY}.")
    return day


def today(app: App) -> date:
    """Today in the handbook's time zone."""
    return today_in(app.rituals.handbook.timezone, app.now())


def auto_issue_json(ritual: Ritual) -> dict[str, Any] | None:
    if ritual.auto_issue is None:
        return None
    return {"repo": ritual.auto_issue.repo, "labels": list(ritual.auto_issue.labels)}


# --- list and due ----------------------------------------------------------------------------------------
def list_rituals(app: App, files: list[str] | None, *, dri: str | None) -> Plan:
    """Read-only: every ritual with its next occurrence from today."""
    book = read_handbook(app, files)
    day = today(app)
    rows = []
    dri = dri.strip().removeprefix("@") if dri else None  # `--dri @lukeheath`, as GitHub writes a login
    for ritual in book.rituals:
        if dri and ritual.dri.lower() != dri.lower():
            continue
        upcoming = next_occurrence(ritual.started_on, parse_frequency(ritual.frequency), day)
        rows.append(
            {
                "file": ritual.file, "department": ritual.department, "task": ritual.task, "frequency": ritual.frequency,
                "dri": ritual.dri, "next": upcoming.isoformat() if upcoming else None, "auto_issue": auto_issue_json(ritual),
            }
        )
    if not app.json_mode:
        app.ui.show(RitualsTable(rows, today=day, dri=dri))
    return Plan(command="rituals list", extra={"today": day.isoformat(), "rituals": rows})


def due_rituals(app: App, *, on: str | None, days: int, files: list[str] | None = None) -> Plan:
    """Read-only: the occurrences in [D, D+N), and the rituals that are not on a calendar."""
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"--days {days} is out of range.", hint=f"Give 1 to {MAX_DAYS} days.")
    first = parse_day(on, app)
    end = first + timedelta(days=days)
    book = read_handbook(app, files)
    due: list[dict[str, Any]] = []
    unscheduled: list[dict[str, Any]] = []
    for ritual in book.rituals:
        frequency = parse_frequency(ritual.frequency)
        if not frequency.scheduled:
            unscheduled.append({"file": ritual.file, "task": ritual.task, "frequency": ritual.frequency, "reason": frequency.reason})
            continue
        for day in occurrences(ritual.started_on, frequency, first, end):
            due.append({"file": ritual.file, "task": ritual.task, "date": day.isoformat(), "dri": ritual.dri, "auto_issue": auto_issue_json(ritual)})
    due.sort(key=lambda row: (row["date"], row["file"], row["task"]))
    if not app.json_mode:
        departments = {row["file"]: department_of(row["file"]) for row in due + unscheduled}
        app.ui.show(DueTable(due, unscheduled, first=first, end=end, departments=departments))
    return Plan(command="rituals due", extra={"from": first.isoformat(), "to": end.isoformat(), "due": due, "unscheduled": unscheduled})


# --- check ----------------------------------------------------------------------------------------------
def check_files(app: App, files: list[str], *, online: bool) -> Plan:
    """The lint: every problem as `file:line: problem` on stderr and exit 2; exit 0 when clean."""
    problems: list[Problem] = []
    rituals: list[Ritual] = []
    for path in dict.fromkeys(files):
        try:
            parsed = parse(_local(path), path)
        except HandbookError as err:
            problems.append(err.problem)
            continue
        problems += parsed.problems
        rituals += parsed.rituals
    if online and rituals:
        problems += _online_problems(app, rituals)
    problems.sort(key=lambda p: (p.file, p.line))
    plan = Plan(command="rituals check", extra={"files": list(dict.fromkeys(files)), "rituals": len(rituals), "problems": [p.as_json() for p in problems]})
    if problems:
        app.plan = plan
        app.ui.show(ProblemLines([str(p) for p in problems]))
        count = len({p.file for p in problems})
        raise UsageError(
            f"{len(problems)} problem(s) in {count} of {len(plan.extra['files'])} file(s).",
            hint="Fix them; Fleet's website build and `fleetops rituals create-issues` rely on these fields.",
        )
    app.ui.success(f"{len(plan.extra['files'])} file(s), {len(rituals)} ritual(s): no problems.")
    return plan


def _online_problems(app: App, rituals: list[Ritual]) -> list[Problem]:
    """Each DRI is a GitHub user; each autoIssue label exists in its repository (reads at once)."""
    github = app.clients.github
    owner = app.repo.split("/", 1)[0]
    logins = sorted({r.dri.lower(): r.dri for r in rituals}.values(), key=str.lower)
    repos = sorted({f"{owner}/{r.auto_issue.repo}" for r in rituals if r.auto_issue})
    tasks: dict[str, Any] = {f"user:{login}": (lambda login=login: github.user_exists(login)) for login in logins}
    tasks.update({f"labels:{repo}": (lambda repo=repo: github.labels_of(repo)) for repo in repos})
    found = gather(tasks)
    problems = []
    for ritual in rituals:
        if not found[f"user:{next(x for x in logins if x.lower() == ritual.dri.lower())}"]:
            problems.append(Problem(ritual.file, ritual.line_of("dri"), f"dri {ritual.dri!r} is not a GitHub user", ritual.task))
        if ritual.auto_issue:
            repo = f"{owner}/{ritual.auto_issue.repo}"
            for label in ritual.auto_issue.labels:
                if label not in found[f"labels:{repo}"]:
                    problems.append(Problem(ritual.file, ritual.line_of("labels"), f"label {label!r} does not exist in {repo}", ritual.task))
    return problems


# --- create-issues ----------------------------------------------------------------------------------------
def marker(ritual: Ritual, day: date) -> str:
    """The hidden line that makes an issue the one of this ritual on this date."""
    name = f"{ritual.file_name}#{ritual.task}".replace("\n", " ").replace("-->", "-- >")
    return f"<!-- {MARKER}: {name} @ {day.isoformat()} -->"


def issue_body(ritual: Ritual, day: date) -> str:
    parts = [ritual.description.strip()]
    if ritual.more_info_url:
        parts.append(f"Read more at {ritual.more_info_url}")
    parts.append(marker(ritual, day))
    return "\n\n".join(parts) + "\n"


def create_issues(app: App, *, on: str | None, files: list[str] | None = None) -> Plan:
    """Plan one issue per `autoIssue` ritual due on the date (of FILEs, else the repository's), skipping those filed already."""
    day = parse_day(on, app)
    book = read_handbook(app, files)
    owner = app.repo.split("/", 1)[0]
    due = [r for r in book.rituals if r.auto_issue and is_due(r.started_on, parse_frequency(r.frequency), day)]
    plan = Plan(command="rituals create-issues", extra={"date": day.isoformat(), "issues": []})
    if not due:
        app.ui.info(f"No ritual with autoIssue is due on {day.isoformat()}.")
        return plan
    github = app.clients.github
    repos = sorted({f"{owner}/{r.auto_issue.repo}" for r in due if r.auto_issue})
    query = f'"{MARKER}" "{day.isoformat()}" in:body is:issue ' + " ".join(f"repo:{repo}" for repo in repos)
    reads: dict[str, Any] = {"search": lambda: github.search_issue_bodies(query)}
    for repo in repos:
        reads[f"labels:{repo}"] = lambda repo=repo: github.labels_of(repo)
        reads[f"newest:{repo}"] = lambda repo=repo: github.newest_issues(repo)
    found = gather(reads)

    missing = []
    for ritual in due:
        assert ritual.auto_issue is not None
        repo = f"{owner}/{ritual.auto_issue.repo}"
        missing += [
            f"{label!r} in {repo} ({ritual.file}:{ritual.line_of('labels')})"
            for label in ritual.auto_issue.labels
            if label not in found[f"labels:{repo}"]
        ]
    if missing:
        raise UsageError(
            f"labels missing, so nothing was filed: {'; '.join(missing)}.",
            hint="Create the labels in the repository, or fix autoIssue.labels in the rituals file.",
        )
    existing = [*found["search"], *(i for repo in repos for i in found[f"newest:{repo}"])]

    for ritual in due:
        assert ritual.auto_issue is not None
        repo = f"{owner}/{ritual.auto_issue.repo}"
        mark = marker(ritual, day)
        filed = sorted({i.number: i for i in existing if (i.repo or repo) == repo and mark in i.body}.values(), key=lambda i: i.number)
        entry: dict[str, Any] = {"task": ritual.task, "date": day.isoformat(), "repo": repo, "number": None, "status": "pending"}
        plan.extra["issues"].append(entry)
        step_id = f"issue:{ritual.department}:{ritual.task}"
        title = f"File {ritual.task!r} in {repo}"
        if filed:
            entry.update(number=filed[0].number, status="skipped", url=filed[0].url)
            plan.add(Step.skip(step_id, title, f"already filed for {day.isoformat()}: #{filed[0].number} {filed[0].url}"))
            continue
        labels = list(ritual.auto_issue.labels)

        def apply(step: Step, ritual: Ritual = ritual, repo: str = repo, labels: list[str] = labels, entry: dict[str, Any] = entry) -> str:
            entry["status"] = "failed"
            created = github.create_issue_in(repo, ritual.task, issue_body(ritual, day), labels=labels, assignees=[ritual.dri])
            entry.update(number=created.number, status="done", url=created.url)
            step.data["issue"] = {"number": created.number, "url": created.url}
            return f"opened #{created.number} {created.url}"

        detail = f"labels: {', '.join(labels) or 'none'}; assignee: {ritual.dri}; due {day.isoformat()} ({ritual.frequency})"
        plan.add(Step.todo(step_id, title, detail, apply))
    return plan
