"""Cut the release candidate (handbook releases.md@800f895: "Create a release candidate"), as one plan.

     1 branch     create `candidate.branch` (`rc-minor-fleet-v4.60.0`) at the default branch's head;
                  skipped when the branch exists (its sha is reported)
     2 issue      open `Release QA: VERSION` with create-qa-issue's planning (ops/qa/issue.py): an
                  open issue with that title is reused
     3 variable   set the Actions variable `candidate.deploy_variable` (QAWOLF_DEPLOY_TAG) of
                  `candidate.deploy_variable_repository` (fleetdm/confidential) to the branch;
                  skipped when it names the branch already (read first; fleetops never creates it)
     4 announce   post `candidate.announcement` to slack.channel through SLACK_WEBHOOK_URL, at
                  most once (without the webhook: a checklist item with the text)

Reads, at once: the branch, the default branch's head, the variable, the release tags
(`naming.release_tag`: a VERSION already released, or older than the newest release, is exit 2), and
create-qa-issue's reads (template, labels, the open issue with the title, fleetd changes); no request
is made twice.

At most once (docs/reliability.md): Slack cannot be asked whether a message arrived, so the Release
QA issue carries the durable marker, a hidden line at the end of its body. Just before posting, the
announce step re-reads the issue (GET), writes `<!-- fleetops: announcing in Slack (...) on T -->`
(PATCH), posts, and replaces that line by `<!-- fleetops: announced in Slack (...) on T -->`. A run
that finds the first line without the second holds the step ("may have been sent at T", exit 3)
unless given --resend-announcement; the runner's journal holds the same attempt for this machine.
The body is edited between a GET and a PATCH a few milliseconds apart: a QA checkbox ticked in
exactly that window would be lost, a risk accepted for a record that a person can read and fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from packaging.version import Version

from fleetops.concurrency import gather
from fleetops.errors import AuthError, FleetopsError, PolicyRefusal, RitualsError, UsageError
from fleetops.ops.announce import ANNOUNCING, MARKERS, Record, post_once
from fleetops.ops.process import candidate_branch, candidate_of, deploy_variable_step, is_release_candidate, read_deploy_variable
from fleetops.ops.qa.issue import QAOptions, plan_qa_issue
from fleetops.ops.steps import add_steps
from fleetops.plan import Plan, Skip, Status, Step
from fleetops.text import TemplateError, fill
from fleetops.versions import parse_release, release_name, require_release, version_in

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import IssueInfo
    from fleetops.rituals.models import StepEntry

COMMAND = "release cut-rc"
# The announcement's markers are hidden lines at the end of the Release QA issue's body (ops/announce.py MARKERS,
# shared with release prepare's pull request).


class CutRC:
    def __init__(self, app: App, version: str) -> None:
        self.app = app
        self.version = version
        self.rituals = app.rituals
        self.candidate = candidate_of(app)
        self.branch = candidate_branch(app, version)
        self.default = app.rituals.default_branch
        self.plan = Plan(command=COMMAND, extra={"branch": self.branch, "sha": None, "issue": None})
        self.reads: dict[str, Any] = {}  # set by build()

    # --- reads -----------------------------------------------------------------------------------------------
    def read(self) -> dict[str, Any]:
        github = self.app.clients.github

        def head() -> str | None:
            found = github.ref(f"heads/{self.default}")
            return found[0] if found else None

        def branch() -> str | None:
            found = github.ref(f"heads/{self.branch}")
            return found[0] if found else None

        def released() -> list[str]:
            pattern = self.rituals.naming.release_tag
            tags = github.tags_with_prefix(pattern.split("{", 1)[0])
            return [v for tag in tags if (v := version_in(tag.name, (pattern,))) is not None]

        return gather({
            "branch": branch,
            "head": head,
            "variable": lambda: read_deploy_variable(self.app),
            "released": released,
            "qa": lambda: plan_qa_issue(self.app, QAOptions(version=self.version)),
        })

    def refuse_released(self, released: list[str], variable: str | None) -> None:
        """Exit 2 for a version already released or older than the newest release: QA Wolf would test the past.

        The candidate in force (QAWOLF_DEPLOY_TAG names its branch) may still be finished after its tag exists.
        """
        if not released:
            return
        asked = Version(self.version)
        newest = max(released, key=Version)
        if asked in {Version(v) for v in released} and variable != self.branch:
            problem = f"{self.version} is already released ({release_name(self.rituals.naming.release_tag, self.version)})"
        elif asked < Version(newest):
            problem = f"{self.version} is older than the newest release, {newest}"
        else:
            return
        raise PolicyRefusal(
            f"{problem}: a release candidate is cut for a release still to come; nothing was changed.",
            hint=f"Give a version after {newest}, e.g. {parse_release(newest).next_minor()}.",
        )

    # --- the plan --------------------------------------------------------------------------------------------
    def build(self) -> Plan:
        """The steps of `rituals.cut_rc.steps` in the file's order (ops/steps.py; each kind's builder below)."""
        self.reads = self.read()
        self.refuse_released(self.reads["released"], self.reads["variable"])
        add_steps(self, self.rituals, "cut_rc", self.plan)
        return self.plan

    # kind (rituals/steps.py, ritual cut_rc) → the step it builds from the reads
    def _branch_kind(self, entry: StepEntry, plan: Plan) -> Step:
        return self._branch_step(self.reads["branch"], self.reads["head"])

    def _issue_kind(self, entry: StepEntry, plan: Plan) -> Step:
        return self._issue_step(self.reads["qa"][0])

    def _variable_kind(self, entry: StepEntry, plan: Plan) -> Step:
        return self._variable_step(self.reads["variable"])

    def _announce_kind(self, entry: StepEntry, plan: Plan) -> Step:
        reads = self.reads
        return self._announce_step(reads["qa"][0], reads["qa"][1], reads["branch"] or reads["head"])

    # 1
    def _branch_step(self, at: str | None, head: str | None) -> Step:
        title = f"Create branch {self.branch} from {self.default}"
        data = {"branch": self.branch}
        if at is not None:
            self.plan.extra["sha"] = at
            note = "" if at == head else f" ({self.default} is at {head[:7]} now)" if head else ""
            return Step.skip("branch", title, f"exists at {at[:7]}{note}", data={**data, "sha": at})
        if head is None:
            return Step(id="branch", title=title, status=Status.FAILED, data=data,
                        detail=f"{self.app.repo} has no branch {self.default} (rituals: default_branch)")
        self.plan.extra["sha"] = head

        def apply(step: Step) -> str:
            if not self.app.clients.github.create_branch(self.branch, head):
                raise Skip(f"{self.branch} exists already (created by another run meanwhile)")
            return f"created {self.branch} at {head[:7]}"

        return Step.todo("branch", title, f"{self.branch} at {self.default}'s head (commit {head[:7]})", apply, data={**data, "sha": head})

    # 2: create-qa-issue's own step, its number forwarded to this plan's --json
    def _issue_step(self, qa_plan: Plan) -> Step:
        step = qa_plan.step("issue")
        self.plan.extra["issue"] = qa_plan.extra["issue"]
        for key in ("labels", "assignees", "warnings"):
            self.plan.extra.setdefault("qa", {})[key] = qa_plan.extra[key]
        action = step.action
        if action is None:
            return step

        def apply(s: Step) -> str | None:
            result = action(s)
            self.plan.extra["issue"] = qa_plan.extra["issue"]
            return result

        step.action = apply
        return step

    # 3
    def _variable_step(self, value: str | None) -> Step:
        return deploy_variable_step(self.app, "variable", f"to {self.branch}", value, self.branch, "QA Wolf tests the branch it names")

    # 4
    def announcement(self, sha: str | None) -> str:
        issue = self.plan.extra["issue"] or {}
        values = {
            "version": self.version,
            "branch": self.branch,
            "sha": (sha or "")[:7],
            "default_branch": self.default,
            # Before the issue exists, the plan shows where its number and URL will go.
            "issue": f"#{issue['number']}" if issue.get("number") else "#<the new issue>",
            "issue_url": issue.get("url") or "<the new issue's URL>",
            "variable": self.candidate.deploy_variable,
            "channel": self.rituals.slack.channel,
        }
        try:
            return fill(self.candidate.announcement, values)
        except TemplateError as err:
            raise RitualsError(
                f"candidate.announcement in the rituals file cannot be filled in ({type(err).__name__}: {err}).",
                hint=f"Use only the placeholders {', '.join('{' + k + '}' for k in values)}.",
            ) from None

    def _announce_step(self, qa_plan: Plan, existing: IssueInfo | None, sha: str | None) -> Step:
        channel = self.rituals.slack.channel
        title = f"Announce in {channel}"
        text = self.announcement(sha)
        data = {"text": text}
        body = existing.body if existing is not None else ""
        if (line := MARKERS.announced_in(body)) is not None:
            return Step.skip("announce", title, f"already announced: the Release QA issue says {line!r}", data=data)
        if self.app.settings.slack_webhook_url is None:
            return Step.checklist("announce", title, f"SLACK_WEBHOOK_URL is not set: post this in {channel} yourself: {text}", data=data)

        def apply(step: Step) -> str:
            number = (self.plan.extra["issue"] or {}).get("number")
            if number is None:
                err = FleetopsError("the Release QA issue has no number: nothing was posted; re-run.")
                err.not_sent = True  # type: ignore[attr-defined]
                raise err
            final = self.announcement(sha)  # the issue's URL is known now
            step.data["text"] = final
            return self._post(step, int(number), final)

        detail = f"post in {channel}: {text}"
        return Step.todo(
            "announce", title, detail, apply, data=data,
            once="--resend-announcement", attempted=MARKERS.attempt_time(body),
        )

    def _post(self, step: Step, number: int, text: str) -> str:
        """At most once: re-read the issue, note the attempt in its body, post, then note the post."""
        github = self.app.clients.github
        record = Record(
            MARKERS, f"the Release QA issue #{number}", "the Release QA issue",
            lambda: github.issue_body(number), lambda body: github.edit_issue_body(number, body),
            lambda line: f"Replace the body's line starting {ANNOUNCING!r} by {line!r}: until then a re-run reports the announcement as not confirmed.",
        )
        return post_once(step, self.app.clients.slack, record, channel=self.rituals.slack.channel, text=text, now=self.app.now)


def cut_rc(app: App, version: str) -> Plan:
    """Read everything and return the plan for `release cut-rc` (exit 2 before any request when VERSION is bad)."""
    if not is_release_candidate(app):
        raise UsageError(
            f"`fleetops {COMMAND}` belongs to the release-candidate process; this rituals file has process: {app.rituals.process}, "
            "the 2024 handbook, which has a merge freeze instead of a candidate branch: `fleetops freeze begin`.",
            hint="For the current handbook set FLEETOPS_RITUALS=fleet-rc (or a rituals file with process: release-candidate).",
        )
    version = str(require_release(version))
    if app.settings.github_token is None:
        raise AuthError(
            f"`fleetops {COMMAND}` creates a branch and an issue and sets an Actions variable: it needs a GitHub token.",
            hint="Export GH_TOKEN (or GITHUB_TOKEN) with write access to the repository and fleetdm/confidential's variables.",
        )
    return CutRC(app, version).build()
