"""The step kinds of the multi-step rituals: declared once here, listed in order by the rituals file.

A rituals file says which steps a ritual runs and in which order (`rituals.conclude_milestone.steps`,
`rituals.cut_rc.steps`). Each multi-step ritual is declared here once (`register(Ritual(...))`): its
kinds with their parameters, the kinds each needs (the plan's step dependencies come from these
alone), the processes and board backends that run them and the method that builds each (in the
ritual's flow class, `Ritual.flows`), the handbook's default lists, and a one-line summary per kind.
The rest is derived: the file's models (rituals/models.py), the checks at load (every list, the
defaults included, must fit the file's process and board backend, each need listed earlier), the
command's runbook in `--help` (so it never drifts from what runs) and the plan (ops/steps.py).

    rituals:
      conclude_milestone:
        steps:
          - boards.stories-to-drafting
          - kind: candidate.reset-deploy-tag
            value: main
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from fleetops.rituals.models import Rituals

FREEZE, CANDIDATE = "merge-freeze", "release-candidate"
ZENHUB, PROJECTS = "zenhub", "github-projects"
BACKENDS = (ZENHUB, PROJECTS)
EARLIER = "*"  # in `Kind.needs`: every step before it in the list


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResetDeployTag(NoParams):
    value: str  # what the deploy variable goes back to, e.g. main


class Celebrate(NoParams):
    # Stories with one of these labels are closed instead of moved: the current handbook allows it
    # for engineering-initiated stories (fleet-rc.yml lists `~engineering-initiated`).
    close_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    """One step kind: what the file may list, what it needs, where it runs and which method builds it."""

    name: str
    summary: str  # the runbook line; {placeholders} are filled from the rituals file (see `runbook`)
    # The method of the ritual's flow (`Ritual.flows`) that builds its step(s) from (entry, plan):
    # one name for every board backend, or backend → name (then only those backends run it).
    build: str | Mapping[str, str]
    params: type[NoParams] = NoParams
    # Kinds whose steps must have finished before its own run: each must come earlier in the list
    # (a load error otherwise, unless the file's process or board backend cannot run it at all).
    # EARLIER: every step before it. The plan's `Step.needs` are derived from this, nowhere else.
    needs: tuple[str, ...] = ()
    processes: tuple[str, ...] = (FREEZE, CANDIDATE)
    per_board: bool = False  # one step per product group's board
    projects_summary: str | None = None  # the runbook line on GitHub Projects, where it differs

    @property
    def backends(self) -> tuple[str, ...]:
        """The board backends that build it."""
        return tuple(self.build) if isinstance(self.build, Mapping) else BACKENDS

    def builder(self, backend: str) -> str | None:
        """The name of the flow's method that builds it on `backend`, or None."""
        return self.build.get(backend) if isinstance(self.build, Mapping) else self.build

    def runs_under(self, process: str, backend: str) -> bool:
        return process in self.processes and self.builder(backend) is not None


@dataclass(frozen=True)
class Ritual:
    """A multi-step ritual, declared once: its kinds, the handbook's lists and the code that builds them.

    Registered (`register`), it is what the rituals file may list under `rituals.<key>.steps`
    (checked at load, the defaults too), what the command's `--help` lists (`runbook`), and what
    `ops/steps.py` builds, kind by kind.
    """

    key: str  # rituals.<key> in the file
    command: str  # the command that runs it, e.g. "release conclude-milestone"
    kinds: tuple[Kind, ...]
    # process → the handbook's list, as a file would write it (a process left out: the ritual is not part of it)
    defaults: Mapping[str, tuple[str | dict[str, Any], ...]]
    flows: Mapping[str, str]  # board backend → "module:Class" whose methods the kinds' `build` name

    def kind(self, name: str) -> Kind:
        return next(k for k in self.kinds if k.name == name)

    def kind_names(self) -> list[str]:
        return [k.name for k in self.kinds]


RITUALS: dict[str, Ritual] = {}


def register(ritual: Ritual) -> Ritual:
    """Declare `ritual`: from now on the rituals file may list its steps. Its declaration is checked here:
    a need, a default or a flow that names nothing is a mistake of the code, not of a file."""
    names = ritual.kind_names()
    problems = [f"{ritual.key}: {name} is declared twice" for name in names if names.count(name) > 1]
    for kind in ritual.kinds:
        problems += [f"{ritual.key}: {kind.name} needs {need}, which is not one of its kinds" for need in kind.needs if need != EARLIER and need not in names]
        problems += [f"{ritual.key}: {kind.name} is built on {b}, which has no flow" for b in kind.backends if b not in ritual.flows]
    for process, entries in ritual.defaults.items():
        listed = [e if isinstance(e, str) else e["kind"] for e in entries]
        problems += [f"{ritual.key}: the default list of {process} names {name}, which is not one of its kinds" for name in listed if name not in names]
    if problems:
        raise ValueError("; ".join(problems))
    RITUALS[ritual.key] = ritual
    return ritual


def known(ritual: str) -> str:
    return ", ".join(RITUALS[ritual].kind_names())


def check_fit(ritual: str, kinds: list[str], *, process: str, backend: str) -> list[str]:
    """The kinds that the file's process or board backend cannot run (each problem names the entry's index)."""
    problems = []
    for index, name in enumerate(kinds):
        kind = RITUALS[ritual].kind(name)
        if process not in kind.processes:
            problems.append(f"steps[{index}]: {name} is not part of process {process} (it is for {', '.join(kind.processes)})")
        elif kind.builder(backend) is None:
            problems.append(f"steps[{index}]: {name} is not built for boards.backend {backend} (only {', '.join(kind.backends)})")
    return problems


def check_order(ritual: str, kinds: list[str], *, process: str, backend: str) -> list[str]:
    """What is wrong with the order of a ritual's step list: a kind listed twice, a need not listed before
    the kind that needs it (a need that the process or backend cannot run at all is not one)."""
    declared = RITUALS[ritual]
    problems = []
    seen: set[str] = set()
    for index, name in enumerate(kinds):
        if name in seen:
            problems.append(f"steps[{index}]: {name} is listed twice")
        missing = [
            need for need in declared.kind(name).needs
            if need != EARLIER and need not in seen and declared.kind(need).runs_under(process, backend)
        ]
        if missing:
            problems.append(f"steps[{index}]: {name} needs {' and '.join(missing)} earlier in the list")
        seen.add(name)
    return problems


# --- the rituals --------------------------------------------------------------------------------------------
register(Ritual(
    key="conclude_milestone",
    command="release conclude-milestone",
    kinds=(
        Kind("rename-milestone", "renames milestone {tentative} to {milestone};", build="_rename"),
        Kind(
            "boards.unfinished-lose-milestone", 'removes the milestone from open items outside "{ready}";',
            build={ZENHUB: "_unfinished_steps"}, per_board=True,
        ),
        Kind(
            "boards.prepare-ready", 'gives items in "{ready}" the milestone and active sprint;',
            build={ZENHUB: "_ready_steps"}, per_board=True,
        ),
        Kind(
            "boards.stories-to-drafting", "stories there: adds {product}, removes {release} (back to drafting);",
            build="_stories_steps", per_board=True,
            projects_summary='stories in "{ready}": adds {product}, removes {release} and puts them on the drafting project ({drafting});',
        ),
        Kind(
            "boards.close-ready", "closes the other items there (ZenHub closes the GitHub issues);",
            build="_close_steps",
            needs=("boards.prepare-ready", "boards.stories-to-drafting"), per_board=True,
            projects_summary='closes the other items there: Status "{closed}" and the issue closed;',
        ),
        Kind(
            "drafting.celebrate", 'on the drafting board moves the milestone\'s stories to "{celebrate}"{closing};',
            build="_celebrate", params=Celebrate,
            # the stories that carry the milestone once the board steps are done
            needs=("boards.unfinished-lose-milestone", "boards.prepare-ready", "boards.stories-to-drafting"),
            projects_summary='on the drafting project moves the milestone\'s stories to "{celebrate}"{closing};',
        ),
        Kind("close-milestone", "closes the milestone;", build="_close_milestone", needs=(EARLIER,)),  # closed means concluded
        Kind("create-next-milestone", "creates {next_tentative}, due the release's due date + the cadence;", build="_next_milestone"),
        # freeze.end and create-patch-branch read Merge Freeze and the release tag, which the Projects
        # plan (ops/conclude/projects.py) does not read: they are built for ZenHub's plan only.
        Kind("freeze.end", "unfreezes {branch} in Merge Freeze;", build={ZENHUB: "_unfreeze"}, processes=(FREEZE,)),
        Kind(
            "announce",
            "announces in {channel} through SLACK_WEBHOOK_URL (without it: a checklist item with the text "
            "to post): first notes the attempt in the milestone, then posts, then notes it posted;",
            build="_announce", needs=("close-milestone", "freeze.end"),
        ),
        Kind("create-patch-branch", "creates branch {patch_branch} from tag {tag};", build={ZENHUB: "_patch_branch"}),
        Kind(
            "candidate.reset-deploy-tag", "sets the Actions variable {variable} of {variable_repo} back to {value};",
            build={PROJECTS: "_deploy_tag_kind"}, params=ResetDeployTag, processes=(CANDIDATE,),
        ),
    ),
    defaults={
        FREEZE: (
            "rename-milestone", "boards.unfinished-lose-milestone", "boards.prepare-ready", "boards.stories-to-drafting",
            "boards.close-ready", "drafting.celebrate", "close-milestone", "create-next-milestone", "freeze.end",
            "announce", "create-patch-branch",
        ),
        CANDIDATE: (
            "boards.stories-to-drafting", "boards.close-ready", "drafting.celebrate", "close-milestone", "announce",
            {"kind": "candidate.reset-deploy-tag", "value": "main"},
        ),
    },
    flows={ZENHUB: "fleetops.ops.conclude.zenhub:ConcludeZenHub", PROJECTS: "fleetops.ops.conclude.projects:ConcludeProjects"},
))

register(Ritual(
    key="cut_rc",
    command="release cut-rc",
    kinds=(
        Kind(
            "candidate.create-branch", "creates branch {candidate_branch} (candidate.branch in the rituals file) at the default "
            "branch's head; skipped when it exists (its sha is reported);", build="_branch_kind", processes=(CANDIDATE,),
        ),
        Kind(
            "candidate.open-qa-issue", "opens the Release QA issue '{qa_title}' as create-qa-issue does (template, "
            "labels, QA assignees); an open one is reused;", build="_issue_kind", processes=(CANDIDATE,),
        ),
        Kind(
            "candidate.set-deploy-tag", "sets the Actions variable {variable} of {variable_repo} to the branch; "
            "skipped when it names the branch already;", build="_variable_kind", needs=("candidate.create-branch",),
            processes=(CANDIDATE,),
        ),
        Kind(
            "announce", "announces the candidate in {channel} (text: candidate.announcement) through "
            "SLACK_WEBHOOK_URL (without it: a checklist item with the text): first notes the attempt in the "
            "Release QA issue's body (a hidden line), then posts, then notes it posted;", build="_announce_kind",
            needs=("candidate.create-branch", "candidate.open-qa-issue", "candidate.set-deploy-tag"), processes=(CANDIDATE,),
        ),
    ),
    # the 2024 process (merge-freeze) has a merge freeze instead
    defaults={CANDIDATE: ("candidate.create-branch", "candidate.open-qa-issue", "candidate.set-deploy-tag", "announce")},
    flows={ZENHUB: "fleetops.ops.candidate.cut:CutRC", PROJECTS: "fleetops.ops.candidate.cut:CutRC"},
))


def runbook(rituals: Rituals, ritual: str) -> str:
    """The numbered steps of `ritual` as the rituals file in force lists them, for `--help`."""
    from fleetops.versions import release_name

    naming, labels = rituals.naming, rituals.labels
    projects = rituals.boards.backend == PROJECTS
    gp = rituals.boards.github_projects
    pipes = rituals.zenhub.pipelines
    candidate = rituals.candidate
    values = {
        "tentative": release_name(naming.tentative_milestone, "VERSION"),
        "milestone": release_name(naming.milestone, "VERSION"),
        "next_tentative": release_name(naming.tentative_milestone, "NEXT"),
        "patch_branch": release_name(naming.patch_branch, "X.Y.Z+1"),
        "tag": release_name(naming.release_tag, "X.Y.Z"),
        "ready": gp.ready_for_release if projects and gp else pipes.ready_for_release,
        "celebrate": gp.confirm_and_celebrate if projects and gp else pipes.confirm_and_celebrate,
        "closed": gp.closed_column if gp else "Closed",
        "drafting": gp.drafting_project if gp else "",
        "product": labels.product,
        "release": labels.release,
        "branch": rituals.freeze.branch,
        "channel": rituals.slack.channel,
        "variable": candidate.deploy_variable if candidate else "",
        "variable_repo": candidate.deploy_variable_repository if candidate else "",
        "candidate_branch": release_name(candidate.branch, "VERSION") if candidate else "",
        "qa_title": release_name(candidate.qa_issue_title, "VERSION") if candidate else "",
    }
    boards = ", ".join(g.label.lstrip("#") for g in rituals.people.product_groups)
    where = "GitHub project" if projects else "ZenHub board"
    lines: list[str] = []
    in_boards = False
    entries = rituals.steps_of(ritual)
    for number, entry in enumerate(entries, start=1):
        kind = RITUALS[ritual].kind(entry.kind)
        summary = (kind.projects_summary if projects and kind.projects_summary else kind.summary)
        if number == len(entries):
            summary = summary.removesuffix(";") + "."
        params = entry.args().model_dump()
        closing = f" ({', '.join(params['close_labels'])} ones are closed instead)" if params.get("close_labels") else ""
        text = summary.format(**values, closing=closing, **{k: ", ".join(v) if isinstance(v, tuple) else v for k, v in params.items()})
        if kind.per_board and not in_boards:
            lines.extend(_wrap(" ", f"on each product group's {where} ({boards}):"))
        in_boards = kind.per_board
        indent = "   " if in_boards else ""
        lines.extend(_wrap(f"{number:2d}. {indent}", text))
    return "\n".join(lines)


def _wrap(prefix: str, text: str, width: int = 74) -> list[str]:
    """One numbered entry over lines of at most `width` characters, continuation lines indented."""
    import textwrap

    return textwrap.wrap(text, width=width, initial_indent=prefix, subsequent_indent=" " * (len(prefix) + 1))
