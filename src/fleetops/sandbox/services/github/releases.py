"""Releases: list (drafts for writers only), the latest, by tag, by id, edit/publish, and assets.

A release is a dict in the repository's `releases`: id, tag_name, name, body, draft, prerelease,
created_at, published_at (None while a draft), author, target_commitish and `assets` (each with
its `content`, served by the asset download). Which release is "latest" is `repo["latest_release"]`
(an id) once a release was published with `make_latest: true`; before that GitHub's `legacy`
rule applies: the newest published, non-prerelease release by creation date.
"""

from __future__ import annotations

import hashlib

from fleetops.sandbox.routing import Context, HTTPError, Request, Response
from fleetops.sandbox.services.github.common import (
    JSON,
    int_param,
    node_id,
    not_found,
    now_iso,
    paginate,
    release_json,
    repo_of,
    require_writer,
    router,
    user_json,
    viewer,
    web,
)


# --- helpers ----------------------------------------------------------------------------------------------
def _newest_first(repo: JSON) -> list[JSON]:
    return sorted(repo.get("releases", []), key=lambda r: (r["created_at"], r["id"]), reverse=True)


def _can_write(ctx: Context, req: Request) -> bool:
    """Drafts are visible only to users with push access; every sandbox token may push."""
    return viewer(ctx, req) is not None


def latest_of(repo: JSON) -> JSON | None:
    """The release GitHub calls latest: the one marked so, else the legacy rule."""
    marked = repo.get("latest_release")
    for rel in repo.get("releases", []):
        if rel["id"] == marked and not rel.get("draft") and not rel.get("prerelease"):
            return rel
    return next((r for r in _newest_first(repo) if not r.get("draft") and not r.get("prerelease")), None)


def release_by_id(repo: JSON, release_id: int) -> JSON:
    rel = next((r for r in repo.get("releases", []) if r["id"] == release_id), None)
    if rel is None:
        raise not_found()
    return rel


def asset_json(ctx: Context, repo: JSON, rel: JSON, asset: JSON) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    data = asset["content"].encode()
    return {
        "url": f"{ctx.url}/repos/{full}/releases/assets/{asset['id']}",
        "browser_download_url": web(ctx, f"{full}/releases/download/{rel['tag_name']}/{asset['name']}"),
        "id": asset["id"],
        "node_id": node_id("ReleaseAsset", asset["id"]),
        "name": asset["name"],
        "label": None,
        "state": "uploaded",
        "content_type": asset["content_type"],
        "size": len(data),
        "digest": "sha256:" + hashlib.sha256(data).hexdigest(),
        "download_count": 0,
        "created_at": asset["created_at"],
        "updated_at": asset["created_at"],
        "uploader": user_json(ctx, rel.get("author", repo["owner"])),
    }


def full_release_json(ctx: Context, repo: JSON, rel: JSON) -> JSON:
    body = release_json(ctx, repo, rel)
    body["assets"] = [asset_json(ctx, repo, rel, a) for a in rel.get("assets", [])]
    return body


# --- routes: releases ------------------------------------------------------------------------------------
@router.route("GET", "/repos/{owner}/{repo}/releases")
def list_releases(ctx: Context, req: Request) -> Response:
    repo = repo_of(ctx, req)
    writer = _can_write(ctx, req)
    visible = [r for r in _newest_first(repo) if writer or not r.get("draft")]
    page, headers = paginate(ctx, req, visible)
    return Response(body=[full_release_json(ctx, repo, r) for r in page], headers=headers)


@router.route("GET", "/repos/{owner}/{repo}/releases/latest")
def latest_release(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    rel = latest_of(repo)
    if rel is None:
        raise not_found()
    return Response(body=full_release_json(ctx, repo, rel))


@router.route("GET", "/repos/{owner}/{repo}/releases/tags/{tag}")
def release_by_tag(ctx: Context, req: Request) -> Response:
    """Published releases only, as GitHub: a draft has no tag yet as far as this route knows."""
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    for rel in repo.get("releases", []):
        if rel["tag_name"] == req.params["tag"] and not rel.get("draft"):
            return Response(body=full_release_json(ctx, repo, rel))
    raise not_found()


@router.route("GET", "/repos/{owner}/{repo}/releases/{release_id}")
def get_release(ctx: Context, req: Request) -> Response:
    repo = repo_of(ctx, req)
    rel = release_by_id(repo, int_param(req, "release_id"))
    if rel.get("draft") and not _can_write(ctx, req):
        raise not_found()
    return Response(body=full_release_json(ctx, repo, rel))


@router.route("PATCH", "/repos/{owner}/{repo}/releases/{release_id}")
def update_release(ctx: Context, req: Request) -> Response:
    """Edit body/name, publish (`draft: false`) and choose `make_latest` (true, false, legacy)."""
    require_writer(ctx, req)
    repo = repo_of(ctx, req)
    rel = release_by_id(repo, int_param(req, "release_id"))
    try:
        data = req.json()
    except ValueError as err:
        raise HTTPError(400, {"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/rest"}) from err
    if not isinstance(data, dict):
        raise HTTPError(400, {"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/rest"})
    make_latest = data.get("make_latest", "true")
    if make_latest not in ("true", "false", "legacy"):
        raise HTTPError(422, {"message": "Validation Failed", "errors": [{"resource": "Release", "field": "make_latest", "code": "invalid"}], "status": "422"})
    for key in ("body", "name"):
        if isinstance(data.get(key), str):
            rel[key] = data[key]
    published_now = data.get("draft") is False and bool(rel.get("draft"))
    if published_now:
        rel["draft"] = False
        rel["published_at"] = now_iso(ctx)
    if not rel.get("draft") and not rel.get("prerelease") and ("make_latest" in data or published_now):
        if make_latest == "true":
            repo["latest_release"] = rel["id"]
        elif make_latest == "legacy":
            repo.pop("latest_release", None)
    return Response(body=full_release_json(ctx, repo, rel))


@router.route("GET", "/repos/{owner}/{repo}/releases/assets/{asset_id}")
def get_asset(ctx: Context, req: Request) -> Response:
    """The asset's JSON, or its bytes with `Accept: application/octet-stream` (GitHub redirects; we answer)."""
    repo = repo_of(ctx, req)
    wanted = int_param(req, "asset_id")
    for rel in repo.get("releases", []):
        for asset in rel.get("assets", []):
            if asset["id"] == wanted:
                if rel.get("draft") and not _can_write(ctx, req):
                    raise not_found()
                if "application/octet-stream" in req.headers.get("accept", ""):
                    return Response(text=asset["content"], headers={"Content-Type": "application/octet-stream"})
                return Response(body=asset_json(ctx, repo, rel, asset))
    raise not_found()
