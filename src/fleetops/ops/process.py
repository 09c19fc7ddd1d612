"""Which handbook process the rituals file describes, and the commands that belong to only one.

`process: merge-freeze` (the bundled `fleet`, the 2024 handbook) freezes the default branch before
a release and keeps its boards on ZenHub; `process: release-candidate` (the bundled `fleet-rc`,
releases.md@800f895) cuts a candidate branch instead and keeps its boards on GitHub Projects.
A command of the other process is refused with exit 2 and a pointer to what to run instead, before
any request, rather than running the wrong handbook's steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fleetops.errors import NotFound, PolicyRefusal, UsageError
from fleetops.plan import Status, Step

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.rituals.models import Candidate

RELEASE_CANDIDATE = "release-candidate"


def is_release_candidate(app: App) -> bool:
    return app.rituals.process == RELEASE_CANDIDATE


def refuse_freeze(app: App, command: str) -> None:
    """`freeze ...` under the release-candidate process: there is no merge freeze to act on."""
    if is_release_candidate(app):
        raise PolicyRefusal(
            f"`fleetops {command}`: this process (process: release-candidate) has no merge freeze; "
            "the candidate branch takes its place: `fleetops release cut-rc VERSION` creates it "
            "and `fleetops release rc-status VERSION` shows the fixes still to pick onto it.",
        )


def require_release_candidate(app: App, command: str) -> None:
    """A command of the current handbook, refused under the 2024 merge-freeze process."""
    if not is_release_candidate(app):
        raise UsageError(
            f"`fleetops {command}` belongs to the release-candidate process; this rituals file has process: {app.rituals.process}.",
            hint="Set FLEETOPS_RITUALS=fleet-rc (or a rituals file with process: release-candidate).",
        )


def candidate_of(app: App) -> Candidate:
    """The candidate section, for code that runs only under the release-candidate process."""
    candidate = app.rituals.candidate
    assert candidate is not None  # noqa: S101 - the model requires it for release-candidate
    return candidate


def candidate_branch(app: App, version: str) -> str:
    return candidate_of(app).branch.format(version=version)


def read_deploy_variable(app: App) -> str | None:
    """The deploy variable's value now (QAWOLF_DEPLOY_TAG); None when its repository has no such variable."""
    candidate = candidate_of(app)
    try:
        return app.clients.github.variable(candidate.deploy_variable, repo=candidate.deploy_variable_repository)
    except NotFound:
        return None


def deploy_variable_step(
    app: App, step_id: str, title: str, current: str | None, target: str, why: str, *,
    data: dict[str, str] | None = None, leave: Callable[[str], str | None] = lambda current: None,
) -> Step:
    """Set the deploy variable (read by read_deploy_variable) to `target`, as cut-rc and conclude-milestone do:
    skipped when it already is, or when `leave` gives a reason to leave `current` as it is; failed when it is missing."""
    candidate = candidate_of(app)
    name, repo = candidate.deploy_variable, candidate.deploy_variable_repository
    title = f"Set {name} of {repo} {title}"
    data = {"variable": name, "repository": repo, **(data or {})}
    if current == target:
        return Step.skip(step_id, title, f"already {target}", data=data)
    if current is None:
        return Step(id=step_id, title=title, status=Status.FAILED, data=data,
                    detail=f"{repo} has no Actions variable {name}: create it (settings → secrets and variables → actions), then re-run")
    if (reason := leave(current)) is not None:
        return Step.skip(step_id, title, reason, data=data)

    def apply(step: Step) -> str:
        app.clients.github.set_variable(name, target, repo=repo)
        return f"{name}: {current} → {target}"

    return Step.todo(step_id, title, f"{current} → {target} ({why})", apply, data=data)
