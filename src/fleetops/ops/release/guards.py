"""`release tag`'s guards, read from GitHub alone: the release branch's head, its changelog and version files, the migration rule, the tag.

Fleet's script tagged whatever the local branch's head was, and took "the changelog mentions the
version anywhere" as proof the changelog merged (releasing-facts §12.10). Here the branch's head
on GitHub is read once, and every guard reads the files *at that commit*, the commit the tag will
name: the first `## Fleet` heading of CHANGELOG.md (changelog.heading_version, the check `release
prepare` makes before it adds a section) and each version file (bumps.carry_problems, by the
`releasing.bumps` that prepare writes), and the migration rule of migrations.py (SPEC §2 step 3, the
rule of `check-migrations`: M is the default branch and every open newer minor branch).
Reads run in two concurrent rounds. First the tag, and ONE GraphQL query, `check-migrations`'s own
(check_migrations.read_refs): the branch's head commit and the migrations directories of the
branch, the default branch and the newer minor branches. Then, at that commit, the changelog and
the version files. The tag step reads the head once more right before it tags (tag.py): if the
branch moved after these reads (a fix merged while the plan was shown), nothing is tagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fleetops.concurrency import gather
from fleetops.errors import NotFound, PolicyRefusal
from fleetops.ops.release import migrations
from fleetops.ops.release.bumps import carry_problems
from fleetops.ops.release.changelog import heading_version
from fleetops.ops.release.check_migrations import Refs, read_refs
from fleetops.versions import Release, release_name

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import GitHubClient
    from fleetops.rituals.releasing import Releasing


@dataclass
class BranchState:
    """What the guards read: the head, the files at it, the migrations, and the tag if it exists."""

    branch: str
    sha: str
    tag: str
    tag_commit: str | None  # the commit an existing tag names (through its tag object if annotated)
    changelog: str | None
    files: dict[str, str | None] = field(default_factory=dict)
    release_migrations: dict[str, str] = field(default_factory=dict)  # R: timestamp → file
    other_migrations: dict[str, dict[str, str]] = field(default_factory=dict)  # M: timestamp → file, by branch


def read_state(app: App, version: Release, branch: str | None = None) -> BranchState:
    """Both rounds of reads; a missing branch is exit 2 naming it."""
    github = app.clients.github
    rituals = app.rituals
    releasing = rituals.releasing
    branch = branch or releasing.release_branch(str(version))
    tag = release_name(rituals.naming.release_tag, version)
    one = gather({"tag": lambda: github.ref(f"tags/{tag}"), "lines": lambda: read_refs(app, version, branch, tags=False)})
    lines: Refs = one["lines"]
    if lines.own is None or lines.own.sha is None:
        raise PolicyRefusal(
            f"there is no release branch {branch} in {github.repo_name}: nothing to tag.",
            hint="Run `fleetops release prepare` and merge its pull requests first (or name the branch with --branch).",
        )
    sha = lines.own.sha
    two = gather(_second_round(app, sha, tag, one["tag"]))
    state = BranchState(branch=branch, sha=sha, tag=tag, tag_commit=two.get("tag_commit"), changelog=two["changelog"])
    state.files = {b.file: two[b.file] for b in releasing.bumps}
    state.release_migrations, state.other_migrations = migrations.by_line(lines.own.paths(), lines.later, releasing.migrations.pattern)
    return state


def _second_round(app: App, sha: str, tag: str, tag_ref: tuple[str, str] | None) -> dict[str, Any]:
    """The files at `sha`, the commit the migrations were read at (and the commit an existing tag names)."""
    github: GitHubClient = app.clients.github
    releasing = app.rituals.releasing

    def text(path: str) -> str | None:
        try:
            return github.file_text(path, sha).text
        except NotFound:
            return None

    reads: dict[str, Any] = {"changelog": lambda: text(releasing.changelog.file)}
    reads.update({b.file: (lambda p=b.file: text(p)) for b in releasing.bumps})
    if tag_ref is not None:
        tag_sha, kind = tag_ref
        reads["tag_commit"] = (lambda: github.commit_sha(tag)) if kind == "tag" else (lambda: tag_sha)
    return reads


def moved(state: BranchState, head: tuple[str, str] | None, version: Release) -> str | None:
    """Why the tag must not be made now: the branch's head is no longer the commit every guard read (None: it still is)."""
    if head is not None and head[0] == state.sha:
        return None
    now = f"its head is now {head[0]}" if head is not None else "the branch is gone"
    return (f"{state.branch} moved after the guards read it: they checked {state.sha}, {now}; nothing was tagged. "
            f"Find out what was pushed to the release branch, then run `fleetops release tag {version}` again to check its new head.")


def refusals(state: BranchState, version: Release, releasing: Releasing) -> list[str]:
    """Every guard that does not hold, one line each (empty: the head may be tagged)."""
    where = f"{state.branch} at {state.sha[:12]}"
    changelog = releasing.changelog.file
    problems = []
    first = heading_version(state.changelog or "", releasing.changelog.heading)
    if first is None:
        problems.append(f"{changelog} on {where} does not start with a `## Fleet X.Y.Z` heading")
    elif first != str(version):
        problems.append(f"the first `## Fleet` heading of {changelog} on {where} is {first}, not {version}: the changelog pull request is not merged")
    problems += [f"{where}: {p}" for p in carry_problems(releasing.bumps, str(version), state.files.get)]
    problems += [f"migration {m} {rest}" for m, rest in violations(state)]
    return problems


def violations(state: BranchState) -> list[tuple[str, str]]:
    """Each migration of M missing here and older than the newest here (Fleet's migrator skips it), by migrations.violations."""
    return [
        (v.timestamp, f"on {', '.join(v.branches)} is missing on {state.branch} and older than its newest "
         f"({max(state.release_migrations)}): renumber {v.file.rsplit('/', 1)[-1]} to {v.proposed}")
        for v in migrations.violations(state.release_migrations, state.other_migrations)
    ]
