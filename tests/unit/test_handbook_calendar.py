"""The calendar maths of handbook rituals against hand-worked dates (docs/rituals.md).

Each row was worked out by hand from a calendar: 2024 is a leap year, 2026-12-01 is a
Tuesday, the US changes to daylight time on 2026-03-08 and back on 2026-11-01.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from fleetops.handbook.calendar import is_due, next_occurrence, occurrences, parse_frequency, today_in

D = date.fromisoformat

CASES = [
    # (startedOn, frequency, day, due?, why)
    ("2024-01-02", "Daily", "2024-01-02", True, "the start day itself"),
    ("2024-01-02", "Daily", "2024-01-01", False, "nothing before startedOn"),
    ("2024-03-01", "Daily ⏰", "2026-12-01", True, "the alarm clock is decoration"),
    ("2023-08-09", "Daily # must be supported by", "2024-02-29", True, "a comment inside the quotes is ignored"),
    ("2024-01-03", "Weekly", "2024-01-10", True, "a Wednesday, one week on"),
    ("2024-01-03", "Weekly", "2024-01-09", False, "a Tuesday"),
    ("2024-01-03", "Weekly", "2026-12-02", True, "a Wednesday, almost three years on"),
    ("2026-03-01", "Weekly", "2026-03-08", True, "the Sunday daylight time starts"),
    ("2026-03-01", "Weekly", "2026-03-15", True, "the week after the change"),
    ("2026-10-25", "Weekly", "2026-11-01", True, "the Sunday daylight time ends"),
    ("2026-10-25", "Weekly", "2026-11-02", False, "a Monday after the change"),
    ("2024-01-03", "weekly", "2024-01-10", True, "case does not matter"),
    ("2024-01-12", "Biweekly", "2024-01-26", True, "two weeks on"),
    ("2024-01-12", "Biweekly", "2024-01-19", False, "one week on"),
    ("2024-01-12", "Biweekly", "2026-12-04", False, "a Friday 151 weeks on: odd"),
    ("2024-01-12", "Biweekly", "2026-12-11", True, "a Friday 152 weeks on"),
    ("2023-08-09", "Triweekly", "2023-08-30", True, "three weeks on"),
    ("2023-08-09", "Triweekly", "2023-08-23", False, "two weeks on"),
    ("2024-01-31", "Monthly", "2024-01-31", True, "the start day"),
    ("2024-01-31", "Monthly", "2023-12-31", False, "before startedOn"),
    ("2024-01-31", "Monthly", "2024-02-29", True, "the last day of a leap February"),
    ("2024-01-31", "Monthly", "2024-02-28", False, "not the last day in 2024"),
    ("2024-01-31", "Monthly", "2025-02-28", True, "the last day of a common February"),
    ("2024-01-31", "Monthly", "2024-03-31", True, "back on the 31st after February"),
    ("2024-01-31", "Monthly", "2024-03-30", False, "no drift to the 29th or 30th"),
    ("2024-01-31", "Monthly", "2024-04-30", True, "April has 30 days"),
    ("2024-01-05", "Monthly", "2026-12-05", True, "the same day of the month"),
    ("2024-01-05", "Monthly", "2026-12-04", False, "the day before"),
    ("2024-01-30", "Monthly", "2025-02-28", True, "the 30th in February is its last day"),
    ("2024-01-30", "Monthly", "2025-03-30", True, "the 30th again in March"),
    ("2024-01-30", "Monthly", "2025-03-31", False, "not the last day of March"),
    ("2024-01-15", "Quarterly", "2024-04-15", True, "three months on"),
    ("2024-01-15", "Quarterly", "2024-02-15", False, "one month on"),
    ("2024-01-15", "Quarterly", "2026-10-15", True, "33 months on"),
    ("2024-01-15", "Quarterly", "2026-12-15", False, "35 months on"),
    ("2023-11-30", "Quarterly", "2024-02-29", True, "the 30th falls on a leap February's last day"),
    ("2023-11-30", "Quarterly", "2025-02-28", True, "and on a common February's"),
    ("2023-11-30", "Quarterly", "2024-05-30", True, "back on the 30th"),
    ("2023-11-30", "Quarterly", "2024-05-31", False, "not the 31st"),
    ("2024-02-29", "Annually", "2024-02-29", True, "the start day"),
    ("2024-02-29", "Annually", "2023-02-28", False, "before startedOn"),
    ("2024-02-29", "Annually", "2025-02-28", True, "29 February falls on 28 February"),
    ("2024-02-29", "Annually", "2025-03-01", False, "not on 1 March"),
    ("2024-02-29", "Annually", "2028-02-29", True, "a leap year again"),
    ("2024-02-29", "Annually", "2028-02-28", False, "not the 28th in a leap year"),
    ("2024-09-01", "Annually", "2026-09-01", True, "the same date"),
    ("2024-09-01", "Annually", "2026-09-02", False, "the day after"),
    ("2024-01-02", "Every patch release", "2024-01-02", False, "an event, not a date"),
    ("2024-01-02", "Quarterly (first Tuesday)", "2024-04-02", False, "extra words are not guessed"),
    ("2024-01-02", "After each weekly e-group meeting", "2024-01-09", False, "an event"),
    ("2024-01-02", "", "2024-01-02", False, "no frequency"),
]


@pytest.mark.parametrize(("start", "frequency", "day", "expected", "why"), CASES, ids=[f"{c[1] or 'empty'}-{c[2]}-{c[4]}" for c in CASES])
def test_hand_worked_dates(start, frequency, day, expected, why):
    assert is_due(D(start), parse_frequency(frequency), D(day)) is expected, why


def test_the_table_has_at_least_40_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    ("instant", "today"),
    [
        ("2026-03-08T05:59:00+00:00", "2026-03-07"),  # 23:59 CST
        ("2026-03-08T06:00:00+00:00", "2026-03-08"),  # midnight CST
        ("2026-03-09T04:59:00+00:00", "2026-03-08"),  # 23:59 CDT, after the change
        ("2026-03-09T05:00:00+00:00", "2026-03-09"),  # midnight CDT: a fixed -6 h would still say the 8th
        ("2026-11-01T05:00:00+00:00", "2026-11-01"),  # midnight CDT, the day it ends
        ("2026-11-02T05:30:00+00:00", "2026-11-01"),  # 23:30 CST: a fixed -5 h would say the 2nd
    ],
)
def test_today_is_the_date_in_chicago_across_daylight_saving(instant, today):
    assert today_in("America/Chicago", datetime.fromisoformat(instant)) == D(today)


@pytest.mark.parametrize(
    ("start", "frequency"),
    [("2024-01-31", "Monthly"), ("2023-11-30", "Quarterly"), ("2024-02-29", "Annually"), ("2024-01-12", "Biweekly"), ("2025-06-01", "Daily")],
)
def test_occurrences_are_exactly_the_due_days(start, frequency):
    parsed = parse_frequency(frequency)
    first, end = D("2023-10-01"), D("2028-04-01")
    by_day = [first + timedelta(days=n) for n in range((end - first).days) if is_due(D(start), parsed, first + timedelta(days=n))]
    assert occurrences(D(start), parsed, first, end) == by_day
    assert by_day  # the range holds some


def test_next_occurrence():
    assert next_occurrence(D("2024-01-31"), parse_frequency("Monthly"), D("2025-02-01")) == D("2025-02-28")
    assert next_occurrence(D("2024-02-29"), parse_frequency("Annually"), D("2025-03-01")) == D("2026-02-28")
    assert next_occurrence(D("2027-01-01"), parse_frequency("Weekly"), D("2026-12-01")) == D("2027-01-01")  # not started yet
    assert next_occurrence(D("2024-01-02"), parse_frequency("Every patch release"), D("2026-12-01")) is None


def test_unscheduled_frequencies_say_why():
    assert "does not interpret" in parse_frequency("Quarterly (first Tuesday)").reason
    assert parse_frequency("Every patch release").reason == "an event, not a date"
    assert parse_frequency(None).reason == "no frequency"
