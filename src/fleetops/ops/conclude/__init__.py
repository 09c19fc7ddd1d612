"""conclude-milestone ("Conclude current milestone"), one ritual on two board backends: the rules (rules.py),
the plan's frame and the milestone's own steps (flow.py), the board steps with their one loop over the groups'
boards (board_steps.py), and each backend's reads and writes: ZenHub (zenhub_reads.py, zenhub.py), GitHub
Projects (projects.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fleetops.ops.conclude.rules import parse_versions

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.plan import Plan


def conclude(app: App, *, version: str, next_version: str | None) -> Plan:
    """Read everything and return the plan for `release conclude-milestone`."""
    versions = parse_versions(version, next_version)
    if app.rituals.boards.backend == "github-projects":
        from fleetops.ops.conclude.projects import ConcludeProjects

        return ConcludeProjects(app, versions).plan()
    from fleetops.ops.conclude.zenhub import ConcludeZenHub

    return ConcludeZenHub(app, versions).plan()
