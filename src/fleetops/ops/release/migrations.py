"""Fleet's migration-timestamp rule as pure code (SPEC §2 "Releasing", step 3).

Fleet's migrator applies a migration only when its timestamp is newer than the newest one the
database has applied (releasing-facts.md §10). So once a release ships with migrations R, every
migration that reaches users later (M: on the default branch and on every open minor branch newer
than the release, named like `releasing.minor_branch`) but is not in R must be newer than max(R), or upgrading through the release skips it for
good. Each m in M \\ R with m < max(R) is a violation; the proposal is a run of consecutive
timestamps (one second apart) after max(R), in the violators' own order, skipping any taken.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from fleetops.versions import Release, parse_release

STAMP = "%Y%m%d%H%M%S"


@dataclass(frozen=True)
class Violation:
    file: str  # the path as found (where: which branch, in `branches`)
    timestamp: str
    proposed: str
    branches: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "timestamp": self.timestamp, "proposed": self.proposed, "branches": list(self.branches)}


def timestamps(paths: Iterable[str], pattern: str) -> dict[str, str]:
    """timestamp → path of the migrations among `paths` (file names matching `pattern`, tests left out)."""
    compiled = re.compile(pattern)
    out: dict[str, str] = {}
    for path in paths:
        name = path.rsplit("/", 1)[-1]
        if name.endswith("_test.go"):
            continue
        match = compiled.match(name)
        if match:
            out.setdefault(match.group(1), path)
    return out


class Tree(Protocol):
    """A line as read (clients/github_trees.RefFiles): the paths in its migrations directories."""

    def paths(self) -> list[str]: ...


def by_line(release: Iterable[str], later: Mapping[str, Tree], pattern: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """R from the release's paths and each later line's M (timestamp → file, by branch): what `violations` takes."""
    return timestamps(release, pattern), {name: timestamps(tree.paths(), pattern) for name, tree in later.items()}


def rule(release: Iterable[str], later: Mapping[str, Tree], pattern: str) -> list[Violation]:
    """The rule from what was read, for check-migrations, prepare and tag alike: R's paths, each later line's tree."""
    return violations(*by_line(release, later, pattern))


def newer_branches(names: Iterable[str], template: str, release: Release) -> list[str]:
    """The branches named by `template` (the rituals' minor_branch) for a version above `release`: M's other lines."""
    prefix = template.split("{version}", 1)[0]
    return sorted(n for n in names if n.startswith(prefix) and (v := parse_release(n.removeprefix(prefix))) is not None and v > release)


def _next(stamp: str) -> str:
    try:
        return (datetime.strptime(stamp, STAMP) + timedelta(seconds=1)).strftime(STAMP)
    except ValueError:  # not a calendar time (e.g. 20240815000099): count on as a number
        return str(int(stamp) + 1).zfill(len(stamp))


def violations(release: Mapping[str, str], later: Mapping[str, Mapping[str, str]]) -> list[Violation]:
    """The rule: `release` is R (timestamp → file); `later` is each other branch's migrations (M, by branch)."""
    if not release:
        return []
    newest = max(release)
    found: dict[str, tuple[str, list[str]]] = {}
    for branch, migrations in later.items():
        for stamp, path in migrations.items():
            if stamp not in release and stamp < newest:
                found.setdefault(stamp, (path, []))[1].append(branch)
    taken = set(release) | {s for m in later.values() for s in m}
    out = []
    proposed = newest
    for stamp in sorted(found):
        proposed = _next(proposed)
        while proposed in taken:
            proposed = _next(proposed)
        taken.add(proposed)
        path, branches = found[stamp]
        out.append(Violation(path, stamp, proposed, tuple(branches)))
    return out
