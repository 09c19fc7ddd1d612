"""What people do by hand on the real boards, done on the sandbox's, so a rehearsal can go on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fleetops.errors import UsageError

if TYPE_CHECKING:
    from fleetops.app import App


def move_issue(app: App, number: int, pipeline: str, board_key: str) -> str:
    """Move issue `number` to `pipeline` on the workspace `board_key` of the rituals file."""
    if not app.settings.sandbox:  # pragma: no cover - the CLI forces the sandbox
        raise UsageError("move-issue only plays on the sandbox.")
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
    issue = zenhub.issue(repo_id, number, board.id)
    if issue.pipeline is not None and issue.pipeline.id == target.id:
        return f"#{number} is in {target.name} on {board.name} already."
    zenhub.move_issue(issue.id, target.id)
    return f"moved #{number} {issue.title!r} to {target.name} on {board.name}."
