"""What distinguishes one sandbox world from another (`WorldSpec`) and the names every seeder shares.

Apart from world/__init__.py, which imports the seeders: a seeder imports these, not the module that imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

State = dict[str, Any]
LA = ZoneInfo("America/Los_Angeles")

RELEASE = "4.58.0"
PREVIOUS = "4.57.0"
REPO = "fleetdm/fleet"
REPO_ID = 30_000_001


@dataclass
class WorldSpec:
    """What distinguishes one world from another; the seeders read it."""

    name: str = "default"
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    go: str = "1.22.3"
    macadmins: str = "v1.2.1"
    macadmins_latest: str = "v1.2.3"
    osquery: str = "5.12.1"
    osquery_latest: str = "5.13.1"
    go_latest_patch: dict[str, str] = field(default_factory=lambda: {"1.22": "1.22.12", "1.23": "1.23.10", "1.24": "1.24.4"})
    orbit_changed: bool = True
    chrome_changed: bool = False
    nvd_age_hours: float | None = None  # None: NVD stamps each answer with its own time (live)
    cisa_age_hours: float = 20.0  # CISA publishes its catalog about once a day
    frozen: bool = False
    conclude_cases: bool = False  # ten more items on the boards: the edge cases of conclude-milestone
    release_date: datetime | None = None  # None: the Tuesday after the freeze that is under way
    # deploy-dogfood (world/dogfood.py)
    dogfood_version: str = PREVIOUS  # the release dogfood runs
    deploy_conclusion: str = "success"  # how a dispatched deploy run ends
    deploy_polls: int = 2  # reads a dispatched run stays in progress before it completes
    dispatch_run_details: bool = True  # False: dispatches answer 204 without the run (as GHES does)
    # Release QA issue on the boards: workspace key → its pipeline there; None: no such issue yet.
    release_qa: dict[str, str] | None = None
    # The release-candidate period on GitHub Projects (world/rc.py); rc_items adds that many issues.
    rc: bool = False
    rc_items: int = 0
    # The release workflow (world/release.py): how a run started by a fleet-* tag ends, and how many reads it takes.
    release_conclusion: str = "success"
    release_polls: int = 3
    # The release world (world/prepare.py): fleetdm/fleet in a real bare repository under git_dir
    # (None: a new temporary directory), for `release prepare`.
    release: bool = False
    git_dir: str | None = None

    def release_day(self) -> datetime:
        """The release milestone's due moment: by default the Tuesday after the freeze began."""
        if self.release_date is not None:
            return self.release_date
        local = self.now.astimezone(LA)
        freeze = local.replace(hour=11, minute=0, second=0, microsecond=0) - timedelta(days=(local.weekday() - 1) % 7)
        if freeze > local:
            freeze -= timedelta(days=7)
        return (freeze + timedelta(days=7)).astimezone(UTC)
