"""Benchmark `fleetops freeze status --json` against the sandbox (default world: freeze week).

    python bench/freeze_status.py [--latency 0.1] [--runs 5] [--json]

Critical path, 1 request: the branch's state in Merge Freeze and the open milestones on GitHub
(for the schedule) need nothing from each other and are read at the same time.
With --json it has nothing to say on stderr, so it never imports Rich: rich.console is not in
its baseline (check_baseline holds every baseline to what the command imports).
"""

from _common import Bench, main

BENCH = Bench(
    name="freeze status",
    args=["freeze", "status"],
    deps=["github", "httpx", "httpx_retries", "typer", "pydantic", "yaml", "packaging.version"],  # no Rich: nothing for people on stderr
    chain=1,
)

if __name__ == "__main__":
    main(BENCH)
