"""deploy-dogfood's policy: what may be deployed over what runs, and when a dispatch may start.

Releases compare by version; anything else must be `ahead` by git ancestry (GitHub's compare);
the same release or revision is skipped; older or diverged is refused (no down migrations). The
workflow must be active and declare the rituals file's input; no deploy run may be in progress.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fleetops.errors import AuthError, PolicyRefusal, UsageError
from fleetops.ops.dogfood.ref import SHORT_HASH

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.ops.dogfood.reads import DeployReads
    from fleetops.ops.dogfood.ref import Ref

UNFINISHED = ("queued", "in_progress", "waiting", "requested", "pending")


def decide(target: Ref, reads: DeployReads) -> str | None:
    """None to deploy; a reason to skip; raises PolicyRefusal for anything older or unrelated."""
    running = reads.running
    if target.kind == "release" and running.version is not None:
        assert target.version is not None
        if target.version == running.version:
            return f"dogfood already runs {running.version_text}"
        if target.version < running.version:
            raise PolicyRefusal(
                f"{target.version} is older than {running.version}, which dogfood runs: the deploy workflow does not run "
                "down migrations, so nothing was dispatched.",
                hint="Always deploy a newer version than the one deployed (handbook).",
            )
        return None
    # A commit, or dogfood runs a build of a commit: git ancestry decides.
    if not running.revision:
        raise PolicyRefusal(
            f"dogfood reports version {running.version_text!r} without a revision, so fleetops cannot tell whether "
            f"{target.label} is newer: nothing was dispatched.",
            hint="Say what runs there with --current REF (a release or a commit hash).",
        )
    if reads.comparison is None:
        raise PolicyRefusal(
            f"GitHub cannot compare what dogfood runs ({running.revision[:12]}) with {target.label}: "
            f"{(reads.compare_error or 'no answer').rstrip('.')}; nothing was dispatched.",
            hint="If dogfood runs a build GitHub does not know, say what runs there with --current REF.",
        )
    status = reads.comparison.status
    if status == "identical" or running.revision == reads.target_sha:
        return f"dogfood already runs {reads.target_sha[:SHORT_HASH]}"
    if status == "ahead":
        return None
    if status == "behind":
        raise PolicyRefusal(
            f"{target.label} is {reads.comparison.behind_by} commit(s) behind what dogfood runs ({running.label}): the deploy "
            "workflow does not run down migrations, so nothing was dispatched.",
            hint="Always deploy a newer version than the one deployed (handbook).",
        )
    raise PolicyRefusal(
        f"{target.label} is not a descendant of what dogfood runs ({running.label}): the histories {status} "
        f"({reads.comparison.ahead_by} ahead, {reads.comparison.behind_by} behind), so it may lack migrations "
        "that already ran; nothing was dispatched.",
        hint="Deploy a commit that contains what runs (e.g. from main), or a newer release.",
    )


def check_workflow(app: App, reads: DeployReads) -> None:
    """The workflow must be active and declare the rituals' input (older Fleet: IMAGE_TAG)."""
    wf = reads.workflow
    wanted = app.rituals.dogfood.input
    where = f"{wf.path} on {reads.branch}"
    if wf.state != "active":
        raise PolicyRefusal(f"the workflow {wf.name!r} is {wf.state.replace('_', ' ')}: nothing was dispatched.", hint=f"Enable it in {app.repo}'s Actions tab.")
    declared = reads.declared
    if declared is None:
        raise UsageError(f"{where} has no workflow_dispatch trigger, so it cannot be dispatched.")
    if wanted not in declared:
        names = ", ".join(declared) or "no inputs"
        raise UsageError(
            f"{where} declares {names}, not the input {wanted} that the rituals file names (dogfood.input); "
            "nothing was dispatched.",
            hint=f"Set dogfood.input to the workflow's input in a copy of the rituals file (FLEETOPS_RITUALS), or update {wf.path}.",
        )
    missing = [n for n, spec in declared.items() if n != wanted and spec.get("required") and "default" not in spec]
    if missing:
        raise UsageError(f"{where} also requires {', '.join(missing)}, which fleetops does not know how to fill.")


class DeployBusy(PolicyRefusal):
    """A deploy run is in progress: nothing is dispatched until it ends (`release publish` waits for it, not a person)."""


def check_dispatchable(app: App, reads: DeployReads) -> None:
    """No deploy run in progress (two at once would race), and a token to dispatch with (unless a dry run)."""
    busy = [r for r in reads.runs if r.status in UNFINISHED]
    if busy:
        run = busy[0]
        raise DeployBusy(
            f"a deploy run is already {run.status.replace('_', ' ') if run.status else 'running'}: {run.html_url}; "
            "nothing was dispatched (two deploys at once would race).",
            hint="Follow it there and re-run when it ends: if it deployed this image, the re-run has nothing to do.",
        )
    if not app.dry_run and app.settings.github_token is None:
        raise AuthError(
            "GH_TOKEN (or GITHUB_TOKEN) is not set; dispatching the deploy workflow needs a token.",
            hint=f"Export GH_TOKEN with a token that may run workflows in {app.repo} (actions: write).",
        )
