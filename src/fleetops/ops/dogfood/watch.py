"""deploy-dogfood's writes: dispatch the workflow, find the run it started, and follow it to its end.

The run is found from the dispatch's answer where GitHub returns the run id, otherwise as the
newest workflow_dispatch run created since the dispatch (less a margin for the clocks).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fleetops.errors import FleetopsError
from fleetops.ops.dogfood.ref import duration_text
from fleetops.plan import Plan, Step

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import DispatchResult, GitHubClient, WorkflowRun
    from fleetops.ops.dogfood.reads import DeployReads
    from fleetops.ops.dogfood.ref import DeployOptions, Ref

# GitHub stamps a run's creation in whole seconds, and our clock and GitHub's differ a little.
CLOCK_MARGIN = timedelta(seconds=10)


def plan_dispatch(app: App, plan: Plan, options: DeployOptions, target: Ref, reads: DeployReads, inputs: dict[str, str], title: str) -> None:
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
        watch_detail = f"poll every {options.poll_interval:g} s for up to {duration_text(options.timeout)}"
        plan.add(Step.todo("run", "Follow the deploy run to its end", watch_detail, follow, needs=("dispatch",)))
    else:
        plan.add(Step.todo("run", "Find the deploy run", "print its URL (add --watch to follow it)", follow, needs=("dispatch",)))


def _locate(app: App, github: GitHubClient, reads: DeployReads, sent: dict[str, Any], seen: set[int], options: DeployOptions, deadline: float) -> WorkflowRun:
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
                f"the workflow was dispatched, but no run of it appeared within {duration_text(options.timeout)}.",
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
                    f"the deploy run is still {(run.status or 'running').replace('_', ' ')} after {duration_text(options.timeout)} "
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
