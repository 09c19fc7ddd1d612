"""The current handbook's release, rehearsed end to end on the sandbox as a person would run it
(FLEETOPS_RITUALS=fleet-rc, `--sandbox`, one persisted world): reset → cut-rc → rc-status →
readiness → conclude-milestone → deploy-dogfood. Each command is run again at once: the re-run
changes nothing. Between them the test plays the people of the process (a fix picked onto the
candidate, QA moving its ticket), by editing the world as `sandbox move-issue` would.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fleetops.sandbox.world.git import GitBuilder
from fleetops.sandbox.world.rc import BRANCH, CONFIDENTIAL, QA_ISSUE, REPO

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
VERSION = "4.59.0"


def log(state_dir: Path) -> list[dict[str, Any]]:
    path = state_dir / "sandbox" / "requests.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def edit(state_dir: Path, change: Any) -> None:
    path = state_dir / "sandbox" / "state.json"
    state = json.loads(path.read_text())
    change(state)
    path.write_text(json.dumps(state))


def pick_the_missing_fix(state: dict[str, Any]) -> None:
    """A person cherry-picks PR 24102's fix onto the candidate with -x (rc-status named it)."""
    repo = state["github"]["repos"][REPO]
    pr = next(i for i in repo["issues"] if i["number"] == 24102)
    line = f"\n\n(cherry picked from commit {pr['pull_request']['merge_commit_sha']})"
    GitBuilder(repo).commit(pr["title"] + " (#24102)" + line, NOW - timedelta(minutes=30), {"server/service/scripts.go": "x\n"}, branch=BRANCH)


def orchestration_qa_is_done(state: dict[str, Any]) -> None:
    """QA moves the Release QA ticket to "Ready for release" on the Orchestration project (71)."""
    project = next(p for p in state["github"]["projects"] if p["number"] == 71)
    status = next(f for f in project["fields"] if f["name"] == "Status")
    ready = next(o["id"] for o in status["options"] if o["name"] == "Ready for release")
    item = next(i for i in project["items"] if i["content"] == f"{REPO}#{QA_ISSUE}")
    item["values"][status["id"]] = ready


def test_the_whole_release_candidate_process_on_the_sandbox(clock, cli, clean_env, monkeypatch):
    clock.set(NOW)
    monkeypatch.setenv("FLEETOPS_RITUALS", "fleet-rc")
    assert cli("sandbox", "reset", "--world", "rc").code == 0

    def step(*args: str, code: int = 0) -> dict[str, Any]:
        """Run a command, then again: the second run writes nothing and ends the same way."""
        before = len(log(clean_env))
        first = cli("--sandbox", *args, "--json")
        assert first.code == code, (args, first.stderr)
        middle = len(log(clean_env))
        again = cli("--sandbox", *args, "--json")
        assert again.code == (0 if "--yes" in args else code), (args, again.stderr)
        rerun = log(clean_env)[middle:]
        assert [r for r in rerun if r["write"]] == [], (args, [r for r in rerun if r["write"]])
        assert not [r for r in log(clean_env)[before:] if r["service"] in ("mergefreeze", "zenhub")], args
        return first.json()

    # the candidate is cut (the rc world has it already): only the announcement was missing
    cut = step("release", "cut-rc", VERSION, "--yes")
    assert {s["id"]: s["status"] for s in cut["steps"]} == {"branch": "skipped", "issue": "skipped", "variable": "skipped", "announce": "done"}
    assert cut["issue"]["number"] == QA_ISSUE
    # a fix of an unreleased bug is missing from the candidate: a person picks it
    assert [m["pr"] for m in step("release", "rc-status", VERSION, code=3)["missing"]] == [24102]
    edit(clean_env, pick_the_missing_fix)
    assert step("release", "rc-status", VERSION)["missing"] == []
    # Orchestration's QA is still testing; then it is done
    assert step("release", "readiness", VERSION, code=3)["ready"] is False
    edit(clean_env, orchestration_qa_is_done)
    assert step("release", "readiness", VERSION)["ready"] is True
    # 4.59.0 is published (the world's tag and image): conclude the milestone, then deploy it
    concluded = step("release", "conclude-milestone", VERSION, "--yes")
    assert {s["status"] for s in concluded["steps"]} <= {"done", "skipped"}
    assert concluded["requests"]["github"]["graphql_points"] > 0
    deployed = step("release", "deploy-dogfood", f"v{VERSION}", "--yes", "--watch", "--poll-interval", "0.01")
    assert [s["status"] for s in deployed["steps"]] == ["done", "done"]

    state = json.loads((clean_env / "sandbox" / "state.json").read_text())
    milestone = next(m for m in state["github"]["repos"][REPO]["milestones"] if m["title"] == VERSION)
    assert milestone["state"] == "closed"
    assert state["github"]["repos"][CONFIDENTIAL]["variables"]["QAWOLF_DEPLOY_TAG"]["value"] == "main"
    assert state["dogfood"]["version"] == VERSION
    cut_message, closed_message = (m["text"] for m in state["slack"]["messages"])
    assert cut_message.startswith(f"The release candidate {BRANCH} for {VERSION} is cut from main (")
    assert closed_message.startswith(f"The {VERSION} milestone is closed: ")
