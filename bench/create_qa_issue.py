"""Benchmark `fleetops release create-qa-issue 4.58.0 --dry-run --json` against the sandbox.

    python bench/create_qa_issue.py [--latency 0.1] [--runs 5] [--json]

Critical path, 4 requests: the Release QA template (its title prefix makes the title searched
for, and whether it has a fleetd section decides if fleetd changes are read) -> the
orbit-v* / fleetd-chrome-v* tags -> compare (last tag...main) -> the commits touching orbit's
paths. The search for an open issue with the title and the labels run beside the second stage.
Only GitHub: the command imports no httpx.
"""

from _common import Bench, main

BENCH = Bench(
    name="create-qa-issue",
    args=["release", "create-qa-issue", "4.58.0", "--dry-run"],
    deps=["github", "typer", "rich.console", "pydantic", "yaml", "packaging.version"],
    chain=4,
)

if __name__ == "__main__":
    main(BENCH)
