"""Request economy: every acting command, dry run and apply, in each world where it applies, sends
no more requests per service than `request_counts.json` (next to this file) says.

The counts come from the sandbox's own request log (what reached the server), and must equal what
the command reports in `--json` `"requests"`; GitHub's GraphQL requests count apart from its REST ones
(`github-graphql`), and so do the points they cost (`github-graphql-points`, GitHub's formula). A count that grows fails; one that shrinks passes
with a warning that prints the new counts; `FLEETOPS_UPDATE_COUNTS=1` rewrites the file.
The clock is pinned: Thursday 26 November 2026, noon in Los Angeles, in the freeze week of 4.58.0
(release on Tuesday 1 December); the "released" world shipped 4.58.0 the day before.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

COUNTS = Path(__file__).with_name("request_counts.json")
UPDATE = os.environ.get("FLEETOPS_UPDATE_COUNTS") == "1"
NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
SERVICES = ("github", "zenhub", "mergefreeze", "dockerhub", "godev", "slack", "dogfood", "feeds", "npm")
GRAPHQL, POINTS = "github-graphql", "github-graphql-points"  # GitHub's GraphQL requests, and the points they cost

# World overrides: the released world shipped yesterday; allow-pr needs a frozen main.
WORLDS = {
    "default": ("default", {}),
    "current": ("current", {}),
    "release-qa": ("release-qa", {}),
    "released": ("released", {"release_date": NOW - timedelta(days=1)}),
    "frozen": ("default", {"frozen": True}),
    "rc": ("rc", {}),
    "release-day": ("release-day", {}),
    "release-built": ("release-built", {"deploy_polls": 0}),
}
# The environment a world's commands run with: the rc world is the current handbook's (fleet-rc).
WORLD_ENV = {"rc": {"FLEETOPS_RITUALS": "fleet-rc"}}

# (command, the worlds it runs in, its arguments, whether it acts: then --dry-run and --yes both run)
COMMANDS = [
    ("freeze begin", ("default", "released"), ["freeze", "begin"], True),
    ("freeze end", ("default", "released"), ["freeze", "end"], True),
    ("freeze status", ("default", "released"), ["freeze", "status"], False),
    ("freeze allow-pr", ("frozen",), ["freeze", "allow-pr", "23101"], True),
    ("check-deps", ("default", "current"), ["release", "check-deps"], False),
    ("check-deps --file-issues", ("default",), ["release", "check-deps", "--file-issues"], True),
    ("create-qa-issue", ("default", "release-qa"), ["release", "create-qa-issue", "4.58.0"], True),
    ("readiness", ("default", "release-qa"), ["release", "readiness", "4.58.0"], False),
    ("readiness", ("rc",), ["release", "readiness", "4.59.0"], False),
    ("rc-status", ("rc",), ["release", "rc-status", "4.59.0"], False),
    ("conclude-milestone", ("released",), ["release", "conclude-milestone", "4.58.0"], True),
    ("deploy-dogfood", ("default",), ["release", "deploy-dogfood", "v4.58.0"], True),
    ("rituals create-issues", ("default",), ["rituals", "create-issues", "--date", "2026-12-07"], True),
    ("cut-rc", ("rc",), ["release", "cut-rc", "4.60.0"], True),
    ("conclude-milestone", ("rc",), ["release", "conclude-milestone", "4.59.0"], True),
    ("release tag --no-wait", ("release-day",), ["release", "tag", "4.58.1", "--no-wait"], True),
    ("release publish", ("release-built",), ["release", "publish", "4.58.1"], True),
]


def _cases() -> list[tuple[str, str, list[str]]]:
    cases = []
    for name, worlds, args, acts in COMMANDS:
        for world in worlds:
            if acts:
                cases.append((f"{name} [{world}] dry-run", world, [*args, "--dry-run"]))
                cases.append((f"{name} [{world}] apply", world, [*args, "--yes"]))
            else:
                cases.append((f"{name} [{world}]", world, args))
    return cases


CASES = _cases()


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    from fleetops.app import App

    monkeypatch.setattr(App, "now", lambda self: NOW)


def _store(case: str, counts: dict[str, int]) -> None:
    """Rewrite this case's entry; parallel workers take turns on the file."""
    with open(Path(tempfile.gettempdir()) / "fleetops-request-counts.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stored = json.loads(COUNTS.read_text()) if COUNTS.exists() else {}
        stored[case] = counts
        COUNTS.write_text(json.dumps(dict(sorted(stored.items())), indent=1) + "\n")


def test_every_case_has_stored_counts():
    """The file covers exactly the cases above: a new case needs its counts stored once."""
    if UPDATE:
        pytest.skip("rewriting the counts")
    stored = json.loads(COUNTS.read_text())
    cases = {case for case, _, _ in CASES}
    assert cases - set(stored) == set(), "cases without counts: run with FLEETOPS_UPDATE_COUNTS=1"
    assert set(stored) - cases == set(), "counts of cases that no longer exist: run with FLEETOPS_UPDATE_COUNTS=1"


@pytest.mark.parametrize(("case", "world", "args"), CASES, ids=[case for case, _, _ in CASES])
def test_requests_per_service_do_not_grow(make_sandbox, cli, case, world, args):
    name, overrides = WORLDS[world]
    server = make_sandbox(name, now=NOW, **overrides)
    result = cli(*args, "--json", env={**server.env(), **WORLD_ENV.get(world, {})})
    assert result.code in (0, 3), f"{case}: exit {result.code}\n{result.stderr}"

    logged = Counter(r["service"] for r in server.requests if r["service"] in (*SERVICES, GRAPHQL))
    reported = result.json()["requests"]
    github = reported["github"]
    assert set(reported) == set(SERVICES), "every service appears in --json, 0 when unused"
    assert {s: (github["rest"] if s == "github" else reported[s]) for s in SERVICES} | {GRAPHQL: github["graphql"]} == {
        s: logged.get(s, 0) for s in (*SERVICES, GRAPHQL)
    }, "--json \"requests\" must count what reached the server"
    points = server.state["github"].get("graphql_rate", {}).get("used", 0)
    assert github["graphql_points"] == points, "--json graphql_points must be what the server charged"
    if logged["github"]:
        assert github["rate_limit"] is not None and github["rate_limit"]["limit"] == 5000

    counts = {s: logged[s] for s in (*SERVICES, GRAPHQL) if logged[s]} | ({POINTS: points} if points else {})
    if UPDATE:
        _store(case, counts)
        return
    stored = json.loads(COUNTS.read_text()).get(case)
    assert stored is not None, f"{case}: no stored counts; run with FLEETOPS_UPDATE_COUNTS=1 (now {counts})"
    grew = {s: f"{stored.get(s, 0)} -> {n}" for s, n in counts.items() if n > stored.get(s, 0)}
    assert not grew, f"{case}: more requests than stored: {grew}"
    if counts != stored:
        warnings.warn(
            f"{case}: fewer requests than stored; store them (FLEETOPS_UPDATE_COUNTS=1): {json.dumps({case: counts})}",
            stacklevel=1,
        )


def test_every_registered_ritual_is_counted_on_each_board_backend():
    """The table is checked against the rituals' declarations (rituals/steps.py): a ritual registered there
    has its command here, on a world of each board backend its flows serve (ZenHub: released/default;
    GitHub Projects: rc)."""
    from fleetops.rituals.steps import FREEZE, RITUALS

    counted = {(" ".join(args[:2]), world) for _, worlds, args, _ in COMMANDS for world in worlds}
    for ritual in RITUALS.values():
        worlds = {w for command, w in counted if command == ritual.command}
        assert worlds & {"rc"}, f"{ritual.command}: no request count on GitHub Projects (rc)"
        if ritual.defaults.get(FREEZE):
            assert worlds - {"rc"}, f"{ritual.command}: no request count on ZenHub"
