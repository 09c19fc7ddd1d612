"""Benchmark `fleetops release prepare 4.60.1 --dry-run --json`: a patch milestone of 100 issues with 60 merged fixes.

    python bench/release_prepare.py [--latency 0.1] [--runs 5]

The release world (a real bare git repository) grown to 100 issues in milestone 4.60.1, 60 of them
closed by a merged pull request whose squashed commit is on main (57 added here to the world's
3), the rest unfixed or only mentioned. A fresh clone is the working copy. Each round runs the
command as a user would (a child process, `--dry-run`: the plan, every read, no write) against a
sandbox on 127.0.0.1 that adds `--latency` seconds to every request, and prints the wall time, the
GitHub requests (REST and GraphQL documents) and the child's CPU. Targets (issue 21): the plan in at
most 8 GitHub requests and under 3 s at 100 ms per request. A script, not a test.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fleetops.sandbox.gitrepo import NO_CONFIG, at, run, sync  # noqa: E402
from fleetops.sandbox.server import SandboxServer  # noqa: E402
from fleetops.sandbox.world import build_world  # noqa: E402
from fleetops.sandbox.world.prepare import MILESTONES, PATCH, REPO  # noqa: E402

GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "Bench",
           "GIT_COMMITTER_EMAIL": "bench@example.com", **NO_CONFIG}


def grown_world(root: Path, issues: int = 100, fixes: int = 60) -> dict:
    """The release world with `issues` issues in the patch milestone, `fixes` of them closed by a merged fix on main."""
    now = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
    state = build_world("release", now=now, git_dir=str(root / "git"))
    repo = state["github"]["repos"][REPO]
    seed = root / "seed"
    run(root, "clone", "-q", Path(repo["git_dir"]).as_uri(), str(seed))
    existing = [i for i in repo["issues"] if i.get("milestone") == MILESTONES[PATCH]]
    have_fixes = 3  # #25101, #25103, #25105 close milestone issues
    base_issue, base_pull = 26000, 27000
    for n in range(issues - len(existing)):
        number = base_issue + n
        repo["issues"].append({"id": 800000 + number, "number": number, "title": f"Bench bug {n}", "body": "", "state": "closed" if n % 2 else "open",
                               "state_reason": None, "labels": ["bug"], "assignees": [], "milestone": MILESTONES[PATCH], "user": "lukeheath",
                               "created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z", "closed_at": None, "comments": []})
    for n in range(fixes - have_fixes):
        path = f"server/bench/fix_{n}.go"
        (seed / path).parent.mkdir(parents=True, exist_ok=True)
        (seed / path).write_text(f"package bench // fix {n}\n")
        (seed / f"changes/{base_issue + n}-bench-fix").write_text(f"- Fixed bench bug {n}.\n")
        run(seed, "add", "-A")
        run(seed, "commit", "-q", "-m", f"Fix bench bug {n} (#{base_pull + n})", env=at(now - timedelta(days=1, minutes=n)))
    run(seed, "push", "-q", "origin", "main")
    sync(repo)
    shas = run(seed, "log", "--format=%H", f"-{fixes - have_fixes}", "main").decode().split()[::-1]
    for n, sha in enumerate(shas):
        number = base_pull + n
        repo["issues"].append({"id": 800000 + number, "number": number, "title": f"Fix bench bug {n}", "body": f"Fixes #{base_issue + n}",
                               "state": "closed", "state_reason": "completed", "labels": [], "assignees": [], "milestone": None, "user": "lukeheath",
                               "created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z", "closed_at": "2026-11-02T00:00:00Z",
                               "comments": [], "pull_request": {"head": f"bench/{n}", "base": "main", "draft": False, "files": [], "reviews": [],
                                                                 "merged_at": "2026-11-02T00:00:00Z", "merged_by": "lukeheath", "merge_commit_sha": sha}})
    repo["next_number"] = base_pull + fixes + 1
    return state


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def once(state: dict, root: Path, latency: float, index: int) -> dict:
    server = SandboxServer(json.loads(json.dumps(state)), latency=latency).start()
    try:
        work = root / f"work{index}"
        run(root, "clone", "-q", Path(state["github"]["repos"][REPO]["git_dir"]).as_uri(), str(work))
        env = {**os.environ, **server.env(), **GIT_ENV, "FLEETOPS_STATE_DIR": str(root / f"state{index}"), "CI": "1"}
        cpu = child_cpu()
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "fleetops", "release", "prepare", PATCH, "--repo-dir", str(work), "--dry-run", "--json"],
                              env=env, capture_output=True, text=True, timeout=300, check=False)
        wall = time.monotonic() - started
        data = json.loads(done.stdout)
        gh = data["requests"]["github"]
        return {"exit": done.returncode, "wall": wall, "cpu": child_cpu() - cpu, "rest": gh["rest"], "graphql": gh.get("graphql", 0),
                "served": len(server.requests), "writes": len(server.writes()), "picks": len(data["picks"]), "unfixed": len(data["unfixed"])}
    finally:
        server.stop()


def main(argv: list[str]) -> None:
    latency = float(argv[argv.index("--latency") + 1]) if "--latency" in argv else 0.1
    runs = min(int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 5, 50)
    with tempfile.TemporaryDirectory(prefix="fleetops-bench-prepare-") as tmp:
        root = Path(tmp)
        state = grown_world(root)
        results = [once(state, root, latency, i) for i in range(runs)]
    first = results[0]
    print(f"release prepare {PATCH} --dry-run: {first['picks']} fixes to pick, {first['unfixed']} issues unfixed; latency {latency * 1000:.0f} ms, {runs} runs")
    print(f"  GitHub requests: {first['rest']} REST + {first['graphql']} GraphQL = {first['rest'] + first['graphql']} (served by the sandbox: {first['served']}, writes {first['writes']})")
    print(f"  wall: median {statistics.median(r['wall'] for r in results):.2f} s (min {min(r['wall'] for r in results):.2f}, max {max(r['wall'] for r in results):.2f});"
          f" CPU {statistics.median(r['cpu'] for r in results):.2f} s; exit {first['exit']}")


if __name__ == "__main__":
    main(sys.argv[1:])
