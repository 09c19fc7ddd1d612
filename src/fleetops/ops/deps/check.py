"""`release check-deps`: the handbook's "Confirm latest versions of dependencies", as one verdict table.

1. Read, all at once (each check is independent): go.mod and the osquery targets workflow on
   the default branch (or the GO_VERSION Actions variable), go.dev's full release list, the
   latest releases of macadmins/osquery-extension and osquery/osquery, the NVD and CISA feeds,
   and the fleetd components' tags and changes (`ops.deps.fleetd`).
2. Judge each dependency with the handbook's policy (verdicts.py: `go_finding`, `module_finding`, ...): pure
   functions of what was read, each naming the issues it needs.
3. Build a plan: one step per needed issue (filed only with --file-issues, and never when an open
   issue has the same title), checklist items for the on-call engineer (feeds) and for the fleetd
   Release QA issue, and a failed step for each check that could not be done.
4. Show the table; run the plan (or only report it); write the GitHub Actions step summary.

Exit 3 while anything is behind (also after filing), 1 when a check failed, 0 when all is current.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any


from fleetops.concurrency import gather
from fleetops.errors import AuthError, FleetopsError, RitualsError, ServiceError
from fleetops.ops.deps.parsers import (
    ParseError,
    go_version,
    latest_go,
    next_patch,
    osquery_version,
    parse_gomod,
)
from fleetops.ops.deps.verdicts import (
    UP_TO_DATE,
    FeedState,
    Finding,
    IssueSpec,
    failed_finding,
    feeds_finding,
    go_finding,
    module_finding,
    osquery_finding,
)
from fleetops.plan import Plan, Status, Step
from fleetops.views import Quote

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.feeds import FeedReading
    from fleetops.clients.github import IssueInfo
    from fleetops.ops.deps.fleetd import FleetdChange
    from fleetops.rituals.models import Feed, Rituals


@dataclass(frozen=True)
class Options:
    """How check-deps runs: only reads (default), or files the issues it finds needed."""

    file_issues: bool = False
    yes: bool = False
    dry_run: bool = False


@dataclass
class Report:
    """Everything check-deps found."""

    findings: list[Finding]
    fleetd: list[FleetdChange]
    fleetd_error: FleetopsError | None = None

    @property
    def fleetd_changed(self) -> list[FleetdChange]:
        return [c for c in self.fleetd if c.changed]

    @property
    def needs_action(self) -> bool:
        return any(f.status != UP_TO_DATE for f in self.findings) or bool(self.fleetd_changed) or self.fleetd_error is not None

    def as_json(self) -> dict[str, Any]:
        return {"dependencies": [f.as_json() for f in self.findings], "fleetd": [c.as_json() for c in self.fleetd]}


# --- reading ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Result:
    value: Any = None
    error: FleetopsError | None = None


def _attempt(fn: Callable[[], Any]) -> Callable[[], _Result]:
    """Run a read, keeping its FleetopsError as a result; a rejected token still stops the command."""

    def run() -> _Result:
        try:
            return _Result(value=fn())
        except AuthError:
            raise
        except FleetopsError as err:
            return _Result(error=err)

    return run


def _feed_url(app: App, name: str, feed: Feed) -> str:
    override = getattr(app.settings, f"{name}_feed_url")
    return override or feed.url


def read(app: App) -> dict[str, _Result]:
    """Every read check-deps needs, concurrently (GitHub's share bounded by its client)."""
    from fleetops.ops.deps.fleetd import detect_changes

    rituals = app.rituals
    deps = rituals.dependencies
    branch = rituals.default_branch
    clients = app.clients
    github = clients.github
    # The fleetd chain (tags -> compare -> commits) is the longest: it starts first. The go.dev
    # and feed clients are built in their threads, so that importing httpcore overlaps GitHub's answers.
    tasks: dict[str, Callable[[], Any]] = {
        "fleetd": lambda: detect_changes(github, deps.fleetd, branch),
        "gomod": lambda: github.file_text("go.mod", branch),
        "workflow": lambda: github.file_text(deps.osquery.file, branch),
        "macadmins": lambda: github.latest_release(deps.macadmins.repository),
        "osquery": lambda: github.latest_release(deps.osquery.repository),
    }
    if deps.go.source == "actions_variable":
        tasks["go_variable"] = lambda: github.variable(deps.go.variable)
    tasks["go.dev"] = lambda: clients.godev.releases()
    for name in ("nvd", "cisa"):
        feed: Feed = getattr(deps.feeds, name)
        url = _feed_url(app, name, feed)
        tasks[f"feed:{name}"] = lambda name=name, url=url, feed=feed: clients.feeds.read(name, url, feed.date_field)
    return gather({name: _attempt(task) for name, task in tasks.items()}, max_workers=len(tasks))


def _parsed(what: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except ParseError as err:
        raise ServiceError(f"{what}: {err}.", hint="Check the file on the default branch and the rituals file.") from None


def _value(result: _Result) -> Any:
    """What a read returned, or its error raised again (to fail the verdict that needs it)."""
    if result.error is not None:
        raise result.error
    return result.value


def _judged(name: str, verdict: Callable[[], Finding]) -> Finding:
    """One verdict; when a read or parse it needs failed, a failed finding (the others go on).

    A rejected token or an invalid rituals file still stops the command (exit 4 or 2).
    """
    try:
        return verdict()
    except (AuthError, RitualsError):
        raise
    except FleetopsError as err:
        return failed_finding(name, err)


def judge(app: App, results: Mapping[str, _Result]) -> Report:
    """Turn what was read into findings (pure apart from the clock and the settings)."""
    rituals = app.rituals
    deps = rituals.dependencies
    branch = rituals.default_branch

    def go() -> Finding:
        if deps.go.source == "actions_variable":
            raw = str(_value(results["go_variable"]))
            current = _parsed(f"the Actions variable {deps.go.variable} ({raw!r})", lambda: go_version(raw.strip().lstrip("^~v")))
            source = f"the {deps.go.variable} Actions variable"
        else:
            text = _value(results["gomod"]).text
            current = _parsed(f"go.mod on {branch}", lambda: parse_gomod(text).go_version())
            source = f"go.mod on {branch}"
        latest = latest_go(current, ((r.version, r.stable) for r in _value(results["go.dev"])))
        return go_finding(current, source, latest, rituals, app.clients.godev.downloads_url)

    def macadmins() -> Finding:
        raw = parse_gomod(_value(results["gomod"]).text).module_version(deps.macadmins.module)
        if raw is None:
            raise ServiceError(
                f"go.mod on {branch} does not require {deps.macadmins.module}.",
                hint="Check dependencies.macadmins.module in the rituals file.",
            )
        return module_finding(raw, _value(results["macadmins"]), rituals)

    def osquery() -> Finding:
        text = _value(results["workflow"]).text
        raw = _parsed(deps.osquery.file, lambda: osquery_version(text, deps.osquery.env))
        return osquery_finding(raw, _value(results["osquery"]), rituals)

    findings = [_judged("go", go), _judged("macadmins-extension", macadmins), _judged("osquery", osquery)]

    # Feeds: an unreachable or stale feed is a finding (unknown), not a failure.
    states = []
    for name in ("nvd", "cisa"):
        feed: Feed = getattr(deps.feeds, name)
        result = results[f"feed:{name}"]
        reading: FeedReading | None = result.value
        states.append(
            FeedState(
                name=name, url=_feed_url(app, name, feed), max_age_hours=feed.max_age_hours,
                date=reading.date if reading else None, error=str(result.error) if result.error else None,
            )
        )
    findings.append(feeds_finding(states, app.now(), rituals.people.oncall))

    fleetd = results["fleetd"]
    return Report(findings=findings, fleetd=fleetd.value or [], fleetd_error=fleetd.error)


# --- the plan ------------------------------------------------------------------------------------------------
def assignees(rituals: Rituals) -> list[str]:
    """The release DRI and the on-call engineer (each once)."""
    people = rituals.people
    return list(dict.fromkeys(p for p in (people.release_dri, people.oncall) if p))


def _issue_json(spec: IssueSpec, issue: IssueInfo | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"title": spec.title, "labels": list(spec.labels)}
    if issue is not None:
        out.update(number=issue.number, url=issue.url)
    return out


def _file_step(app: App, spec: IssueSpec, people: list[str]) -> Step:
    def apply(step: Step) -> str:
        issue = app.clients.github.create_issue(spec.title, spec.body, labels=list(spec.labels), assignees=people)
        step.data["issue"] = _issue_json(spec, issue)
        return f"filed #{issue.number}: {issue.url}"

    who = ", ".join(f"@{p}" for p in people) or "nobody"
    detail = f"labels: {', '.join(spec.labels) or 'none'}; assignees: {who}"
    return Step.todo(f"issue-{spec.key}", f'File "{spec.title}"', detail, apply, data={"issue": _issue_json(spec)}, preview=Quote(spec.body))


def _fleetd_qa_step(app: App, report: Report, options: Options) -> Step:
    """fleetd changed: the fleetd Release QA issue (`create-qa-issue --fleetd-only`), filed with --file-issues.

    Its version is the next orbit patch; the changes already read are reused, not read again.
    """
    orbit = next((c for c in report.fleetd if c.component == "orbit"), report.fleetd[0])
    version = next_patch(orbit.version)
    what = ", ".join(f"{c.component} ({c.commits} since {c.last_tag})" for c in report.fleetd_changed)
    title = "File the fleetd Release QA issue"
    if not options.file_issues:
        return Step.skip(
            "fleetd-qa-issue", title,
            f"changed: {what}. Not filed: run with --file-issues (or `fleetops release create-qa-issue {version} --fleetd-only`).",
        )
    from fleetops.ops.qa.issue import QAOptions, create_qa_issue

    try:
        qa_plan = create_qa_issue(app, QAOptions(version=version, fleetd_only=True), fleetd=report.fleetd)
    except FleetopsError as err:  # e.g. no template: the checks still report, this step fails
        return Step(id="fleetd-qa-issue", title=title, detail=str(err), status=Status.FAILED)
    step = qa_plan.steps[0]
    step.id = "fleetd-qa-issue"
    if step.status is Status.PENDING:
        step.detail = f"changed: {what}. {step.detail}"
    return step


def build_plan(app: App, report: Report, options: Options) -> Plan:
    """The steps: failed checks, the issues (filed with --file-issues), the people's checklist."""
    rituals = app.rituals
    plan = Plan(command="release check-deps", extra=report.as_json(), needs_action=report.needs_action)
    for finding in report.findings:
        if finding.error is not None:
            plan.add(Step(id=f"check-{finding.name}", title=f"Check {finding.name}", detail=str(finding.error), status=Status.FAILED))
    if report.fleetd_error is not None:
        plan.add(Step(id="check-fleetd", title="Check the fleetd components", detail=str(report.fleetd_error), status=Status.FAILED))

    specs = [spec for finding in report.findings for spec in finding.issues]
    people = assignees(rituals)
    if specs and options.file_issues:
        existing = app.clients.github.open_issues_titled([spec.title for spec in specs])
        if rituals.people.oncall is None:
            who = f"assigned to {', '.join('@' + p for p in people)} only" if people else "filed without assignees"
            app.ui.warn(f"the on-call engineer is unknown (set FLEETOPS_ONCALL or people.oncall): issues are {who}.")
        for spec in specs:
            duplicate = next(iter(existing[spec.title.strip()]), None)
            if duplicate is not None:
                plan.add(
                    Step.skip(
                        f"issue-{spec.key}", f'File "{spec.title}"', f"already open: #{duplicate.number} {duplicate.url}",
                        data={"issue": _issue_json(spec, duplicate)},
                    )
                )
            else:
                plan.add(_file_step(app, spec, people))
    else:
        for spec in specs:
            plan.add(Step.skip(f"issue-{spec.key}", f'File "{spec.title}"', "not filed: run with --file-issues to file it", data={"issue": _issue_json(spec)}))

    feeds = next((f for f in report.findings if f.name == "vulnerability-feeds"), None)
    if feeds is not None and feeds.status != UP_TO_DATE:
        plan.add(Step.checklist("notify-oncall", "Tell the on-call engineer about the vulnerability feeds", feeds.action))

    changed = report.fleetd_changed
    if changed:
        plan.add(_fleetd_qa_step(app, report, options))
    return plan


# --- the command ---------------------------------------------------------------------------------------------
def check(app: App, options: Options) -> tuple[Report, Plan]:
    """Read, judge and show the table (before the duplicate lookup, which may fail); then the plan.

    The CLI runs the plan: applied with --file-issues or --dry-run, else reported (see cli/release.py).
    """
    report = judge(app, read(app))
    if not app.json_mode:
        app.ui.show(report)
    return report, build_plan(app, report, options)
