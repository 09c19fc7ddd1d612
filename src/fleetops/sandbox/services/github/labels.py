"""A repository's labels: list and create."""

from __future__ import annotations

from fleetops.sandbox.routing import Context, Request, Response
from fleetops.sandbox.services.github.common import (
    label_json,
    next_id,
    paginate,
    repo_of,
    require_writer,
    router,
    validation_failed,
    viewer,
)


# --- routes: labels ------------------------------------------------------------------------------------
@router.route("GET", "/repos/{owner}/{repo}/labels")
def list_labels(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    page, headers = paginate(ctx, req, repo.get("labels", []))
    return Response(body=[label_json(ctx, repo, lb["name"]) for lb in page], headers=headers)


@router.route("POST", "/repos/{owner}/{repo}/labels")
def create_label(ctx: Context, req: Request) -> Response:
    require_writer(ctx, req)
    repo = repo_of(ctx, req)
    data = req.json()
    name = data.get("name")
    if not name:
        raise validation_failed("Label", "name", "missing_field")
    if any(lb["name"] == name for lb in repo.get("labels", [])):
        raise validation_failed("Label", "name", "already_exists")
    repo.setdefault("labels", []).append(
        {"id": next_id(ctx), "name": name, "color": data.get("color", "ededed"), "description": data.get("description")}
    )
    return Response(status=201, body=label_json(ctx, repo, name))


