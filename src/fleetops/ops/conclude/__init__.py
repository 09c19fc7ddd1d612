"""conclude-milestone ("Conclude current milestone"): the rules both board backends share (rules.py), the
plan's frame and the milestone's own steps (flow.py), the ZenHub flow (zenhub_reads.py, zenhub.py) and the
GitHub Projects flow (projects.py)."""

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
    from fleetops.ops.conclude.zenhub import Conclude

    return Conclude(app, versions).plan()
