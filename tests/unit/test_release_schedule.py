"""fleetops.schedule: hand-worked release schedules (Tuesday 11:00 America/Los_Angeles, 24 h deep freeze)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fleetops.rituals.models import Freeze
from fleetops.schedule import candidate_cut, compute_schedule, due_day

PACIFIC = Freeze()  # the defaults are the handbook's: tuesday, 11:00, America/Los_Angeles, 24 h


def utc(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# due date as GitHub returns it → (release, freeze starts, deep freeze starts), all in UTC, worked by hand.
TABLE = [
    # Tuesday release in summer (PDT, UTC-7): freeze the Tuesday a week before, 11:00 PDT = 18:00Z.
    ("2024-08-13T07:00:00", "2024-08-13T18:00", "2024-08-06T18:00", "2024-08-12T18:00"),
    # Monday due date sent as midnight UTC: still Monday the 12th; freeze six days before.
    ("2024-08-12T00:00:00", "2024-08-12T18:00", "2024-08-06T18:00", "2024-08-11T18:00"),
    # A due date given in Pacific time late in the evening is the next UTC day (the 13th).
    ("2024-08-12T23:00:00-07:00", "2024-08-13T18:00", "2024-08-06T18:00", "2024-08-12T18:00"),
    # PDT ends on Sunday 2024-11-03: the freeze starts in PDT (18:00Z), the release is in PST (19:00Z).
    ("2024-11-05T08:00:00", "2024-11-05T19:00", "2024-10-29T18:00", "2024-11-04T19:00"),
    # PDT starts on Sunday 2025-03-09: freeze in PST (19:00Z), release on Monday in PDT (18:00Z).
    ("2025-03-10T07:00:00", "2025-03-10T18:00", "2025-03-04T19:00", "2025-03-09T18:00"),
    # A release on the day PDT starts: the deep freeze starts at 11:00 local the day before (PST), so
    # it lasts 23 real hours; the schedule counts wall-clock hours, as people read the handbook.
    ("2025-03-09T08:00:00", "2025-03-09T18:00", "2025-03-04T19:00", "2025-03-08T19:00"),
    # A Wednesday release: the freeze starts the day before.
    ("2024-08-14T07:00:00", "2024-08-14T18:00", "2024-08-13T18:00", "2024-08-13T18:00"),
]


@pytest.mark.parametrize(("due", "release", "freeze", "deep"), TABLE)
def test_schedule_of_a_due_date(due, release, freeze, deep):
    s = compute_schedule("m", "4.58.0", utc(due), PACIFIC, utc("2000-01-01T00:00:00"))
    assert s.release.astimezone(UTC) == utc(release + ":00")
    assert s.freeze_starts.astimezone(UTC) == utc(freeze + ":00")
    assert s.deep_freeze_starts.astimezone(UTC) == utc(deep + ":00")
    assert s.freeze_starts.strftime("%a %H:%M") == "Tue 11:00"  # local time, whatever the offset
    assert s.phase == "open"


@pytest.mark.parametrize(
    ("now", "phase"),
    [
        ("2024-10-29T17:59:00", "open"),  # 10:59 PDT on freeze day
        ("2024-10-29T18:00:00", "freeze"),  # 11:00 PDT
        ("2024-11-04T18:59:00", "freeze"),  # 10:59 PST the day before the release
        ("2024-11-04T19:00:00", "deep-freeze"),  # 11:00 PST
        ("2024-11-05T18:59:00", "deep-freeze"),
        ("2024-11-05T19:00:00", "released"),  # 11:00 PST on the due date
    ],
)
def test_phase_across_the_end_of_daylight_saving(now, phase):
    assert compute_schedule("m", "4.61.0", utc("2024-11-05T08:00:00"), PACIFIC, utc(now)).phase == phase


def test_a_deep_freeze_longer_than_the_freeze_starts_with_the_freeze():
    long_deep = Freeze(deep_freeze_hours=48)
    s = compute_schedule("m", "4.58.0", utc("2024-08-14T07:00:00"), long_deep, utc("2024-08-13T18:00:00"))
    assert s.deep_freeze_starts == s.freeze_starts and s.phase == "deep-freeze"


def test_other_zones_and_weekdays():
    berlin = Freeze(timezone="Europe/Berlin", weekday="thursday", time="09:30", release_time="15:00", deep_freeze_hours=6)
    s = compute_schedule("m", "1.0.0", utc("2024-08-13T00:00:00"), berlin, utc("2024-08-13T07:00:00"))  # a Tuesday, CEST
    assert s.freeze_starts.astimezone(UTC) == utc("2024-08-08T07:30:00")  # Thursday 09:30 CEST
    assert s.release.astimezone(UTC) == utc("2024-08-13T13:00:00")
    assert s.deep_freeze_starts.astimezone(UTC) == utc("2024-08-13T07:00:00")
    assert s.phase == "deep-freeze"


def test_due_day_is_the_utc_calendar_day():
    assert due_day(utc("2024-08-12T23:00:00-07:00")) == date(2024, 8, 13)
    assert due_day(datetime(2024, 8, 12, 23, 0)) == date(2024, 8, 12)  # naive: taken as it is


@pytest.mark.parametrize(
    ("freeze", "due", "cut"),
    [
        # Tuesday 2024-08-13 release: three weeks back is Tuesday 07-23, its Monday 07-22, 08:00 PDT.
        (PACIFIC, "2024-08-13T07:00:00", "2024-07-22T15:00:00"),
        # A release in PST (2024-11-19) whose cut is still in PDT: 08:00 wall clock on Monday 10-28.
        (PACIFIC, "2024-11-19T08:00:00", "2024-10-28T15:00:00"),
        # Berlin: 08:00 CEST on the same Monday, not 08:00 Pacific.
        (Freeze(timezone="Europe/Berlin", release_time="15:00"), "2024-08-13T00:00:00", "2024-07-22T06:00:00"),
        # Tokyo, a Monday 09:00 release (still Sunday in Pacific): the Monday is Tokyo's, 07-22 08:00 JST.
        (Freeze(timezone="Asia/Tokyo", release_time="09:00"), "2024-08-12T00:00:00", "2024-07-21T23:00:00"),
    ],
)
def test_the_candidate_is_cut_at_0800_three_weeks_before_in_the_schedules_zone(freeze, due, cut):
    release = compute_schedule("m", "4.60.0", utc(due), freeze, utc("2000-01-01T00:00:00")).release
    when = candidate_cut(release)
    assert when.astimezone(UTC) == utc(cut)
    assert when.tzinfo == release.tzinfo and when.weekday() == 0 and (when.hour, when.minute) == (8, 0)
