"""The rituals and the release schedule as an iCalendar file (RFC 5545), with `icalendar`.

UIDs are stable, so that importing a newer file updates the events instead of adding copies:
a ritual occurrence is `ritual-<hash of file name and task>-<date>@fleetops`, one event per
occurrence (not an RRULE: our "last day of shorter months" rule has no exact RRULE, and a
per-occurrence event can be told apart when a ritual changes); a release event is
`release-<version>-<kind>@fleetops`, so it survives the milestone's rename from
`4.58.0-tentative` to `4.58.0`. Rituals are all-day events (calendar dates); release moments
are timed in the freeze's time zone, whose VTIMEZONE is included.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fleetops.handbook.models import Ritual

PRODID = "-//fleetops//handbook rituals//EN"


@dataclass(frozen=True)
class ReleaseEvent:
    version: str
    kind: str  # freeze, deep-freeze, release; candidate (the release-candidate process)
    summary: str
    start: datetime  # aware
    url: str = ""


def ritual_uid(ritual: Ritual, day: date) -> str:
    key = hashlib.sha1(f"{ritual.file_name}#{ritual.task}".encode()).hexdigest()[:16]
    return f"ritual-{key}-{day.isoformat()}@fleetops"


def release_uid(event: ReleaseEvent) -> str:
    return f"release-{event.version}-{event.kind}@fleetops"


def build(occurrences: list[tuple[Ritual, date]], releases: list[ReleaseEvent], *, zone: str, stamp: datetime, name: str) -> bytes:
    """The calendar as bytes (CRLF lines, folded at 75 octets by the library)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", zone)
    for ritual, day in occurrences:
        event = Event()
        event.add("uid", ritual_uid(ritual, day))
        event.add("dtstamp", stamp)
        event.add("summary", ritual.task)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        lines = [ritual.description, f"DRI: {ritual.dri}", f"Frequency: {ritual.frequency}", f"From: {ritual.file}"]
        event.add("description", "\n".join(lines))
        if ritual.more_info_url:
            event.add("url", ritual.more_info_url)
        event.add("categories", [ritual.department])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    for release in releases:
        event = Event()
        event.add("uid", release_uid(release))
        event.add("dtstamp", stamp)
        event.add("summary", release.summary)
        event.add("dtstart", release.start)
        event.add("dtend", release.start + timedelta(minutes=30))
        if release.url:
            event.add("url", release.url)
        event.add("categories", ["release"])
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
