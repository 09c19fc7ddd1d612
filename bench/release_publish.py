"""Benchmark `fleetops release publish 4.58.1 --yes --json` against the release-built world (4.58.1 tagged and built).

    python bench/release_publish.py [--latency 0.1] [--runs 5] [--json]

Critical path, 6 requests, each needing the previous answer: the reads (3: deploy-dogfood's own
three rounds; beside them, in chains that keep GitHub's reads within the client's six read slots,
the releases list then checksums.txt (it needs the asset's id), and CHANGELOG.md at the tag then
the orbit and fleetd-chrome tags; npm's document) -> the notes and the publishing (1 PATCH) -> the
dogfood dispatch (1) -> its run (1). The announcements are checklist items here (their webhook
variables, SLACK_GENERAL_WEBHOOK_URL and SLACK_HELP_INFRA_WEBHOOK_URL, are not set for the bench's
process). Not requests, but in the wall time: GitHub's pacing of writes (`github_write_interval`,
1 s between REST writes, as GitHub asks) adds about 1 s between the PATCH and the dispatch.
"""

from _common import Bench, main

BENCH = Bench(
    name="release publish",
    args=["release", "publish", "4.58.1", "--yes"],
    deps=["github", "httpx", "httpx_retries", "typer", "rich.console", "pydantic", "yaml", "packaging.version"],
    chain=6,
    world="release-built",
    world_overrides={"deploy_polls": 0},
)

if __name__ == "__main__":
    main(BENCH)
