"""Deploy to dogfood: "Deploy a new release to dogfood" in the handbook, without its traps.

The handbook's manual steps are easy to get wrong: `fleetdm/fleet:main` (not an image name:
a branch tag moves), a typo in the tag, or an image older than what runs (the deploy workflow
does not run down migrations). So before anything is dispatched:

- REF is a release (`v4.58.0`, `4.58.0`, `fleet-v4.58.0`) or a commit hash (7 to 40 hex
  digits); anything else, such as `main`, is refused with the handbook's reason.
- The image must exist on Docker Hub under its exact tag: `naming.docker_tag` for a release
  (`v4.58.0`), the commit's first 7 hex digits for a commit (Fleet's Docker publish job tags
  each build with `git rev-parse --short HEAD` in a shallow CI checkout, which is 7 digits).
- It must be newer than what dogfood runs, as the dogfood server reports it (or `--current`
  says). Two releases are compared by version: a patch release sits on its own branch, so git
  ancestry would call 4.58.1 → 4.59.0 "diverged" although it is an upgrade. Anything else (a
  commit, or dogfood running a build of a commit) must be `ahead` by git ancestry (GitHub's
  compare of the running revision with the target); `identical` or the same release is
  skipped, `behind` and `diverged` are refused.
- The workflow file on the default branch must declare the input named in the rituals file
  (DOCKER_IMAGE; Fleet's older workflow called it IMAGE_TAG), and no deploy run may be in
  progress (a re-run after an interruption must not start a second deploy).

Then the workflow is dispatched on the default branch, its run found (from the dispatch's
answer where GitHub returns the run id, otherwise the newest workflow_dispatch run created
since the dispatch) and, with --watch, followed to its end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fleetops.concurrency import Reads
from fleetops.errors import AuthError, NotFound, PolicyRefusal, ServiceError, UsageError
from fleetops.ops.dogfood import policy
from fleetops.ops.dogfood import watch
from fleetops.ops.dogfood.reads import DeployReads
from fleetops.ops.dogfood.ref import SHORT_HASH, DeployOptions, Ref, Running, parse_duration, parse_ref, release_of
from fleetops.plan import Plan, Step
from fleetops.views import Facts

__all__ = ["DeployOptions", "deploy", "parse_duration", "parse_ref", "release_of", "summary"]

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.dogfood import FleetVersion
    from fleetops.clients.github import Comparison, GitHubClient, Workflow, WorkflowRun


# --- the plan ----------------------------------------------------------------------------------------------
def deploy(app: App, options: DeployOptions) -> Plan:
    """Read everything, refuse what the handbook forbids, and plan the dispatch (and the watch)."""
    rituals = app.rituals
    target = parse_ref(options.ref, rituals)
    current = parse_ref(options.current, rituals, option="--current") if options.current is not None else None
    if options.poll_interval <= 0:
        raise UsageError(f"--poll-interval must be more than 0 seconds, not {options.poll_interval:g}.")
    image_repo = rituals.dogfood.image
    image = f"{image_repo}:{target.image_tag}"
    plan = Plan(command="release deploy-dogfood")
    plan.extra.update(
        ref=options.ref, image=image, digest=None, current=None,
        target={"kind": target.kind, "version": str(target.version) if target.version else None, "git_ref": target.git_ref, "revision": None},
        compare=None, workflow=None, inputs=None, run=None,
    )
    app.plan = plan  # a refusal's --json still carries what was read

    reads = _read(app, target, current, image)
    plan.extra.update(digest=reads.tag.digest, current=reads.running.as_json())
    plan.extra["target"]["revision"] = reads.target_sha
    if reads.comparison is not None:
        plan.extra["compare"] = {"status": reads.comparison.status, "ahead_by": reads.comparison.ahead_by, "behind_by": reads.comparison.behind_by}
    plan.extra["workflow"] = {"id": reads.workflow.id, "name": reads.workflow.name, "path": reads.workflow.path, "ref": reads.branch}
    inputs = {rituals.dogfood.input: image}
    plan.extra["inputs"] = inputs
    app.ui.show(summary(target, image, reads, inputs))

    title = f"Dispatch {reads.workflow.path.rsplit('/', 1)[-1]} on {reads.branch}"
    already = policy.decide(target, reads)
    if already is not None:
        plan.add(Step.skip("dispatch", title, already))
        return plan
    policy.check_workflow(app, reads)
    policy.check_dispatchable(app, reads)
    watch.plan_dispatch(app, plan, options, target, reads, inputs, title)
    return plan


def _read(app: App, target: Ref, current: Ref | None, image: str) -> DeployReads:
    """Every read, concurrently in rounds; refusals in the order a person would fix them.

    GitHub's chain (the release's commit and the workflow, then the workflow file, then the
    compare) leaves first; Docker Hub's tag is read beside it and only awaited before the checks,
    so that building the Docker Hub and dogfood clients overlaps GitHub's first answers. The
    deploy runs are listed in the first round, before dogfood is asked what it runs (second
    round): a deploy that finishes between the two reads then shows in dogfood's answer, instead
    of being missed by both and dispatched again. The compare needs dogfood's answer.
    """
    github = app.clients.github
    with Reads() as pending:
        chain = _first_round(app, target, current)
        pending.start(chain)
        hub = app.clients.dockerhub  # built while GitHub's first round is on its way
        pending.start({"tag": lambda: hub.tag(image.rsplit(":", 1)[0], target.image_tag)})
        dogfood, unreachable = _dogfood_client(app, current)
        first = pending.results(chain)
        wf: Workflow | None = first["workflow"]
        second: dict[str, Any] = {}
        if first["target_sha"] is not None and wf is not None and (current is None or first["current_sha"] is not None):
            second["file"] = lambda: github.file_text(wf.path, first["branch"]).text
            if current is not None:
                second["compare"] = lambda: _compare(github, first["current_sha"], first["target_sha"])
            elif dogfood is not None:
                second["running"] = lambda: _running(dogfood)
            pending.start(second)
        first["tag"] = pending.result("tag")
        _require_found(app, target, current, image, first)
        results = pending.results(second)
    target_sha: str = first["target_sha"]
    assert wf is not None  # noqa: S101 - _require_found refused a missing workflow

    if current is not None:
        version_text = str(current.version) if current.version is not None else None
        state = Running("--current", version_text, first["current_sha"], current.version)
    else:
        state = _reported(results.get("running"), unreachable)
        if state.revision:
            results["compare"] = _compare(github, state.revision, target_sha)

    from fleetops.clients.github import workflow_dispatch_inputs

    reads = DeployReads(tag=first["tag"], target_sha=target_sha, branch=first["branch"], workflow=wf, running=state, runs=first["runs"])
    reads.declared = workflow_dispatch_inputs(results["file"])
    outcome = results.get("compare")
    if isinstance(outcome, str):
        reads.compare_error = outcome
    else:
        reads.comparison = outcome
    return reads


def _dogfood_client(app: App, current: Ref | None) -> tuple[Any, str | None]:
    """The dogfood client, unless --current says what runs; or why there is none."""
    if current is not None:
        return None, None
    from fleetops.clients.dogfood import DogfoodNotConfigured

    try:
        return app.clients.dogfood, None
    except DogfoodNotConfigured as err:
        return None, err.message


def _running(dogfood: Any) -> FleetVersion | ServiceError:
    try:
        return dogfood.version()
    except AuthError:
        raise
    except ServiceError as err:  # unreachable, 5xx after retries, 404, not JSON: decided by _reported
        return err


def _compare(github: GitHubClient, base: str, head: str) -> Comparison | str:
    try:
        return github.compare(base, head)
    except ServiceError as err:  # unknown revision (404) or a failing compare: decided by the policy
        return str(err)


def _first_round(app: App, target: Ref, current: Ref | None) -> dict[str, Any]:
    """GitHub's first reads: the target's commit, the default branch, the workflow and its runs (and --current's commit)."""
    rituals = app.rituals
    github = app.clients.github

    def workflow() -> Workflow | None:
        try:
            return github.workflow(rituals.dogfood.workflow)
        except NotFound:
            return None

    def runs() -> list[WorkflowRun]:
        try:
            return github.workflow_runs(rituals.dogfood.workflow)
        except NotFound:  # no such workflow: reported from the workflow read
            return []

    tasks: dict[str, Any] = {
        "target_sha": lambda: github.commit_sha(target.git_ref),
        "branch": github.default_branch,
        "workflow": workflow,
        "runs": runs,
    }
    if current is not None:
        tasks["current_sha"] = lambda: github.commit_sha(current.git_ref)
    return tasks


def _require_found(app: App, target: Ref, current: Ref | None, image: str, first: dict[str, Any]) -> None:
    """Refuse when the image, the target's commit, the workflow or --current's commit does not exist."""
    if first["tag"] is None:
        suggestions = app.clients.dockerhub.suggestions(image.rsplit(":", 1)[0], target.image_tag)
        hint = (
            "Nearest existing tags: " + ", ".join(suggestions) + "."
            if suggestions
            else f"No similar tag on Docker Hub: check that {'the release was published' if target.kind == 'release' else 'the Docker publish job of that commit passed'}."
        )
        raise UsageError(f"{image} does not exist on Docker Hub (no tag {target.image_tag!r}); nothing was dispatched.", hint=hint)
    if first["target_sha"] is None:
        what = f"tag {target.git_ref}" if target.kind == "release" else f"commit {target.git_ref}"
        raise UsageError(f"{app.repo} has no {what}, so fleetops cannot tell whether {image} is newer than what dogfood runs.")
    if first["workflow"] is None:
        raise UsageError(
            f"{app.repo} has no workflow {app.rituals.dogfood.workflow}.",
            hint="Check dogfood.workflow in the rituals file (FLEETOPS_RITUALS).",
        )
    if current is not None and first["current_sha"] is None:
        raise UsageError(f"--current {current.text}: {app.repo} has no {'tag' if current.kind == 'release' else 'commit'} {current.git_ref}.")


def _reported(answer: FleetVersion | ServiceError | None, unreachable: str | None) -> Running:
    """What dogfood says it runs; refused when it cannot say (deploying older would need a down migration)."""
    if isinstance(answer, ServiceError):
        unreachable = str(answer)
    if unreachable is not None:
        raise PolicyRefusal(
            f"cannot tell what dogfood runs ({unreachable.rstrip('.')}), and deploying an older image would need a "
            "down migration: nothing was dispatched.",
            hint="Fix FLEETOPS_DOGFOOD_URL, or say what runs there with --current REF (a release or a commit hash).",
        )
    assert answer is not None
    return Running("dogfood", answer.version, answer.revision, release_of(answer.version))


# --- what people see first ---------------------------------------------------------------------------------
def summary(target: Ref, image: str, reads: DeployReads, inputs: dict[str, str]) -> Facts:
    """Image and digest, current → new, the compare result, the workflow and its inputs."""
    facts = Facts(heading="Deploy to dogfood", blank_after=True)
    facts.add("Image", image)
    facts.add("Digest", reads.tag.digest or "none given by Docker Hub")
    source = "as the dogfood server reports" if reads.running.source == "dogfood" else "as --current says"
    new = f"{target.label} ({reads.target_sha[:SHORT_HASH]})" if target.kind == "release" else target.label
    facts.add("Dogfood", f"{reads.running.label} → {new}; now {source}")
    cmp = reads.comparison
    if cmp is not None:
        counts = f"{cmp.status} (ahead by {cmp.ahead_by}, behind by {cmp.behind_by} commits)"
        if target.kind == "release" and reads.running.version is not None:
            counts += "; releases are compared by version"
        facts.add("Compare", counts)
    elif reads.compare_error:
        facts.add("Compare", f"unknown: {reads.compare_error}")
    facts.add("Workflow", f"{reads.workflow.name} ({reads.workflow.path}) on {reads.branch}")
    facts.add("Inputs", ", ".join(f"{k}={v}" for k, v in inputs.items()))
    return facts
