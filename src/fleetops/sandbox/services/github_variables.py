"""Writing a repository's Actions variable: `PATCH /repos/{owner}/{repo}/actions/variables/{name}` → 204.

Registered on the GitHub REST router (its OpenAPI path, so the response is validated like every
other). The reads (list, get) are in services/github.py. `release cut-rc` points
`QAWOLF_DEPLOY_TAG` of fleetdm/confidential at the candidate branch; `conclude-milestone` puts
it back to `main`. Variables live in `repo["variables"][name] = {"value", "created_at", "updated_at"}`.
"""

from __future__ import annotations

from fleetops.sandbox.server import Context, HTTPError, Request, Response
from fleetops.sandbox.services.github import not_found, now_iso, repo_of, require_writer, router


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
