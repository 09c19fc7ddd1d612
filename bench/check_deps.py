"""Benchmark `fleetops release check-deps --json` against the sandbox with a per-request latency.

    python bench/check_deps.py [--latency-ms 100] [--runs 3] [--world default]

It starts the sandbox on 127.0.0.1 (in this process) with the given latency added to every
request, runs the command as a user would (a new `python -m fleetops` process), and prints:

- requests: how many the command sent, and any sent twice (there should be none);
- wall: the command's wall time with the latency (median of the runs);
- start-up: the same command's wall time with no latency (interpreter, imports, the work itself);
- critical path: chain x latency + start-up, where chain is the longest chain of requests that
  depend on each other: matching-refs (tags) -> compare (tag...main) -> commits touching a
  changed component's path (3; 2 when no component changed, as then no commits are listed);
- observed depth: the longest run of requests in the log where each started after the previous
  one ended; it is at least the chain, and more means requests waited for one another needlessly;
- ratio: wall / critical path, per pair of runs (one with latency, one without, back to back, so
  that the load of the machine weighs on both); the median is checked. Target: <= 1.5.

A script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fleetops.sandbox.server import SandboxServer  # noqa: E402
from fleetops.sandbox.world import build_world  # noqa: E402

# The requests that wait for another one: each stage needs the answer of the one before.
STAGES = ("/git/matching-refs/", "/compare/", "/commits?")


def chain_of(log: list[dict]) -> int:
    """The longest chain of dependent requests in this run (every other request stands alone)."""
    return max(1, sum(any(stage in e["path"] for e in log) for stage in STAGES))


def run_once(world: str, latency: float) -> tuple[float, list[dict], int]:
    """One run of the command against a fresh sandbox: (wall seconds, request log, exit code)."""
    server = SandboxServer(build_world(world), latency=latency).start()
    try:
        with tempfile.TemporaryDirectory() as state:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("FLEETOPS_", "GH_", "GITHUB_"))}
            env.update(server.env(), FLEETOPS_STATE_DIR=state, NO_COLOR="1")
            started = time.monotonic()
            proc = subprocess.run(
                [sys.executable, "-m", "fleetops", "release", "check-deps", "--json"],
                env=env, capture_output=True, text=True, check=False, cwd=ROOT,
            )
            wall = time.monotonic() - started
        if proc.returncode not in (0, 3):
            sys.exit(f"check-deps failed (exit {proc.returncode}):\n{proc.stderr}")
        json.loads(proc.stdout)  # one JSON object, or this raises
        return wall, list(server.requests), proc.returncode
    finally:
        server.stop()


def observed_depth(log: list[dict]) -> int:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--world", default="default")
    args = parser.parse_args()
    latency = args.latency_ms / 1000

    pairs = []
    for _ in range(args.runs):
        startup = run_once(args.world, 0.0)[0]
        wall, log, code = run_once(args.world, latency)
        pairs.append((startup, wall, log, code))
    log, code = pairs[0][2], pairs[0][3]
    chain = chain_of(log)
    ratios = [wall / (chain * latency + startup) for startup, wall, _, _ in pairs]
    startup = statistics.median(p[0] for p in pairs)
    wall = statistics.median(p[1] for p in pairs)
    twice = [f"{k[0]} {k[1]}" for k, n in Counter((e["method"], e["path"]) for e in log).items() if n > 1]

    print(f"world {args.world!r}, latency {args.latency_ms:g} ms, {args.runs} pair(s) of runs, exit code {code}")
    print(f"requests:        {len(log)} ({', '.join(f'{s} {n}' for s, n in Counter(e['service'] for e in log).items())})")
    print(f"sent twice:      {', '.join(twice) if twice else 'none'}")
    print(f"wall:            {wall:.3f} s median (runs: {', '.join(f'{p[1]:.3f}' for p in pairs)})")
    print(f"start-up:        {startup:.3f} s median (same command, no latency)")
    print(f"critical path:   {chain * latency + startup:.3f} s = {chain} x {latency:.3f} s + start-up")
    print(f"observed depth:  {observed_depth(log)} request(s) in a row (chain: {chain})")
    ratio = statistics.median(ratios)
    print(f"ratio:           {ratio:.2f} median, {min(ratios):.2f}..{max(ratios):.2f} (target <= 1.5) {'OK' if ratio <= 1.5 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
