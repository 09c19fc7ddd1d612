"""GitHub Actions on the sandbox's GitHub: variables (read, and PATCH for `release cut-rc`), workflows, workflow_dispatch, and runs that progress.

The routes are registered on the existing GitHub router with their OpenAPI path templates, so
their responses are validated like every other GitHub response. State lives in the repository
under `actions`: the workflow records, the runs, and a `script` that says how a dispatched run
behaves (how many reads it stays in progress, how it concludes). Each read of a run that is
not finished moves it one step (queued → in_progress → ... → completed): time passes as the
client polls, so tests never sleep. A deploy run of dogfood-deploy.yml that succeeds changes
what the sandbox's dogfood server reports (see services/dogfood.py).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from fleetops.sandbox.routing import Context, HTTPError, Request, Response
from fleetops.sandbox.services.github.common import (
    JSON,
    actions_of,
    find_run,
    commits_by_sha,
    file_at,
    next_id,
    node_id,
    now_iso,
    not_found,
    paginate,
    repo_of,
    repo_urls,
    require_writer,
    resolve_ref,
    router,
    tree_sha,
    user_json,
    viewer,
    web,
)

# --- routes: Actions variables -----------------------------------------------------------------------------
@router.route("GET", "/repos/{owner}/{repo}/actions/variables")
def list_variables(ctx: Context, req: Request) -> Response:
    require_writer(ctx, req)  # variables need collaborator access
    repo = repo_of(ctx, req)
    items = [dict(name=n, **v) for n, v in sorted(repo.get("variables", {}).items())]
    page, headers = paginate(ctx, req, items, default=10)
    return Response(body={"total_count": len(items), "variables": page}, headers=headers)


@router.route("GET", "/repos/{owner}/{repo}/actions/variables/{name}")
def get_variable(ctx: Context, req: Request) -> Response:
    require_writer(ctx, req)
    repo = repo_of(ctx, req)
    var = repo.get("variables", {}).get(req.params["name"])
    if var is None:
        raise not_found()
    return Response(body=dict(name=req.params["name"], **var))


@router.route("PATCH", "/repos/{owner}/{repo}/actions/variables/{name}")
def update_variable(ctx: Context, req: Request) -> Response:
    require_writer(ctx, req)
    repo = repo_of(ctx, req)
    variables = repo.setdefault("variables", {})
    var = variables.get(req.params["name"])
    if var is None:
        raise not_found()
    try:
        body = req.json()
    except ValueError as err:
        raise HTTPError(400, {"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/rest"}) from err
    new_name = body.get("name") if isinstance(body, dict) else None
    value = body.get("value") if isinstance(body, dict) else None
    if (value is not None and not isinstance(value, str)) or (new_name is not None and not isinstance(new_name, str)):
        raise HTTPError(422, {"message": "Invalid request.", "documentation_url": "https://docs.github.com/rest", "status": "422"})
    if value is not None:
        var["value"] = value
    var["updated_at"] = now_iso(ctx)
    if new_name and new_name != req.params["name"]:
        variables[new_name] = variables.pop(req.params["name"])
    return Response(status=204)


# --- state ---------------------------------------------------------------------------------------------
def find_workflow(repo: JSON, workflow_id: str) -> JSON:
    """By numeric id or by file name (`dogfood-deploy.yml`), as GitHub accepts both."""
    for wf in actions_of(repo)["workflows"]:
        if str(wf["id"]) == workflow_id or wf["path"].rsplit("/", 1)[-1] == workflow_id:
            return wf
    raise not_found()


def declared_inputs(text: str | None) -> dict[str, Any] | None:
    """The workflow_dispatch inputs of a workflow file; None when it has no such trigger."""
    try:
        doc = yaml.safe_load(text or "")
    except yaml.YAMLError:
        return None
    if not isinstance(doc, dict):
        return None
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads `on` as True
    if isinstance(on, str | list):
        return {} if "workflow_dispatch" in ([on] if isinstance(on, str) else on) else None
    if not isinstance(on, dict) or "workflow_dispatch" not in on:
        return None
    trigger = on["workflow_dispatch"] or {}
    inputs = trigger.get("inputs") if isinstance(trigger, dict) else None
    return {str(k): (v if isinstance(v, dict) else {}) for k, v in (inputs or {}).items()}


def advance(ctx: Context, repo: JSON, run: JSON) -> None:
    """One read of a run that is not finished: it moves one step along its script."""
    if run["status"] == "completed":
        return
    steps: list[str] = run["steps"]
    run["polls"] = run.get("polls", 0) + 1
    ctx.advanced = True  # a read that moves the run on must be saved, even when its status holds
    status = steps[min(run["polls"], len(steps) - 1)]
    if status == run["status"]:
        return
    run["status"] = status
    run["updated_at"] = now_iso(ctx)
    if status == "in_progress" and not run.get("run_started_at"):
        run["run_started_at"] = now_iso(ctx)
    if status == "completed":
        run["conclusion"] = run.get("planned_conclusion", "success")
        if run["conclusion"] == "success":
            _deployed(ctx, repo, run)
        from fleetops.sandbox.services.github.release_workflow import completed

        completed(ctx, repo, run)


def _deployed(ctx: Context, repo: JSON, run: JSON) -> None:
    """A successful dogfood deploy: the sandbox's dogfood server now runs the dispatched image."""
    if not run["path"].endswith("dogfood-deploy.yml") or "dogfood" not in ctx.state:
        return
    image = next((v for v in run.get("inputs", {}).values() if isinstance(v, str) and ":" in v), None)
    if image is None:
        return
    tag = image.rsplit(":", 1)[1]
    release = re.fullmatch(r"v(\d+\.\d+\.\d+)", tag)
    if release:
        revision = resolve_ref(repo, f"fleet-v{release[1]}")
        version = release[1]
    else:
        revision = resolve_ref(repo, tag)
        version = f"0.0.0-SNAPSHOT-{tag}"  # goreleaser's snapshot version for a build of a commit
    if revision is None:  # an image the sandbox's git does not know: the deploy "crashes"
        run["conclusion"] = "failure"
        return
    ctx.state["dogfood"].update(version=version, revision=revision, build_date=now_iso(ctx))


# --- serializers ------------------------------------------------------------------------------------------
def workflow_json(ctx: Context, repo: JSON, wf: JSON) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    return {
        "id": wf["id"],
        "node_id": node_id("Workflow", wf["id"]),
        "name": wf["name"],
        "path": wf["path"],
        "state": wf.get("state", "active"),
        "created_at": wf["created_at"],
        "updated_at": wf["updated_at"],
        "url": f"{ctx.url}/repos/{full}/actions/workflows/{wf['id']}",
        "html_url": web(ctx, f"{full}/blob/{repo.get('default_branch', 'main')}/{wf['path']}"),
        "badge_url": web(ctx, f"{full}/workflows/{wf['name'].replace(' ', '%20')}/badge.svg"),
    }


def run_json(ctx: Context, repo: JSON, run: JSON) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    api = f"{ctx.url}/repos/{full}/actions/runs/{run['id']}"
    commit = commits_by_sha(repo).get(run["head_sha"], {})
    person = {"name": commit.get("author", "Fleet Engineer"), "email": "engineer@example.com"}
    minimal = repo_urls(ctx, repo)
    return {
        "id": run["id"],
        "name": run["name"],
        "node_id": node_id("WorkflowRun", run["id"]),
        "check_suite_id": run["id"] + 1,
        "check_suite_node_id": node_id("CheckSuite", run["id"] + 1),
        "head_branch": run["head_branch"],
        "head_sha": run["head_sha"],
        "path": run["path"],
        "display_title": run["name"],
        "run_number": run["run_number"],
        "run_attempt": run.get("attempt", 1),
        "event": run["event"],
        "status": run["status"],
        "conclusion": run.get("conclusion"),
        "workflow_id": run["workflow_id"],
        "url": api,
        "html_url": web(ctx, f"{full}/actions/runs/{run['id']}"),
        "pull_requests": [],
        "created_at": run["created_at"],
        "updated_at": run["updated_at"],
        "run_started_at": run.get("run_started_at") or run["created_at"],
        "actor": user_json(ctx, run["actor"]),
        "triggering_actor": user_json(ctx, run["actor"]),
        "jobs_url": f"{api}/jobs",
        "logs_url": f"{api}/logs",
        "check_suite_url": f"{ctx.url}/repos/{full}/check-suites/{run['id'] + 1}",
        "artifacts_url": f"{api}/artifacts",
        "cancel_url": f"{api}/cancel",
        "rerun_url": f"{api}/rerun",
        "previous_attempt_url": f"{api}/attempts/{run['attempt'] - 1}" if run.get("attempt", 1) > 1 else None,
        "workflow_url": f"{ctx.url}/repos/{full}/actions/workflows/{run['workflow_id']}",
        "head_commit": {
            "id": run["head_sha"],
            "tree_id": tree_sha(commit) if commit else run["head_sha"],
            "message": commit.get("message", ""),
            "timestamp": commit.get("date", run["created_at"]),
            "author": person,
            "committer": person,
        },
        "repository": minimal,
        "head_repository": minimal,
    }


# --- run filters --------------------------------------------------------------------------------------
def _created_match(value: str, spec: str) -> bool:
    """GitHub's `created` qualifier on ISO timestamps: >=X, >X, <=X, <X, X..Y, or a date."""
    if ".." in spec:
        lo, hi = spec.split("..", 1)
        return (lo in ("", "*") or value >= lo) and (hi in ("", "*") or value <= hi)
    for op in (">=", "<=", ">", "<"):
        if spec.startswith(op):
            bound = spec[len(op):]
            return {">=": value >= bound, "<=": value <= bound, ">": value > bound, "<": value < bound}[op]
    return value.startswith(spec)


def _filtered_runs(ctx: Context, req: Request, repo: JSON, runs: list[JSON]) -> Response:
    for run in runs:
        advance(ctx, repo, run)  # listing is reading: unfinished runs move on too
    branch, event, status = req.arg("branch"), req.arg("event"), req.arg("status")
    created, head_sha, actor = req.arg("created"), req.arg("head_sha"), req.arg("actor")
    items = [
        r
        for r in runs
        if (not branch or r["head_branch"] == branch)
        and (not event or r["event"] == event)
        and (not status or r["status"] == status or r.get("conclusion") == status)
        and (not created or _created_match(r["created_at"], created))
        and (not head_sha or r["head_sha"] == head_sha)
        and (not actor or r["actor"] == actor)
    ]
    items.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)  # newest first, as GitHub lists
    page, headers = paginate(ctx, req, items)
    return Response(body={"total_count": len(items), "workflow_runs": [run_json(ctx, repo, r) for r in page]}, headers=headers)


# --- routes --------------------------------------------------------------------------------------------
@router.route("GET", "/repos/{owner}/{repo}/actions/workflows")
def list_workflows(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    workflows = actions_of(repo)["workflows"]
    page, headers = paginate(ctx, req, workflows)
    return Response(body={"total_count": len(workflows), "workflows": [workflow_json(ctx, repo, w) for w in page]}, headers=headers)


@router.route("GET", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}")
def get_workflow(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    return Response(body=workflow_json(ctx, repo, find_workflow(repo, req.params["workflow_id"])))


def _unprocessable(message: str) -> HTTPError:
    return HTTPError(422, {"message": message, "documentation_url": "https://docs.github.com/rest", "status": "422"})


@router.route("POST", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches")
def dispatch(ctx: Context, req: Request) -> Response:
    """Validate like GitHub (ref, declared inputs), then queue a run; 200 with its id if asked."""
    login = require_writer(ctx, req)
    repo = repo_of(ctx, req)
    wf = find_workflow(repo, req.params["workflow_id"])
    data = req.json()
    ref = data.get("ref") if isinstance(data, dict) else None
    if not isinstance(ref, str) or not ref:
        raise _unprocessable('Invalid request.\n\n"ref" wasn\'t supplied.')
    short = ref.removeprefix("refs/")
    refs = repo.get("refs", {})
    branch = next((c.removeprefix("heads/") for c in (short, f"heads/{short}") if c.startswith("heads/") and c in refs), None)
    tag = next((c for c in (short, f"tags/{short}") if c.startswith("tags/") and c in refs), None)
    if branch is None and tag is None:
        raise _unprocessable(f"No ref found for: {ref}")
    sha = resolve_ref(repo, f"heads/{branch}" if branch else tag)  # type: ignore[arg-type]
    if wf.get("state", "active") != "active":
        raise _unprocessable("Workflow is disabled")
    declared = declared_inputs(file_at(repo, sha, wf["path"]) if sha else None)
    if declared is None:
        raise _unprocessable("Workflow does not have 'workflow_dispatch' trigger")
    inputs = data.get("inputs") or {}
    if not isinstance(inputs, dict) or len(inputs) > 25:
        raise _unprocessable("Invalid request.\n\nFor 'properties/inputs', it must be an object with at most 25 properties.")
    unexpected = sorted(k for k in inputs if k not in declared)
    if unexpected:
        raise _unprocessable("Unexpected inputs provided: " + str(unexpected).replace("'", '"'))
    for name, spec in declared.items():
        if spec.get("required") and "default" not in spec and name not in inputs:
            raise _unprocessable(f"Required input '{name}' not provided")
    actions = actions_of(repo)
    script = actions.get("script", {})
    polls = max(0, int(script.get("in_progress_polls", 2)))
    run_id = next_id(ctx) * 1000 + len(actions["runs"])
    number = max((r["run_number"] for r in actions["runs"] if r["workflow_id"] == wf["id"]), default=0) + 1
    run = {
        "id": run_id,
        "name": wf["name"],
        "workflow_id": wf["id"],
        "path": wf["path"],
        "run_number": number,
        "event": "workflow_dispatch",
        "head_branch": branch or tag.removeprefix("tags/"),  # type: ignore[union-attr]
        "head_sha": sha,
        "status": "queued",
        "conclusion": None,
        "planned_conclusion": script.get("conclusion", "success"),
        # queued on the dispatch, then in_progress for `polls` reads, then completed
        "steps": ["queued", *(["in_progress"] * polls), "completed"],
        "polls": 0,
        "inputs": {str(k): v for k, v in inputs.items()},
        "actor": login,
        "created_at": now_iso(ctx),
        "updated_at": now_iso(ctx),
    }
    actions["runs"].append(run)
    if data.get("return_run_details") and actions.get("return_run_details", True):
        full = f"{repo['owner']}/{repo['name']}"
        return Response(
            status=200,
            body={
                "workflow_run_id": run_id,
                "run_url": f"{ctx.url}/repos/{full}/actions/runs/{run_id}",
                "html_url": web(ctx, f"{full}/actions/runs/{run_id}"),
            },
        )
    return Response(status=204)


@router.route("GET", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs")
def list_workflow_runs(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    wf = find_workflow(repo, req.params["workflow_id"])
    return _filtered_runs(ctx, req, repo, [r for r in actions_of(repo)["runs"] if r["workflow_id"] == wf["id"]])


@router.route("GET", "/repos/{owner}/{repo}/actions/runs")
def list_repo_runs(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    return _filtered_runs(ctx, req, repo, actions_of(repo)["runs"])


@router.route("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}")
def get_run(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    run = find_run(repo, req.params["run_id"])
    advance(ctx, repo, run)
    return Response(body=run_json(ctx, repo, run))


def seed_run(repo: JSON, wf: JSON, *, run_id: int, number: int, sha: str, created: str, conclusion: str, inputs: dict[str, str], actor: str) -> JSON:
    """A finished run for a seeded world's history."""
    run = {
        "id": run_id, "name": wf["name"], "workflow_id": wf["id"], "path": wf["path"], "run_number": number,
        "event": "workflow_dispatch", "head_branch": repo.get("default_branch", "main"), "head_sha": sha,
        "status": "completed", "conclusion": conclusion, "planned_conclusion": conclusion,
        "steps": ["completed"], "polls": 0, "inputs": inputs, "actor": actor,
        "created_at": created, "updated_at": created, "run_started_at": created,
    }
    actions_of(repo)["runs"].append(run)
    return run

