"""`fleetops rituals calendar --ics FILE`: parsed back with icalendar; UIDs stable across imports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
RELEASE = datetime(2026, 12, 15, 19, 0, tzinfo=UTC)  # 4.58.0-tentative due Tuesday 2026-12-15
LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture(autouse=True)
def pinned(clock):
    """The suite's clock (App.now, the sandbox's stamps and its worlds) at NOW."""
    clock.set(NOW)


@pytest.fixture
def world(make_sandbox):
    return make_sandbox(now=NOW, release_date=RELEASE)


def events(path):
    cal = Calendar.from_ical(path.read_bytes())
    return [c for c in cal.walk("VEVENT")]


def test_the_calendar_parses_back_with_rituals_and_the_release_schedule(world, cli, tmp_path):
    out = tmp_path / "fleet.ics"
    result = cli("rituals", "calendar", "--ics", str(out), "--from", "2026-12-01", "--to", "2026-12-31", "--json", env=world.env())
    assert result.code == 0, result.stderr
    data = result.json()
    found = events(out)
    assert len(found) == data["occurrences"] + 3
    by_uid = {str(e["UID"]): e for e in found}
    assert len(by_uid) == len(found)  # every UID is unique
    release = {k: by_uid[f"release-4.58.0-{k}@fleetops"] for k in ("freeze", "deep-freeze", "release")}
    # Tuesday before the release at 11:00 Pacific; the final 24 hours; the release moment
    assert release["freeze"].decoded("DTSTART") == datetime(2026, 12, 8, 11, 0, tzinfo=LA)
    assert release["deep-freeze"].decoded("DTSTART") == datetime(2026, 12, 14, 11, 0, tzinfo=LA)
    assert release["release"].decoded("DTSTART") == datetime(2026, 12, 15, 11, 0, tzinfo=LA)
    assert release["release"]["DTSTART"].params["TZID"] == "America/Los_Angeles"
    bank = [e for e in found if str(e["SUMMARY"]) == "Reconcile the bank accounts"]
    assert [e.decoded("DTSTART") for e in bank] == [date(2026, 12, 31)]  # all day, the month's last day
    assert "DRI: ireedy" in str(bank[0]["DESCRIPTION"])
    daily = [e for e in found if str(e["SUMMARY"]) == "Pull request review"]
    assert len(daily) == 31
    cal = Calendar.from_ical(out.read_bytes())
    assert str(cal["X-WR-TIMEZONE"]) == "America/Chicago"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Los_Angeles"]
    assert world.writes() == []


def test_importing_twice_updates_instead_of_duplicating(world, cli, tmp_path, monkeypatch):
    from fleetops.app import App

    first, second, part = tmp_path / "a.ics", tmp_path / "b.ics", tmp_path / "c.ics"
    assert cli("rituals", "calendar", "--ics", str(first), "--to", "2026-12-31", env=world.env()).code == 0
    monkeypatch.setattr(App, "now", lambda self: datetime(2026, 12, 1, 20, 0, tzinfo=UTC))  # a later export, the same day
    assert cli("rituals", "calendar", "--ics", str(second), "--to", "2026-12-31", env=world.env()).code == 0
    assert cli("rituals", "calendar", "--ics", str(part), "--from", "2026-12-10", "--to", "2026-12-20", env=world.env()).code == 0

    store: dict[str, object] = {}  # a calendar app keeps one event per UID
    for path in (first, second):
        for event in events(path):
            store[str(event["UID"])] = event
    assert len(store) == len(events(first)) == len(events(second))
    assert {str(e["UID"]) for e in events(part)} < set(store)  # a narrower export names the same occurrences alike


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-12-10", "--to", "2026-12-01"], "is not a range of 1 to 731 days"),
        (["--from", "tomorrow"], "--from 'tomorrow' is not a date"),
    ],
)
def test_a_bad_range_is_exit_2_and_writes_nothing(world, cli, tmp_path, args, message):
    out = tmp_path / "x.ics"
    result = cli("rituals", "calendar", "--ics", str(out), *args, env={**world.env(), "COLUMNS": "200"})
    assert result.code == 2 and message in result.stderr
    assert not out.exists()


def test_under_fleet_rc_the_calendar_shows_the_candidate_cut_and_the_release_and_no_freeze(make_sandbox, cli, tmp_path):
    """The release-candidate process has no merge freeze (issue 19, item 6): the candidate is cut at
    08:00 Pacific on the Monday three weeks before the release's week (releases.md@800f895)."""
    server = make_sandbox("rc", now=NOW)  # 4.59.0 due 2026-12-08, 4.60.0 due 2026-12-29
    out = tmp_path / "fleet-rc.ics"
    result = cli("rituals", "calendar", "--ics", str(out), "--from", "2026-11-01", "--to", "2026-12-31", "--json",
                 env={**server.env(), "FLEETOPS_RITUALS": "fleet-rc"})
    assert result.code == 0, result.stderr
    releases = result.json()["releases"]
    assert [(r["version"], r["kind"]) for r in releases] == [
        ("4.59.0", "candidate"), ("4.60.0", "candidate"), ("4.59.0", "release"), ("4.60.0", "release"),
    ]
    by_uid = {str(e["UID"]): e for e in events(out)}
    cut = by_uid["release-4.59.0-candidate@fleetops"]
    assert cut.decoded("DTSTART") == datetime(2026, 11, 16, 8, 0, tzinfo=LA)
    assert str(cut["SUMMARY"]) == "Fleet 4.59.0: release candidate rc-minor-fleet-v4.59.0 cut"
    assert by_uid["release-4.60.0-candidate@fleetops"].decoded("DTSTART") == datetime(2026, 12, 7, 8, 0, tzinfo=LA)
    assert by_uid["release-4.59.0-release@fleetops"].decoded("DTSTART") == datetime(2026, 12, 8, 11, 0, tzinfo=LA)
    summaries = " ".join(str(e["SUMMARY"]) for e in events(out))
    assert "freeze" not in summaries.lower()
