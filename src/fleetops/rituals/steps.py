"""The step kinds of the multi-step rituals: declared once here, listed in order by the rituals file.

A rituals file says which steps a ritual runs and in which order (`rituals.conclude_milestone.steps`,
`rituals.cut_rc.steps`); the code of each kind (check, plan, apply) lives in the ritual's ops
module, registered under the same name (`ops/conclude/zenhub.py`'s `BUILDERS`). This module holds what
the file may say and what `--help` shows: the kinds, their parameters, the kinds each needs
earlier in the list, the processes and board backends that implement them, and a one-line summary
per kind (the command's runbook is built from these, so it never drifts from what runs).

    rituals:
      conclude_milestone:
        steps:
          - boards.stories-to-drafting
          - kind: candidate.reset-deploy-tag
            value: main
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from fleetops.rituals.models import Rituals

FREEZE, CANDIDATE = "merge-freeze", "release-candidate"
ZENHUB, PROJECTS = "zenhub", "github-projects"


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
    name: str
    summary: str  # the runbook line; {placeholders} are filled from the rituals file (see `runbook`)
    params: type[NoParams] = NoParams
    needs: tuple[str, ...] = ()  # kinds that must come earlier in the list
    processes: tuple[str, ...] = (FREEZE, CANDIDATE)
    backends: tuple[str, ...] = (ZENHUB, PROJECTS)  # for board steps: the backends that implement it
    per_board: bool = False  # one step per product group's board
    projects_summary: str | None = None  # the runbook line on GitHub Projects, where it differs


CONCLUDE_KINDS: tuple[Kind, ...] = (
    Kind("rename-milestone", "renames milestone {tentative} to {milestone};"),
    Kind(
        "boards.unfinished-lose-milestone", 'removes the milestone from open items outside "{ready}";',
        backends=(ZENHUB,), per_board=True,
    ),
    Kind(
        "boards.prepare-ready", 'gives items in "{ready}" the milestone and active sprint;',
        backends=(ZENHUB,), per_board=True,
    ),
    Kind(
        "boards.stories-to-drafting", "stories there: adds {product}, removes {release} (back to drafting);", per_board=True,
        projects_summary='stories in "{ready}": adds {product}, removes {release} and puts them on the drafting project ({drafting});',
    ),
    Kind(
        "boards.close-ready", "closes the other items there (ZenHub closes the GitHub issues);",
        needs=("boards.stories-to-drafting",), per_board=True,
        projects_summary='closes the other items there: Status "{closed}" and the issue closed;',
    ),
    Kind(
        "drafting.celebrate", 'on the drafting board moves the milestone\'s stories to "{celebrate}"{closing};',
        params=Celebrate, needs=("boards.stories-to-drafting",),
        projects_summary='on the drafting project moves the milestone\'s stories to "{celebrate}"{closing};',
    ),
    Kind("close-milestone", "closes the milestone;"),
    Kind("create-next-milestone", "creates {next_tentative}, due the release's due date + the cadence;"),
    # freeze.end and create-patch-branch read Merge Freeze and the release tag, which the Projects
    # plan (ops/conclude/projects.py) does not read: they are built for ZenHub's plan only.
    Kind("freeze.end", "unfreezes {branch} in Merge Freeze;", processes=(FREEZE,), backends=(ZENHUB,)),
    Kind(
        "announce",
        "announces in {channel} through SLACK_WEBHOOK_URL (without it: a checklist item with the text "
        "to post): first notes the attempt in the milestone, then posts, then notes it posted;",
        needs=("close-milestone",),
    ),
    Kind("create-patch-branch", "creates branch {patch_branch} from tag {tag};", backends=(ZENHUB,)),
    Kind(
        "candidate.reset-deploy-tag", "sets the Actions variable {variable} of {variable_repo} back to {value};",
        params=ResetDeployTag, processes=(CANDIDATE,),
    ),
)

CUT_RC_KINDS: tuple[Kind, ...] = (
    Kind(
        "candidate.create-branch", "creates branch {candidate_branch} (candidate.branch in the rituals file) at the default "
        "branch's head; skipped when it exists (its sha is reported);", processes=(CANDIDATE,),
    ),
    Kind(
        "candidate.open-qa-issue", "opens the Release QA issue '{qa_title}' as create-qa-issue does (template, "
        "labels, QA assignees); an open one is reused;", processes=(CANDIDATE,),
    ),
    Kind(
        "candidate.set-deploy-tag", "sets the Actions variable {variable} of {variable_repo} to the branch; "
        "skipped when it names the branch already;", needs=("candidate.create-branch",), processes=(CANDIDATE,),
    ),
    Kind(
        "announce", "announces the candidate in {channel} (text: candidate.announcement) through "
        "SLACK_WEBHOOK_URL (without it: a checklist item with the text): first notes the attempt in the "
        "Release QA issue's body (a hidden line), then posts, then notes it posted;",
        needs=("candidate.open-qa-issue",), processes=(CANDIDATE,),
    ),
)

# The handbook's lists, for a rituals file that does not give its own (by process), as a file
# would write them.
DEFAULT_STEPS: dict[str, dict[str, tuple[str | dict[str, str], ...]]] = {
    "conclude_milestone": {
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
    "cut_rc": {
        FREEZE: (),  # the 2024 process has a merge freeze instead
        CANDIDATE: ("candidate.create-branch", "candidate.open-qa-issue", "candidate.set-deploy-tag", "announce"),
    },
}

KINDS: dict[str, dict[str, Kind]] = {
    "conclude_milestone": {k.name: k for k in CONCLUDE_KINDS},
    "cut_rc": {k.name: k for k in CUT_RC_KINDS},
}


def known(ritual: str) -> str:
    return ", ".join(KINDS[ritual])


def check_list(ritual: str, kinds: list[str]) -> list[str]:
    """What is wrong with the order of a ritual's step list (each problem names the entry's index)."""
    problems = []
    seen: set[str] = set()
    for index, name in enumerate(kinds):
        if name in seen:
            problems.append(f"steps[{index}]: {name} is listed twice")
        for need in KINDS[ritual][name].needs:
            if need not in seen:
                problems.append(f"steps[{index}]: {name} needs {need} earlier in the list")
        seen.add(name)
    return problems


def check_fit(ritual: str, kinds: list[str], *, process: str, backend: str) -> list[str]:
    """The kinds that the file's process or board backend cannot run."""
    problems = []
    for index, name in enumerate(kinds):
        kind = KINDS[ritual][name]
        if process not in kind.processes:
            problems.append(f"steps[{index}]: {name} is not part of process {process} (it is for {', '.join(kind.processes)})")
        elif backend not in kind.backends:
            problems.append(f"steps[{index}]: {name} is not built for boards.backend {backend} (only {', '.join(kind.backends)})")
    return problems


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
        kind = KINDS[ritual][entry.kind]
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
