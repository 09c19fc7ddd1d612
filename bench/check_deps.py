"""Benchmark `fleetops release check-deps --json` against the sandbox (default world: behind).

    python bench/check_deps.py [--latency 0.1] [--runs 5] [--json]

Critical path, 3 requests: the orbit-v* / fleetd-chrome-v* tags (matching-refs) -> compare
(last tag...main) -> the commits touching a changed component's path since the merge base. Every
other read (go.mod, the osquery workflow, two latest releases, go.dev, the two feeds) needs
nothing but the rituals file and runs at the same time as the first stage.
With --json it has nothing to say on stderr, so it never imports Rich: rich.console is not in
its baseline (check_baseline holds every baseline to what the command imports).
"""

from _common import Bench, main

BENCH = Bench(
    name="check-deps",
    args=["release", "check-deps"],
    deps=["github", "httpx", "httpx_retries", "typer", "pydantic", "yaml", "packaging.version"],  # no Rich: nothing for people on stderr
    chain=3,
)

if __name__ == "__main__":
    main(BENCH)
