"""The release schedule: from a milestone's due date to the release moment, the freeze and the phase.

Handbook: the freeze begins on the configured weekday (Tuesday) strictly before the release day
at the configured time (11:00 America/Los_Angeles); the deep freeze is the final
`deep_freeze_hours` (24) before the release moment, the due date at `release_time`. Used by
`freeze` (status, begin --if-due), by `conclude-milestone` (whose freeze is it?) and, later, by
`rituals calendar`. Pure functions: the clock is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from fleetops.rituals.models import Freeze

PHASES = ("open", "freeze", "deep-freeze", "released")


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
