"""The journal is part of each step's outcome; an unwritable state dir is refused before any write (issue 9, item 3)."""

from __future__ import annotations

from tests.reliability.conftest import flat
from tests.cli.test_conclude import STEP_IDS, conclude


def test_an_unwritable_state_dir_is_exit_2_before_any_request(world, cli, tmp_path, monkeypatch):
    server = world()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    state = blocker / "state"  # under a regular file: no one, not even root, can create it
    monkeypatch.setenv("FLEETOPS_STATE_DIR", str(state))
    for args in (("freeze", "end", "--yes"), ("release", "conclude-milestone", "4.58.0", "--yes", "--json")):
        result = cli(*args, env=server.env())
        assert result.code == 2, result.stderr
        assert f"FLEETOPS_STATE_DIR {state} is not a writable directory (Not a directory)" in flat(result.stderr)
        assert "Traceback" not in result.output
    assert server.requests == []
    assert server.state["mergefreeze"]["branches"]["fleetdm/fleet/main"]["frozen"] is True
    rehearsal = cli("--sandbox", "freeze", "begin", "--yes")  # the sandbox's world lives there too
    assert rehearsal.code == 2 and "is not a writable directory" in flat(rehearsal.stderr), rehearsal.stderr


def test_a_journal_that_cannot_be_written_stops_no_step_and_hides_none(world, cli, clean_env):
    server = world()
    clean_env.mkdir(parents=True)
    (clean_env / "journal.jsonl").mkdir()  # the journal's place is taken: every append fails
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 1
    steps = {s["id"]: s for s in result.json()["steps"]}
    applied = [i for i in STEP_IDS if i != "announce"]
    assert {steps[i]["status"] for i in applied} == {"done"}  # every later step still ran
    assert all(steps[i]["detail"].endswith("(not journaled)") for i in applied)
    # the post that cannot be read back is not attempted without its record
    assert steps["announce"]["status"] == "failed"
    assert steps["announce"]["detail"].startswith("not attempted: the attempt cannot be recorded in the journal")
    assert server.state["slack"]["messages"] == []
    assert "the journal could not be written" in flat(result.stderr)
    assert result.json()["journal_error"].endswith("journal.jsonl: Is a directory")
    assert server.state["mergefreeze"]["branches"]["fleetdm/fleet/main"]["frozen"] is False
