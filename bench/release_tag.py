"""Benchmark `fleetops release tag 4.58.1 --no-wait --yes --json` against the sandbox's release-day world.

    python bench/release_tag.py [--latency 0.1] [--runs 5] [--json]

Critical path, 4 requests, each needing the previous answer: the first round (the tag's ref, and
ONE GraphQL query: the release branch's head commit with the migrations directories of every line)
-> the second, at that head commit (CHANGELOG.md and the five version files: six reads, one wave of
the client's six read slots) -> the branch's head once more, right before the tag (a branch that
moved after the guards is not tagged) -> the tag (POST /git/refs). --no-wait: the run is not read.
"""

from _common import Bench, main

BENCH = Bench(
    name="release tag --no-wait",
    args=["release", "tag", "4.58.1", "--no-wait", "--yes"],
    deps=["github", "typer", "rich.console", "pydantic", "yaml", "packaging.version"],
    chain=4,
    world="release-day",
)

if __name__ == "__main__":
    main(BENCH)
