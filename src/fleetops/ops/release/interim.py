"""What `release tag` needs from `release prepare`'s part of the rituals file, until that part exists.

The release branch of X.Y.Z, the files that carry the version (and how) and the migration
directories are the `releasing:` section's to say (issue 21). Until it lands, this small reader
gives Fleet's values (releasing-facts §7, §8, §10), taking the branch names from the sections the
file has (`naming.patch_branch`, `candidate.branch`). At the merge, these functions read the
`releasing:` section instead; their callers do not change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fleetops.versions import Release

if TYPE_CHECKING:
    from fleetops.rituals.models import Rituals

MIGRATION_DIRS = ("server/datastore/mysql/migrations/tables", "server/datastore/mysql/migrations/data")
MIGRATION = re.compile(r"^(?P<ts>\d{14})_\w+\.go$")  # not _test.go: the \w+ stops before "_test" only when it is the end
CHANGELOG = "CHANGELOG.md"
CHANGELOG_HEADING = re.compile(r"^## Fleet (?P<version>\d+\.\d+\.\d+)\b", re.MULTILINE)


@dataclass(frozen=True)
class VersionFile:
    """A file that carries the version: `pattern` must match exactly once and capture X.Y.Z as `version`."""

    path: str
    pattern: re.Pattern[str]


VERSION_FILES = (
    VersionFile("tools/fleetctl-npm/package.json", re.compile(r'^\s*"version": "v(?P<version>\d+\.\d+\.\d+)",?\s*$', re.MULTILINE)),
    VersionFile("charts/fleet/Chart.yaml", re.compile(r"^appVersion: v(?P<version>\d+\.\d+\.\d+)\s*$", re.MULTILINE)),
    VersionFile("charts/fleet/values.yaml", re.compile(r"^\s*imageTag: v(?P<version>\d+\.\d+\.\d+)\b", re.MULTILINE)),
    VersionFile("infrastructure/dogfood/terraform/gcp/variables.tf", re.compile(r'"fleetdm/fleet:v(?P<version>\d+\.\d+\.\d+)"')),
    VersionFile("infrastructure/dogfood/terraform/aws/variables.tf", re.compile(r'"fleetdm/fleet:v(?P<version>\d+\.\d+\.\d+)"')),
)


def release_branch(rituals: Rituals, version: Release) -> str:
    """The branch X.Y.Z is released from: the `releasing:` section's patch or minor branch (the one `release prepare` made)."""
    return rituals.releasing.branch("patch_branch" if version.patch else "minor_branch", str(version))


def candidate_branch_pattern(rituals: Rituals) -> str | None:
    """The naming pattern of newer candidate branches whose migrations count too (None without candidates)."""
    return rituals.candidate.branch if rituals.candidate is not None else None


def migration_timestamps(names: list[str]) -> set[str]:
    """The 14-digit timestamps of migration files (`<ts>_Name.go`, not `_test.go`)."""
    return {m["ts"] for name in names if not name.endswith("_test.go") and (m := MIGRATION.match(name))}
