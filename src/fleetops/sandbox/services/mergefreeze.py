"""Merge Freeze's Web API as fleetops uses it (../apis/mergefreeze.md).

`GET|POST /api/branches/{owner}/{repo}/{branch}?access_token=...`; the POST takes form fields
`frozen`, `user_name`, `note`, `unblocked_prs` (a JSON-ish list like `[3,5]`).
"""

from __future__ import annotations

import json
from typing import Any

from fleetops.sandbox.routing import Context, HTTPError, Request, Response, Router

router = Router("mergefreeze", "/mergefreeze")


def _check_token(ctx: Context, req: Request) -> None:
    token = req.arg("access_token")
    if not token:
        raise HTTPError(401, {"error": "Access token is missing"})
    if token != ctx.state["tokens"]["mergefreeze"]:
        raise HTTPError(401, {"error": "Invalid access token"})


def _branch(ctx: Context, req: Request) -> dict[str, Any]:
    key = f"{req.params['owner']}/{req.params['repo']}/{req.params['branch']}"
    branches = ctx.state["mergefreeze"]["branches"]
    if key not in branches:
        # Real Merge Freeze: only protected branches set up in the app are projects (issue #5179).
        raise HTTPError(404, {"error": "Branch not found: only protected branches are supported as the branch"})
    return branches[key]


def _view(req: Request, branch: dict[str, Any]) -> dict[str, Any]:
    return {
        "branch": req.params["branch"],
        "repository": f"{req.params['owner']}/{req.params['repo']}",
        "frozen": branch["frozen"],
        "frozen_by": branch.get("frozen_by"),
        "note": branch.get("note"),
        "unblocked_prs": branch.get("unblocked_prs", []),
        "updated_at": branch.get("updated_at"),
    }


@router.route("GET", "/api/branches/{owner}/{repo}/{branch}")
def get_branch(ctx: Context, req: Request) -> Response:
    _check_token(ctx, req)
    return Response(body=_view(req, _branch(ctx, req)))


def _parse_prs(raw: str) -> list[int]:
    raw = raw.strip()
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = [part for part in raw.strip("[]").split(",") if part.strip()]
    if not isinstance(value, list):
        value = [value]
    try:
        return sorted({int(v) for v in value})
    except (TypeError, ValueError) as err:
        raise HTTPError(422, {"error": f"unblocked_prs must be a list of PR numbers: {err}"}) from err


@router.route("POST", "/api/branches/{owner}/{repo}/{branch}")
def post_branch(ctx: Context, req: Request) -> Response:
    _check_token(ctx, req)
    branch = _branch(ctx, req)
    form = req.form()
    if "frozen" in form:
        frozen = form["frozen"].strip().lower()
        if frozen not in ("true", "false"):
            raise HTTPError(422, {"error": "frozen must be true or false"})
        branch["frozen"] = frozen == "true"
        branch["frozen_by"] = form.get("user_name") or "Web API" if branch["frozen"] else None
        branch["note"] = form.get("note") if branch["frozen"] else None
        if not branch["frozen"]:
            branch["unblocked_prs"] = []
    elif "unblocked_prs" in form:
        # The real API unfroze the whole branch when `frozen` was missing (Fleet PR #19449):
        # the sandbox reproduces that trap so that a client that falls into it is caught.
        branch["frozen"] = False
        branch["frozen_by"] = None
    if "unblocked_prs" in form and branch["frozen"]:
        branch["unblocked_prs"] = _parse_prs(form["unblocked_prs"])
    branch["updated_at"] = ctx.now().isoformat().replace("+00:00", "Z")
    return Response(body=_view(req, branch))
