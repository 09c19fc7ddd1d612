"""What people do by hand on the real boards, done on the sandbox's, so a rehearsal can go on.

`move_issue` plays a QA lead on either board backend of the rituals file: a ZenHub workspace
(`--board g-mdm`: the workspace's key) or a product group's GitHub project (`--board mdm`, `g-mdm`,
the project's number, or `drafting`). An issue that does not exist, or is not on that board, is
exit 2 saying so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fleetops.errors import NotFound, UsageError
from fleetops.text import same_name

if TYPE_CHECKING:
    from fleetops.app import App


def move_issue(app: App, number: int, pipeline: str, board_key: str) -> str:
    """Move issue `number` to `pipeline` (a column) on the board `board_key` of the rituals file."""
    if not app.settings.sandbox:  # pragma: no cover - the CLI forces the sandbox
        raise UsageError("move-issue only plays on the sandbox.")
    if number < 1:
        raise UsageError(f"{number} is not an issue number.", hint="Give the number of an issue of the repository, e.g. the Release QA issue's.")
    if app.rituals.boards.backend == "github-projects":
        return _move_on_project(app, number, pipeline, board_key)
    return _move_on_zenhub(app, number, pipeline, board_key)


def _no_issue(app: App, number: int) -> UsageError:
    return UsageError(
        f"{app.repo} has no issue #{number} in the sandbox's world.",
        hint="Give the number of an issue on that board (`fleetops --sandbox release readiness VERSION` names the Release QA issue).",
    )


def _move_on_zenhub(app: App, number: int, pipeline: str, board_key: str) -> str:
    workspaces = app.rituals.zenhub.workspaces
    if board_key not in workspaces:
        raise UsageError(f"no ZenHub workspace {board_key!r} in the rituals file.", hint=f"Choose one of: {', '.join(workspaces)}.")
    zenhub = app.clients.zenhub
    board = zenhub.board(workspaces[board_key].id)
    target = board.pipeline(pipeline)
    if target is None:
        names = ", ".join(p.name for p in board.pipelines)
        raise UsageError(f"{board.name} has no pipeline {pipeline!r}.", hint=f"Its pipelines: {names}.")
    repo_id = board.repository_gh_ids.get(app.repo)
    if repo_id is None:
        raise UsageError(f"{board.name} does not show {app.repo}.")
    try:
        issue = zenhub.issue(repo_id, number, board.id)
    except NotFound:
        raise _no_issue(app, number) from None
    if issue.pipeline is not None and issue.pipeline.id == target.id:
        return f"#{number} is in {target.name} on {board.name} already."
    zenhub.move_issue(issue.id, target.id)
    return f"moved #{number} {issue.title!r} to {target.name} on {board.name}."


def _project_number(app: App, board_key: str) -> int:
    """A group's key (`mdm`), its ZenHub-style key (`g-mdm`), `drafting`, or a project number → the project's number."""
    projects = app.rituals.boards.github_projects
    assert projects is not None  # noqa: S101 - the model requires it for this backend
    groups = {g.key: g.project for g in app.rituals.people.product_groups if g.project is not None}
    key = board_key.strip().lower()
    if key == "drafting":
        return projects.drafting_project
    for name in (key, key.removeprefix("g-")):
        if name in groups:
            return int(groups[name])  # type: ignore[arg-type]
    if key.isascii() and key.isdigit() and int(key) in {*groups.values(), projects.drafting_project}:
        return int(key)
    choices = [*(f"{k} ({n})" for k, n in groups.items()), f"drafting ({projects.drafting_project})"]
    raise UsageError(f"no GitHub project {board_key!r} in the rituals file.", hint=f"Choose one of: {', '.join(choices)}.")


def _move_on_project(app: App, number: int, column: str, board_key: str) -> str:
    project = _project_number(app, board_key)
    boards = app.project_boards
    board = boards.find(project)
    target = board.column(column)
    if target is None:
        names = ", ".join(c.name for c in board.columns)
        raise UsageError(f"project {project} ({board.name}) has no Status {column!r}.", hint=f"Its columns: {names}.")
    try:
        cards = boards.issue_cards(app.repo, number)
    except NotFound:
        raise _no_issue(app, number) from None
    card = cards.get(board.id)  # by the project's node id (boards/github_projects.py)
    if card is None:
        raise UsageError(f"#{number} is not on project {project} ({board.name}).", hint="Add it to the project first, or give another --board.")
    if card.column is not None and same_name(card.column, target.name):
        return f"#{number} is in {target.name} on {board.name} already."
    boards.move(board, [card], target.name)
    return f"moved #{number} {card.title!r} to {target.name} on {board.name}."
