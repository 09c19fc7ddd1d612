"""Benchmark `fleetops freeze status --json` against the sandbox (default world: freeze week).

    python bench/freeze_status.py [--latency 0.1] [--runs 5] [--json]

Critical path, 1 request: the branch's state in Merge Freeze and the open milestones on GitHub
(for the schedule) need nothing from each other and are read at the same time.
"""

from _common import Bench, main

BENCH = Bench(
    name="freeze status",
    args=["freeze", "status"],
    deps=["github", "httpx", "httpx_retries", "typer", "rich.console", "pydantic", "yaml", "packaging.version"],
    chain=1,
)

if __name__ == "__main__":
    main(BENCH)
