"""Benchmark `FLEETOPS_RITUALS=fleet-rc fleetops release conclude-milestone 4.59.0 --yes --json` on GitHub
Projects with a 1,500-issue milestone.

    python bench/conclude_projects.py [--latency-ms 100] [--runs 5] [--items 1500] [--json]

The rc world with `--items` more open issues of 4.59.0 over the three group projects
(`build_world("rc", rc_items=1500)`: 70 % in "Ready for release", a quarter of them stories, one
story in forty `~engineering-initiated`). The command runs as a user runs it (not `--sandbox`), so
GitHub's write pacing is on: one GraphQL mutation document a second (start to start), one REST
write a second. It prints the requests (reads, writes), the GraphQL documents (queries, mutation
documents), the rate-limit points and the wall time. Target: under 60 s at 100 ms.

Critical path: the observed depth of the request log (an upper bound): the milestones, then each
project's items page after page (the projects at once), then the steps one after another.
"""

import sys

from _common import Bench, main, pop_option

argv = sys.argv[1:]
ITEMS = pop_option(argv, "--items", 1500)
if "--latency-ms" in argv:  # this script's unit; _common takes seconds
    at = argv.index("--latency-ms")
    argv[at : at + 2] = ["--latency", str(float(argv[at + 1]) / 1000)]

BENCH = Bench(
    name="conclude-milestone (fleet-rc)",
    args=["release", "conclude-milestone", "4.59.0", "--yes"],
    deps=["github", "httpx", "httpx_retries", "typer", "rich.console", "pydantic", "yaml", "packaging.version"],
    chain=None,
    world="rc",
    world_overrides={"rc_items": ITEMS},
    ok_codes=(0,),
    env={"FLEETOPS_RITUALS": "fleet-rc"},
)

if __name__ == "__main__":
    main(BENCH, argv)
