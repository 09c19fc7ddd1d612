"""Unblock one pull request while the branch stays frozen: the handbook's "Merge a pull request
during the freeze period".

The rules, with every name from the rituals file (`freeze.allow`, `labels`, `people`):

- **Freeze**: bug fixes (the PR, or an issue it closes, carries one of `freeze.allow.bug_labels`:
  bug, ~release blocker, ~unreleased bug) and documentation or website changes (every changed file
  matches `freeze.allow.docs_paths`) are unblocked.
- **Deep freeze** (the final `deep_freeze_hours`): only PRs that close an issue carrying one of
  `freeze.allow.deep_freeze_labels` (~release blocker, ~unreleased bug). A label on the PR itself
  does not count: the issue says what is broken. When the schedule is unknown (no release
  milestone with a due date), these stricter rules apply.
- **Anything else** is feature work and refused, unless `--exception` and the PR's latest reviews
  include approvals from the engineering manager (`em`) and a QA member of each product group
  whose label is on the PR or its issues, and from the release DRI.

An issue is tied to the PR by GitHub's closing keywords in the PR's description ("Fixes #123",
"Closes fleetdm/fleet#123", "Resolves https://github.com/fleetdm/fleet/issues/123"); HTML comments
(the PR template's examples) are ignored, and so are issues of other repositories. The timeline is
not read: its REST events do not name the issues linked by hand in the "Development" sidebar.

Merge Freeze replaces the unblocked list on every call: the step re-reads it just before writing
and sends the whole list plus this PR, always with `frozen=true` (a request without it unfroze
the whole branch).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import pathspec

from fleetops.concurrency import gather
from fleetops.errors import NotFound, PolicyRefusal, ServiceError, UsageError
from fleetops.ops.freeze import window as freeze
from fleetops.plan import Plan, Skip, Step
from fleetops.views import Facts

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import FileChange, IssueInfo, PullInfo, ReviewInfo
    from fleetops.rituals.models import ProductGroup, Rituals


@dataclass(frozen=True)
class AllowOptions:
    """What the user asked for; built by the CLI from its arguments."""

    number: int
    exception: bool = False
    branch: str | None = None


# --- tied issues: GitHub's closing keywords -----------------------------------------------------------------
_KEYWORD = r"(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)"
_NAME = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
CLOSING = re.compile(
    rf"\b{_KEYWORD}:?\s+(?:(?P<repo>{_NAME})?#(?P<number>\d+)|https?://[^\s/]+/(?P<url_repo>{_NAME})/issues/(?P<url_number>\d+))\b",
    re.IGNORECASE,
)
HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


def pull_number(text: str, repo: str) -> int:
    """`23101`, `#23101` or `https://github.com/<repo>/pull/23101` (any host: Enterprise) → 23101; else exit 2."""
    value = text.strip()
    found = re.fullmatch(r"#?([0-9]+)", value) or re.fullmatch(
        rf"https?://[^/\s]+/{re.escape(repo)}/pull/([0-9]+)(?:[/?#]\S*)?", value, flags=re.IGNORECASE
    )
    if found is None or int(found[1]) < 1:
        raise UsageError(
            f"N {text!r} is not a pull request of {repo}.",
            hint=f"Give its number (23101 or #23101) or its URL (https://github.com/{repo}/pull/23101).",
        )
    return int(found[1])


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


# --- the plan ------------------------------------------------------------------------------------------------
def _prs(numbers: list[int]) -> str:
    return "[" + ", ".join(f"#{n}" for n in numbers) + "]" if numbers else "none"


def _pull(app: App, number: int) -> PullInfo:
    try:
        return app.clients.github.pull_request(number)
    except NotFound:
        raise UsageError(
            f"{app.repo} has no pull request #{number}.",
            hint="Give the pull request's number (github.com/OWNER/REPO/pull/N), not an issue's.",
        ) from None


def _read_issues(app: App, numbers: list[int]) -> list[IssueInfo]:
    """The tied issues, concurrently; a number with no issue behind it is left out."""
    github = app.clients.github
    found = gather({str(n): (lambda n=n: github.issue(n)) for n in numbers})
    return [issue for issue in (found[str(n)] for n in numbers) if issue is not None]


def allow_pr(app: App, options: AllowOptions) -> Plan:
    """Read everything, apply the handbook's rules, and plan the unblock (or refuse, exit 2)."""
    number = options.number
    if number < 1:
        raise UsageError(f"N must be a pull request's number (1 or more), not {number}.")
    rituals = app.rituals
    branch = options.branch or rituals.freeze.branch
    plan = Plan(command="freeze allow-pr")
    plan.extra.update(
        pr={"number": number, "title": None, "url": None}, branch=branch, frozen=None, phase=None, rules=None,
        allowed=None, rule=None, reason=None, issues=[], groups=[], approvals=None, unblocked_prs=[],
    )
    app.plan = plan  # a refusal's --json still carries what was read
    app.clients.mergefreeze  # noqa: B018 - MERGEFREEZE_TOKEN missing: exit 4 before any request
    view = _read(app, branch, number)
    pr: PullInfo = view.more["pr"]
    state = view.state
    phase = view.schedule.phase if view.schedule else "unknown"
    plan.extra.update(pr=pr.as_json(), frozen=state.frozen, phase=phase, unblocked_prs=list(state.unblocked_prs))
    _check_pull(pr, branch)
    title = f"Unblock #{number} in Merge Freeze ({branch} stays frozen)"
    if not state.frozen:
        plan.add(Step.skip("unblock", title, f"nothing to unblock: {branch} is not frozen in Merge Freeze"))
        return plan

    numbers, elsewhere = closing_references(pr.body, app.repo)
    issues = _read_issues(app, numbers)
    rules = rules_for(view.schedule.phase if view.schedule else None)
    verdict = decide(rituals, pr, issues, view.more["files"], view.more["reviews"], rules=rules, exception=options.exception)
    plan.extra.update(
        rules=rules, allowed=verdict.allowed, rule=verdict.rule, reason=verdict.reason,
        issues=[{**i.as_json(), "labels": list(i.labels)} for i in issues if not i.is_pull_request],
        groups=verdict.groups, approvals=verdict.approvals,
    )
    app.ui.show(summary(rituals, pr, view, issues, elsewhere, view.more["files"], verdict))

    if number in state.unblocked_prs:
        plan.add(Step.skip("unblock", title, f"already unblocked (unblocked: {_prs(state.unblocked_prs)})"))
        if not verdict.allowed:
            app.ui.warn(f"the rules would not unblock #{number} now ({verdict.reason}); fleetops does not block it again.")
        return plan
    if not verdict.allowed:
        raise PolicyRefusal(f"#{number} is refused ({verdict.rule}, phase {phase}): {verdict.reason}.", hint=verdict.hint)

    plan.add(_unblock_step(app, plan, branch, number, view, verdict, title))
    return plan


def _read(app: App, branch: str, number: int) -> freeze.FreezeView:
    """Merge Freeze, the schedule and the token's owner, with the pull request, its files and reviews."""
    github = app.clients.github
    return freeze.read_view(
        app, branch, want_user=True,
        more={
            "pr": lambda: _pull(app, number),
            "files": lambda: github.pull_files(number),
            "reviews": lambda: github.pull_reviews(number),
        },
    )


def _check_pull(pr: PullInfo, branch: str) -> None:
    """Only an open, unmerged pull request into the frozen branch can be let through."""
    number = pr.number
    if pr.merged:
        raise UsageError(f"pull request #{number} is merged already: there is nothing to unblock.")
    if pr.state != "open":
        raise UsageError(f"pull request #{number} is closed: Merge Freeze only lets open pull requests merge.", hint="Reopen it first.")
    if pr.base != branch:
        raise UsageError(
            f"pull request #{number} merges into {pr.base}, not into {branch}: unblocking it on {branch} would not let it merge.",
            hint=f"If {pr.base} is frozen in Merge Freeze, re-run with --branch {pr.base}.",
        )


def _unblock_step(app: App, plan: Plan, branch: str, number: int, view: freeze.FreezeView, verdict: Verdict, title: str) -> Step:
    """Send Merge Freeze the whole unblocked list plus #number, always with frozen=true."""
    mergefreeze = app.clients.mergefreeze
    state = view.state
    user = view.user_name or "fleetops"
    wanted = sorted({*state.unblocked_prs, number})

    def apply(step: Step) -> str:
        # The write replaces the list: build it from what Merge Freeze holds now, not from the plan,
        # which may be minutes old (a prompt), and never re-freeze a branch someone unfroze since.
        now = mergefreeze.status(app.repo, branch)
        plan.extra.update(frozen=now.frozen, unblocked_prs=list(now.unblocked_prs))
        if not now.frozen:
            raise Skip(f"nothing to unblock: {branch} was unfrozen since the plan was made")
        if number in now.unblocked_prs:
            raise Skip(f"already unblocked (unblocked: {_prs(now.unblocked_prs)})")
        prs = sorted({*now.unblocked_prs, number})
        result = mergefreeze.set_unblocked(app.repo, branch, prs, user_name=user, note=now.note)
        plan.extra.update(frozen=result.frozen, unblocked_prs=list(result.unblocked_prs))
        if not result.frozen:
            raise ServiceError(
                f"Merge Freeze answered that {branch} is not frozen any more after unblocking #{number}.",
                hint=f"Check {branch} in Merge Freeze; `fleetops freeze begin` freezes it again.",
            )
        if number not in result.unblocked_prs:
            raise ServiceError(f"Merge Freeze's answer does not list #{number} as unblocked ({_prs(result.unblocked_prs)}).")
        return f"unblocked: {_prs(result.unblocked_prs)}; {branch} still frozen"

    return Step.todo(
        "unblock", title,
        f"unblocked: {_prs(state.unblocked_prs)} → {_prs(wanted)} (frozen=true, as {user}; {verdict.rule})",
        apply,
    )


def summary(
    rituals: Rituals, pr: PullInfo, view: freeze.FreezeView, issues: list[IssueInfo], elsewhere: list[str],
    files: list[FileChange], verdict: Verdict,
) -> Facts:
    """What was read and what the rules say, before the plan."""
    facts = Facts(heading=f"Merge #{pr.number} during the freeze", blank_after=True)
    row = facts.add
    row("Pull request", f"#{pr.number} {pr.title} ({pr.head} → {pr.base}) by @{pr.author}")
    row("Labels", ", ".join(pr.labels) or "none")
    tied = [i for i in issues if not i.is_pull_request]
    if tied:
        row("Closes", "; ".join(f"#{i.number} {i.title} [{', '.join(i.labels) or 'no labels'}]" for i in tied))
    else:
        row("Closes", "no issue (no 'Fixes #N' in the description)")
    ignored = [f"#{i.number} (a pull request)" for i in issues if i.is_pull_request] + [f"{r} (another repository)" for r in elsewhere]
    if ignored:
        row("Ignored", ", ".join(ignored))
    others = not_docs(files, rituals.freeze.allow.docs_paths)
    row("Files", f"{len(files)} changed, {len(others)} outside documentation and website")
    schedule = view.schedule
    if schedule is None:
        phase = "unknown (no release milestone with a due date): the deep freeze's rules apply"
    elif rules_for(schedule.phase) == "freeze" and schedule.phase != "freeze":
        phase = f"{schedule.phase} for {schedule.version}, but {view.branch} is frozen: the freeze's rules apply"
    else:
        phase = f"{schedule.phase} for {schedule.version}"
    row("Phase", phase)
    if verdict.approvals:
        row("Approvals", f"approved by {', '.join('@' + a for a in verdict.approvals['approved_by']) or 'nobody'}")
    # A refusal's reason is the error line that follows.
    outcome = f"allowed ({verdict.rule}): {verdict.reason}" if verdict.allowed else f"refused ({verdict.rule})"
    row("Verdict", outcome, style="green" if verdict.allowed else "red")
    return facts
