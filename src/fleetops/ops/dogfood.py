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

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from packaging.version import InvalidVersion, Version

from fleetops.concurrency import gather
from fleetops.errors import AuthError, FleetopsError, NotFound, PolicyRefusal, ServiceError, UsageError
from fleetops.plan import Plan, Step
from fleetops.views import Facts

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.dockerhub import ImageTag
    from fleetops.clients.dogfood import FleetVersion
    from fleetops.clients.github import Comparison, DispatchResult, GitHubClient, Workflow, WorkflowRun
    from fleetops.rituals.models import Rituals

SHORT_HASH = 7  # the length of Fleet's per-commit image tags (`git rev-parse --short` in CI)
HASH = re.compile(r"[0-9a-f]{7,40}")
RELEASE = re.compile(r"v?(?P<version>\d+\.\d+\.\d+)")
BRANCHY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
UNFINISHED = ("queued", "in_progress", "waiting", "requested", "pending")
# GitHub stamps a run's creation in whole seconds, and our clock and GitHub's differ a little.
CLOCK_MARGIN = timedelta(seconds=10)


# --- input ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeployOptions:
    """What the user asked for; built by the CLI from its arguments."""

    ref: str
    current: str | None = None
    watch: bool = False
    poll_interval: float = 10.0
    timeout: float = 30 * 60.0


@dataclass(frozen=True)
class Ref:
    """A deployable REF: a release or a commit, with its git ref and its image tag."""

    text: str
    kind: Literal["release", "commit"]
    git_ref: str  # fleet-v4.58.0, or the hash as given
    image_tag: str  # v4.58.0, or the 7-digit hash
    version: Version | None = None

    @property
    def label(self) -> str:
        return str(self.version) if self.version is not None else self.git_ref[:SHORT_HASH]


def parse_duration(text: str) -> float:
    """`90`, `90s`, `30m`, `1.5h` → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text or "")
    if not match or float(match[1]) <= 0:
        raise UsageError(f"--timeout {text!r} is not a duration.", hint="Use seconds or a unit: 90, 90s, 30m, 1h.")
    return float(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[match[2]]


def _duration_text(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


def _release_version(text: str, rituals: Rituals) -> str | None:
    """The X.Y.Z of `v4.58.0`, `4.58.0`, or the rituals' release tag / image tag forms."""
    match = RELEASE.fullmatch(text)
    if match:
        return match["version"]
    for pattern in (rituals.naming.release_tag, rituals.naming.docker_tag):
        before, _, after = pattern.partition("{version}")
        found = re.fullmatch(re.escape(before) + r"(?P<version>\d+\.\d+\.\d+)" + re.escape(after), text)
        if found:
            return found["version"]
    return None


def parse_ref(text: str, rituals: Rituals, *, option: str = "REF") -> Ref:
    """Validate a REF before anything is read; a branch name is refused with the handbook's reason."""
    image = rituals.dogfood.image
    raw = text.strip()
    if raw.startswith(image + ":"):  # a pasted image name: fleetdm/fleet:v4.58.0
        raw = raw[len(image) + 1 :]
    if not raw:
        raise UsageError(f"{option} is empty.", hint="Give a release (v4.58.0) or a commit hash.")
    version = _release_version(raw, rituals)
    if version is not None:
        return Ref(
            text=text,
            kind="release",
            git_ref=rituals.naming.release_tag.format(version=version),
            image_tag=rituals.naming.docker_tag.format(version=version),
            version=Version(version),
        )
    if HASH.fullmatch(raw.lower()):
        sha = raw.lower()
        return Ref(text=text, kind="commit", git_ref=sha, image_tag=sha[:SHORT_HASH])
    if re.match(r"v?\d", raw):
        raise UsageError(
            f"{option} {text!r} is not a release version.",
            hint="Releases are X.Y.Z, e.g. v4.58.0 or 4.58.0.",
        )
    if BRANCHY.fullmatch(raw) and ".." not in raw:
        raise PolicyRefusal(
            f'{image}:{raw} is not an image name; use the commit hash instead (handbook: "Deploy a new release '
            f'to dogfood": a branch tag moves, so it does not say what would run).',
            hint=f"Deploy a release (e.g. v4.58.0) or the commit's hash, e.g. `git rev-parse --short origin/{raw}`.",
        )
    raise UsageError(f"{option} {text!r} is neither a release (v4.58.0) nor a commit hash (7 to 40 hex digits).")


# --- what runs ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Running:
    """What dogfood runs now, from its version endpoint or from --current."""

    source: str  # "dogfood" or "--current"
    version_text: str | None
    revision: str | None
    version: Version | None = None  # only when it is a release build (X.Y.Z)

    @property
    def label(self) -> str:
        if self.version is not None:
            return str(self.version)
        short = self.revision[:SHORT_HASH] if self.revision else None
        if self.version_text and short:
            return f"{self.version_text} ({short})"
        return self.version_text or short or "an unknown build"

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "version": self.version_text, "revision": self.revision}


def release_of(version_text: str | None) -> Version | None:
    """The version of a release build (4.57.0, v4.57.0); None for a build of a commit."""
    if not version_text:
        return None
    match = RELEASE.fullmatch(version_text.strip().removeprefix("fleet-"))
    if not match:
        return None
    try:
        return Version(match["version"])
    except InvalidVersion:  # pragma: no cover - the pattern only admits valid versions
        return None


# --- the plan ----------------------------------------------------------------------------------------------
@dataclass
class _Reads:
    tag: ImageTag
    target_sha: str
    branch: str
    workflow: Workflow
    running: Running
    comparison: Comparison | None = None
    compare_error: str | None = None
    declared: dict[str, dict[str, Any]] | None = None
    runs: list[WorkflowRun] = field(default_factory=list)


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
    already = _decide(target, reads)
    if already is not None:
        plan.add(Step.skip("dispatch", title, already))
        return plan
    _check_workflow(app, reads)
    busy = [r for r in reads.runs if r.status in UNFINISHED]
    if busy:
        run = busy[0]
        raise PolicyRefusal(
            f"a deploy run is already {run.status.replace('_', ' ') if run.status else 'running'}: {run.html_url}; "
            "nothing was dispatched (two deploys at once would race).",
            hint="Follow it there and re-run when it ends: if it deployed this image, the re-run has nothing to do.",
        )
    if not app.dry_run and app.settings.github_token is None:
        raise AuthError(
            "GH_TOKEN (or GITHUB_TOKEN) is not set; dispatching the deploy workflow needs a token.",
            hint=f"Export GH_TOKEN with a token that may run workflows in {app.repo} (actions: write).",
        )
    _plan_dispatch(app, plan, options, target, reads, inputs, title)
    return plan


def _read(app: App, target: Ref, current: Ref | None, image: str) -> _Reads:
    """Every read, concurrently in rounds; refusals in the order a person would fix them.

    The deploy runs are listed in the first round, before dogfood is asked what it runs (second
    round): a deploy that finishes between the two reads then shows in dogfood's answer, instead
    of being missed by both and dispatched again. The compare needs dogfood's answer.
    """
    rituals = app.rituals
    clients = app.clients
    github = clients.github
    hub = clients.dockerhub
    dogfood = None
    unreachable: str | None = None
    if current is None:
        from fleetops.clients.dogfood import DogfoodNotConfigured

        try:
            dogfood = clients.dogfood
        except DogfoodNotConfigured as err:
            unreachable = err.message

    def running() -> FleetVersion | ServiceError:
        try:
            return dogfood.version()  # type: ignore[union-attr]
        except AuthError:
            raise
        except ServiceError as err:  # unreachable, 5xx after retries, 404, not JSON: decided below
            return err

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

    def compare(base: str, head: str) -> Comparison | str:
        try:
            return github.compare(base, head)
        except ServiceError as err:  # unknown revision (404) or a failing compare: decided later
            return str(err)

    tasks: dict[str, Any] = {
        "tag": lambda: hub.tag(image.rsplit(":", 1)[0], target.image_tag),
        "target_sha": lambda: github.commit_sha(target.git_ref),
        "branch": github.default_branch,
        "workflow": workflow,
        "runs": runs,
    }
    if current is not None:
        tasks["current_sha"] = lambda: github.commit_sha(current.git_ref)
    first = gather(tasks)

    tag = first["tag"]
    if tag is None:
        suggestions = hub.suggestions(image.rsplit(":", 1)[0], target.image_tag)
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
            f"{app.repo} has no workflow {rituals.dogfood.workflow}.",
            hint="Check dogfood.workflow in the rituals file (FLEETOPS_RITUALS).",
        )
    if current is not None and first["current_sha"] is None:
        raise UsageError(f"--current {current.text}: {app.repo} has no {'tag' if current.kind == 'release' else 'commit'} {current.git_ref}.")
    target_sha: str = first["target_sha"]
    wf: Workflow = first["workflow"]
    branch: str = first["branch"]

    second: dict[str, Any] = {"file": lambda: github.file_text(wf.path, branch).text}
    if current is not None:
        second["compare"] = lambda: compare(first["current_sha"], target_sha)
    elif dogfood is not None:
        second["running"] = running
    results = gather(second)

    if current is not None:
        version_text = str(current.version) if current.version is not None else None
        state = Running("--current", version_text, first["current_sha"], current.version)
    else:
        answer = results.get("running")
        if isinstance(answer, ServiceError):
            unreachable = str(answer)
        if unreachable is not None:
            raise PolicyRefusal(
                f"cannot tell what dogfood runs ({unreachable.rstrip('.')}), and deploying an older image would need a "
                "down migration: nothing was dispatched.",
                hint="Fix FLEETOPS_DOGFOOD_URL, or say what runs there with --current REF (a release or a commit hash).",
            )
        state = Running("dogfood", answer.version, answer.revision, release_of(answer.version))
        if state.revision:
            results["compare"] = compare(state.revision, target_sha)

    from fleetops.clients.github import workflow_dispatch_inputs

    reads = _Reads(tag=tag, target_sha=target_sha, branch=branch, workflow=wf, running=state, runs=first["runs"])
    reads.declared = workflow_dispatch_inputs(results["file"])
    outcome = results.get("compare")
    if isinstance(outcome, str):
        reads.compare_error = outcome
    else:
        reads.comparison = outcome
    return reads


def _decide(target: Ref, reads: _Reads) -> str | None:
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


def _check_workflow(app: App, reads: _Reads) -> None:
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


def _plan_dispatch(app: App, plan: Plan, options: DeployOptions, target: Ref, reads: _Reads, inputs: dict[str, str], title: str) -> None:
    github = app.clients.github
    seen = {r.id for r in reads.runs}
    sent: dict[str, Any] = {}
    detail = ", ".join(f"{k}={v}" for k, v in inputs.items())

    def dispatch(step: Step) -> str:
        sent["at"] = app.now()
        sent["clock"] = time.monotonic()
        result: DispatchResult = github.dispatch(reads.workflow.id, reads.branch, inputs)
        sent["result"] = result
        return f"dispatched on {reads.branch}" + (f": run {result.run_id}" if result.run_id else "")

    plan.add(Step.todo("dispatch", title, detail, dispatch))

    def follow(step: Step) -> str:
        deadline = sent.get("clock", time.monotonic()) + options.timeout
        run = _locate(app, github, reads, sent, seen, options, deadline)
        plan.extra["run"] = run.as_json()
        app.ui.info(f"Deploy run: {run.html_url}")
        if not options.watch:
            return f"run {run.id} {(run.status or 'started').replace('_', ' ')}: {run.html_url}"
        run = _watch(app, github, plan, run, options, deadline)
        if run.conclusion != "success":
            raise FleetopsError(
                f"the deploy run ended {run.conclusion or 'without a conclusion'}: {run.html_url}",
                hint=f"Read its logs; dogfood still runs what it ran. Re-run to deploy {target.label} again.",
            )
        return f"run {run.id} succeeded: {run.html_url}"

    if options.watch:
        watch_detail = f"poll every {options.poll_interval:g} s for up to {_duration_text(options.timeout)}"
        plan.add(Step.todo("run", "Follow the deploy run to its end", watch_detail, follow, needs=("dispatch",)))
    else:
        plan.add(Step.todo("run", "Find the deploy run", "print its URL (add --watch to follow it)", follow, needs=("dispatch",)))


def _locate(app: App, github: GitHubClient, reads: _Reads, sent: dict[str, Any], seen: set[int], options: DeployOptions, deadline: float) -> WorkflowRun:
    """The run the dispatch started: by the id GitHub returned, else the newest new dispatch run."""
    result: DispatchResult | None = sent.get("result")
    if result is not None and result.run_id is not None:
        return github.workflow_run(result.run_id)
    since: datetime = sent.get("at", app.now()) - CLOCK_MARGIN
    created = ">=" + since.strftime("%Y-%m-%dT%H:%M:%SZ")
    while True:
        runs = github.workflow_runs(reads.workflow.id, branch=reads.branch, event="workflow_dispatch", created=created)
        fresh = [r for r in runs if r.id not in seen and (r.created_at is None or r.created_at >= since)]
        if fresh:
            return max(fresh, key=lambda r: (r.created_at or since, r.id))
        if time.monotonic() >= deadline:
            raise FleetopsError(
                f"the workflow was dispatched, but no run of it appeared within {_duration_text(options.timeout)}.",
                hint=f"Look for it at {reads.workflow.html_url}; re-running refuses while it is in progress.",
            )
        time.sleep(min(options.poll_interval, max(0.0, deadline - time.monotonic())))


def _watch(app: App, github: GitHubClient, plan: Plan, run: WorkflowRun, options: DeployOptions, deadline: float) -> WorkflowRun:
    """Poll the run every --poll-interval until it completes or --timeout passes."""
    started = time.monotonic()
    last = run.status
    with app.ui.spinner(f"Deploy run {run.id}: {run.status}") as update:
        while not run.completed:
            if time.monotonic() >= deadline:
                raise FleetopsError(
                    f"the deploy run is still {(run.status or 'running').replace('_', ' ')} after {_duration_text(options.timeout)} "
                    f"(--timeout): {run.html_url}",
                    hint="Follow it there; re-running refuses while it is in progress.",
                )
            time.sleep(min(options.poll_interval, max(0.0, deadline - time.monotonic())))
            run = github.workflow_run(run.id)
            plan.extra["run"] = run.as_json()
            if run.status != last:
                app.ui.info(f"run {run.id}: {(run.status or '?').replace('_', ' ')}")
                last = run.status
            update(f"Deploy run {run.id}: {run.status} ({time.monotonic() - started:.0f} s)")
    return run


# --- what people see first ---------------------------------------------------------------------------------
def summary(target: Ref, image: str, reads: _Reads, inputs: dict[str, str]) -> Facts:
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
