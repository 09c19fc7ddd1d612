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
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fleetops.concurrency import gather
from fleetops.errors import NotFound, PolicyRefusal, ServiceError, UsageError
from fleetops.ops.freeze import window as freeze
from fleetops.ops.freeze.allow_rules import Verdict, closing_references, decide, not_docs, rules_for
from fleetops.plan import Plan, Skip, Step
from fleetops.views import Facts

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import FileChange, IssueInfo, PullInfo
    from fleetops.rituals.models import Rituals


@dataclass(frozen=True)
class AllowOptions:
    """What the user asked for; built by the CLI from its arguments."""

    number: int
    exception: bool = False
    branch: str | None = None


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
