"""Benchmark `fleetops release conclude-milestone 4.58.0 --yes --json` on a 1,500-issue milestone.

    python bench/conclude_milestone.py [--latency 0.1] [--runs 5] [--issues 1500] [--json]

The "released" world (4.58.0 shipped yesterday, main frozen) with `--issues` more open issues in
the milestone, spread over both product groups' boards and pipelines (bench/_common.py,
`grow_milestone`). The command applies every step, with GitHub's write pacing of one write per
second as in production. Target: under 20 s at 100 ms.

Critical path: the observed depth of the request log (an upper bound): the reads page each
pipeline at 100 issues a page, one page after another, and the steps apply one after another.
"""

import sys
from datetime import UTC, datetime, timedelta

from _common import Bench, grow_milestone, main, pop_option

ISSUES = pop_option(sys.argv, "--issues", 1500)

BENCH = Bench(
    name="conclude-milestone",
    args=["release", "conclude-milestone", "4.58.0", "--yes"],
    deps=["github", "httpx", "httpx_retries", "typer", "rich.console", "pydantic", "yaml", "packaging.version"],
    chain=None,
    world="released",
    world_overrides={"release_date": datetime.now(UTC) - timedelta(days=1)},
    prepare=lambda state: grow_milestone(state, ISSUES),
    ok_codes=(0,),
)

if __name__ == "__main__":
    main(BENCH)
