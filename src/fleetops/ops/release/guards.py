"""`release tag`'s guards, read from GitHub alone: the release branch's head, its changelog and version files, the migration rule, the tag.

Fleet's script tagged whatever the local branch's head was, and took "the changelog mentions the
version anywhere" as proof the changelog merged (releasing-facts §12.10). Here the branch's head
on GitHub is read once, and every guard reads the files *at that commit*, the commit the tag will
name: the first `## Fleet` heading of CHANGELOG.md, each version file (its pattern matches once,
with X.Y.Z), and the migration rule (SPEC §2 step 3: a migration on the default branch or a newer
candidate branch, missing on the release branch and older than its newest, is a violation).
Reads run in two concurrent rounds: what needs no commit, then what is read at the head.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fleetops.concurrency import gather
from fleetops.errors import NotFound, PolicyRefusal
from fleetops.ops.release import interim
from fleetops.versions import Release, pattern_regex, release_name

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import GitHubClient


@dataclass
class BranchState:
    """What the guards read: the head, the files at it, the migrations, and the tag if it exists."""

    branch: str
    sha: str
    tag: str
    tag_commit: str | None  # the commit an existing tag names (through its tag object if annotated)
    changelog: str | None
    files: dict[str, str | None] = field(default_factory=dict)
    release_migrations: set[str] = field(default_factory=set)
    other_migrations: dict[str, set[str]] = field(default_factory=dict)  # timestamp sets by branch


def read_state(app: App, version: Release, branch: str | None = None) -> BranchState:
    """Both rounds of reads; a missing branch is exit 2 naming it."""
    github = app.clients.github
    rituals = app.rituals
    branch = branch or interim.release_branch(rituals, version)
    tag = release_name(rituals.naming.release_tag, version)
    default = rituals.default_branch
    first: dict[str, Any] = {"head": lambda: github.ref(f"heads/{branch}"), "tag": lambda: github.ref(f"tags/{tag}")}
    first.update({f"{default}:{d}": (lambda d=d: github.file_names(d, default)) for d in interim.MIGRATION_DIRS})
    pattern = interim.candidate_branch_pattern(rituals)
    if pattern is not None:
        prefix = pattern.split("{", 1)[0]
        first["candidates"] = lambda: github.branch_names(prefix)
    one = gather(first)
    if one["head"] is None:
        raise PolicyRefusal(
            f"there is no release branch {branch} in {github.repo_name}: nothing to tag.",
            hint="Run `fleetops release prepare` and merge its pull requests first (or name the branch with --branch).",
        )
    sha = one["head"][0]
    newer = _newer_candidates(one.get("candidates") or [], pattern, version)
    two = gather(_second_round(github, sha, tag, one["tag"], newer))
    state = BranchState(branch=branch, sha=sha, tag=tag, tag_commit=two.get("tag_commit"), changelog=two["changelog"])
    state.files = {f.path: two[f.path] for f in interim.VERSION_FILES}
    state.release_migrations = set().union(*(interim.migration_timestamps(two[f"release:{d}"]) for d in interim.MIGRATION_DIRS))
    state.other_migrations[default] = set().union(*(interim.migration_timestamps(one[f"{default}:{d}"]) for d in interim.MIGRATION_DIRS))
    for name in newer:
        state.other_migrations[name] = set().union(*(interim.migration_timestamps(two[f"{name}:{d}"]) for d in interim.MIGRATION_DIRS))
    return state


def _newer_candidates(names: list[str], pattern: str | None, version: Release) -> list[str]:
    if pattern is None:
        return []
    regex = pattern_regex(pattern)
    found = []
    for name in names:
        match = regex.fullmatch(name)
        if match and Release(*(int(p) for p in match["version"].split("."))) > version:
            found.append(name)
    return sorted(found)


def _second_round(github: GitHubClient, sha: str, tag: str, tag_ref: tuple[str, str] | None, newer: list[str]) -> dict[str, Any]:
    def text(path: str) -> str | None:
        try:
            return github.file_text(path, sha).text
        except NotFound:
            return None

    reads: dict[str, Any] = {"changelog": lambda: text(interim.CHANGELOG)}
    reads.update({f.path: (lambda p=f.path: text(p)) for f in interim.VERSION_FILES})
    reads.update({f"release:{d}": (lambda d=d: github.file_names(d, sha)) for d in interim.MIGRATION_DIRS})
    for name in newer:
        reads.update({f"{name}:{d}": (lambda d=d, n=name: github.file_names(d, n)) for d in interim.MIGRATION_DIRS})
    if tag_ref is not None:
        tag_sha, kind = tag_ref
        reads["tag_commit"] = (lambda: github.commit_sha(tag)) if kind == "tag" else (lambda: tag_sha)
    return reads


def refusals(state: BranchState, version: Release) -> list[str]:
    """Every guard that does not hold, one line each (empty: the head may be tagged)."""
    where = f"{state.branch} at {state.sha[:12]}"
    problems = []
    heading = interim.CHANGELOG_HEADING.search(state.changelog or "")
    if heading is None:
        problems.append(f"{interim.CHANGELOG} on {where} has no `## Fleet` heading")
    elif heading["version"] != str(version):
        problems.append(f"the first `## Fleet` heading of {interim.CHANGELOG} on {where} is {heading['version']}, not {version}: the changelog pull request is not merged")
    for vf in interim.VERSION_FILES:
        content = state.files.get(vf.path)
        found = [m["version"] for m in vf.pattern.finditer(content or "")]
        if content is None:
            problems.append(f"{vf.path} is missing on {where}")
        elif found != [str(version)]:
            problems.append(f"{vf.path} on {where} carries {', '.join(found) or 'no version'}, not exactly one v{version}")
    problems += [f"migration {m} {rest}" for m, rest in violations(state)]
    return problems


def violations(state: BranchState) -> list[tuple[str, str]]:
    """Each migration on another branch, missing here and older than the newest here (Fleet's migrator skips it)."""
    if not state.release_migrations:
        return []
    newest = max(state.release_migrations)
    out = []
    for branch, stamps in state.other_migrations.items():
        out += [(m, f"on {branch} is missing on {state.branch} and older than its newest ({newest})") for m in sorted(stamps - state.release_migrations) if m < newest]
    return out
