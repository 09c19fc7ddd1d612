"""`fleetops freeze begin|end|status` against the sandbox over real sockets."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest



# Thursday 12:00 in Los Angeles. The default world built at this instant is in its freeze week:
# the freeze began Tuesday 2026-11-24 11:00 PST, the deep freeze starts Monday 11-30 11:00 PST and
# 4.58.0 is released Tuesday 12-01 11:00 PST.
NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pinned(clock):
    clock.set(NOW)
    return clock


def mf_writes(server):
    return [r for r in server.writes("mergefreeze")]


def test_status_json_reports_frozen_branch_and_schedule(sandbox, cli):
    result = cli("freeze", "status", "--json", env=sandbox.env())
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["command"] == "freeze status"
    assert data["dry_run"] is False
    assert data["steps"] == []
    assert data["frozen"] is False
    assert data["branch"] == "main"
    assert data["schedule"] == {
        "milestone": "4.58.0-tentative",
        "version": "4.58.0",
        "release": "2026-12-01T11:00:00-08:00",
        "freeze_starts": "2026-11-24T11:00:00-08:00",
        "deep_freeze_starts": "2026-11-30T11:00:00-08:00",
        "phase": "freeze",
    }
    assert sandbox.writes() == []


@pytest.mark.parametrize(
    "now, phase",
    [
        (datetime(2026, 11, 24, 18, 59, tzinfo=UTC), "open"),  # Tuesday 10:59 PST
        (datetime(2026, 11, 24, 19, 0, tzinfo=UTC), "freeze"),  # Tuesday 11:00 PST
        (datetime(2026, 11, 30, 19, 0, tzinfo=UTC), "deep-freeze"),  # Monday 11:00 PST
        (datetime(2026, 12, 1, 19, 0, tzinfo=UTC), "released"),  # Tuesday 11:00 PST, release day
    ],
)
def test_status_phase_follows_the_clock(make_sandbox, cli, clock, now, phase):
    server = make_sandbox()  # built at NOW: 4.58.0 is due Tuesday 2026-12-01
    clock.set(now)
    result = cli("freeze", "status", "--json", env=server.env())
    assert result.code == 0, result.stderr
    assert result.json()["schedule"]["phase"] == phase


def test_status_for_people_names_the_phase(sandbox, cli):
    result = cli("freeze", "status", env=sandbox.env())
    assert result.code == 0
    assert result.stdout == ""  # people's text goes to stderr
    assert "main is open in Merge Freeze" in result.stderr
    lines = [" ".join(line.split()) for line in result.stderr.splitlines()]
    assert "Release 4.58.0 (milestone 4.58.0-tentative), Tue 2026-12-01 11:00 PST" in lines
    assert "Freeze starts Tue 2026-11-24 11:00 PST" in lines
    assert "Deep freeze starts Mon 2026-11-30 11:00 PST" in lines
    assert "Phase freeze" in lines
    assert "run `fleetops freeze begin`" in result.stderr


def test_begin_writes_once_then_skips(sandbox, cli):
    first = cli("freeze", "begin", "--yes", "--json", env=sandbox.env())
    assert first.code == 0, first.stderr
    data = first.json()
    assert data["frozen"] is True
    assert [s["status"] for s in data["steps"]] == ["done"]
    assert len(mf_writes(sandbox)) == 1
    branch = sandbox.state["mergefreeze"]["branches"]["fleetdm/fleet/main"]
    assert branch["frozen"] is True
    assert branch["frozen_by"] == "fleet-release"  # the GitHub token's owner
    assert branch["note"] == "Release freeze for 4.58.0"

    second = cli("freeze", "begin", "--yes", "--json", env=sandbox.env())
    assert second.code == 0
    assert second.json()["steps"][0]["status"] == "skipped"
    assert "already frozen" in second.json()["steps"][0]["detail"]
    assert len(mf_writes(sandbox)) == 1


def test_begin_dry_run_makes_no_write(sandbox, cli):
    result = cli("freeze", "begin", "--dry-run", "--json", env=sandbox.env())
    assert result.code == 0
    data = result.json()
    assert data["dry_run"] is True
    assert data["steps"][0]["status"] == "pending"
    assert sandbox.writes() == []
    assert "dry run" in result.stderr


def test_begin_in_ci_without_yes_exits_2_and_writes_nothing(sandbox, cli):
    result = cli("freeze", "begin", env={**sandbox.env(), "CI": "true"})
    assert result.code == 2
    assert "--yes" in result.stderr
    assert sandbox.writes() == []


def test_begin_on_a_terminal_asks_and_accepts_only_yes(sandbox, cli):
    declined = cli("freeze", "begin", env=sandbox.env(), input="n\n", tty=True)
    assert declined.code == 2
    assert "Declined" in declined.stderr
    assert sandbox.writes() == []
    accepted = cli("freeze", "begin", env=sandbox.env(), input="yes\n", tty=True)
    assert accepted.code == 0, accepted.stderr
    assert len(mf_writes(sandbox)) == 1


def test_begin_with_note_and_branch(make_sandbox, cli):
    server = make_sandbox()
    server.state["mergefreeze"]["branches"]["fleetdm/fleet/rc-minor-fleet-v4.58.0"] = {"frozen": False, "unblocked_prs": []}
    result = cli("freeze", "begin", "--branch", "rc-minor-fleet-v4.58.0", "--note", "QA of 4.58.0", "--yes", env=server.env())
    assert result.code == 0, result.stderr
    branch = server.state["mergefreeze"]["branches"]["fleetdm/fleet/rc-minor-fleet-v4.58.0"]
    assert branch["frozen"] is True and branch["note"] == "QA of 4.58.0"
    assert server.state["mergefreeze"]["branches"]["fleetdm/fleet/main"]["frozen"] is False


def test_unknown_branch_is_a_clear_usage_error(sandbox, cli):
    result = cli("freeze", "begin", "--branch", "feature-x", "--yes", env=sandbox.env())
    assert result.code == 2
    assert "does not manage fleetdm/fleet branch 'feature-x'" in result.stderr
    assert "Traceback" not in result.output
    assert sandbox.writes() == []


def test_if_due_skips_before_the_freeze(make_sandbox, cli):
    # due Tuesday 12-08: its freeze starts Tuesday 12-01 11:00 PST, five days after NOW
    server = make_sandbox(release_date=datetime(2026, 12, 8, 8, 0, tzinfo=UTC))
    result = cli("freeze", "begin", "--if-due", "--yes", "--json", env=server.env())
    assert result.code == 0
    data = result.json()
    assert data["schedule"]["phase"] == "open"
    assert data["steps"][0]["status"] == "skipped"
    assert data["steps"][0]["detail"].startswith("not due")
    assert server.writes() == []


@pytest.mark.parametrize(
    "now, phase",
    [
        (datetime(2026, 11, 24, 19, 0, tzinfo=UTC), "freeze"),  # Tuesday 11:00 PST: the freeze's first minute
        (datetime(2026, 11, 30, 20, 0, tzinfo=UTC), "deep-freeze"),  # Monday 12:00 PST
    ],
)
def test_if_due_freezes_during_the_freeze(make_sandbox, cli, clock, now, phase):
    clock.set(now)
    server = make_sandbox(release_date=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    result = cli("freeze", "begin", "--if-due", "--yes", "--json", env=server.env())
    assert result.code == 0, result.stderr
    assert result.json()["schedule"]["phase"] == phase
    assert result.json()["frozen"] is True
    assert len(mf_writes(server)) == 1


def test_if_due_without_a_release_milestone_is_exit_2(sandbox, cli):
    sandbox.state["github"]["repos"]["fleetdm/fleet"]["milestones"][1]["due_on"] = None
    result = cli("freeze", "begin", "--if-due", "--yes", env=sandbox.env())
    assert result.code == 2
    assert "--if-due needs the release schedule" in result.stderr
    assert sandbox.writes() == []


def test_end_unfreezes_once(make_sandbox, cli):
    server = make_sandbox(frozen=True)
    first = cli("freeze", "end", "--yes", "--json", env=server.env())
    assert first.code == 0, first.stderr
    assert first.json()["frozen"] is False
    assert server.state["mergefreeze"]["branches"]["fleetdm/fleet/main"]["frozen"] is False
    second = cli("freeze", "end", "--yes", "--json", env=server.env())
    assert second.json()["steps"][0]["status"] == "skipped"
    assert len(mf_writes(server)) == 1


def test_missing_mergefreeze_token_exits_4_naming_the_variable(sandbox, cli, monkeypatch):
    env = sandbox.env()
    del env["MERGEFREEZE_TOKEN"]
    result = cli("freeze", "begin", "--yes", env=env)
    assert result.code == 4
    assert "MERGEFREEZE_TOKEN is not set" in result.stderr
    assert sandbox.writes() == []


def test_rejected_mergefreeze_token_exits_4(sandbox, cli):
    result = cli("freeze", "status", env={**sandbox.env(), "MERGEFREEZE_TOKEN": "mf_wrong_token_123"})
    assert result.code == 4
    assert "MERGEFREEZE_TOKEN" in result.stderr
    assert "mf_wrong_token_123" not in result.output


@pytest.mark.parametrize("debug", [False, True])
def test_tokens_never_appear_in_any_output(sandbox, cli, clean_env, debug):
    env = sandbox.env()
    args = ["--debug"] if debug else []
    outputs = []
    for command in (["freeze", "status", "--json"], ["freeze", "begin", "--yes", "--json"], ["freeze", "end", "--dry-run"]):
        result = cli(*args, *command, env=env)
        assert result.code == 0, result.stderr
        outputs.append(result.output)
    # a failure too: the server answers 500 to the freeze, with the token in the URL it saw
    from fleetops.sandbox.server import Fault

    sandbox.inject(Fault("POST", "/mergefreeze/", status=500, times=10))
    cli("freeze", "end", "--yes", env=env)  # frozen now → end tries to write
    failed = cli(*args, "freeze", "end", "--yes", env=env)
    assert failed.code == 1
    outputs.append(failed.output)
    journal = (clean_env / "journal.jsonl").read_text()
    everything = "\n".join(outputs) + journal
    if debug:
        assert "debug:" in everything and "/mergefreeze/api/branches" in everything  # requests were logged
    for secret in (env["MERGEFREEZE_TOKEN"], env["GH_TOKEN"]):
        assert secret not in everything
    assert "access_token=***" in everything or not debug


def test_service_failure_after_retries_exits_1(sandbox, cli):
    from fleetops.sandbox.server import Fault

    sandbox.inject(Fault("GET", "/mergefreeze/", status=503, times=100))
    result = cli("freeze", "status", env={**sandbox.env()})
    assert result.code == 1
    assert "Merge Freeze answered HTTP 503" in result.stderr
    gets = [r for r in sandbox.requests if r["service"] == "mergefreeze"]
    assert len(gets) == 4  # the first try and three retries


def test_unreachable_service_exits_1_with_the_endpoint(sandbox, cli):
    result = cli("freeze", "status", env={**sandbox.env(), "FLEETOPS_MERGEFREEZE_URL": "http://127.0.0.1:9"})
    assert result.code == 1
    assert "cannot reach Merge Freeze at http://127.0.0.1:9" in result.stderr


def test_failed_write_is_exit_1_and_json_still_printed(sandbox, cli):
    from fleetops.sandbox.server import Fault

    sandbox.inject(Fault("POST", "/mergefreeze/", status=500, times=1))
    result = cli("freeze", "begin", "--yes", "--json", env=sandbox.env())
    assert result.code == 1
    data = result.json()
    assert data["steps"][0]["status"] == "failed"
    assert "HTTP 500" in data["steps"][0]["detail"]
    assert "freeze" in result.stderr and "failed" in result.stderr
    rerun = cli("freeze", "begin", "--yes", "--json", env=sandbox.env())
    assert rerun.code == 0 and rerun.json()["frozen"] is True


def test_journal_records_each_applied_step(sandbox, cli, clean_env):
    cli("freeze", "begin", "--yes", env=sandbox.env())
    cli("freeze", "begin", "--yes", env=sandbox.env())  # skipped: nothing applied, nothing journaled
    entries = [json.loads(line) for line in (clean_env / "journal.jsonl").read_text().splitlines()]
    assert len(entries) == 1
    entry = entries[0]
    assert set(entry) >= {"time", "user", "command", "step", "status", "detail"}
    assert entry["command"] == "freeze begin" and entry["step"] == "freeze" and entry["status"] == "done"
