"""When a ritual is due: the calendar maths, in one place (docs/rituals.md explains each rule).

Rituals are kept in calendar dates, so this module works on `date`s only; "today" is the
current instant seen in the handbook's time zone (`today_in`), computed once by the caller.

| frequency | due on |
|---|---|
| Daily (also "Daily ⏰") | every day from `startedOn` |
| Weekly, Biweekly, Triweekly | every 7, 14, 21 days from `startedOn` |
| Monthly | the same day of the month as `startedOn`; the last day in shorter months |
| Quarterly | every three months from `startedOn`, the same clamping |
| Annually | the same date each year; 29 February falls on 28 February |

Nothing is due before `startedOn`. A `# comment` after the value is ignored; any other text
(`Quarterly (first Tuesday)`, `Every patch release`) is an event, not a date: it is
`unscheduled`, never guessed.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

DAYS = {"daily": 1, "weekly": 7, "biweekly": 14, "triweekly": 21}
MONTHS = {"monthly": 1, "quarterly": 3, "annually": 12}
DECORATION = re.compile(r"[\u23f0\ufe0f]")  # the ⏰ of "Daily ⏰" (and its variation selector)


@dataclass(frozen=True)
class Frequency:
    """A parsed frequency: a step in days or in months, or unscheduled (with the reason)."""

    text: str
    days: int | None = None
    months: int | None = None
    reason: str = ""  # why it is not on a calendar

    @property
    def scheduled(self) -> bool:
        return self.days is not None or self.months is not None


def parse_frequency(text: object) -> Frequency:
    """`Daily ⏰` → every day; `Weekly # x` → every 7 days; anything else → unscheduled."""
    raw = text if isinstance(text, str) else ("" if text is None else str(text))
    value = raw.split("#", 1)[0]  # a comment that ended up inside the quotes
    value = DECORATION.sub("", value).strip()
    key = value.lower()
    if key in DAYS:
        return Frequency(raw, days=DAYS[key])
    if key in MONTHS:
        return Frequency(raw, months=MONTHS[key])
    first = key.split(None, 1)[0] if key else ""
    if first in DAYS or first in MONTHS:
        return Frequency(raw, reason=f"{value!r} qualifies {first.capitalize()} with words the scheduler does not interpret")
    return Frequency(raw, reason="an event, not a date" if value else "no frequency")


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, _calendar.monthrange(year, month)[1]))


def _month_occurrence(start: date, months: int, index: int) -> date:
    """The `index`-th occurrence (0 = `start`) of a ritual repeating every `months` months."""
    total = start.month - 1 + months * index
    return _clamped(start.year + total // 12, total % 12 + 1, start.day)


def is_due(start: date, frequency: Frequency, day: date) -> bool:
    """Whether a ritual that started on `start` is due on `day`."""
    if day < start or not frequency.scheduled:
        return False
    if frequency.days is not None:
        return (day - start).days % frequency.days == 0
    assert frequency.months is not None
    elapsed = (day.year - start.year) * 12 + day.month - start.month
    return elapsed % frequency.months == 0 and _month_occurrence(start, frequency.months, elapsed // frequency.months) == day


def occurrences(start: date, frequency: Frequency, first: date, end: date) -> list[date]:
    """Every due date in `[first, end)`, in order (computed, not by testing each day)."""
    if not frequency.scheduled or end <= first:
        return []
    first = max(first, start)
    out: list[date] = []
    if frequency.days is not None:
        step = frequency.days
        offset = (first - start).days
        day = start + timedelta(days=-(-offset // step) * step)
        while day < end:
            out.append(day)
            day += timedelta(days=step)
        return out
    months = frequency.months
    assert months is not None
    elapsed = (first.year - start.year) * 12 + first.month - start.month
    index = max(0, elapsed // months - 1)
    while True:
        day = _month_occurrence(start, months, index)
        if day >= end:
            return out
        if day >= first:
            out.append(day)
        index += 1


def next_occurrence(start: date, frequency: Frequency, on_or_after: date) -> date | None:
    """The first due date on or after `on_or_after`; None when unscheduled."""
    if not frequency.scheduled:
        return None
    horizon = on_or_after + timedelta(days=32 * (frequency.months or 1) + (frequency.days or 0))
    found = occurrences(start, frequency, on_or_after, max(horizon, start + timedelta(days=1)))
    return found[0] if found else None


def today_in(zone: str, now: datetime) -> date:
    """The calendar date in `zone` at the instant `now` (an aware datetime)."""
    return now.astimezone(ZoneInfo(zone)).date()
