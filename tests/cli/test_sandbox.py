"""`--sandbox` and `fleetops sandbox ...`: a persisted world behind a real server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx


def test_sandbox_world_persists_between_commands_until_reset(cli, clean_env):
    first = cli("--sandbox", "freeze", "begin", "--yes", "--json")
    assert first.code == 0, first.stderr
    assert "sandbox: rehearsing against http://127.0.0.1:" in first.stderr
    status = cli("--sandbox", "freeze", "status", "--json")
    assert status.json()["frozen"] is True
    state = json.loads((clean_env / "sandbox" / "state.json").read_text())
    assert state["mergefreeze"]["branches"]["fleetdm/fleet/main"]["frozen"] is True

    reset = cli("sandbox", "reset")
    assert reset.code == 0
    assert cli("--sandbox", "freeze", "status", "--json").json()["frozen"] is False


def test_fleetops_sandbox_env_var_is_the_same_as_the_flag(cli):
    result = cli("freeze", "status", "--json", env={"FLEETOPS_SANDBOX": "1"})
    assert result.code == 0 and result.json()["branch"] == "main"


def test_sandbox_requests_lists_what_fleetops_did(cli):
    cli("--sandbox", "freeze", "begin", "--yes")
    result = cli("sandbox", "requests", "--writes", "--json")
    writes = result.json()["requests"]
    assert [(w["service"], w["method"]) for w in writes] == [("mergefreeze", "POST")]
    assert "access_token=***" in writes[0]["path"]  # the log never holds the token


def test_reset_rejects_an_unknown_world(cli):
    result = cli("sandbox", "reset", "--world", "mars")
    assert result.code == 2 and "unknown sandbox world 'mars'" in result.stderr


def test_serve_runs_a_server_that_other_commands_use(clean_env):
    env = {k: v for k, v in os.environ.items()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fleetops", "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        exports = {}
        deadline = time.monotonic() + 20
        while len(exports) < 13 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if line.startswith("export "):
                key, _, value = line[len("export "):].strip().partition("=")
                exports[key] = value
        assert exports["GITHUB_API_URL"].startswith("http://127.0.0.1:")
        repo = httpx.get(f"{exports['GITHUB_API_URL']}/repos/fleetdm/fleet", headers={"Authorization": f"token {exports['GH_TOKEN']}"})
        assert repo.status_code == 200 and repo.json()["full_name"] == "fleetdm/fleet"
        # a --sandbox command finds the running server instead of starting its own
        out = subprocess.run([sys.executable, "-m", "fleetops", "--sandbox", "freeze", "status", "--json"],
                             capture_output=True, text=True, env=env, timeout=60)
        assert out.returncode == 0, out.stderr
        assert exports["GITHUB_API_URL"].removesuffix("/github") in out.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert not (clean_env / "sandbox" / "server.json").exists()
    log = (clean_env / "sandbox" / "requests.jsonl").read_text().splitlines()
    assert len(log) >= 3


def test_move_issue_plays_a_qa_lead_so_readiness_can_be_rehearsed(cli):
    created = cli("--sandbox", "release", "create-qa-issue", "4.58.0", "--yes", "--json")
    number = created.json()["issue"]["number"]
    assert cli("--sandbox", "release", "readiness", "4.58.0").code == 3
    for board in ("g-mdm", "g-endpoint-ops"):
        moved = cli("sandbox", "move-issue", str(number), "ready for release", "--board", board)
        assert moved.code == 0 and "moved #" in moved.stderr
    ready = cli("--sandbox", "release", "readiness", "4.58.0", "--json")
    assert ready.code == 0, ready.stderr
    again = cli("sandbox", "move-issue", str(number), "Ready for release", "--board", "g-mdm")
    assert again.code == 0 and "already" in again.stderr


def test_move_issue_names_the_pipelines_when_one_is_unknown(cli):
    result = cli("sandbox", "move-issue", "21001", "Shipped", "--board", "g-mdm")
    assert result.code == 2 and "Its pipelines: New Issues, Ready" in result.stderr.replace("\n", " ")


def test_sandbox_requests_skips_corrupt_lines_of_the_log_with_a_warning(cli, clean_env):
    """A torn or hand-edited line of requests.jsonl is skipped and named, not a crash (issue 9)."""
    cli("--sandbox", "freeze", "begin", "--yes")
    log = clean_env / "sandbox" / "requests.jsonl"
    good = log.read_text().splitlines()
    log.write_text("\n".join([good[0], '{"seq": 2, "service": "github"', "[1, 2]", '{"seq": 3}', *good[1:], "\udcff"]) + "\n", errors="surrogateescape")
    result = cli("sandbox", "requests", "--json")
    said = " ".join(result.stderr.split())
    assert result.code == 0
    assert [r["seq"] for r in result.json()["requests"]] == [json.loads(line)["seq"] for line in good]
    assert "warning: skipped 4 unreadable line(s) of" in said and f"(line 2, 3, 4, {len(good) + 4})" in said
    assert str(log) in result.stderr.replace("\n", "")  # Rich folds a long path without a space
    table = cli("sandbox", "requests")
    assert table.code == 0 and f"{len(good)} request(s)." in " ".join(table.stderr.split())
    assert "Traceback" not in table.output
