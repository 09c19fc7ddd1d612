"""Which fleetd components changed since their last release tag (the check-deps detection).

For each component of the rituals file (`dependencies.fleetd`: orbit, desktop, fleetd-chrome):
the newest REGULAR tag `<prefix>X.Y.Z` by version (never `orbit-v1.39.1-1337`,
`fleetd-chrome-v1.3.2-beta` or `orbit-test-build`), then the commits on the default branch that
touch the component's path since that tag. Orbit and Desktop share the `orbit-v` tags: each
prefix is listed and compared once.

Counting: the commits that `GET /commits?sha=<default branch>&path=<path>&since=<tag's commit
date>` lists, minus the tagged commit itself; the compare `tag...branch` says first whether the
branch moved at all (`ahead_by == 0` → nothing changed, no listing needed).

Issue 3 (check-deps) builds the same detection with the same shape; callers use only
`fleetd_changes()` so that one of the two can replace the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from fleetops.concurrency import gather

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import Ahead, TagRef


@dataclass(frozen=True)
class FleetdChange:
    """One component: its last regular tag and whether the default branch changed it since."""

    component: str  # the rituals name: orbit, desktop, fleetd-chrome
    last_tag: str | None  # None: no regular tag at all
    version: str | None  # X.Y.Z of last_tag
    changed: bool
    commits: int

    def as_json(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "last_tag": self.last_tag,
            "version": self.version,
            "changed": self.changed,
            "commits": self.commits,
        }


def newest_regular_tag(prefix: str, names: list[str]) -> tuple[str, Version] | None:
    """The tag `<prefix>X.Y.Z` with the highest version; suffixed or odd tags are never chosen."""
    pattern = re.compile(re.escape(prefix) + r"(\d+\.\d+\.\d+)")
    best: tuple[str, Version] | None = None
    for name in names:
        match = pattern.fullmatch(name)
        if match is None:
            continue
        version = Version(match[1])
        if best is None or version > best[1]:
            best = (name, version)
    return best


def fleetd_changes(app: App) -> list[FleetdChange]:
    """Per rituals fleetd component, in the rituals' order: last regular tag, changed, commits."""
    github = app.clients.github
    components = app.rituals.dependencies.fleetd
    branch = app.rituals.default_branch
    prefixes = list(dict.fromkeys(c.tag_prefix for c in components))

    listed: dict[str, list[TagRef]] = gather({p: (lambda p=p: github.tags_with_prefix(p)) for p in prefixes})
    last = {p: newest_regular_tag(p, [t.name for t in listed[p]]) for p in prefixes}
    tagged = [p for p in prefixes if last[p] is not None]
    aheads: dict[str, Ahead] = gather({p: (lambda p=p: github.ahead(last[p][0], branch)) for p in tagged})  # type: ignore[index]

    to_count = [c for c in components if c.tag_prefix in aheads and aheads[c.tag_prefix].ahead_by > 0]
    touching: dict[str, list[str]] = gather(
        {
            c.name: (lambda c=c: github.commits_touching(c.path, branch, aheads[c.tag_prefix].base_date))
            for c in to_count
        }
    )

    changes = []
    for component in components:
        found = last[component.tag_prefix]
        if found is None:
            changes.append(FleetdChange(component.name, None, None, changed=False, commits=0))
            continue
        tag, version = found
        ahead = aheads[component.tag_prefix]
        commits = [sha for sha in touching.get(component.name, []) if sha != ahead.base_sha]
        changes.append(FleetdChange(component.name, tag, str(version), changed=bool(commits), commits=len(commits)))
    return changes
