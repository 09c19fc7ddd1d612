"""Which pull request may merge during the freeze (allow-pr's rules, pure): the issues it closes,
documentation paths, approvals, and the decision by the freeze's phase (allow_pr.py's docstring
says the rules; allow_pr.py reads and plans)."""


from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import pathspec

from fleetops.errors import UsageError

if TYPE_CHECKING:
    from fleetops.clients.github import FileChange, IssueInfo, PullInfo, ReviewInfo
    from fleetops.rituals.models import ProductGroup, Rituals


# --- tied issues: GitHub's closing keywords -----------------------------------------------------------------
_KEYWORD = r"(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)"
_NAME = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
CLOSING = re.compile(
    rf"\b{_KEYWORD}:?\s+(?:(?P<repo>{_NAME})?#(?P<number>\d+)|https?://[^\s/]+/(?P<url_repo>{_NAME})/issues/(?P<url_number>\d+))\b",
    re.IGNORECASE,
)
HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


def closing_references(body: str, repo: str) -> tuple[list[int], list[str]]:
    """The issue numbers of `repo` that the body closes, in order; and the references to other repositories."""
    ours: list[int] = []
    elsewhere: list[str] = []
    for match in CLOSING.finditer(HTML_COMMENT.sub(" ", body or "")):
        where = match["repo"] or match["url_repo"]
        number = int(match["number"] or match["url_number"])
        if where is None or where.lower() == repo.lower():
            if number not in ours:
                ours.append(number)
        elif f"{where}#{number}" not in elsewhere:
            elsewhere.append(f"{where}#{number}")
    return ours, elsewhere


# --- documentation and website paths: gitignore's patterns ----------------------------------------------------
@cache
def _docs_spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def is_docs_path(path: str, patterns: list[str]) -> bool:
    """As in .gitignore: `**` spans directories, `*` and `?` do not; without `/` the pattern matches a file name anywhere."""
    return _docs_spec(tuple(patterns)).match_file(path)


def not_docs(files: list[FileChange], patterns: list[str]) -> list[str]:
    """The changed paths (a rename's old path included) that are not documentation or website."""
    out: list[str] = []
    for change in files:
        for path in (change.path, change.previous_path):
            if path and not is_docs_path(path, patterns) and path not in out:
                out.append(path)
    return out


# --- approvals -------------------------------------------------------------------------------------------------
DECISIVE = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")


def approvers(reviews: list[ReviewInfo]) -> set[str]:
    """Who approves now (lowercase logins): each reviewer's latest review that is not a comment.

    As on GitHub, a comment after an approval leaves it standing; a later "changes requested",
    or a dismissal, withdraws it.
    """
    latest: dict[str, str] = {}
    for review in reviews:  # GitHub lists them oldest first
        if review.state in DECISIVE:
            latest[review.reviewer.lower()] = review.state
    return {who for who, state in latest.items() if state == "APPROVED"}


# --- the decision ---------------------------------------------------------------------------------------------
@dataclass
class Verdict:
    """Whether the handbook lets the PR merge now, by which rule, and why (one clause)."""

    allowed: bool
    rule: str  # bug-fix, docs-only, deep-freeze-fix, exception | freeze-no-feature-work, deep-freeze-fixes-only, exception-approvals
    reason: str
    hint: str | None = None
    groups: list[str] = field(default_factory=list)
    approvals: dict[str, Any] | None = None


def rules_for(phase: str | None) -> str:
    """Which rules apply: the deep freeze's in the deep freeze and when the schedule is unknown."""
    return "freeze" if phase in ("open", "freeze", "released") else "deep-freeze"


def _labelled(issues: list[IssueInfo], names: list[str]) -> tuple[IssueInfo, str] | None:
    for issue in issues:
        for label in issue.labels:
            if label in names:
                return issue, label
    return None


def _numbers(issues: list[IssueInfo]) -> str:
    return ", ".join(f"#{i.number}" for i in issues)


def _labels_text(names: list[str]) -> str:
    """bug, ~release blocker or ~unreleased bug"""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def decide(
    rituals: Rituals, pr: PullInfo, issues: list[IssueInfo], files: list[FileChange], reviews: list[ReviewInfo],
    *, rules: str, exception: bool,
) -> Verdict:
    """Apply the handbook's rules for `rules` ("freeze" or "deep-freeze") to one pull request."""
    labels, allow = rituals.labels, rituals.freeze.allow
    tied = [i for i in issues if not i.is_pull_request]
    if rules == "deep-freeze":
        wanted = labels.named(allow.deep_freeze_labels)
        hit = _labelled(tied, wanted)
        if hit:
            return Verdict(True, "deep-freeze-fix", f"it closes #{hit[0].number}, labelled {hit[1]}")
        because = f"#{pr.number} closes {_numbers(tied)}, labelled neither" if tied else f"#{pr.number} closes no issue"
        hint = "Merge it after the release; if it cannot wait: --exception, with approvals from the EM, the QA lead and the release DRI."
        if any(label in wanted for label in pr.labels):
            hint = "The label on the pull request does not count: tie the issue with 'Fixes #N' in the pull request's description, then re-run."
        refusal = Verdict(
            False, "deep-freeze-fixes-only",
            f"in the deep freeze only pull requests that close an issue labelled {_labels_text(wanted)} merge; {because}",
            hint,
        )
    else:
        wanted = labels.named(allow.bug_labels)
        hit = _labelled(tied, wanted)
        if hit:
            return Verdict(True, "bug-fix", f"it closes #{hit[0].number}, labelled {hit[1]}")
        on_pr = next((label for label in pr.labels if label in wanted), None)
        if on_pr:
            return Verdict(True, "bug-fix", f"the pull request is labelled {on_pr}")
        others = not_docs(files, allow.docs_paths)
        complete = bool(files) and len(files) >= pr.changed_files
        if complete and not others:
            return Verdict(True, "docs-only", f"all {len(files)} changed files are documentation or website")
        if others:
            changes = f"changes {len(others)} file(s) outside documentation and website (e.g. {others[0]})"
        else:
            changes = f"GitHub lists only {len(files)} of its {pr.changed_files} changed files, so they cannot all be checked"
        refusal = Verdict(
            False, "freeze-no-feature-work",
            f"during the freeze only bug fixes and documentation or website changes merge; #{pr.number} closes no issue "
            f"labelled {_labels_text(wanted)} and {changes}",
            "Tie its bug with 'Fixes #N' in the description, or wait for the release; feature work needs "
            "--exception and approvals from the EM, the QA lead and the release DRI.",
        )
    if not exception:
        return refusal
    return _exception(rituals, pr, tied, reviews, refusal)


def _exception(rituals: Rituals, pr: PullInfo, tied: list[IssueInfo], reviews: list[ReviewInfo], refusal: Verdict) -> Verdict:
    """The handbook's exception process: the group's EM and QA lead and the release DRI approve the PR."""
    people = rituals.people
    by_label = {g.label: g for g in people.product_groups}
    groups: list[ProductGroup] = []
    for label in [*pr.labels, *(label for issue in tied for label in issue.labels)]:
        group = by_label.get(label)
        if group is not None and group not in groups:
            groups.append(group)
    if not groups:
        return Verdict(
            False, "exception-approvals",
            f"{refusal.rule}: {refusal.reason.split('; ')[0]}; the exception needs the approvals of #{pr.number}'s "
            f"product group, but neither #{pr.number} nor an issue it closes carries a group label",
            f"Label the pull request with its group ({', '.join(by_label) or 'people.product_groups in the rituals file'}), then re-run.",
        )
    required = _required_approvals(rituals, groups)
    approved = approvers(reviews)

    def who(role: str, logins: list[str]) -> str:
        return f"{role} ({' or '.join('@' + login for login in logins)})"

    missing = [who(role, logins) for role, logins in required if not any(login.lower() in approved for login in logins)]
    approvals = {
        "required": [who(role, logins) for role, logins in required],
        "approved_by": sorted(approved),
        "missing": missing,
    }
    names = [g.name for g in groups]
    if missing:
        return Verdict(
            False, "exception-approvals",
            f"{refusal.rule}: {refusal.reason.split('; ')[0]}; the exception needs approvals on #{pr.number} from "
            f"the EM, the QA lead and the release DRI, and is missing {', '.join(missing)}",
            "Ask them to approve the pull request on GitHub, then re-run with --exception.",
            groups=names, approvals=approvals,
        )
    return Verdict(
        True, "exception",
        f"feature work approved as an exception by the EM, the QA lead and the release DRI ({'; '.join(names)})",
        groups=names, approvals=approvals,
    )


def _required_approvals(rituals: Rituals, groups: list[ProductGroup]) -> list[tuple[str, list[str]]]:
    """(role, logins any of whom approves) for each group's EM and QA lead, then the release DRI."""
    people = rituals.people
    required: list[tuple[str, list[str]]] = []
    for group in groups:
        if not group.em:
            raise UsageError(
                f"the rituals file names no engineering manager for {group.name}, whose approval --exception needs.",
                hint=f"Set `em` of product group {group.key!r} (people.product_groups) in the rituals file.",
            )
        if not group.qa:
            raise UsageError(
                f"the rituals file names no QA for {group.name}, whose approval --exception needs.",
                hint=f"Set `qa` of product group {group.key!r} (people.product_groups) in the rituals file.",
            )
        required.append((f"the engineering manager of {group.name}", [group.em]))
        required.append((f"the QA lead of {group.name}", list(group.qa)))
    if not people.release_dri:
        raise UsageError(
            "the release DRI is not known, and --exception needs their approval.",
            hint="Set FLEETOPS_RELEASE_DRI, or people.release_dri in the rituals file.",
        )
    required.append(("the release DRI", [people.release_dri]))
    return required
