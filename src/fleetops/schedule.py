"""The release schedule: from a milestone's due date to the release moment, the freeze and the phase.

Handbook: the freeze begins on the configured weekday (Tuesday) strictly before the release day
at the configured time (11:00 America/Los_Angeles); the deep freeze is the final
`deep_freeze_hours` (24) before the release moment, the due date at `release_time`. Used by
`freeze` (status, begin --if-due), by `conclude-milestone` (whose freeze is it?) and by
`rituals calendar` (which also shows the release-candidate process's candidate cut, `candidate_cut`,
in the same zone). Pure functions: the clock is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from fleetops.rituals.models import Freeze

PHASES = ("open", "freeze", "deep-freeze", "released")
# releases.md@800f895, "Create a release candidate": the candidate for the next minor release is
# created "on the first Monday of the next sprint at 8:00 AM Pacific"; engineering.rituals.yml has
# the release ritual and the release candidate ritual both triweekly from the same day, so a
# version's candidate is cut one three-week cycle before it is released.
CANDIDATE_PERIOD = timedelta(weeks=3)
CANDIDATE_CUT_TIME = time(8, 0)


def due_day(due_on: datetime) -> date:
    """A milestone's due date as the calendar day the person picked.

    GitHub keeps a milestone's due date as a date and returns it as a UTC timestamp (07:00Z or
    08:00Z, or midnight): its UTC calendar date is that day. A naive time is taken as it is.
    """
    return due_on.date() if due_on.tzinfo is None else due_on.astimezone(UTC).date()


@dataclass(frozen=True)
class Schedule:
    """When the freeze of one release starts, deepens and ends."""

    milestone: str
    version: str
    release: datetime
    freeze_starts: datetime
    deep_freeze_starts: datetime
    phase: str

    def as_json(self) -> dict[str, Any]:
        return {
            "milestone": self.milestone,
            "version": self.version,
            "release": self.release.isoformat(),
            "freeze_starts": self.freeze_starts.isoformat(),
            "deep_freeze_starts": self.deep_freeze_starts.isoformat(),
            "phase": self.phase,
        }


def phase_at(now: datetime, freeze_starts: datetime, deep_freeze_starts: datetime, release: datetime) -> str:
    """`open`, `freeze`, `deep-freeze` or `released`: each phase begins at its exact moment."""
    if now >= release:
        return "released"
    if now >= deep_freeze_starts:
        return "deep-freeze"
    if now >= freeze_starts:
        return "freeze"
    return "open"


def compute_schedule(milestone: str, version: str, due_on: datetime, freeze: Freeze, now: datetime) -> Schedule:
    """The schedule for a release due on `due_on` (its calendar date counts, as GitHub stores dates)."""
    zone = ZoneInfo(freeze.timezone)
    day = due_day(due_on)
    release = datetime.combine(day, freeze.release_time, tzinfo=zone)
    days_back = (day.weekday() - freeze.weekday_index) % 7 or 7  # strictly before the release day
    freeze_starts = datetime.combine(day - timedelta(days=days_back), freeze.time, tzinfo=zone)
    deep_freeze_starts = max(freeze_starts, release - timedelta(hours=freeze.deep_freeze_hours))
    phase = phase_at(now, freeze_starts, deep_freeze_starts, release)
    return Schedule(milestone, version, release, freeze_starts, deep_freeze_starts, phase)


def candidate_cut(release: datetime) -> datetime:
    """When the candidate of a release due at `release` (a Schedule's, in the rituals file's freeze.timezone:
    America/Los_Angeles by default, the handbook's "Pacific") is cut: 08:00 in that zone on the Monday of
    the week three weeks before the release's week (the Monday on or before release - 3 weeks)."""
    day = (release - CANDIDATE_PERIOD).date()
    monday = day - timedelta(days=day.weekday())
    return datetime.combine(monday, CANDIDATE_CUT_TIME, tzinfo=release.tzinfo)
