"""Benchmark `fleetops release tag 4.58.1 --no-wait --yes --json` against the sandbox's release-day world.

    python bench/release_tag.py [--latency 0.1] [--runs 5] [--json]

Critical path, 4 requests: the first round (the release branch's head, the tag, the default
branch's two migration directories; under fleet-rc also the candidate branches) -> the second,
at the head commit (CHANGELOG.md, the five version files, the branch's two migration
directories: eight reads over the client's six read slots, so two waves) -> the tag (POST
/git/refs). --no-wait: the run is not read.
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
