"""`fleetops rituals calendar`: rituals plus the release schedule as an `.ics` file.

Handbook: "Update the Fleet releases calendar". The rituals come from the handbook's files (as
`rituals due`); the release schedule from every open release milestone with a due date, through
the freeze schedule maths (`compute_schedule`): under the merge-freeze process (`fleet`) the
freeze start, the deep freeze and the release; under the release-candidate process (`fleet-rc`),
which has no freeze, the candidate cut and the release (`candidate_cut`). Both reads run at once.
The file is written atomically; nothing else is written.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fleetops import files
from fleetops.concurrency import gather
from fleetops.errors import UsageError
from fleetops.handbook import ics
from fleetops.handbook.calendar import occurrences, parse_frequency
from fleetops.ops.handbook.commands import parse_day, read_handbook
from fleetops.ops.process import candidate_branch, is_release_candidate
from fleetops.plan import Plan
from fleetops.schedule import candidate_cut, compute_schedule

if TYPE_CHECKING:
    from fleetops.app import App

DEFAULT_DAYS = 90
MAX_DAYS = 731


def release_events(app: App, milestones: list[Any], first: date, last: date) -> list[ics.ReleaseEvent]:
    """Freeze start, deep freeze and release of each open release milestone, within the range."""
    from packaging.version import InvalidVersion, Version

    pattern = app.rituals.naming.tentative_regex()
    events = []
    for ms in milestones:
        match = pattern.match(ms.title)
        if ms.state != "open" or ms.due_on is None or not match:
            continue
        try:
            version = str(Version(match["version"]))
        except InvalidVersion:
            continue
        schedule = compute_schedule(ms.title, version, ms.due_on, app.rituals.freeze, app.now())
        if is_release_candidate(app):  # no freeze in this process: its candidate is cut instead
            moments = [("candidate", f"Fleet {version}: release candidate {candidate_branch(app, version)} cut", candidate_cut(schedule.release))]
        else:
            moments = [
                ("freeze", f"Fleet {version}: merge freeze begins", schedule.freeze_starts),
                ("deep-freeze", f"Fleet {version}: deep freeze begins", schedule.deep_freeze_starts),
            ]
        for kind, summary, start in (*moments, ("release", f"Fleet {version} release", schedule.release)):
            if first <= start.date() <= last:
                events.append(ics.ReleaseEvent(version=version, kind=kind, summary=summary, start=start, url=ms.html_url))
    return sorted(events, key=lambda e: (e.start, e.kind))


def write_calendar(app: App, path: Path, *, start: str | None, end: str | None, rituals_files: list[str] | None = None) -> Plan:
    first = parse_day(start, app, "--from")
    last = parse_day(end, app, "--to") if end else first + timedelta(days=DEFAULT_DAYS - 1)
    if last < first or (last - first).days >= MAX_DAYS:
        raise UsageError(f"--from {first} --to {last} is not a range of 1 to {MAX_DAYS} days.", hint="Give --to on or after --from.")
    if files.is_stdout(path) and app.json_mode:
        raise UsageError("--ics - and --json would both write to standard output.", hint="Give --ics a file, or drop --json.")
    if not files.is_stdout(path):
        files.target_of(path, "--ics")  # before any read: a path that cannot be written costs nothing
    found = gather({"book": lambda: read_handbook(app, rituals_files), "milestones": lambda: app.clients.github.milestones("open")})
    book = found["book"]
    occurring = [
        (ritual, day)
        for ritual in book.rituals
        for day in occurrences(ritual.started_on, parse_frequency(ritual.frequency), first, last + timedelta(days=1))
    ]
    occurring.sort(key=lambda pair: (pair[1], pair[0].file, pair[0].task))
    releases = release_events(app, found["milestones"], first, last)
    data = ics.build(occurring, releases, zone=app.rituals.handbook.timezone, stamp=app.now(), name=f"{app.repo} rituals and releases")
    where = files.write_file(path, data, "--ics")
    app.ui.success(f"Wrote {where}: {len(occurring)} ritual occurrence(s) and {len(releases)} release event(s), {first} to {last}.")
    return Plan(
        command="rituals calendar",
        extra={
            "ics": str(path), "from": first.isoformat(), "to": last.isoformat(), "occurrences": len(occurring),
            "releases": [{"version": e.version, "kind": e.kind, "start": e.start.isoformat(), "uid": ics.release_uid(e)} for e in releases],
        },
    )
