"""Releases: list, the latest, and by tag."""

from __future__ import annotations

from fleetops.sandbox.routing import Context, Request, Response
from fleetops.sandbox.services.github.common import (
    JSON,
    not_found,
    paginate,
    release_json,
    repo_of,
    router,
    viewer,
)


# --- routes: releases ------------------------------------------------------------------------------------
def _published(repo: JSON) -> list[JSON]:
    return sorted(repo.get("releases", []), key=lambda r: r["created_at"], reverse=True)


@router.route("GET", "/repos/{owner}/{repo}/releases")
def list_releases(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    page, headers = paginate(ctx, req, _published(repo))
    return Response(body=[release_json(ctx, repo, r) for r in page], headers=headers)


@router.route("GET", "/repos/{owner}/{repo}/releases/latest")
def latest_release(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    for rel in _published(repo):
        if not rel.get("draft") and not rel.get("prerelease"):
            return Response(body=release_json(ctx, repo, rel))
    raise not_found()


@router.route("GET", "/repos/{owner}/{repo}/releases/tags/{tag}")
def release_by_tag(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    for rel in repo.get("releases", []):
        if rel["tag_name"] == req.params["tag"]:
            return Response(body=release_json(ctx, repo, rel))
    raise not_found()


