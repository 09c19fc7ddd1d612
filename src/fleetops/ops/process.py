"""Which handbook process the rituals file describes, and the commands that belong to only one.

`process: merge-freeze` (the bundled `fleet`, the 2024 handbook) freezes the default branch before
a release and keeps its boards on ZenHub; `process: release-candidate` (the bundled `fleet-rc`,
releases.md@800f895) cuts a candidate branch instead and keeps its boards on GitHub Projects.
A command of the other process is refused with exit 2 and a pointer to what to run instead, before
any request, rather than running the wrong handbook's steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fleetops.errors import PolicyRefusal, UsageError

if TYPE_CHECKING:
    from fleetops.app import App

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


def candidate_branch(app: App, version: str) -> str:
    candidate = app.rituals.candidate
    assert candidate is not None  # noqa: S101 - the model requires it for release-candidate
    return candidate.branch.format(version=version)
