"""Conclude the milestone: every step of the handbook's "Conclude current milestone", as one plan.

The plan reads GitHub, the ZenHub boards (through `app.boards`), Merge Freeze and Slack's marker
once (reads run concurrently), then holds one step per handbook step (per board where the
handbook says "on each board"):

     1 rename                `VERSION-tentative` → `VERSION`
   2–3 <board>.unfinished    remove the milestone from items that did not reach "Ready for release"
     4 <board>.ready         give "Ready for release" items the milestone and the active sprint
     5 <board>.stories       stories there: add `:product`, remove `:release` (back to drafting)
     6 <board>.close         close the other "Ready for release" items (ZenHub closes the issues)
     8 drafting.celebrate    move this milestone's stories to "Confirm and celebrate"
     9 close-milestone, 10 next-milestone, 11 unfreeze, 12 announce, 13 patch-branch

Every board change is one `app.boards` call per kind of change per board: on ZenHub, one batch
mutation (boards/zenhub.py). A ZenHub workspace shows every issue of its repositories (issues
nobody placed sit in the first pipeline), so an item counts as released when it is in "Ready for
release" on ANY product group's board; an unfinished item is handled by the board of its group
label, else by the first board that shows it.
Closed issues and pull requests are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, ClassVar

from packaging.version import Version

from fleetops.concurrency import gather
from fleetops.errors import FleetopsError, RitualsError, UsageError
from fleetops.ops.announce import Markers, Record, post_once
from fleetops.plan import Plan, Skip, Status, Step
from fleetops.schedule import compute_schedule, due_day
from fleetops.text import TemplateError, fill
from fleetops.rituals import steps as step_kinds
from fleetops.versions import Release, next_patch, parse_release, release_name

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import Milestone
    from fleetops.clients.mergefreeze import FreezeState
    from fleetops.boards import BoardInfo, Card, Column
    from fleetops.rituals.models import StepEntry

COMMAND = "release conclude-milestone"
KINDS = step_kinds.KINDS["conclude_milestone"]
# Durable markers, lines in the milestone's description: the close step writes the first in the
# same request that closes it; the Slack step writes the second before it posts (Slack cannot be
# asked afterwards whether the message arrived) and replaces it by the third once Slack said "ok".
CONCLUDED = "fleetops: concluded"
ANNOUNCING = "fleetops: announcing in Slack"
ANNOUNCED = "fleetops: announced in Slack"
MARKERS = Markers(ANNOUNCING, ANNOUNCED)  # visible lines in the milestone's description


def _listed(method: Callable[..., Step | None]) -> Callable[..., list[Step]]:
    """A step builder that gives one step (or none) as the list `build_steps` expects."""

    @wraps(method)
    def build(self: Any, entry: StepEntry, plan: Plan) -> list[Step]:
        step = method(self, entry, plan)
        return [] if step is None else [step]

    return build


# --- versions -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Versions:
    version: str  # the release being concluded, e.g. 4.58.0
    next: str  # the next release, e.g. 4.59.0
    patch: str  # the next patch of this release, e.g. 4.58.1


def _parse(value: str, what: str) -> Release:
    release = parse_release(value)
    if release is None:
        raise UsageError(f"{what} {value!r} is not a release version like 4.58.0.", hint="Give MAJOR.MINOR.PATCH, e.g. 4.58.0.")
    return release


def parse_versions(version: str, next_version: str | None) -> Versions:
    """Validate VERSION and --next (default: the next minor); bad input is exit 2 before any read."""
    release = _parse(version, "VERSION")
    current = str(release)
    if next_version is None:
        nxt = str(release.next_minor())
    else:
        nxt = str(_parse(next_version, "--next"))
        if Version(nxt) <= Version(current):
            raise UsageError(f"--next {nxt} is not after {current}.", hint="Give the version of the next release, e.g. --next 4.59.0.")
    return Versions(version=current, next=nxt, patch=next_patch(release))


# --- what the plan reads ---------------------------------------------------------------------------------------
@dataclass
class GroupBoard:
    """One product group's board: its released items and the unfinished items it must clean up."""

    key: str
    label: str | None
    board: BoardInfo | None = None
    ready_pipeline: str | None = None  # the id of its "Ready for release" column
    problem: str | None = None  # why this board's steps cannot run (a person must fix it)
    in_ready: list[Card] = field(default_factory=list)  # every open issue in "Ready for release"
    ready: list[Card] = field(default_factory=list)  # those this board concludes (steps 4–6)
    unfinished: list[Card] = field(default_factory=list)  # step 3
    found_outside: list[Card] = field(default_factory=list)  # this milestone's items outside the column


@dataclass
class Reads:
    milestone: Milestone  # this release's milestone as it is now (tentative or already renamed)
    milestones: list[Milestone]
    freeze: FreezeState
    user: str
    tag_commit: str | None  # the commit the release tag points to; None: not published yet
    branch: tuple[str, str] | None
    groups: list[GroupBoard]
    drafting_key: str | None
    drafting: BoardInfo | None
    drafting_problem: str | None
    drafting_stories: list[Card]  # stories outside "Confirm and celebrate", any milestone
    celebrated: list[Card]  # this milestone's stories already in "Confirm and celebrate"


def marker_line(description: str, prefix: str) -> str | None:
    """The first line of a milestone's description that starts with `prefix`."""
    return next((line for line in description.splitlines() if line.startswith(prefix)), None)


def append_line(description: str, line: str) -> str:
    return (description.rstrip() + "\n\n" + line).lstrip()


def _numbers(issues: list[Card]) -> list[int]:
    """The issue numbers, sorted, each once (an issue may be on two boards)."""
    return sorted({i.number for i in issues})


def _list(issues: list[Card], *, where: bool = False) -> str:
    if where:
        return ", ".join(f"#{i.number} ({i.column or '?'})" for i in sorted(issues, key=lambda i: i.number))
    return ", ".join(f"#{n}" for n in _numbers(issues))


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"


class Conclude:
    """Reads the world for one release and builds the plan; the actions close over what was read."""

    def __init__(self, app: App, versions: Versions) -> None:
        self.app = app
        self.v = versions
        rituals = app.rituals
        self.rituals = rituals
        self.naming = rituals.naming
        self.labels = rituals.labels
        self.pipes = rituals.zenhub.pipelines
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
        self.reads: Reads  # set by plan()
        self.closed_reason: str | None = None  # why the boards are left alone (a closed milestone)
        self.next_freeze: str | None = None  # why the freeze belongs to the next release
        self._added: set[str] = set()  # items the board steps give the milestone
        self._removed: set[str] = set()  # items the board steps take it from

    # -- reading --------------------------------------------------------------------------------------------
    def _group_keys(self) -> list[tuple[str, str | None]]:
        """(workspace key, group label) per product-group board; two groups on one board: one board."""
        boards: dict[str, str | None] = {}
        for group in self.rituals.people.product_groups:
            if group.zenhub_workspace and group.zenhub_workspace not in boards:
                boards[group.zenhub_workspace] = group.label
        return list(boards.items())

    def read(self) -> Reads:
        first = self._read_first()
        milestone = self._find_milestone(first["milestones"])

        # Second round: the issues on the boards (they need the milestone's title) and the tag's commit.
        # A closed milestone's boards are left alone (see plan()), so they are not read either.
        boards_open = milestone.state != "closed"
        groups = [GroupBoard(key=key, label=label, board=first[f"board:{key}"]) for key, label in self._group_keys()]
        drafting: BoardInfo | None = first.get("board:drafting")
        tasks: dict[str, Any] = {}
        for group in groups if boards_open else []:
            self._board_tasks(group, milestone, tasks)
        drafting_problem = None
        celebrate = None
        if drafting is not None and boards_open:
            celebrate = drafting.column(self.pipes.confirm_and_celebrate, closed=False)
            if celebrate is None:
                drafting_problem = self._no_pipeline(drafting, self.pipes.confirm_and_celebrate)
            else:
                self._drafting_tasks(drafting, celebrate.id, milestone, tasks)
        second = gather(tasks)
        if boards_open:
            self._sort_boards(groups, milestone, second)
        stories: list[Card] = []
        celebrated: list[Card] = []
        if drafting is not None and celebrate is not None:
            for pipe in drafting.columns:
                found = [i for i in second[f"drafting:{pipe.id}"] if self._ours(i)]
                (celebrated if pipe.id == celebrate.id else stories).extend(found)
        return Reads(
            milestone=milestone,
            milestones=first["milestones"],
            freeze=first["freeze"],
            user=self.rituals.freeze.user_name or first.get("login") or "fleetops",
            tag_commit=first["tag_commit"],
            branch=first["branch"],
            groups=groups,
            drafting_key=self.rituals.zenhub.drafting_workspace,
            drafting=drafting,
            drafting_problem=drafting_problem,
            drafting_stories=stories,
            celebrated=celebrated,
        )

    def _read_first(self) -> dict[str, Any]:
        """First round: the milestones, the tag's commit, the patch branch, Merge Freeze, the boards."""
        app = self.app
        # Built here, not in the worker threads: a missing token is one clear error (exit 4).
        github, mergefreeze, boards = app.clients.github, app.clients.mergefreeze, app.boards
        workspaces = self.rituals.zenhub.workspaces
        drafting_key = self.rituals.zenhub.drafting_workspace
        tasks: dict[str, Any] = {
            "milestones": lambda: github.milestones("all"),
            # GET /commits/{tag} resolves a tag, annotated or not, to its commit in one request.
            "tag_commit": lambda: github.commit_sha(self.tag),
            "branch": lambda: github.ref(f"heads/{self.branch}"),
            "freeze": lambda: mergefreeze.status(self.repo, self.freeze_branch),
        }
        if self.rituals.freeze.user_name is None:
            tasks["login"] = github.login
        for key, _ in self._group_keys():
            tasks[f"board:{key}"] = lambda ws=workspaces[key].id: boards.find(ws)
        if drafting_key:
            tasks["board:drafting"] = lambda ws=workspaces[drafting_key].id: boards.find(ws)
        return gather(tasks)

    def _drafting_tasks(self, drafting: BoardInfo, celebrate_id: str, milestone: Milestone, tasks: dict[str, Any]) -> None:
        """The drafting board's stories: every column's, and this milestone's in "Confirm and celebrate"."""
        boards = self.app.boards
        story = [self.labels.story]
        for pipe in drafting.columns:
            if pipe.id == celebrate_id:
                tasks[f"drafting:{pipe.id}"] = lambda p=pipe: boards.cards(
                    drafting, p, labels=story, milestone=milestone.title, issues_only=True
                )
            else:
                tasks[f"drafting:{pipe.id}"] = lambda p=pipe: boards.cards(drafting, p, labels=story, issues_only=True)

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
            raise UsageError(f"{self.repo} has no milestone {self.tentative_title!r} (nor {self.final_title!r}): nothing to conclude for {self.v.version}.", hint=hint)
        return found

    def _no_pipeline(self, board: BoardInfo, name: str) -> str:
        names = ", ".join(repr(p.name) for p in board.columns)
        return f"board {board.name!r} has no pipeline {name!r} (it has {names}): fix zenhub.pipelines in the rituals file"

    def _ours(self, issue: Card) -> bool:
        """Open issues of the Fleet repository; closed issues and pull requests are left as they are."""
        return issue.state == "open" and not issue.is_pr and issue.repo == self.repo

    def _board_tasks(self, group: GroupBoard, milestone: Milestone, tasks: dict[str, Any]) -> None:
        board = group.board
        assert board is not None
        ready = board.column(self.pipes.ready_for_release, closed=False)
        if ready is None:
            group.problem = self._no_pipeline(board, self.pipes.ready_for_release)
            return
        if not board.shows(self.repo):
            group.problem = f"board {board.name!r} does not show {self.repo}: add the repository to the workspace"
            return
        group.ready_pipeline = ready.id
        boards = self.app.boards
        for pipe in board.columns:
            if pipe.id == ready.id:  # the whole column: every item in it is part of the release
                tasks[f"{group.key}:{pipe.id}"] = lambda p=pipe: boards.cards(board, p, issues_only=True)
            else:  # elsewhere only this milestone's items matter
                tasks[f"{group.key}:{pipe.id}"] = lambda p=pipe: boards.cards(board, p, milestone=milestone.title, issues_only=True)

    def _sort_boards(self, groups: list[GroupBoard], milestone: Milestone, results: dict[str, Any]) -> None:
        """Decide which board concludes which item (see the module docstring)."""
        usable = [g for g in groups if g.problem is None and g.board is not None]
        for group in usable:
            group.in_ready = sorted((i for i in results[f"{group.key}:{group.ready_pipeline}"] if self._ours(i)), key=lambda i: i.number)
            for pipe in group.board.columns:  # type: ignore[union-attr]
                if pipe.id != group.ready_pipeline:
                    group.found_outside += [
                        i for i in results[f"{group.key}:{pipe.id}"] if self._ours(i) and i.milestone_number == milestone.number
                    ]
        released = {i.issue_id for g in usable for i in g.in_ready}
        claimed: set[str] = set()
        for group in usable:
            # A story that an earlier run sent back to drafting (`:product`, no `:release`) is done
            # here; Fleet's boards drop it from the column, the sandbox's keep it there.
            mine = [i for i in group.in_ready if i.issue_id not in claimed and not self._sent_back(i)]
            claimed.update(i.issue_id for i in group.in_ready)
            group.ready = mine
        owners: dict[str, tuple[GroupBoard, Card]] = {}
        for group in usable:
            for issue in group.found_outside:
                if issue.issue_id in released:
                    continue
                current = owners.get(issue.issue_id)
                labelled = group.label is not None and group.label in issue.labels
                if current is None or (labelled and not (current[0].label and current[0].label in issue.labels)):
                    owners[issue.issue_id] = (group, issue)
        for group, issue in owners.values():
            group.unfinished.append(issue)
        for group in usable:
            group.unfinished.sort(key=lambda i: i.number)

    def _sent_back(self, issue: Card) -> bool:
        return self.labels.story in issue.labels and self.labels.product in issue.labels and self.labels.release not in issue.labels


    # -- the plan ---------------------------------------------------------------------------------------------
    def plan(self) -> Plan:
        self.reads = reads = self.read()
        ms = reads.milestone
        # A closed milestone's boards were concluded with it (fleetops closes it last) or by hand:
        # either way its boards now hold later work, and touching them would be wrong.
        if ms.state == "closed":
            by = "by fleetops" if marker_line(ms.description, CONCLUDED) else "outside fleetops"
            self.closed_reason = f"milestone {ms.title} was closed {by}: its boards are left alone (re-open the milestone to redo this)"
        plan = self.start_plan()
        self.build_steps(plan)
        plan.extra["announcement"] = next((s.data.get("text") for s in plan.steps if s.id == "announce"), None)
        return plan

    def start_plan(self) -> Plan:
        """The plan before its steps: what the reads decide for every step, and the `--json` keys.

        A subclass for another board backend overrides it (ops/conclude_projects.py: no Merge Freeze).
        """
        self.next_freeze = self._next_release_freeze() if self.reads.freeze.frozen else None
        plan = self._new_plan()
        plan.extra.update(next_milestone=self.next_titles[0], patch_branch=self.branch)
        return plan

    def _new_plan(self) -> Plan:
        """An empty plan with the `--json` keys every backend reports."""
        ms = self.reads.milestone
        extra = {"version": self.v.version, "milestone": {"number": ms.number, "title": self.final_title, "url": ms.html_url}}
        return Plan(command=COMMAND, title=f"Conclude {self.v.version}", extra=extra)

    # 1
    @_listed
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

    # -- the steps, as the rituals file lists them ------------------------------------------------------
    # kind (rituals/steps.py) → the method that builds its step(s): (entry, plan) → [Step, ...]. A
    # per-board kind gives one step per board, in the boards' order.
    BUILDERS: ClassVar[dict[str, str]] = {
        "rename-milestone": "_rename",
        "boards.unfinished-lose-milestone": "_unfinished_steps",
        "boards.prepare-ready": "_ready_steps",
        "boards.stories-to-drafting": "_stories_steps",
        "boards.close-ready": "_close_steps",
        "drafting.celebrate": "_celebrate",
        "close-milestone": "_close_milestone",
        "create-next-milestone": "_next_milestone",
        "freeze.end": "_unfreeze",
        "announce": "_announce",
        "create-patch-branch": "_patch_branch",
    }

    def build_steps(self, plan: Plan) -> None:
        """Add the steps of the rituals file's list in order; consecutive board kinds go board by board."""
        run: list[list[Step]] = []  # the steps of consecutive per-board kinds, one list per kind
        for entry in self.rituals.steps_of("conclude_milestone"):
            build = getattr(self, self.BUILDERS[entry.kind])
            if KINDS[entry.kind].per_board:
                run.append(build(entry, plan))
                continue
            self._add_board_run(plan, run)
            for step in build(entry, plan):
                plan.add(step)
        self._add_board_run(plan, run)

    @staticmethod
    def _add_board_run(plan: Plan, run: list[list[Step]]) -> None:
        for board_steps in zip(*run, strict=True):
            for step in board_steps:
                plan.add(step)
        run.clear()

    def _per_board(self, name: str, title: str, build: Callable[[GroupBoard, str, str], Step]) -> list[Step]:
        """One step per product group's board; `title` has `{key}`. Unusable boards fail, closed milestones skip."""
        steps = []
        for group in self.reads.groups:
            step_id, text = f"{group.key}.{name}", title.format(key=group.key)
            if self.closed_reason is not None:
                steps.append(Step.skip(step_id, text, self.closed_reason, data={"workspace": group.key, "issues": []}))
            elif group.problem is not None:
                steps.append(Step(id=step_id, title=text, detail=group.problem, status=Status.FAILED, data={"workspace": group.key}))
            else:
                steps.append(build(group, step_id, text))
        return steps

    def _unfinished_steps(self, entry: StepEntry, plan: Plan) -> list[Step]:
        return self._per_board("unfinished", "{key}: remove the milestone from unfinished items", self._unfinished_step)

    def _ready_steps(self, entry: StepEntry, plan: Plan) -> list[Step]:
        return self._per_board("ready", "{key}: milestone and sprint on Ready for release", self._ready_step)

    def _stories_steps(self, entry: StepEntry, plan: Plan) -> list[Step]:
        return self._per_board("stories", "{key}: send stories back to drafting", self._stories_step)

    def _close_steps(self, entry: StepEntry, plan: Plan) -> list[Step]:
        return self._per_board(
            "close", "{key}: close the rest of Ready for release",
            lambda group, step_id, title: self._close_step(group, step_id, title, needs=(f"{group.key}.ready", f"{group.key}.stories")),
        )

    # 2–3: items of this milestone outside the column did not make the release
    def _unfinished_step(self, group: GroupBoard, step_id: str, title: str) -> Step:
        key, boards, ms = group.key, self.app.boards, self.reads.milestone
        board = group.board
        assert board is not None
        unfinished = group.unfinished
        self._removed.update(i.issue_id for i in unfinished)
        data = {"workspace": key, "issues": _numbers(unfinished)}
        if not unfinished:
            return Step.skip(step_id, title, f"no open item outside {self.pipes.ready_for_release} carries {ms.title}", data=data)

        def remove(step: Step, issues: list[Card] = unfinished) -> str:
            count = boards.remove_milestone(board, issues)
            return f"removed {ms.title} from {_count(count, 'item')}: {_list(issues)}"

        detail = f"{_count(len(unfinished), 'item')} outside {self.pipes.ready_for_release} still carry {ms.title}: {_list(unfinished, where=True)} → remove it"
        return Step.todo(step_id, title, detail, remove, data=data)

    # 4: every item in the column gets the milestone and the active sprint
    def _ready_step(self, group: GroupBoard, step_id: str, title: str) -> Step:
        key, boards, ms = group.key, self.app.boards, self.reads.milestone
        board = group.board
        assert board is not None
        ready = group.ready
        sprint = board.current_sprint
        lacking_ms = [i for i in ready if i.milestone_number != ms.number]
        lacking_sprint = [i for i in ready if sprint is not None and sprint.id not in i.sprints]
        self._added.update(i.issue_id for i in lacking_ms)
        touched = sorted({*_numbers(lacking_ms), *_numbers(lacking_sprint)})
        data = {"workspace": key, "issues": touched, "milestone_added": _numbers(lacking_ms), "sprint_added": _numbers(lacking_sprint)}
        if ready and sprint is None:
            return Step(
                id=step_id, title=title, status=Status.FAILED, data=data,
                detail=f"board {board.name!r} has no active sprint for its {_count(len(ready), 'item')} in {self.pipes.ready_for_release}: start the sprint in ZenHub, then re-run",
            )
        if not lacking_ms and not lacking_sprint:
            reason = (
                f"all {_count(len(ready), 'item')} in {self.pipes.ready_for_release} have {ms.title} and sprint {sprint.name!r}"
                if ready and sprint
                else f"no open issue in {self.pipes.ready_for_release}"
            )
            return Step.skip(step_id, title, reason, data=data)

        def prep(step: Step, no_ms: list[Card] = lacking_ms, no_sprint: list[Card] = lacking_sprint) -> str:
            done = []
            if no_ms:
                boards.set_milestone(board, no_ms, ms)
                done.append(f"milestone on {_list(no_ms)}")
            if no_sprint:
                boards.set_sprint(board, no_sprint, sprint)  # type: ignore[arg-type]
                done.append(f"sprint on {_list(no_sprint)}")
            return "added " + "; ".join(done)

        parts = [f"{_count(len(ready), 'item')} in {self.pipes.ready_for_release}"]
        if lacking_ms:
            parts.append(f"{len(lacking_ms)} lack {ms.title}: {_list(lacking_ms)}")
        if lacking_sprint:
            parts.append(f"{len(lacking_sprint)} lack sprint {sprint.name!r}: {_list(lacking_sprint)}")  # type: ignore[union-attr]
        return Step.todo(step_id, title, "; ".join(parts) + " → add", prep, data=data)

    # 5: stories go back to the drafting board (labels), they are not closed
    def _stories_step(self, group: GroupBoard, step_id: str, title: str) -> Step:
        key, boards, board = group.key, self.app.boards, group.board
        assert board is not None
        stories = [i for i in group.ready if self.labels.story in i.labels]
        need_product, need_unrelease, relabel_parts = self._relabelling(stories)
        data = {
            "workspace": key,
            "issues": sorted({*_numbers(need_product), *_numbers(need_unrelease)}),
            "label_added": _numbers(need_product),
            "label_removed": _numbers(need_unrelease),
        }
        if not need_product and not need_unrelease:
            sent = [i for i in group.in_ready if self._sent_back(i)]
            reason = f"{_count(len(sent), 'story')} already sent back ({self.labels.product}, no {self.labels.release})" if sent else f"no story in {self.pipes.ready_for_release}"
            return Step.skip(step_id, title, reason, data=data)

        def relabel(step: Step, add: list[Card] = need_product, drop: list[Card] = need_unrelease) -> str:
            if add:
                boards.add_labels(board, add, [self.labels.product])
            if drop:
                boards.remove_labels(board, drop, [self.labels.release])
            return f"{_count(len(stories), 'story')} sent back to drafting: {_list(stories)}"

        parts = [f"{_count(len(stories), 'story')} in {self.pipes.ready_for_release}: {_list(stories)}", *relabel_parts]
        return Step.todo(step_id, title, "; ".join(parts), relabel, data=data)

    def _relabelling(self, stories: list[Card]) -> tuple[list[Card], list[Card], list[str]]:
        """Stories sent back to drafting (both backends): those lacking the product label, those
        still labelled for release, and what the plan says of each."""
        labels = self.labels
        need_product = [c for c in stories if labels.product not in c.labels]
        need_unrelease = [c for c in stories if labels.release in c.labels]
        parts = []
        if need_product:
            parts.append(f"add {labels.product} to {_list(need_product)}")
        if need_unrelease:
            parts.append(f"remove {labels.release} from {_list(need_unrelease)}")
        return need_product, need_unrelease, parts

    # 6: the rest of the column is done: ZenHub's close also closes the GitHub issues
    def _close_step(self, group: GroupBoard, step_id: str, title: str, *, needs: tuple[str, ...]) -> Step:
        key, boards = group.key, self.app.boards
        board = group.board
        assert board is not None and board.closed is not None
        to_close = [i for i in group.ready if self.labels.story not in i.labels]
        data = {"workspace": key, "issues": _numbers(to_close)}
        if not to_close:
            return Step.skip(step_id, title, f"no open issue left in {self.pipes.ready_for_release} besides stories", data=data)

        def close(step: Step, issues: list[Card] = to_close) -> str:
            count = boards.close(board, issues)
            return f"closed {_count(count, 'issue')}: {_list(issues)}"

        detail = f"{_count(len(to_close), 'open issue')}: {_list(to_close)} → closed (moved to {board.closed.name})"
        return Step.todo(step_id, title, detail, close, data=data, needs=needs)

    # 8
    @_listed
    def _celebrate(self, entry: StepEntry, plan: Plan) -> Step | None:
        reads = self.reads
        key = reads.drafting_key
        if key is None or reads.drafting is None:
            return None
        step_id = f"{key}.celebrate"
        title = f"{key}: move this milestone's stories to {self.pipes.confirm_and_celebrate}"
        if self.closed_reason is not None:
            return Step.skip(step_id, title, self.closed_reason, data={"workspace": key, "issues": []})
        if reads.drafting_problem is not None:
            return Step(id=step_id, title=title, detail=reads.drafting_problem, status=Status.FAILED, data={"workspace": key})
        ms = reads.milestone
        # The stories that carry the milestone once the board steps are done (not just now).
        moving = [
            i for i in reads.drafting_stories
            if (i.milestone_number == ms.number and i.issue_id not in self._removed) or i.issue_id in self._added
        ]
        keys = {g.key for g in reads.groups}
        needs = tuple(s.id for s in plan.steps if s.id.split(".", 1)[0] in keys and not s.id.endswith(".close"))
        moving.sort(key=lambda i: i.number)
        # Stories with a close label (the rituals file's `close_labels`) are closed, not moved.
        close_labels = set(entry.args().close_labels)  # type: ignore[attr-defined]
        closing = [i for i in moving if close_labels & set(i.labels)]
        moving = [i for i in moving if i not in closing]
        already = f"; {len(reads.celebrated)} already there" if reads.celebrated else ""
        data = {"workspace": key, "issues": _numbers(moving), **({"closed": _numbers(closing)} if close_labels else {})}
        if not moving and not closing:
            return Step.skip(step_id, title, f"no story of {ms.title} outside {self.pipes.confirm_and_celebrate}{already}", data=data)
        target = reads.drafting.column(self.pipes.confirm_and_celebrate, closed=False)
        assert target is not None

        def move(step: Step) -> str:
            return self._move_and_close(moving, closing, target)

        detail = f"{_count(len(moving), 'story')} with the milestone (once the steps above are done): {_list(moving, where=True)} → {target.name}{already}"
        if closing:
            detail += f"; closed instead ({', '.join(sorted(close_labels))}): {_list(closing)}"
        return Step.todo(step_id, title, detail, move, data=data, needs=needs)

    def _move_and_close(self, moving: list[Card], closing: list[Card], target: Column) -> str:
        boards, drafting, done = self.app.boards, self.reads.drafting, []
        assert drafting is not None
        if moving:
            boards.move(drafting, moving, target.name)
            done.append(f"moved {_count(len(moving), 'story')} to {target.name}: {_list(moving)}")
        if closing:
            boards.close(drafting, closing)
            done.append(f"closed {_count(len(closing), 'story')}: {_list(closing)}")
        return "; ".join(done)

    # 9
    @_listed
    def _close_milestone(self, entry: StepEntry, plan: Plan) -> Step:
        ms = self.reads.milestone
        title = f"Close milestone {self.final_title}"
        data = {"milestone": ms.number}
        if ms.state == "closed":
            return Step.skip("close-milestone", title, f"already closed (#{ms.number})", data=data)

        def apply(step: Step) -> str:
            line = f"{CONCLUDED} {self.v.version} on {self._stamp()}"
            closed = self.app.clients.github.edit_milestone(
                ms.number, self.final_title, state="closed", description=append_line(ms.description, line)
            )
            return f"closed #{ms.number} ({closed.open_issues} open, {closed.closed_issues} closed issues)"

        detail = f"#{ms.number}: open → closed, once every step above has finished (noted in its description)"
        # closed means concluded: every step before it must have finished
        return Step.todo("close-milestone", title, detail, apply, data=data, needs=tuple(s.id for s in plan.steps))

    def _stamp(self) -> str:
        return self.app.now().strftime("%Y-%m-%dT%H:%M:%SZ")

    # 10
    @_listed
    def _next_milestone(self, entry: StepEntry, plan: Plan) -> Step:
        reads = self.reads
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

    # 11
    @_listed
    def _unfreeze(self, entry: StepEntry, plan: Plan) -> Step:
        state = self.reads.freeze
        title = f"Unfreeze {self.freeze_branch} in Merge Freeze"
        if not state.frozen:
            return Step.skip("unfreeze", title, "not frozen")
        if self.next_freeze is not None:
            return Step.skip("unfreeze", title, self.next_freeze)
        user = self.reads.user

        def apply(step: Step) -> str:
            self.app.clients.mergefreeze.set_frozen(self.repo, self.freeze_branch, frozen=False, user_name=user)
            return f"unfrozen (as {user})"

        return Step.todo("unfreeze", title, f"frozen (by {state.frozen_by or 'unknown'}) → open", apply)

    def _next_release_freeze(self) -> str | None:
        """Why the branch's freeze belongs to the next release (its freeze has begun), or None."""
        nxt = self._next_existing()
        if nxt is None or nxt.due_on is None or nxt.state != "open":
            return None
        schedule = compute_schedule(nxt.title, self.v.next, nxt.due_on, self.rituals.freeze, self.app.now())
        if schedule.phase not in ("freeze", "deep-freeze"):
            return None
        return f"frozen for {self.v.next} (milestone {nxt.title}: its freeze began {schedule.freeze_starts.isoformat()}): left as it is"

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

    @_listed
    def _announce(self, entry: StepEntry, plan: Plan) -> Step:
        ms = self.reads.milestone
        channel = self.rituals.slack.channel
        text = self.announcement()
        title = f"Announce in {channel}"
        data = {"text": text}
        announced = marker_line(ms.description, ANNOUNCED)
        if announced is not None:
            return Step.skip("announce", title, f"already announced: the milestone says {announced!r}", data=data)
        if self.next_freeze is not None:
            return Step.skip("announce", title, f"{self.freeze_branch} is frozen for {self.v.next}: announcing it unfrozen would be wrong", data=data)
        if ms.state == "closed" and marker_line(ms.description, CONCLUDED) is None:
            return Step.checklist(
                "announce", title, f"the milestone was closed outside fleetops, so fleetops does not know whether it was announced; if not, post in {channel}: {text}", data=data
            )
        if self.app.settings.slack_webhook_url is None:
            return Step.checklist("announce", title, f"SLACK_WEBHOOK_URL is not set: post this in {channel} yourself: {text}", data=data)

        def apply(step: Step) -> str:
            return self._post_announcement(step, text)

        return Step.todo(
            "announce", title, f"post in {channel}: {text}", apply, data=data, needs=("close-milestone", "unfreeze"),
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
        return post_once(step, self.app.clients.slack, record, channel=self.rituals.slack.channel, text=text, stamp=self._stamp)

    # 13
    @_listed
    def _patch_branch(self, entry: StepEntry, plan: Plan) -> Step:
        reads = self.reads
        title = f"Create branch {self.branch} from {self.tag}"
        if reads.branch is not None:
            at = reads.branch[0]
            note = "" if at == reads.tag_commit else f" (the tag is at {reads.tag_commit[:7]})" if reads.tag_commit else ""
            return Step.skip("patch-branch", title, f"exists at {at[:7]}{note}", data={"branch": self.branch})
        if reads.tag_commit is None:
            return Step(
                id="patch-branch", title=title, status=Status.FAILED, data={"branch": self.branch},
                detail=f"tag {self.tag} does not exist in {self.repo}: publish the release first, then re-run",
            )
        sha = reads.tag_commit

        def apply(step: Step) -> str:
            if not self.app.clients.github.create_branch(self.branch, sha):
                raise Skip(f"{self.branch} exists already (created by an earlier run)")
            return f"created {self.branch} at {sha[:7]}"

        return Step.todo("patch-branch", title, f"{self.branch} at {self.tag} (commit {sha[:7]})", apply, data={"branch": self.branch})


def conclude(app: App, *, version: str, next_version: str | None) -> Plan:
    """Read everything and return the plan for `release conclude-milestone`."""
    versions = parse_versions(version, next_version)
    if app.rituals.boards.backend == "github-projects":
        from fleetops.ops.conclude_projects import ConcludeProjects

        return ConcludeProjects(app, versions).plan()
    return Conclude(app, versions).plan()
