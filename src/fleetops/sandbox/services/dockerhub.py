"""Docker Hub's tags API as fleetops uses it (../apis/dockerhub.md).

`GET /v2/repositories/{namespace}/{repository}/tags/{tag}` (and the documented
`/v2/namespaces/{namespace}/repositories/{repository}/tags/...` form): one tag, or 404 with
Docker Hub's own body. The list pages by `page`/`page_size` (capped at 100), filters with
`name=` as a substring (as the real one does), orders newest first, answers 404 past the last
page and 403 to anonymous paging beyond 10 pages of 100.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fleetops.sandbox.routing import Context, HTTPError, Request, Response, Router

router = Router("dockerhub", "/dockerhub")

ANONYMOUS_OFFSET_LIMIT = 1000


def _repository(ctx: Context, req: Request) -> dict[str, Any] | None:
    key = f"{req.params['namespace']}/{req.params['repository']}"
    return ctx.state.get("dockerhub", {}).get("repositories", {}).get(key)


def tag_json(repo: dict[str, Any], tag: dict[str, Any]) -> dict[str, Any]:
    pushed = tag["last_updated"]
    return {
        "creator": 7_700_001,
        "id": tag["id"],
        "images": [
            {
                "architecture": "amd64", "features": "", "variant": None, "digest": tag["platform_digest"],
                "os": "linux", "os_features": "", "os_version": None, "size": tag["size"], "status": "active",
                "last_pulled": pushed, "last_pushed": pushed,
            }
        ],
        "last_updated": pushed,
        "last_updater": 7_700_001,
        "last_updater_username": "fleetreleaser",
        "name": tag["name"],
        "repository": repo["id"],
        "full_size": tag["size"],
        "v2": True,
        "tag_status": "active",
        "tag_last_pulled": pushed,
        "tag_last_pushed": pushed,
        "media_type": "application/vnd.oci.image.index.v1+json",
        "content_type": "image",
        "digest": tag["digest"],
    }


def _not_found_tag(req: Request) -> HTTPError:
    tag = req.params["tag"]
    return HTTPError(
        404,
        {
            "message": f"httperror 404: tag '{tag}' not found",
            "errinfo": {"namespace": req.params["namespace"], "repository": req.params["repository"], "tag": tag},
        },
    )


def get_tag(ctx: Context, req: Request) -> Response:
    repo = _repository(ctx, req)
    tag = next((t for t in (repo or {}).get("tags", []) if t["name"] == req.params["tag"]), None)
    if repo is None or tag is None:
        raise _not_found_tag(req)
    return Response(body=tag_json(repo, tag))


def list_tags(ctx: Context, req: Request) -> Response:
    repo = _repository(ctx, req)
    if repo is None:  # Docker Hub lists an unknown repository as empty, not 404
        return Response(body={"count": 0, "next": None, "previous": None, "results": []})
    try:
        page = max(1, int(req.arg("page", "1") or 1))
        size = max(1, min(100, int(req.arg("page_size", "10") or 10)))
    except ValueError as err:
        raise HTTPError(400, {"message": f"invalid pagination: {err}", "errinfo": {}}) from err
    if (page - 1) * size >= ANONYMOUS_OFFSET_LIMIT and not req.bearer():
        raise HTTPError(403, {"message": "pagination offset too large for anonymous requests; sign in to page further", "errinfo": {}})
    tags = list(repo.get("tags", []))
    name = req.arg("name")
    if name:
        tags = [t for t in tags if name in t["name"]]
    ordering = req.arg("ordering", "last_updated")
    if ordering in ("name", "-name"):
        tags.sort(key=lambda t: t["name"], reverse=ordering == "-name")
    else:  # newest first ("-last_updated" is the same order; "last_updated" is what the Hub UI sends)
        tags.sort(key=lambda t: (t["last_updated"], t["id"]), reverse=True)
    start = (page - 1) * size
    if start >= len(tags) and page > 1:
        raise HTTPError(404, {"message": "httperror 404: page not found", "errinfo": {}})
    chunk = tags[start : start + size]

    def link(p: int) -> str:
        query = {k: v[-1] for k, v in req.query.items()}
        query.update(page=str(p), page_size=str(size))
        return f"{ctx.url}/v2/repositories/{req.params['namespace']}/{req.params['repository']}/tags?{urlencode(query)}"

    return Response(
        body={
            "count": len(tags),
            "next": link(page + 1) if start + size < len(tags) else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": [tag_json(repo, t) for t in chunk],
        }
    )


for _prefix in ("/v2/repositories/{namespace}/{repository}", "/v2/namespaces/{namespace}/repositories/{repository}"):
    router.route("GET", f"{_prefix}/tags")(list_tags)
    router.route("GET", f"{_prefix}/tags/{{tag}}")(get_tag)
