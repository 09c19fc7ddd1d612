"""The freeze schedule: Tuesday before the release at 11:00 Pacific; the final 24 hours are the deep freeze."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fleetops.clients.github import Milestone
from fleetops.ops.freeze.window import release_milestone
from fleetops.rituals import load_rituals
from fleetops.schedule import compute_schedule

FREEZE = load_rituals().freeze
NAMING = load_rituals().naming


def sched(due: str, now: str):
    return compute_schedule("4.58.0-tentative", "4.58.0", datetime.fromisoformat(due), FREEZE, datetime.fromisoformat(now))


@pytest.mark.parametrize(
    "due, freeze_day",
    [
        ("2024-08-13T07:00:00+00:00", "2024-08-06"),  # release on a Tuesday → the Tuesday a week before
        ("2024-08-14T07:00:00+00:00", "2024-08-13"),  # Wednesday → the day before
        ("2024-08-12T00:00:00+00:00", "2024-08-06"),  # Monday (midnight UTC due date) → six days before
        ("2024-08-18T07:00:00+00:00", "2024-08-13"),  # Sunday
    ],
)
def test_freeze_starts_the_tuesday_before_at_11_pacific(due, freeze_day):
    s = sched(due, "2024-08-01T00:00:00+00:00")
    assert s.freeze_starts.date().isoformat() == freeze_day
    assert s.freeze_starts.weekday() == 1
    assert (s.freeze_starts.hour, s.freeze_starts.minute) == (11, 0)
    assert s.freeze_starts.utcoffset() == timedelta(hours=-7)  # PDT in August
    assert s.release - s.deep_freeze_starts == timedelta(hours=24)
    assert s.release.date().isoformat() == due[:10]


def test_daylight_saving_is_respected():
    s = sched("2024-11-05T08:00:00+00:00", "2024-10-01T00:00:00+00:00")  # PDT ends on 2024-11-03
    assert s.freeze_starts.utcoffset() == timedelta(hours=-7)
    assert s.release.utcoffset() == timedelta(hours=-8)
    assert s.freeze_starts.astimezone(UTC).hour == 18 and s.release.astimezone(UTC).hour == 19


@pytest.mark.parametrize(
    "now, phase",
    [
        ("2024-08-06T17:59:00+00:00", "open"),  # 10:59 PDT on freeze day
        ("2024-08-06T18:00:00+00:00", "freeze"),  # 11:00 PDT
        ("2024-08-12T17:59:00+00:00", "freeze"),
        ("2024-08-12T18:00:00+00:00", "deep-freeze"),  # 24 h before the release
        ("2024-08-13T18:00:00+00:00", "released"),
    ],
)
def test_phases_change_at_the_exact_minute(now, phase):
    assert sched("2024-08-13T07:00:00+00:00", now).phase == phase


def ms(number, title, state="open", due="2024-08-13T07:00:00+00:00"):
    return Milestone(number, title, state, datetime.fromisoformat(due) if due else None, "", 0, 0, "")


def test_release_milestone_is_the_lowest_open_tentative_with_a_due_date():
    found = release_milestone(
        [
            ms(1, "4.59.0-tentative", due="2024-09-03T07:00:00+00:00"),
            ms(2, "4.58.0-tentative"),
            ms(3, "4.57.0-tentative", state="closed"),
            ms(4, "4.10.0-tentative", due=None),
            ms(5, "Backlog"),
            ms(6, "4.58.1"),
        ],
        NAMING,
    )
    assert found is not None and found[0].number == 2 and found[1] == "4.58.0"


def test_versions_compare_as_versions_not_text():
    found = release_milestone([ms(1, "4.100.0-tentative"), ms(2, "4.99.0-tentative")], NAMING)
    assert found[1] == "4.99.0"


def test_no_release_milestone():
    assert release_milestone([ms(1, "Backlog")], NAMING) is None


# --- every hour of a fortnight across the end of daylight saving time ----------------------------------------
# Los Angeles leaves PDT (UTC-7) for PST (UTC-8) on Sunday 2026-11-01 at 02:00 PDT (09:00 UTC).
# 4.58.0 is due Tuesday 2026-11-03 (GitHub answers the date picked in Los Angeles as 08:00 UTC).
# Worked out by hand from the handbook: the freeze starts the Tuesday before at 11:00 Pacific, which
# is still PDT; the deep freeze is the final 24 hours; the release is at 11:00 PST.
FORTNIGHT_START = datetime(2026, 10, 26, 0, 0, tzinfo=UTC)
FORTNIGHT_HOURS = 14 * 24
FREEZE_STARTS = datetime(2026, 10, 27, 18, 0, tzinfo=UTC)  # Tue 11:00 PDT
DEEP_FREEZE_STARTS = datetime(2026, 11, 2, 19, 0, tzinfo=UTC)  # Mon 11:00 PST
RELEASE = datetime(2026, 11, 3, 19, 0, tzinfo=UTC)  # Tue 11:00 PST


def expected_phase(now: datetime) -> str:
    if now < FREEZE_STARTS:
        return "open"
    if now < DEEP_FREEZE_STARTS:
        return "freeze"
    if now < RELEASE:
        return "deep-freeze"
    return "released"


def test_every_hour_of_a_fortnight_across_the_end_of_daylight_saving_time():
    due = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    seen: dict[str, int] = {}
    wrong = []
    for hour in range(FORTNIGHT_HOURS):
        now = FORTNIGHT_START + timedelta(hours=hour)
        s = compute_schedule("4.58.0-tentative", "4.58.0", due, FREEZE, now)
        assert (s.freeze_starts, s.deep_freeze_starts, s.release) == (FREEZE_STARTS, DEEP_FREEZE_STARTS, RELEASE)
        seen[s.phase] = seen.get(s.phase, 0) + 1
        if s.phase != expected_phase(now):
            wrong.append(f"{now.isoformat()}: {s.phase}, expected {expected_phase(now)}")
    assert wrong == []
    # hours in each phase, counted by hand: open from 10-26 00:00 to 10-27 18:00 (42 h); freeze to
    # 11-02 19:00 (6 days + 1 h: the Sunday has 25 hours in Los Angeles); deep freeze 24 h; released
    # from 11-03 19:00 to 11-09 00:00 (5 days + 5 h).
    assert seen == {"open": 42, "freeze": 145, "deep-freeze": 24, "released": 125}


def test_the_local_times_of_the_fortnight_boundaries():
    s = compute_schedule("4.58.0-tentative", "4.58.0", datetime(2026, 11, 3, 8, 0, tzinfo=UTC), FREEZE, FORTNIGHT_START)
    assert s.freeze_starts.isoformat() == "2026-10-27T11:00:00-07:00"
    assert s.deep_freeze_starts.isoformat() == "2026-11-02T11:00:00-08:00"
    assert s.release.isoformat() == "2026-11-03T11:00:00-08:00"
