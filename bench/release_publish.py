"""Benchmark `fleetops release publish 4.58.1 --yes --json` against the release-built world (4.58.1 tagged and built).

    python bench/release_publish.py [--latency 0.1] [--runs 5] [--json]

Critical path, 7 requests: the reads (3: deploy-dogfood's own three rounds, beside the releases
list, CHANGELOG.md at the tag, the orbit and fleetd-chrome tags and npm's document; checksums.txt,
which needs the release's asset id, in a second round) -> the notes (1 PATCH) -> publishing
(1 PATCH) -> the dogfood dispatch (1) -> its run (1). The announcements are checklist items here
(their webhook variables, SLACK_GENERAL_WEBHOOK_URL and SLACK_HELP_INFRA_WEBHOOK_URL, are not set
for the bench's process). Not requests, but in the wall time: GitHub's pacing of writes
(`github_write_interval`, 1 s between REST writes, as GitHub asks) adds about 2 s for the three.
"""

from _common import Bench, main

BENCH = Bench(
    name="release publish",
    args=["release", "publish", "4.58.1", "--yes"],
    deps=["github", "httpx", "httpx_retries", "typer", "rich.console", "pydantic", "yaml", "packaging.version"],
    chain=7,
    world="release-built",
    world_overrides={"deploy_polls": 0},
)

if __name__ == "__main__":
    main(BENCH)
