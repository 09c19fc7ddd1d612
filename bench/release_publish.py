"""Benchmark `fleetops release publish 4.58.1 --yes --json` against the release-day world, 4.58.1 tagged and built.

    python bench/release_publish.py [--latency 0.1] [--runs 5] [--json]

The world is prepared without latency: the tag is created through the sandbox's refs API and
its release run read to its end, which leaves the draft release with its assets.

Critical path, 7 requests: the reads (3: deploy-dogfood's own three rounds, beside the releases
list, CHANGELOG.md at the tag, the orbit and fleetd-chrome tags and npm's document; checksums.txt,
which needs the release's asset id, in a second round) -> the notes (1 PATCH) -> publishing
(1 PATCH) -> the dogfood dispatch (1) -> its run (1). The announcements are checklist items here
(their webhook variables, SLACK_GENERAL_WEBHOOK_URL and SLACK_HELP_INFRA_WEBHOOK_URL, are not set
for the bench's process). Not requests, but in the wall time: GitHub's pacing of writes
(`github_write_interval`, 1 s between REST writes, as GitHub asks) adds about 2 s for the three.
"""

import httpx
from _common import Bench, main

from fleetops.sandbox.server import SandboxServer


def tagged_and_built(state: dict) -> None:
    """Tag 4.58.1 at its branch's head and read the release run to its end (no latency)."""
    server = SandboxServer(state).start()
    try:
        repo = state["github"]["repos"]["fleetdm/fleet"]
        headers = {"Authorization": f"Bearer {server.tokens['github']}"}
        api = f"{server.url}/github/repos/fleetdm/fleet"
        httpx.post(f"{api}/git/refs", json={"ref": "refs/tags/fleet-v4.58.1", "sha": repo["refs"]["heads/patch-fleet-v4.58.1"]}, headers=headers).raise_for_status()
        for _ in range(10):
            httpx.get(f"{api}/actions/runs", headers=headers).raise_for_status()
        assert any(r["tag_name"] == "fleet-v4.58.1" for r in repo["releases"]), "the release run left no draft"
    finally:
        server.stop()


BENCH = Bench(
    name="release publish",
    args=["release", "publish", "4.58.1", "--yes"],
    deps=["github", "httpx", "httpx_retries", "typer", "rich.console", "pydantic", "yaml", "packaging.version"],
    chain=7,
    world="release-day",
    world_overrides={"deploy_polls": 0},
    prepare=tagged_and_built,
)

if __name__ == "__main__":
    main(BENCH)
