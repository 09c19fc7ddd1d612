"""What every bench script shares: a sandbox with latency, timed runs, the import baseline, the table.

A bench script names one command, its world, the third-party modules it imports (its import
baseline) and its critical path (the longest chain of requests that each need the answer of the
one before, justified in the script), then calls `main`. For each of `--runs` rounds it

1. times `python -c "import <the command's dependencies>"` (the import baseline), and
2. starts a fresh sandbox on 127.0.0.1 with `--latency` seconds added to every request, runs
   `python -m fleetops <command> --json` against it as a user would, times it (wall, and the CPU
   of the child from `resource.getrusage(RUSAGE_CHILDREN)`), keeps the request log, and stops
   the sandbox.

Baseline and command alternate, so that the load of a shared machine weighs on both. It prints
the medians: requests (reads, writes), wall, CPU, baseline, wall / baseline, the critical path
(chain x latency) and (wall - baseline) / critical path, plus the observed depth of the request
log (the longest run of requests where each started after the previous one ended) as a check of
the declared chain. `--json` prints the same as one object (for bench/README.md).

A script, not a test: timings depend on the machine. Loopback only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fleetops.sandbox.server import SandboxServer  # noqa: E402
from fleetops.sandbox.world import build_world  # noqa: E402

MAX_RUNS = 50  # loops stay bounded whatever --runs says
TIMEOUT = 300.0  # seconds for one run of a command


@dataclass
class Bench:
    """One acting command, as a bench script describes it."""

    name: str
    args: list[str]  # after `fleetops`, without --json
    deps: list[str]  # the third-party modules the command imports: its import baseline
    # Requests in the longest dependent chain (justified in the script); None: the observed depth
    # of the request log, an upper bound (requests that merely ran one after another count too).
    chain: int | None
    world: str = "default"
    world_overrides: dict[str, Any] = field(default_factory=dict)
    prepare: Callable[[dict[str, Any]], None] | None = None  # adjusts the fresh world's state
    ok_codes: tuple[int, ...] = (0, 3)
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Run:
    wall: float
    cpu: float
    baseline: float
    baseline_cpu: float
    log: list[dict[str, Any]]
    code: int
    reported: dict[str, Any] | None = None  # the command's --json "requests" (None: an older fleetops)


def pop_option(argv: list[str], flag: str, default: int) -> int:
    """A script's own integer option (`--issues 1500`), taken out of `argv` before `main` parses the rest."""
    if flag not in argv:
        return default
    at = argv.index(flag)
    value = int(argv[at + 1])
    del argv[at : at + 2]
    return value


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("FLEETOPS_", "GH_", "GITHUB_", "MERGEFREEZE_", "ZENHUB_", "SLACK_"))}


def import_baseline(deps: list[str]) -> tuple[float, float]:
    """(wall, CPU) of a fresh interpreter that imports the command's dependencies and exits.

    Run exactly as the command is (pipes captured, a timeout): `subprocess.run` with a timeout and
    no pipes waits by polling with sleeps of up to 50 ms, which added 0 to 50 ms to every baseline.
    """
    cpu = _child_cpu()
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", "import " + ", ".join(deps)], check=True, env=_clean_env(), capture_output=True, text=True, timeout=TIMEOUT,
    )
    return time.monotonic() - started, _child_cpu() - cpu


def _imported(stderr: str) -> set[str]:
    """The modules a `python -X importtime` run imported, from its stderr."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def check_baseline(bench: Bench) -> list[str]:
    """Hold the declared baseline to what the command really imports (one run with -X importtime).

    A module in `deps` that the command does not import would make the baseline longer than the
    command's own imports and flatter every ratio: that is an error. Returns the modules the
    command imports that the baseline does not (pydantic's model machinery, httpcore, ...), to show.
    """
    state = build_world(bench.world, **bench.world_overrides)
    if bench.prepare is not None:
        bench.prepare(state)
    server = SandboxServer(state).start()
    try:
        with tempfile.TemporaryDirectory() as state_dir:
            env = _clean_env()
            env.update(server.env(), FLEETOPS_STATE_DIR=state_dir, NO_COLOR="1", **bench.env)
            command = subprocess.run(
                [sys.executable, "-X", "importtime", "-m", "fleetops", *bench.args, "--json"],
                env=env, capture_output=True, text=True, check=False, cwd=ROOT, timeout=TIMEOUT,
            )
    finally:
        server.stop()
    baseline = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import " + ", ".join(bench.deps)],
        env=_clean_env(), capture_output=True, text=True, check=True, timeout=TIMEOUT,
    )
    ran, base = _imported(command.stderr), _imported(baseline.stderr)
    unused = [dep for dep in bench.deps if dep not in ran]
    if unused:
        sys.exit(f"{bench.name}: the baseline imports {', '.join(unused)}, which the command does not: take it out of deps")
    beyond = set()
    for name in ran - base:
        top = name.split(".")[0]
        if top == "fleetops" or top.startswith("_") or top in sys.stdlib_module_names:
            continue
        beyond.add(f"{top}.*" if top in base else top)  # `pydantic.*`: submodules the baseline's import does not load
    return sorted(beyond)


def run_once(bench: Bench, latency: float) -> Run:
    baseline, baseline_cpu = import_baseline(bench.deps)
    state = build_world(bench.world, **bench.world_overrides)
    if bench.prepare is not None:
        bench.prepare(state)
    server = SandboxServer(state, latency=latency).start()
    try:
        with tempfile.TemporaryDirectory() as state_dir:
            env = _clean_env()
            env.update(server.env(), FLEETOPS_STATE_DIR=state_dir, NO_COLOR="1", **bench.env)
            cpu = _child_cpu()
            started = time.monotonic()
            proc = subprocess.run(
                [sys.executable, "-m", "fleetops", *bench.args, "--json"],
                env=env, capture_output=True, text=True, check=False, cwd=ROOT, timeout=TIMEOUT,
            )
            wall = time.monotonic() - started
            cpu = _child_cpu() - cpu
        if proc.returncode not in bench.ok_codes:
            sys.exit(f"{bench.name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        reported = json.loads(proc.stdout).get("requests")  # one JSON object, or this raises
        log = [e for e in server.requests if e["service"] != "control"]
        if reported is not None:  # (absent from fleetops before it counted: PYTHONPATH=<old>/src for a before/after)
            github = reported["github"]
            counted = sum(n for s, n in reported.items() if s != "github") + github["rest"] + github["graphql"]
            if counted != len(log):
                sys.exit(f"{bench.name}: --json counts {counted} requests, the sandbox logged {len(log)}")
        return Run(wall=wall, cpu=cpu, baseline=baseline, baseline_cpu=baseline_cpu, log=log, code=proc.returncode, reported=reported)
    finally:
        server.stop()


def observed_depth(log: list[dict[str, Any]]) -> int:
    """The longest chain of requests where each starts after the previous one ends."""
    spans = []
    for entry in log:
        end = datetime.fromisoformat(entry["time"])
        spans.append((end - timedelta(milliseconds=entry["ms"]), end))
    spans.sort()
    depth = [1] * len(spans)
    for i, (start, _) in enumerate(spans):
        for j in range(i):
            if spans[j][1] <= start:
                depth[i] = max(depth[i], depth[j] + 1)
    return max(depth, default=0)


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "load": [round(x, 2) for x in os.getloadavg()],
    }


def summarize(bench: Bench, latency: float, runs: list[Run]) -> dict[str, Any]:
    log = runs[0].log
    wall = statistics.median(r.wall for r in runs)
    baseline = statistics.median(r.baseline for r in runs)
    depth = observed_depth(log)
    chain = bench.chain if bench.chain is not None else depth
    critical = chain * latency
    twice = sorted(f"{m} {p}" for (m, p), n in Counter((e["method"], e["path"]) for e in log if e["method"] == "GET").items() if n > 1)
    return {
        "command": f"fleetops {' '.join(bench.args)}",
        "world": bench.world,
        "latency_ms": round(latency * 1000),
        "runs": len(runs),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "exit_code": runs[0].code,
        "requests": len(log),
        "reads": sum(not e["write"] for e in log),
        "writes": sum(bool(e["write"]) for e in log),
        "per_service": dict(Counter(e["service"] for e in log)),
        "gets_sent_twice": twice,
        "wall": round(wall, 3),
        "walls": [round(r.wall, 3) for r in runs],
        "cpu": round(statistics.median(r.cpu for r in runs), 3),
        "baseline": round(baseline, 3),
        "baseline_deps": bench.deps,
        "wall_over_baseline": round(wall / baseline, 2),
        # CPU is less sensitive than wall time to the other processes of a shared machine.
        "baseline_cpu": round(statistics.median(r.baseline_cpu for r in runs), 3),
        "cpu_over_baseline_cpu": round(statistics.median(r.cpu / r.baseline_cpu for r in runs), 2),
        "chain": chain,
        "chain_from": "declared" if bench.chain is not None else "observed",
        "observed_depth": depth,
        "critical_path": round(critical, 3),
        "over_baseline_per_critical_path": round((wall - baseline) / critical, 2) if critical else None,
        # The same, round by round: each command run against the baseline timed just before it, then
        # the median. Steadier on a shared machine, whose speed drifts between rounds.
        "paired_over_baseline_per_critical_path": round(statistics.median((r.wall - r.baseline) / critical for r in runs), 2) if critical else None,
        "paired_wall_over_baseline": round(statistics.median(r.wall / r.baseline for r in runs), 2),
        **_graphql(runs[0]),
    }


def _graphql(run: Run) -> dict[str, Any]:
    """GitHub GraphQL documents (queries, mutations) and rate-limit points, for a command that sends any."""
    documents = [e for e in run.log if e["service"] == "github-graphql"]
    if not documents:
        return {}
    points = ((run.reported or {}).get("github") or {}).get("graphql_points")
    return {"graphql": {"queries": sum(not e["write"] for e in documents), "mutations": sum(bool(e["write"]) for e in documents), "points": points}}


def report(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"{result['command']}  (world {result['world']!r}, latency {result['latency_ms']} ms, median of {result['runs']}, exit {result['exit_code']})",
        f"machine:        {m['nproc']} x {m['cpu']}, Python {m['python']}, load {m['load']}",
        f"requests:       {result['requests']} ({result['reads']} reads, {result['writes']} writes): "
        + ", ".join(f"{s} {n}" for s, n in result["per_service"].items()),
        *([f"GraphQL:        {result['graphql']['queries']} queries, {result['graphql']['mutations']} mutation documents, "
           f"{result['graphql']['points']} rate-limit points"] if "graphql" in result else []),
        f"GETs twice:     {', '.join(result['gets_sent_twice']) or 'none'}",
        f"wall:           {result['wall']:.3f} s (runs: {', '.join(f'{w:.3f}' for w in result['walls'])})",
        f"CPU:            {result['cpu']:.3f} s",
        f"import baseline {result['baseline']:.3f} s (import {', '.join(result['baseline_deps'])})",
        f"not in it:      {', '.join(result.get('imported_beyond_baseline') or []) or 'nothing'} (third-party packages the command imports beyond the baseline's)",
        f"wall/baseline:  {result['wall_over_baseline']:.2f} (CPU: {result['cpu']:.3f} / {result['baseline_cpu']:.3f} s = {result['cpu_over_baseline_cpu']:.2f})",
        f"critical path:  {result['critical_path']:.3f} s = {result['chain']} dependent request(s) ({result['chain_from']})"
        f" x {result['latency_ms']} ms; observed depth {result['observed_depth']}",
    ]
    lines.append(f"paired:         wall/baseline {result['paired_wall_over_baseline']:.2f} (median of the rounds' ratios)")
    if result["over_baseline_per_critical_path"] is not None:
        lines.append(f"(wall-baseline)/critical path: {result['over_baseline_per_critical_path']:.2f}"
                     f" (paired, median of the rounds': {result['paired_over_baseline_per_critical_path']:.2f})")
    return "\n".join(lines)


def stale_bytecode() -> list[str]:
    """fleetops's modules without an up-to-date .pyc: the command would compile them on every run.

    An install compiles them once (pip does; a first run does unless PYTHONDONTWRITEBYTECODE is
    set): without bytecode, a bench charges tens of milliseconds of compiling to every run.
    """
    import importlib.util

    stale = []
    for source in sorted((ROOT / "src" / "fleetops").rglob("*.py")):
        cached = Path(importlib.util.cache_from_source(str(source)))
        if not cached.exists() or cached.stat().st_mtime < source.stat().st_mtime:
            stale.append(str(source.relative_to(ROOT)))
    return stale


def main(bench: Bench, argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=f"Benchmark `fleetops {' '.join(bench.args)}` against the sandbox.")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every request (default 0.1; 0 allowed)")
    parser.add_argument("--runs", type=int, default=5, help=f"rounds of baseline + command (default 5, at most {MAX_RUNS})")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = parser.parse_args(argv)
    rounds = max(1, min(args.runs, MAX_RUNS))
    stale = stale_bytecode()
    if stale:
        print(f"warning: {len(stale)} fleetops module(s) without up-to-date bytecode ({stale[0]}, ...); "
              "run `python -m compileall -q src` first, or the bench counts their compiling", file=sys.stderr)
    beyond = check_baseline(bench)
    runs = [run_once(bench, args.latency) for _ in range(rounds)]
    result = summarize(bench, args.latency, runs)
    result["imported_beyond_baseline"] = beyond
    print(json.dumps(result) if args.json else report(result))
    return result


# -- worlds bigger than the seeded ones ----------------------------------------------------------------------
def grow_milestone(state: dict[str, Any], issues: int) -> None:
    """Add `issues` open issues to the release milestone, spread over the product groups' boards.

    Like the seeded items (sandbox/world/zenhub.py): bugs and stories (every fourth), labelled
    with their group and `:release`, in every pipeline of the board (so about a fifth are in
    "Ready for release"), half of them in the active sprint; stories also on the drafting board.
    """
    from fleetops.sandbox.services.zenhub import gid
    from fleetops.sandbox.world.zenhub import GROUP_PIPELINES, REPO, WORKSPACES

    repo = state["github"]["repos"][REPO]
    zh = state["zenhub"]
    milestone = next(m for m in repo["milestones"] if m["title"].endswith("-tentative"))
    number = max(i["number"] for i in repo["issues"]) + 1
    groups = [key for key in WORKSPACES if key != "drafting"]
    drafting = zh["workspaces"][WORKSPACES["drafting"][0]]
    estimated = next(p["id"] for p in drafting["pipelines"] if p["name"] == "Estimated")
    created = repo["issues"][0]["created_at"]
    for i in range(issues):
        group = groups[i % len(groups)]
        ws_id, _, label = WORKSPACES[group]
        ws = zh["workspaces"][ws_id]
        kind = "story" if i % 4 == 0 else "bug"
        repo["issues"].append(
            {
                "id": 800000 + number, "number": number, "title": f"Bench {kind} {i} for {group}", "body": "Bench load.",
                "state": "open", "state_reason": None, "labels": [kind, label, ":release"], "assignees": [],
                "milestone": milestone["number"], "user": "lukeheath", "created_at": created, "updated_at": created,
                "closed_at": None, "comments": [],
            }
        )
        key = f"{REPO}#{number}"
        zh["issues"][key] = {"id": gid("Issue", 900000 + number), "sprints": [ws["active_sprint"]] if i % 2 else [], "estimate": 1}
        pipeline = GROUP_PIPELINES[(i // len(groups)) % len(GROUP_PIPELINES)]
        ws["board"][key] = next(p["id"] for p in ws["pipelines"] if p["name"] == pipeline)
        if kind == "story":
            drafting["board"][key] = estimated
        number += 1
    repo["next_number"] = max(repo.get("next_number", 1), number + 1000)
