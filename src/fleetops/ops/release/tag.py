"""`release tag VERSION`: tag the release branch's head on GitHub, then follow the release workflow's run of that commit.

Everything goes through GitHub's API (no working copy: it runs the same in CI). The guards
(guards.py) read the head once, with the migrations (one GraphQL query); the tag names that
commit (`POST /git/refs`, never retried: a re-run after a lost answer finds the tag at the head
and skips it), after one more read of the head: a branch that moved since the guards read it
(a fix merged while the plan was shown) is not tagged, the step fails (exit 1) saying so. The
run is the release workflow's run *of the tagged commit* (`head_sha`), never "the newest run":
one request per poll, every --poll-interval seconds, until it concludes or --timeout passes. A
failed run is exit 1 with its URL; after a re-run of the workflow, running `tag` again follows
the new attempt without tagging again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fleetops.errors import FleetopsError, PolicyRefusal, UsageError
from fleetops.ops.dogfood.ref import duration_text
from fleetops.ops.release import guards
from fleetops.plan import Plan, Step
from fleetops.versions import Release, require_release

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import WorkflowRun

COMMAND = "release tag"


@dataclass(frozen=True)
class TagOptions:
    version: str
    wait: bool = True
    timeout: float = 45 * 60.0
    poll_interval: float = 10.0
    branch: str | None = None


def plan_tag(app: App, options: TagOptions) -> Plan:
    """Read the branch, refuse what the guards forbid, and plan the tag and the follow."""
    version = require_release(options.version)
    if options.poll_interval <= 0:
        raise UsageError(f"--poll-interval must be more than 0 seconds, not {options.poll_interval:g}.")
    plan = Plan(command=COMMAND, extra={"version": str(version), "tag": None, "sha": None, "run": None})
    app.plan = plan
    state = guards.read_state(app, version, options.branch)
    plan.extra.update(tag=state.tag, sha=state.sha, branch=state.branch)
    problems = guards.refusals(state, version, app.rituals.releasing)
    if problems:
        raise PolicyRefusal(
            f"{state.tag} cannot be tagged: " + "; ".join(problems) + ".",
            hint="Merge the changelog pull request of `fleetops release prepare` into the release branch (and fix the migrations), then run again.",
        )
    title = f"Tag {state.tag} at {state.branch}'s head {state.sha[:12]}"
    if state.tag_commit is None:
        plan.add(Step.todo("tag", title, f"create refs/tags/{state.tag} → {state.sha}", lambda step: _create(app, state, version)))
    elif state.tag_commit == state.sha:
        plan.add(Step.skip("tag", title, f"{state.tag} already names {state.sha[:12]}"))
    else:
        raise PolicyRefusal(
            f"{state.tag} already exists at commit {state.tag_commit}, not at {state.branch}'s head {state.sha}.",
            hint="A tag is never moved by fleetops: find out why the head moved (or why the tag was made elsewhere) before releasing.",
        )
    _plan_run(app, plan, options, state, existing=state.tag_commit is not None)
    return plan


def _create(app: App, state: guards.BranchState, version: Release) -> str:
    """The head once more, then the tag at the commit the guards read: never at a head they did not check."""
    github = app.clients.github
    why = guards.moved(state, github.ref(f"heads/{state.branch}"), version)
    if why is not None:
        raise PolicyRefusal(why)
    if github.create_tag(state.tag, state.sha):
        return f"created {state.tag} at {state.sha[:12]}"
    found = github.ref(f"tags/{state.tag}")  # made meanwhile (another run): fine only at the same commit
    commit = github.commit_sha(state.tag) if found else None
    if commit != state.sha:
        raise PolicyRefusal(f"{state.tag} was created meanwhile at commit {commit}, not at {state.sha}.")
    return f"{state.tag} was created meanwhile at {state.sha[:12]} (by another run)"


def _plan_run(app: App, plan: Plan, options: TagOptions, state: guards.BranchState, *, existing: bool) -> None:
    """The follow step: skipped with --no-wait or when the run of an existing tag succeeded already."""
    workflow = app.rituals.publishing.release_workflow
    title = f"Follow {workflow}'s run of {state.sha[:12]}"
    if existing:
        runs = app.clients.github.runs_of_commit(workflow, state.sha)
        if runs and runs[0].completed:
            plan.extra["run"] = _run_json(runs[0])
            if runs[0].conclusion == "success":
                plan.add(Step.skip("run", title, f"run {runs[0].id} succeeded: {runs[0].html_url}"))
                return
    if not options.wait:
        plan.add(Step.skip("run", title, "--no-wait: not followed (run `fleetops release tag` again to follow it)"))
        return
    detail = f"poll every {options.poll_interval:g} s for up to {duration_text(options.timeout)}"
    step = plan.add(Step.todo("run", title, detail, lambda step: _follow(app, plan, options, state), needs=("tag",)))
    step.watch = True


def _run_json(run: WorkflowRun) -> dict[str, object]:
    return {"id": run.id, "url": run.html_url, "status": run.status, "conclusion": run.conclusion, "attempt": run.attempt}


def _follow(app: App, plan: Plan, options: TagOptions, state: guards.BranchState) -> str:
    """One request per poll: the workflow's runs of the tagged commit; the newest of them is followed."""
    github, workflow = app.clients.github, app.rituals.publishing.release_workflow
    deadline = time.monotonic() + options.timeout
    started, seen = time.monotonic(), ""
    with app.ui.spinner(f"Waiting for {workflow} to start on {state.sha[:12]}") as update:
        while True:
            runs = github.runs_of_commit(workflow, state.sha)
            run = runs[0] if runs else None
            if run is not None:
                plan.extra["run"] = _run_json(run)
                now = f"run {run.id} (attempt {run.attempt}): {(run.status or '?').replace('_', ' ')}"
                if now != seen:
                    app.ui.info(now + f" {run.html_url}")
                    seen = now
                if run.completed:
                    return _concluded(run)
            if time.monotonic() >= deadline:
                what = f"is still {(run.status or 'running').replace('_', ' ')}: {run.html_url}" if run else "did not start"
                raise FleetopsError(
                    f"after {duration_text(options.timeout)} (--timeout) the run of {workflow} for {state.sha[:12]} {what}.",
                    hint=f"Run `fleetops release tag {plan.extra['version']}` again to go on following it; the tag stays.",
                )
            update(f"{workflow} on {state.sha[:12]}: {seen or 'not started yet'} ({time.monotonic() - started:.0f} s)")
            time.sleep(min(options.poll_interval, max(0.0, deadline - time.monotonic())))


def _concluded(run: WorkflowRun) -> str:
    if run.conclusion != "success":
        raise FleetopsError(
            f"the release workflow's run {run.id} ended {run.conclusion or 'without a conclusion'}: {run.html_url}",
            hint="Read its logs, fix the cause, re-run the workflow on GitHub, then run `fleetops release tag` again to follow the new attempt.",
        )
    return f"run {run.id} succeeded: {run.html_url}"
