"""Milestones: list, read, create, update, delete."""

from __future__ import annotations

from fleetops.sandbox.routing import Context, Request, Response
from fleetops.sandbox.services.github.common import (
    find_milestone,
    int_param,
    JSON,
    milestone_json,
    next_id,
    not_found,
    now_iso,
    paginate,
    repo_of,
    require_writer,
    router,
    validation_failed,
    viewer,
)


# --- routes: milestones ------------------------------------------------------------------------------
def _milestone_of(ctx: Context, req: Request) -> tuple[JSON, JSON]:
    repo = repo_of(ctx, req)
    ms = find_milestone(repo, int_param(req, "milestone_number"))
    if ms is None:
        raise not_found()
    return repo, ms


def _readable(ctx: Context, req: Request) -> tuple[JSON, JSON]:
    """The repository and the milestone of the path, for a read."""
    viewer(ctx, req)
    return _milestone_of(ctx, req)


def _writable(ctx: Context, req: Request) -> tuple[JSON, JSON]:
    """The repository and the milestone of the path, for a request that changes it (a token is needed)."""
    require_writer(ctx, req)
    return _milestone_of(ctx, req)


@router.route("GET", "/repos/{owner}/{repo}/milestones")
def list_milestones(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    state = req.arg("state", "open")
    items = [m for m in repo.get("milestones", []) if state == "all" or m["state"] == state]
    sort = req.arg("sort", "due_on")
    if sort == "due_on":
        items.sort(key=lambda m: (m.get("due_on") is None, m.get("due_on") or "", m["number"]))
    elif sort == "completeness":
        items.sort(key=lambda m: m["number"])
    if req.arg("direction", "asc") == "desc":
        items.reverse()
    page, headers = paginate(ctx, req, items)
    return Response(body=[milestone_json(ctx, repo, m) for m in page], headers=headers)


@router.route("GET", "/repos/{owner}/{repo}/milestones/{milestone_number}")
def get_milestone(ctx: Context, req: Request) -> Response:
    repo, ms = _readable(ctx, req)
    return Response(body=milestone_json(ctx, repo, ms))


@router.route("POST", "/repos/{owner}/{repo}/milestones")
def create_milestone(ctx: Context, req: Request) -> Response:
    login = require_writer(ctx, req)
    repo = repo_of(ctx, req)
    data = req.json()
    title = data.get("title")
    if not title:
        raise validation_failed("Milestone", "title", "missing_field")
    if any(m["title"] == title for m in repo.get("milestones", [])):
        raise validation_failed("Milestone", "title", "already_exists")
    numbers = [m["number"] for m in repo.get("milestones", [])]
    ms = {
        "id": next_id(ctx),
        "number": max(numbers, default=0) + 1,
        "title": title,
        "state": data.get("state", "open"),
        "description": data.get("description"),
        "due_on": data.get("due_on"),
        "creator": login,
        "created_at": now_iso(ctx),
        "updated_at": now_iso(ctx),
        "closed_at": None,
    }
    repo.setdefault("milestones", []).append(ms)
    return Response(status=201, body=milestone_json(ctx, repo, ms))


@router.route("PATCH", "/repos/{owner}/{repo}/milestones/{milestone_number}")
def update_milestone(ctx: Context, req: Request) -> Response:
    repo, ms = _writable(ctx, req)
    data = req.json()
    if "title" in data and data["title"] != ms["title"]:
        if any(m["title"] == data["title"] for m in repo["milestones"]):
            raise validation_failed("Milestone", "title", "already_exists")
        ms["title"] = data["title"]
    for key in ("description", "due_on"):
        if key in data:
            ms[key] = data[key]
    if "state" in data and data["state"] != ms["state"]:
        if data["state"] not in ("open", "closed"):
            raise validation_failed("Milestone", "state", "invalid")
        ms["state"] = data["state"]
        ms["closed_at"] = now_iso(ctx) if data["state"] == "closed" else None
    ms["updated_at"] = now_iso(ctx)
    return Response(body=milestone_json(ctx, repo, ms))


@router.route("DELETE", "/repos/{owner}/{repo}/milestones/{milestone_number}")
def delete_milestone(ctx: Context, req: Request) -> Response:
    repo, ms = _writable(ctx, req)
    repo["milestones"].remove(ms)
    for issue in repo.get("issues", []):
        if issue.get("milestone") == ms["number"]:
            issue["milestone"] = None
    return Response(status=204)


