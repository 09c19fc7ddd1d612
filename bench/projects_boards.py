"""Measure the GitHub Projects board layer on the large rc world with a per-request latency.

    python bench/projects_boards.py [--latency-ms 100] [--items 1500] [--write-interval 0]

What `conclude-milestone` on Projects will do, without its command (a later session adds it):
read the three group boards (every item, 100 per request), then in "Ready for release" close the
milestone's non-stories (issue closed + Status "Closed": 2 mutations each) and add its stories to
the drafting board. Prints requests, GraphQL documents, rate-limit points and wall time. The
issue's target for the whole command is < 60 s at 100 ms.

A script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fleetops.boards.github_projects import GitHubProjectsBoards  # noqa: E402
from fleetops.clients import github_projects as gp  # noqa: E402
from fleetops.sandbox.server import SandboxServer  # noqa: E402
from fleetops.sandbox.world import build_world  # noqa: E402
from fleetops.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--items", type=int, default=1500)
    parser.add_argument("--write-interval", type=float, default=0.0, help="seconds between mutation documents (GitHub: 1)")
    args = parser.parse_args()
    server = SandboxServer(build_world("rc", rc_items=args.items), latency=args.latency_ms / 1000).start()
    try:
        settings = Settings.from_env(server.env(), github_write_interval=args.write_interval)
        client = gp.GitHubProjectsClient(settings)
        boards = GitHubProjectsBoards(client, "fleetdm", today=date.today())
        started = time.monotonic()
        drafting = boards.find(67)
        changed = 0
        for number in (58, 71, 70):
            board = boards.find(number)
            ready = boards.cards(board, "Ready for release", milestone="4.59.0")
            stories = [c for c in ready if "story" in c.labels]
            rest = [c for c in ready if "story" not in c.labels]
            changed += boards.close(board, rest)
            client.apply([gp.add_item(drafting.id, c.issue_id, f"#{c.number} to drafting") for c in stories])
            changed += len(stories)
        wall = time.monotonic() - started
        graphql = [r for r in server.requests if r["service"] == "github-graphql"]
        print(f"items: {args.items}, latency: {args.latency_ms:.0f} ms, write interval: {args.write_interval} s")
        print(f"requests: {len(graphql)} GraphQL documents ({sum(1 for r in graphql if r['write'])} with mutations)")
        print(f"changes: {changed}; rate-limit points: {client.points_spent}")
        print(f"wall: {wall:.1f} s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
