"""One run per ritual at a time (issue 9, item 2): the lock in FLEETOPS_STATE_DIR."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

from fleetops.lock import RunLock
from tests.reliability.conftest import flat
from tests.cli.test_conclude import conclude

COMMAND = "release conclude-milestone"


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_two_concurrent_runs_post_once_and_the_loser_names_the_lock(world, spawn, clean_env):
    server = world(latency=0.0)
    server.latency = 0.01  # the holder's run lasts about a second: the second one starts meanwhile
    lock = RunLock(clean_env, COMMAND, "fleetdm/fleet", "4.58.0")
    args = ("release", "conclude-milestone", "4.58.0", "--yes")
    first = spawn(*args, env=server.env())
    wait_for(lambda: lock.holder() is not None)
    holder = lock.holder()
    second = spawn(*args, env=server.env())
    _, loser_err = second.communicate(timeout=60)
    _, winner_err = first.communicate(timeout=60)
    assert (first.returncode, second.returncode) == (0, 1), winner_err + loser_err
    assert (
        f"another run of conclude-milestone 4.58.0 holds the lock since {holder['since']} "
        f"(pid {first.pid}, host {socket.gethostname()})."
    ) in flat(loser_err)
    assert len(server.state["slack"]["messages"]) == 1
    assert lock.holder() is None  # released at the end


def test_a_lock_held_elsewhere_stops_the_run_before_any_request(world, cli, clean_env):
    server = world()
    other = RunLock(clean_env, COMMAND, "fleetdm/fleet", "4.58.0")
    other.acquire()
    try:
        result = conclude(cli, server, "--yes", "--json")
        assert result.code == 1
        assert "another run of conclude-milestone 4.58.0 holds the lock since " in flat(result.stderr)
        assert result.json()["error"]["exit_code"] == 1
        assert server.requests == []
        dry = conclude(cli, server, "--dry-run")  # reads only: not blocked
        assert dry.code == 0, dry.stderr
        # another version is another lock
        assert cli("release", "conclude-milestone", "4.59.0", "--yes", env=server.env()).code == 2
    finally:
        other.release()


def test_a_lock_left_by_a_dead_process_is_taken_over_and_said(world, cli, clean_env):
    server = world()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    lock = RunLock(clean_env, COMMAND, "fleetdm/fleet", "4.58.0")
    lock.path.parent.mkdir(parents=True)
    lock.info_path.write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "since": "2025-06-18T16:00:00+00:00", "command": COMMAND}))
    result = conclude(cli, server, "--yes")
    assert result.code == 0, result.stderr
    assert (
        f"took over the lock of conclude-milestone 4.58.0 left by pid {pid} on host {socket.gethostname()} "
        "since 2025-06-18T16:00:00+00:00 (no longer running)."
    ) in flat(result.stderr)
    assert len(server.state["slack"]["messages"]) == 1
    assert not lock.info_path.exists()
