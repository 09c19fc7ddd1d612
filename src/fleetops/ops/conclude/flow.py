"""The frame of conclude-milestone that both board backends build on: the plan from the rituals file's list, and the
steps on the milestone itself (rename, close, the next one) and the announcement. The steps on the boards are
board_steps.py's; a backend (zenhub.py, projects.py) is a `BoardSteps` with its reads and writes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any


from fleetops.errors import FleetopsError, RitualsError, UsageError
from fleetops.ops.announce import Record, append_line, post_once, stamp
from fleetops.plan import Plan, Skip, Step
from fleetops.schedule import due_day
from fleetops.text import TemplateError, fill
from fleetops.versions import release_name
from fleetops.ops.conclude.rules import COMMAND, CONCLUDED, MARKERS, ColumnNames, Versions
from fleetops.ops.steps import add_steps

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import Milestone
    from fleetops.rituals.models import StepEntry


class ConcludeFlow:
    """Reads the world for one release and builds the plan; the actions close over what was read."""

    def __init__(self, app: App, versions: Versions) -> None:
        self.app = app
        self.v = versions
        rituals = app.rituals
        self.rituals = rituals
        self.naming = rituals.naming
        self.labels = rituals.labels
        self.columns = self._column_names()  # the names of the columns the board steps use, on the backend in force
        self.repo = app.repo
        self.tentative_title = release_name(self.naming.tentative_milestone, versions.version)
        self.final_title = release_name(self.naming.milestone, versions.version)
        self.next_titles = (
            release_name(self.naming.tentative_milestone, versions.next),
            release_name(self.naming.milestone, versions.next),
        )
        self.tag = release_name(self.naming.release_tag, versions.version)
        self.branch = release_name(self.naming.patch_branch, versions.patch)
        self.freeze_branch = rituals.freeze.branch
        self.reads: Any  # set by plan(): the backend's reads (board_steps.BoardReads and what the backend adds)
        self.closed_reason: str | None = None  # why the boards are left alone (a closed milestone)
        self.next_freeze: str | None = None  # why the freeze belongs to the next release

    def _column_names(self) -> ColumnNames:
        """The rituals file's names of the boards' columns (`zenhub.pipelines`, `boards.github_projects`)."""
        raise NotImplementedError

    def _find_milestone(self, milestones: list[Milestone]) -> Milestone:
        by_title = {m.title: m for m in milestones}
        tentative = by_title.get(self.tentative_title)
        final = by_title.get(self.final_title)
        if tentative is not None and final is not None and tentative.number != final.number:
            raise UsageError(
                f"{self.repo} has both milestone {self.tentative_title!r} (#{tentative.number}) and {self.final_title!r} (#{final.number}).",
                hint="Move the issues into one of them and delete the other, then re-run.",
            )
        found = tentative or final
        if found is None:
            open_ones = [m.title for m in milestones if m.state == "open" and self.naming.tentative_regex().match(m.title)]
            hint = f"Open release milestones: {', '.join(open_ones)}." if open_ones else "There is no open release milestone."
            names = repr(self.final_title) if self.tentative_title == self.final_title else f"{self.tentative_title!r} (nor {self.final_title!r})"
            raise UsageError(f"{self.repo} has no milestone {names}: nothing to conclude for {self.v.version}.", hint=hint)
        return found

    # -- the plan ---------------------------------------------------------------------------------------------
    def read(self) -> Any:
        """Every read, in concurrent rounds: the backend's (zenhub_reads.py, projects.py)."""
        raise NotImplementedError

    def start_plan(self) -> Plan:
        """The plan before its steps, with the backend's `--json` keys (`_new_plan` and what it adds)."""
        raise NotImplementedError

    def plan(self) -> Plan:
        self.reads = reads = self.read()
        ms = reads.milestone
        # A closed milestone's boards were concluded with it (fleetops closes it last) or by hand:
        # either way its boards now hold later work, and touching them would be wrong.
        if ms.state == "closed":
            by = "by fleetops" if MARKERS.line(ms.description, CONCLUDED) else "outside fleetops"
            self.closed_reason = f"milestone {ms.title} was closed {by}: its boards are left alone (re-open the milestone to redo this)"
        plan = self.start_plan()
        self.build_steps(plan)
        plan.extra["announcement"] = next((s.data.get("text") for s in plan.steps if s.id == "announce"), None)
        return plan

    def _new_plan(self) -> Plan:
        """An empty plan with the `--json` keys every backend reports."""
        ms = self.reads.milestone
        extra = {"version": self.v.version, "milestone": {"number": ms.number, "title": self.final_title, "url": ms.html_url}}
        return Plan(command=COMMAND, title=f"Conclude {self.v.version}", extra=extra)

    # 1
    def _rename(self, entry: StepEntry, plan: Plan) -> Step:
        ms = self.reads.milestone
        title = f"Rename milestone {self.tentative_title} → {self.final_title}"
        data = {"milestone": ms.number}
        if ms.title == self.final_title:
            return Step.skip("rename", title, f"already named {self.final_title} (#{ms.number}, {ms.state})", data=data)

        def apply(step: Step) -> str:
            self.app.clients.github.edit_milestone(ms.number, self.final_title)
            return f"renamed #{ms.number} to {self.final_title}"

        detail = f"#{ms.number} ({ms.state}, {ms.open_issues} open and {ms.closed_issues} closed issues): title {ms.title} → {self.final_title}"
        return Step.todo("rename", title, detail, apply, data=data)

    def build_steps(self, plan: Plan) -> None:
        """Add the steps of the rituals file's list in order (ops/steps.py: builders, boards' order, needs)."""
        add_steps(self, self.rituals, "conclude_milestone", plan)

    # 9
    def _close_milestone(self, entry: StepEntry, plan: Plan) -> Step:
        ms = self.reads.milestone
        title = f"Close milestone {self.final_title}"
        data = {"milestone": ms.number}
        if ms.state == "closed":
            return Step.skip("close-milestone", title, f"already closed (#{ms.number})", data=data)

        def apply(step: Step) -> str:
            line = f"{CONCLUDED} {self.v.version} on {stamp(self.app.now())}"
            closed = self.app.clients.github.edit_milestone(
                ms.number, self.final_title, state="closed", description=append_line(ms.description, line)
            )
            return f"closed #{ms.number} ({closed.open_issues} open, {closed.closed_issues} closed issues)"

        detail = f"#{ms.number}: open → closed, once every step above has finished (noted in its description)"
        # closed means concluded: every step before it must have finished (its kind needs them all)
        return Step.todo("close-milestone", title, detail, apply, data=data)

    # 10
    def _next_milestone(self, entry: StepEntry, plan: Plan) -> Step:
        tentative, final = self.next_titles
        title = f"Create milestone {tentative}"
        existing = self._next_existing()
        if existing is not None:
            return Step.skip("next-milestone", title, f"{existing.title} exists (#{existing.number}, {existing.state})", data={"milestone": existing.number})
        due = self._next_due()
        when = f"due {due.isoformat()} ({self.v.version}'s due date + {self.rituals.release.cadence_days} days)" if due else f"no due date ({self.v.version} has none)"

        def apply(step: Step) -> str:
            created = self.app.clients.github.create_milestone(tentative, due_on=due)
            if created is None:
                raise Skip(f"{tentative} exists already (created by an earlier run)")
            step.data["milestone"] = created.number
            return f"created {tentative} (#{created.number}), {when}"

        return Step.todo("next-milestone", title, f"{tentative}: {when}", apply)

    def _next_existing(self) -> Milestone | None:
        return next((m for m in self.reads.milestones if m.title in self.next_titles), None)

    def _next_due(self) -> date | None:
        due = self.reads.milestone.due_on
        if due is None:
            return None
        return due_day(due) + timedelta(days=self.rituals.release.cadence_days)

    # 12
    def announcement(self) -> str:
        slack = self.rituals.slack
        values = {
            "version": self.v.version,
            "milestone": self.final_title,
            "milestone_url": self.reads.milestone.html_url,
            "next": self.v.next,
            "next_milestone": self.next_titles[0],
            "branch": self.freeze_branch,
            "patch_branch": self.branch,
            "channel": slack.channel,
        }
        try:
            return fill(slack.announcement, values)
        except TemplateError as err:
            raise RitualsError(
                f"slack.announcement in the rituals file cannot be filled in ({type(err).__name__}: {err}).",
                hint=f"Use only the placeholders {', '.join('{' + k + '}' for k in values)}.",
            ) from None

    def _announce(self, entry: StepEntry, plan: Plan) -> Step:
        ms = self.reads.milestone
        channel = self.rituals.slack.channel
        text = self.announcement()
        title = f"Announce in {channel}"
        data = {"text": text}
        announced = MARKERS.announced_in(ms.description)
        if announced is not None:
            return Step.skip("announce", title, f"already announced: the milestone says {announced!r}", data=data)
        if self.next_freeze is not None:
            return Step.skip("announce", title, f"{self.freeze_branch} is frozen for {self.v.next}: announcing it unfrozen would be wrong", data=data)
        if ms.state == "closed" and MARKERS.line(ms.description, CONCLUDED) is None:
            return Step.checklist(
                "announce", title, f"the milestone was closed outside fleetops, so fleetops does not know whether it was announced; if not, post in {channel}: {text}", data=data
            )
        if self.app.settings.slack_webhook_url is None:
            return Step.checklist("announce", title, f"SLACK_WEBHOOK_URL is not set: post this in {channel} yourself: {text}", data=data)

        def apply(step: Step) -> str:
            return self._post_announcement(step, text)

        return Step.todo(
            "announce", title, f"post in {channel}: {text}", apply, data=data,
            once="--resend-announcement", attempted=MARKERS.attempt_time(ms.description),
        )

    def _post_announcement(self, step: Step, text: str) -> str:
        """At most once: re-read the milestone, note the attempt there, post, then note the post."""
        github = self.app.clients.github
        number = self.reads.milestone.number

        def read() -> str:
            now = next((m for m in github.milestones("all") if m.number == number), None)
            if now is None:
                raise FleetopsError(f"milestone #{number} disappeared from {self.repo} before the announcement.")
            return now.description

        record = Record(
            MARKERS, f"milestone {self.final_title}", "the milestone", read,
            lambda description: github.edit_milestone(number, self.final_title, description=description),
            lambda line: f"Add the line {line!r} to the milestone's description: until then a re-run reports the announcement as not confirmed.",
        )
        return post_once(step, self.app.clients.slack, record, channel=self.rituals.slack.channel, text=text, now=self.app.now)
