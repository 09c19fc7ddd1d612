"""`release check-migrations VERSION`: Fleet's migration-timestamp rule against GitHub, read-only.

R is read from the release branch (before `prepare` made it: a patch's previous tag, a minor's
default branch); M from the default branch and every open minor branch newer than VERSION. All of
it is ONE GraphQL query (clients/github_trees.py): the named refs, the minor-branch family and the
tags of VERSION's minor, each with the file names of the migrations directories.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fleetops.clients.github_trees import RefFiles, ref_trees
from fleetops.errors import UsageError
from fleetops.ops.release.migrations import Violation, newer_branches, rule
from fleetops.plan import Plan, Step
from fleetops.versions import parse_release, require_release

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.versions import Release
    from fleetops.views import Facts

COMMAND = "release check-migrations"


@dataclass(frozen=True)
class Lines:
    """What the rule was read from: the release's own ref and each later line's."""

    version: str
    kind: str  # minor | patch
    branch: str  # the release branch's name
    release: RefFiles  # R: the branch, or what it starts from when it does not exist yet
    release_from: str  # "rc-patch-fleet-v4.58.1", or "fleet-v4.58.0 (the branch does not exist yet)"
    later: dict[str, RefFiles]  # M: by branch name
    previous_tag: str | None  # a patch's starting tag


def kind_of(release: Release) -> str:
    return "minor" if release.patch == 0 else "patch"


def _prefix(template: str) -> str:
    return template.split("{version}", 1)[0]


def _newest_below(refs: list[RefFiles], prefix: str, below: Release) -> tuple[str, RefFiles] | None:
    """The highest tag of `below`'s minor under it (a patch starts there), or None."""
    older = []
    for ref in refs:
        version = parse_release(ref.name.removeprefix(prefix)) if ref.name.startswith(prefix) else None
        if version is not None and version < below and (version.major, version.minor) == (below.major, below.minor):
            older.append((version, ref))
    if not older:
        return None
    _, ref = max(older, key=lambda pair: pair[0])
    return ref.name, ref


@dataclass(frozen=True)
class Refs:
    """What one query read: the branch asked for, M's lines, and the tags of the release's minor."""

    own: RefFiles | None  # the branch; None: there is no such branch
    later: dict[str, RefFiles]  # M: the default branch, then each newer minor branch, by name
    minor_tags: list[RefFiles]  # only when asked for (`tags=True`)


def read_refs(app: App, release: Release, branch: str, *, tags: bool) -> Refs:
    """ONE query for `branch`, the default branch, the minor branches (newer than `release`: M) and, with `tags`, the minor's tags."""
    releasing = app.rituals.releasing
    default = app.rituals.default_branch
    families = [("refs/heads/", _prefix(releasing.minor_branch))]
    if tags:
        families.append(("refs/tags/", f"{_prefix(app.rituals.naming.release_tag)}{release.major}.{release.minor}."))
    named, found = ref_trees(
        app.clients.github_projects, app.repo, releasing.migrations.dirs, [f"refs/heads/{branch}", f"refs/heads/{default}"], families,
    )
    on_default = named[f"refs/heads/{default}"]
    if on_default is None:
        raise UsageError(f"{app.repo} has no branch {default} (rituals: default_branch).")
    by_name = {r.name: r for r in found[0]}
    newer = {name: by_name[name] for name in newer_branches(by_name, releasing.minor_branch, release)}
    return Refs(named[f"refs/heads/{branch}"], {default: on_default, **newer}, found[1] if tags else [])


def read_lines(app: App, release: Release) -> Lines:
    """One query (read_refs): the release branch (or its start), the default branch, the newer minor branches, the minor's tags."""
    releasing = app.rituals.releasing
    version = str(release)
    kind = kind_of(release)
    branch = releasing.release_branch(version)
    default = app.rituals.default_branch
    tag_prefix = _prefix(app.rituals.naming.release_tag)
    refs = read_refs(app, release, branch, tags=True)
    later = refs.later
    previous = _newest_below(refs.minor_tags, tag_prefix, release) if kind == "patch" else None
    own = refs.own
    if own is not None:
        return Lines(version, kind, branch, own, branch, later, previous[0] if previous else None)
    if kind == "patch":
        if previous is None:
            raise UsageError(
                f"{version} is a patch, but {app.repo} has no tag {tag_prefix}{release.major}.{release.minor}.* below it to start from.",
                hint=f"Tag the previous release first, or check VERSION (the next patch of the newest {tag_prefix}{release.major}.{release.minor}.* tag).",
            )
        return Lines(version, kind, branch, previous[1], f"{previous[0]} ({branch} does not exist yet)", later, previous[0])
    return Lines(version, kind, branch, later[default], f"{default} ({branch} does not exist yet)", later, None)


def migrations_step(lines: Lines, found: list[Violation]) -> Step:
    """The rule as one read-only step (also in `prepare`'s plan): never a rename, a list for a person."""
    title = f"Migrations rule against {', '.join(lines.later)}"
    data = {"violations": [v.as_json() for v in found]}
    if not found:
        return Step.skip("migrations", title, "holds: every later migration is newer or in the release", data=data)
    listed = "; ".join(f"{v.file} ({v.timestamp} → {v.proposed})" for v in found)
    return Step.checklist("migrations", title, f"{len(found)} migration(s) would never run after an upgrade through {lines.version}; "
                          f"renumber them on every branch that has them (file, Up_/Down_/TestUp_, schema.sql): {listed}", data=data)


def facts(lines: Lines, found: list[Violation]) -> Facts:
    from fleetops.views import Facts  # on use: `release tag`'s guard imports this module for read_refs only

    shown = Facts(heading=f"Migrations for {lines.version} ({lines.kind})", blank_after=True)
    shown.add("Release", f"{lines.release_from} at {(lines.release.sha or '')[:12]}")
    shown.add("Later lines", ", ".join(lines.later))
    for v in found:
        shown.add("Violation", f"{v.file}: {v.timestamp} < the release's newest; propose {v.proposed} (on {', '.join(v.branches)})", "yellow")
    if not found:
        shown.add("Verdict", "the rule holds", "green")
    return shown


def check_migrations(app: App, version: str) -> Plan:
    """Read-only: exit 3 with each violation and its proposed timestamp; 2 on bad input."""
    release = require_release(version)  # X.Y.Z or vX.Y.Z, else exit 2
    lines = read_lines(app, release)
    found = rule(lines.release.paths(), lines.later, app.rituals.releasing.migrations.pattern)
    plan = Plan(command=COMMAND, needs_action=bool(found), extra={
        "version": lines.version, "kind": lines.kind, "branch": lines.branch, "release_from": lines.release_from,
        "later": list(lines.later), "migrations": {"violations": [v.as_json() for v in found]},
    })
    plan.add(migrations_step(lines, found))
    if not app.json_mode:
        app.ui.show(facts(lines, found))
    return plan


