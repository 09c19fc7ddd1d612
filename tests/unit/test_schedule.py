"""The freeze schedule: Tuesday before the release at 11:00 Pacific; the final 24 hours are the deep freeze."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fleetops.clients.github import Milestone
from fleetops.ops.freeze import compute_schedule, release_milestone
from fleetops.rituals import load_rituals

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
