"""Conclude the milestone on GitHub Projects (the current handbook, `FLEETOPS_RITUALS=fleet-rc`).

The handbook's "Conclude current milestone" (releases.md@800f895), as the step kinds that
`rituals.conclude_milestone.steps` lists (rituals/steps.py declares them and names each one's
builder; ops/steps.py runs the list). The board kinds are built for both backends in board_steps.py
(one loop over the groups' boards); this module reads the projects into its `GroupBoard`s and
answers each kind with what is left on the project and how it is sent:

    boards.stories-to-drafting  <group>.stories   on each product group's project, this milestone's
                                                  open stories in "Ready for release": add `:product`,
                                                  remove `:release`, and add the issue to the drafting
                                                  project unless it is on it already
    boards.close-ready          <group>.close     the rest of "Ready for release" (this milestone's
                                                  non-stories, pull requests left alone): Status
                                                  "Closed" and the issue closed (needs <group>.stories)
    drafting.celebrate          drafting.celebrate  on the drafting project, this milestone's open
                                                  stories (those the steps above add included) to
                                                  "Confirm and celebrate"; those with one of its
                                                  `close_labels` (fleet-rc: `~engineering-initiated`)
                                                  closed instead (issue closed; Status "Closed" where
                                                  the drafting project has that column); a story whose
                                                  drafting item is archived is unarchived first
                                                  (docs/github-projects.md, "Archived items")
    close-milestone, announce   the milestone's own (flow.py): the milestone closed with `fleetops: concluded`, the
                                                  Slack announcement at most once (ops/announce.py)
    candidate.reset-deploy-tag  deploy-tag        QAWOLF_DEPLOY_TAG of fleetdm/confidential back to
                                                  the step's `value` (main); skipped when it is
    rename-milestone, create-next-milestone       the milestone's own (flow.py, REST only), should a file list them

No Merge Freeze: this process has none, so nothing here reads it or needs its token.

Reads (two rounds, each concurrent): the milestones and the Actions variable; then, unless the
milestone is closed (its boards are then left alone, on both backends), every group's project and
the drafting project, each read whole (GitHub cannot filter items), and the repository's labels.
An issue on two group projects is relabelled and closed once (by the first group in the rituals
file) and shown "Closed" on both; two groups on one project conclude it once, by the first group's
steps (`shared_boards`, as on ZenHub with a shared workspace). Each step sends its changes in one
`apply` (≤ 50 aliased mutations per document, paced by the client); the changes are the ones still
missing, so a re-run after any failure sends only what is left.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from fleetops.concurrency import gather
from fleetops.errors import AuthError, FleetopsError, NotFound, RitualsError
from fleetops.ops.conclude.board_steps import BoardChange, BoardReads, BoardSteps, GroupBoard
from fleetops.ops.conclude.rules import COMMAND, _count, _list, _numbers, shared_boards
from fleetops.ops.process import candidate_of, deploy_variable_step, read_deploy_variable
from fleetops.plan import Plan, Step
from fleetops.text import same_name
from fleetops.versions import version_in

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.boards import Card
    from fleetops.boards.github_projects import GitHubProjectsBoards
    from fleetops.clients.github_projects import Change
    from fleetops.ops.conclude.rules import Versions
    from fleetops.rituals.models import GitHubProjects, StepEntry


@dataclass
class ProjectReads(BoardReads):
    drafting: GroupBoard  # the drafting project (boards.github_projects.drafting_project)
    variable: str | None  # QAWOLF_DEPLOY_TAG now; None: the repository has no such variable


class ConcludeProjects(BoardSteps):
    """conclude-milestone on GitHub Projects boards: the current handbook's kinds (module docstring)."""

    reads: ProjectReads

    def __init__(self, app: App, versions: Versions) -> None:
        super().__init__(app, versions)
        self.boards: GitHubProjectsBoards = app.project_boards
        self._claimed: set[str] = set()  # issue ids a stories step of an earlier group handles
        self._closed_ids: set[str] = set()  # issue ids a close step of an earlier group closes
        self._sending: dict[str, Card] = {}  # stories the stories steps add to drafting: issue id → its group card
        self._new_items: dict[str, str] = {}  # issue id → its new drafting item, from the stories steps' answers

    def _column_names(self) -> GitHubProjects:
        projects = self.rituals.boards.github_projects
        assert projects is not None  # noqa: S101 - the rituals model requires it for this backend
        self.projects = projects  # the same section, with what only Projects names (closed_column, drafting_project)
        return projects

    # -- reading --------------------------------------------------------------------------------------------
    def read(self) -> ProjectReads:
        app = self.app
        if app.settings.github_token is None:
            raise AuthError(
                f"`fleetops {COMMAND}` on GitHub Projects reads and changes the boards, the milestone and an Actions variable: it needs a GitHub token.",
                hint="Export GH_TOKEN (or GITHUB_TOKEN) with the `repo` and `project` scopes (and access to the "
                "variables of candidate.deploy_variable_repository).",
            )
        github = app.clients.github  # built here, not in the worker threads
        first = gather({"milestones": lambda: github.milestones("all"), "variable": self._read_variable})
        milestone = self._find_milestone(first["milestones"])
        # two groups on one project: one project, read once, concluded by the first group's steps (as on ZenHub)
        groups = [
            GroupBoard(g.key, number, {"project": number})
            for number, g in shared_boards(self.rituals.people.product_groups, lambda g: g.project)
        ]
        drafting = GroupBoard("drafting", self.projects.drafting_project, {"project": self.projects.drafting_project})
        if milestone.state != "closed":  # a closed milestone's boards are left alone: not even read
            boards = self.boards  # built here too (App.boards is a cached property)
            tasks: dict[str, Any] = {f"board:{p.key}": lambda p=p: self._read_project(p) for p in [*groups, drafting]}
            tasks["labels"] = lambda: boards.labels(self.repo)
            gather(tasks)
        for group in groups:
            group.ready = [c for c in group.cards if self._in_release(c, milestone.title)]
        return ProjectReads(milestone, first["milestones"], groups, drafting, first["variable"])

    def _read_variable(self) -> str | None:
        """The deploy variable, when the step list resets it (None also when the repository has none)."""
        if not any(e.kind == "candidate.reset-deploy-tag" for e in self.rituals.steps_of("conclude_milestone")):
            return None
        return read_deploy_variable(self.app)  # the kind is of process release-candidate: the candidate section is there

    def _read_project(self, project: GroupBoard) -> None:
        """The board and every card on it; a board fleetops cannot use is the problem of its steps."""
        columns = [self.projects.confirm_and_celebrate] if project.key == "drafting" else [self.projects.ready_for_release]
        try:
            info = self.boards.find(project.ref)
        except (RitualsError, NotFound) as err:
            project.problem = f"project {project.ref}: {err.message}"
            return
        missing = [c for c in columns if info.column(c) is None]
        if info.closed is None and project.key != "drafting":  # SPEC §2 names "Closed" on the groups' projects only
            missing.append(self.projects.closed_column)
        if missing:
            names = ", ".join(repr(c.name) for c in info.columns)
            project.problem = (f"project {project.ref} ({info.name}) has no Status {missing[0]!r} (it has {names}): "
                               "fix boards.github_projects in the rituals file or the project")
            return
        project.board = info
        project.cards = self.boards.all_cards(info)
        project.archived = self.boards.archived_cards(info)

    # -- the plan ---------------------------------------------------------------------------------------------
    def start_plan(self) -> Plan:
        """The plan's frame: no Merge Freeze (this process has none, so next_freeze stays None), none of ZenHub's extra --json keys."""
        return self._new_plan()

    def _in_release(self, card: Card, milestone: str) -> bool:
        """An issue of this milestone in "Ready for release" (pull requests are left as they are)."""
        return not card.is_pr and card.milestone == milestone and same_name(card.column, self.projects.ready_for_release)

    def _story(self, card: Card) -> bool:
        return self.labels.story in card.labels

    # boards.stories-to-drafting: the stories also go on the drafting project, so its steps need that board
    def _stories_need(self) -> tuple[str | None, ...]:
        return (self.reads.drafting.problem,)

    def _stories(self, group: GroupBoard) -> list[Card]:
        stories = [c for c in group.ready if self._story(c) and c.state == "open" and c.issue_id not in self._claimed]
        self._claimed.update(c.issue_id for c in stories)
        return stories

    def _sending_back(self, group: GroupBoard, stories: list[Card], add: list[Card], drop: list[Card], parts: list[str]) -> BoardChange:
        labels, drafting, ready = self.labels, self.reads.drafting, self.projects.ready_for_release
        on_drafting = {c.issue_id for c in [*drafting.cards, *drafting.archived]}  # an archived item is on it: adding answers it
        need_add = [c for c in stories if c.issue_id not in on_drafting]
        self._sending.update((c.issue_id, c) for c in need_add)
        data = {"added_to_drafting": _numbers(need_add)}
        done = (f"{_count(len(stories), 'story')} already sent back ({labels.product}, no {labels.release}, on project {drafting.ref})"
                if stories else f"no open story of {self.final_title} in {ready}")
        if not (add or drop or need_add):
            return BoardChange(done, data=data)
        assert drafting.board is not None
        changes = [
            *self.boards.label_changes(stories, add=(labels.product,), remove=(labels.release,)),
            *self.boards.add_changes(drafting.board, need_add),
        ]
        parts = [f"{_count(len(stories), 'story')} of {self.final_title} in {ready}: {_list(stories)}", *parts]
        if need_add:
            parts.append(f"add to project {drafting.ref} ({drafting.board.name}): {_list(need_add)}")
        return BoardChange(done, "; ".join(parts), lambda: self._send(changes), data)

    def _send(self, changes: list[Change]) -> None:
        """Apply; keep the drafting items that the adds created (the celebrate step moves them)."""
        answers = self.boards.apply(changes)
        for change, answer in zip(changes, answers, strict=True):
            item = (answer or {}).get("item") or {}
            if change.kind == "add_item" and item.get("id"):
                self._new_items[change.input["contentId"]] = item["id"]

    # boards.close-ready: Status "Closed", and the issue closed (by the first group's step, if on two projects)
    def _closing(self, group: GroupBoard, rest: list[Card]) -> BoardChange:
        assert group.board is not None
        closed = self.projects.closed_column
        closing = [c for c in rest if c.state == "open" and c.issue_id not in self._closed_ids]
        self._closed_ids.update(c.issue_id for c in closing)
        changes = self.boards.close_changes(group.board, rest, issues=closing)
        moving = [c for c in rest if not same_name(c.column, closed)]
        data = {"closed": _numbers(closing), "status_closed": _numbers(moving)}
        if not changes:
            done = (f"{_count(len(rest), 'issue')} of {self.final_title} closed already" if rest
                    else f"no issue of {self.final_title} left in {self.projects.ready_for_release} besides stories")
            return BoardChange(done, data=data)

        def apply() -> str:
            self.boards.apply(changes)
            return f"closed {_count(len(closing), 'issue')} ({_list(closing) or 'none open'}); Status {closed}: {_list(moving) or 'none'}"

        todo = f"{_count(len(rest), 'issue')}: {_list(rest)} → Status {closed}"
        if closing:
            todo += f", issue closed ({_list(closing)})"
        return BoardChange("", todo, apply, data)

    # drafting.celebrate: a story whose drafting item is archived is unarchived first
    def _celebration(self, drafting: GroupBoard, close_labels: tuple[str, ...]) -> BoardChange:
        p = self.projects
        moving, closing = self._celebrating(set(close_labels))
        data: dict[str, Any] = {"issues": _numbers(moving), "closed": _numbers(closing)}
        if not moving and not closing:
            return BoardChange(f"no open story of {self.final_title} on project {drafting.ref} outside {p.confirm_and_celebrate}", data=data)
        archived_ids = {c.board_item_id for c in drafting.archived}
        unarchive = [c for c in [*moving, *closing] if c.board_item_id in archived_ids]
        data["unarchived"] = _numbers(unarchive)

        def apply() -> str:
            info = drafting.board
            assert info is not None
            move, close = self._placed(moving), self._placed(closing)
            self.boards.apply([  # GitHub runs a document's mutations in order: unarchived before they are updated
                *self.boards.unarchive_changes(info, unarchive),
                *self.boards.move_changes(info, move, p.confirm_and_celebrate), *self.boards.close_changes(info, close),
            ])
            return f"moved {_count(len(move), 'story')} to {p.confirm_and_celebrate} ({_list(move) or 'none'}); closed {_list(close) or 'none'}"

        todo = f"{_count(len(moving), 'story')} of {self.final_title} (once the steps above are done): {_list(moving) or 'none'} → {p.confirm_and_celebrate}"
        if unarchive:
            todo += f"; unarchived first on project {drafting.ref}: {_list(unarchive)}"
        if closing:
            status = f", and Status {p.closed_column}" if drafting.board is not None and drafting.board.closed is not None else ""
            todo += f"; closed instead ({', '.join(sorted(close_labels))}): {_list(closing)} (issue{status})"
        return BoardChange("", todo, apply, data)

    def _celebrating(self, close_labels: set[str]) -> tuple[list[Card], list[Card]]:
        """(stories to move to "Confirm and celebrate", stories with a close label to close) on drafting,
        with the stories the stories steps add (their drafting item comes from the adds' answers)."""
        title, p = self.reads.milestone.title, self.projects
        drafting = self.reads.drafting
        mine = [c for c in [*drafting.cards, *drafting.archived] if not c.is_pr and self._story(c) and c.milestone == title]
        adding = [dataclasses.replace(c, board_item_id="", column=None) for c in self._sending.values() if c.milestone == title]
        def closes(card: Card) -> bool:
            return bool(close_labels & set(card.labels))

        done = (p.confirm_and_celebrate, p.closed_column)
        has_closed = drafting.board is not None and drafting.board.closed is not None
        moving = [c for c in mine if c.state == "open" and not closes(c) and not any(same_name(c.column, d) for d in done)]
        # Closing is closing the issue; its Status is set only where the drafting project has the column.
        closing = [c for c in mine if closes(c) and (c.state == "open" or (has_closed and not same_name(c.column, p.closed_column)))]
        moving += [c for c in adding if not closes(c)]
        closing += [c for c in adding if closes(c)]
        return moving, closing

    def _placed(self, cards: list[Card]) -> list[Card]:
        """The cards with their drafting item: a story added by this run gets the item the add answered."""
        out = []
        for card in cards:
            if not card.board_item_id:
                item = self._new_items.get(card.issue_id)
                if item is None:
                    raise FleetopsError(f"{card.repo}#{card.number} was not added to the drafting project in this run; re-run to read the board again.")
                card = dataclasses.replace(card, board_item_id=item)
            out.append(card)
        return out

    # candidate.reset-deploy-tag
    def _deploy_tag_kind(self, entry: StepEntry, plan: Plan) -> list[Step]:
        value = entry.args().value  # type: ignore[attr-defined]
        branch = candidate_of(self.app).branch

        def leave(current: str) -> str | None:
            later = version_in(current, [branch])
            if later is not None and Version(later) > Version(self.v.version):
                # The next candidate is already cut and QA Wolf tests it: resetting would stop that.
                return f"it names {later}'s candidate {current}, cut after {self.v.version}: left as it is"
            return None

        return [deploy_variable_step(
            self.app, "deploy-tag", f"back to {value}", self.reads.variable, value, f"QA Wolf tests {value} every morning",
            data={"value": value}, leave=leave,
        )]

