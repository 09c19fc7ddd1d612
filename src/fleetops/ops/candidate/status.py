"""The release candidate's missing fixes (handbook releases.md@800f895: "Merge unreleased bug fixes
into the release candidate").

The candidate branch (`candidate.branch`: `rc-minor-fleet-v4.59.0`) is cut from the default
branch; "since the cut" means after the merge base of the two. A fix belongs on the candidate when
a pull request merged into the default branch since the cut closes an issue of the repository
labelled `labels.unreleased_bug` (`~unreleased bug`). "Closes" is GitHub's own list,
`closingIssuesReferences` (GraphQL): the issues its description names with a closing keyword
("Fixes #123") and those linked by hand in its "Development" sidebar; one way, no parsing of the
description beside it (docs/processes.md says why). It is on the candidate when a commit of the
branch (after the merge base) names the fix's merge commit as `git cherry-pick -x` writes it,
`(cherry picked from commit <sha>)`, or carries the same pull request number, `(#N)`, in its title.

Reads only, with no request made twice: the two comparisons (the branch's commits since the cut;
the default branch's since the cut) and the pull requests open into the branch, at once (REST);
then the pull requests closed into the default branch since the cut (newest first, paged at 100,
stopping at the cut), and a commit's pull requests only for a commit of the default branch that
none of them merged; then the issues those pull requests close, with their labels, in one GraphQL
query per 50 pull requests (its points count in the run's cost report). Exit 3 while a fix is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fleetops.concurrency import gather
from fleetops.errors import NotFound, UsageError
from fleetops.ops.process import candidate_branch, require_release_candidate
from fleetops.plan import Plan
from fleetops.versions import require_release
from fleetops.views import Facts

if TYPE_CHECKING:
    from datetime import datetime

    from fleetops.app import App
    from fleetops.clients.github import BranchComparison, CommitInfo, PullSummary

PICKED_FROM = re.compile(r"\(cherry picked from commit ([0-9a-f]{7,40})\)")
PR_IN_TITLE = re.compile(r"\(#(\d+)\)")


@dataclass(frozen=True)
class Fix:
    pr: PullSummary
    merge_commit: str
    issues: tuple[int, ...]  # the ~unreleased bug issues it closes

    def as_json(self) -> dict[str, Any]:
        return {"pr": self.pr.number, "title": self.pr.title, "merge_commit": self.merge_commit, "issues": list(self.issues)}


def picked(commits: tuple[CommitInfo, ...]) -> tuple[set[str], set[int]]:
    """The original commits named by `-x` lines, and the PR numbers in titles, of the branch's commits."""
    shas: set[str] = set()
    numbers: set[int] = set()
    for commit in commits:
        shas.update(PICKED_FROM.findall(commit.message))
        title = commit.message.splitlines()[0] if commit.message else ""
        numbers.update(int(n) for n in PR_IN_TITLE.findall(title))
    return shas, numbers


def is_picked(fix: Fix, shas: set[str], numbers: set[int]) -> bool:
    return fix.pr.number in numbers or any(fix.merge_commit.startswith(s) for s in shas)


def _compare(app: App, base: str, head: str, branch: str) -> BranchComparison:
    try:
        return app.clients.github.compare_all(base, head)
    except NotFound:
        raise UsageError(
            f"{app.repo} has no branch {branch} (or no {app.rituals.default_branch}): the release candidate is not cut.",
            hint="Cut it first (handbook: 'Create a release candidate'), or check VERSION.",
        ) from None


def _merged_since(app: App, since_cut: BranchComparison, cut_at: datetime | None, default: str) -> list[tuple[str, PullSummary]]:
    """(merge commit, pull request) of each commit on the default branch since the cut that a pull request merged."""
    github = app.clients.github

    # The pull requests merged into the default branch since the cut, newest update first: a
    # merge after the cut updated the pull request after it, so the pages stop at the cut.
    def before_cut(pr: PullSummary) -> bool:
        return cut_at is not None and pr.updated_at is not None and pr.updated_at < cut_at

    closed = github.pulls(state="closed", base=default, sort="updated", direction="desc", until=before_cut)
    by_merge = {p.merge_commit_sha: p for p in closed if p.merged_at is not None and p.merge_commit_sha}
    unknown = [c.sha for c in since_cut.commits if c.sha not in by_merge]
    if unknown:  # a commit no listed pull request merged: pushed directly, or merged through another base
        found = gather({sha: (lambda sha=sha: github.commit_pulls(sha)) for sha in unknown})
        for sha, pulls in found.items():
            merged = [p for p in pulls if p.merged_at is not None and p.base == default]
            if merged:
                by_merge[sha] = merged[0]
    return [(c.sha, by_merge[c.sha]) for c in since_cut.commits if c.sha in by_merge]


def _fixes(app: App, merged_since: list[tuple[str, PullSummary]], label: str) -> list[Fix]:
    """The pull requests that close an issue of the repository carrying `label`, with those issues (GraphQL)."""
    closing = app.clients.github_links.closing_issues(app.repo, [pr.number for _, pr in merged_since])
    repo = app.repo.lower()
    fixes = []
    for sha, pr in merged_since:
        bugs = tuple(dict.fromkeys(i.number for i in closing.get(pr.number, ()) if i.repo.lower() == repo and label in i.labels))
        if bugs:
            fixes.append(Fix(pr, sha, bugs))
    return fixes


def rc_status(app: App, version: str) -> Plan:
    """Read-only: the unreleased-bug fixes merged since the cut and not on the candidate; exit 3 while any is missing."""
    require_release_candidate(app, "release rc-status")
    version = str(require_release(version))
    rituals = app.rituals
    branch = candidate_branch(app, version)
    default = rituals.default_branch
    github = app.clients.github
    first: dict[str, Any] = gather({
        "on_branch": lambda: _compare(app, default, branch, branch),
        "since_cut": lambda: _compare(app, branch, default, branch),
        "open": lambda: github.pulls(state="open", base=branch),
    })
    on_branch: BranchComparison = first["on_branch"]
    since_cut: BranchComparison = first["since_cut"]
    open_into: list[PullSummary] = sorted(first["open"], key=lambda p: p.number)
    cut_at: datetime | None = on_branch.merge_base_date

    merged_since = _merged_since(app, since_cut, cut_at, default)
    label = rituals.labels.unreleased_bug
    fixes = _fixes(app, merged_since, label)
    shas, numbers = picked(on_branch.commits)
    missing = [f for f in fixes if not is_picked(f, shas, numbers)]

    plan = Plan(
        command="release rc-status",
        needs_action=bool(missing),
        extra={
            "version": version, "branch": branch, "cut_at": cut_at.isoformat().replace("+00:00", "Z") if cut_at else None,
            "missing": [f.as_json() for f in missing],
            "open_into_rc": [{"pr": p.number, "title": p.title} for p in open_into],
        },
    )
    if not app.json_mode:
        app.ui.show(summary(branch, default, on_branch, len(fixes), missing, open_into, label))
    return plan


def summary(branch: str, default: str, on_branch: BranchComparison, fixes: int, missing: list[Fix], open_into: list[PullSummary], label: str) -> Facts:
    facts = Facts(heading=f"Release candidate {branch}", blank_after=True)
    cut = on_branch.merge_base_date.strftime("%Y-%m-%d %H:%M UTC") if on_branch.merge_base_date else "unknown"
    facts.add("Cut", f"at {on_branch.merge_base_sha[:12]} ({cut}); {len(on_branch.commits)} commit(s) on the branch since")
    facts.add("Fixes", f"{fixes} pull request(s) merged into {default} since the cut close a {label!r} issue")
    if missing:
        for fix in missing:
            issues = ", ".join(f"#{n}" for n in fix.issues)
            facts.add("Missing", f"#{fix.pr.number} {fix.pr.title} (merge commit {fix.merge_commit[:12]}; fixes {issues})", "yellow")
        facts.add("Next", f"git cherry-pick -x <merge commit> onto {branch} for each missing fix, through a pull request into it")
    else:
        facts.add("Missing", "none: every fix is on the candidate", "green")
    for pr in open_into:
        facts.add("Open into it", f"#{pr.number} {pr.title}")
    if not open_into:
        facts.add("Open into it", "no pull request")
    return facts
