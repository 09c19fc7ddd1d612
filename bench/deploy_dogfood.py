"""Benchmark `fleetops release deploy-dogfood v4.58.0 --dry-run --json` against the sandbox.

    python bench/deploy_dogfood.py [--latency 0.1] [--runs 5] [--json]

Critical path, 3 requests: the first round (the image's tag on Docker Hub, the release tag's
commit, the default branch, the workflow and its runs) -> dogfood's version and the workflow
file (the file needs the workflow's path and the branch; dogfood is asked after the runs are
listed on purpose, so that a deploy finishing in between is not missed by both) -> compare
(dogfood's revision...the release's commit).
"""

from _common import Bench, main

BENCH = Bench(
    name="deploy-dogfood",
    args=["release", "deploy-dogfood", "v4.58.0", "--dry-run"],
    deps=["github", "httpx", "httpx_retries", "typer", "rich.console", "pydantic", "yaml", "packaging.version"],
    chain=3,
)

if __name__ == "__main__":
    main(BENCH)
