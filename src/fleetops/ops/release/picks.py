"""A patch's picks: which pull requests fix the milestone, in which order, and which are on the branch already.

The fixes are the merged pull requests into the default branch that GitHub links as closing an
issue of the milestone (clients/github_links.py); a pull request that only mentions one is listed,
and so is an issue with no merged fix. They are picked in the order their commits appear on the
default branch's first-parent history (not by timestamp: two merges in one second are both kept).
A fix is on the branch already when the branch contains its commit, a commit there says
`(cherry picked from commit SHA)` for it, has the same patch-id, or has `(#N)` in its subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fleetops.clients.git import Commit
    from fleetops.clients.github_links import MilestoneLinks

PICKED_FROM = re.compile(r"\(cherry picked from commit ([0-9a-f]{40})\)")
NUMBER = re.compile(r"\(#(\d+)\)")


@dataclass
class Fix:
    pr: int
    title: str
    sha: str
    issues: list[int] = field(default_factory=list)
    status: str = "pending"  # picked | already | conflict | pending
    why: str = ""  # how an `already` fix was recognised

    def as_json(self) -> dict[str, object]:
        return {"pr": self.pr, "sha": self.sha, "status": self.status, "title": self.title, "issues": self.issues}


@dataclass
class Selection:
    fixes: list[Fix]
    mentioned: list[dict[str, int]]  # {"pr", "issue"}
    unfixed: list[dict[str, int]]  # {"issue"}
    off_history: list[Fix]  # merged fixes whose commit is not on the default branch's first-parent history


def select(links: MilestoneLinks, repo: str, default: str, *, skip: set[int]) -> Selection:
    """The fixes of a milestone (closing, merged, into `default`, this repository), the mentions and the unfixed."""
    fixes: dict[int, Fix] = {}
    mentioned: list[dict[str, int]] = []
    unfixed: list[dict[str, int]] = []
    for issue in links.issues:
        fixed = False
        for pull in issue.pulls:
            ours = pull.repo.lower() == repo.lower() and pull.base == default and pull.merged and pull.merge_commit
            if pull.closes and ours:
                fixed = True
                if pull.number not in skip:
                    fixes.setdefault(pull.number, Fix(pull.number, pull.title, pull.merge_commit or "")).issues.append(issue.number)
            elif not pull.closes:
                mentioned.append({"pr": pull.number, "issue": issue.number})
        if not fixed:
            unfixed.append({"issue": issue.number})
    return Selection(list(fixes.values()), mentioned, unfixed, [])


def order(selection: Selection, first_parent: list[str]) -> None:
    """Sort the fixes by their place on the first-parent history; those not on it move to `off_history`."""
    place = {sha: index for index, sha in enumerate(first_parent)}
    selection.off_history = [f for f in selection.fixes if f.sha not in place]
    selection.fixes = sorted((f for f in selection.fixes if f.sha in place), key=lambda f: place[f.sha])


def mark_already(fixes: list[Fix], on_branch: list[Commit], patch_ids: dict[str, str], contained: set[str]) -> None:
    """Mark each fix already on the branch, and say how it was recognised."""
    picked_from = {m for c in on_branch for m in PICKED_FROM.findall(c.body)}
    numbers = {int(n) for c in on_branch for n in NUMBER.findall(c.subject)}
    branch_ids = {patch_ids[c.sha] for c in on_branch if c.sha in patch_ids}
    for fix in fixes:
        if fix.sha in contained:
            fix.status, fix.why = "already", "its commit is on the branch"
        elif fix.sha in picked_from:
            fix.status, fix.why = "already", "cherry-picked with -x"
        elif patch_ids.get(fix.sha) and patch_ids[fix.sha] in branch_ids:
            fix.status, fix.why = "already", "the same patch is on the branch"
        elif fix.pr in numbers:
            fix.status, fix.why = "already", f"a commit on the branch says (#{fix.pr})"
