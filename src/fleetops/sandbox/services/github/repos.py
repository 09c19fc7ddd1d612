"""Repositories: the repository, a branch, and file contents."""

from __future__ import annotations

import base64
from urllib.parse import quote

from fleetops.sandbox.routing import Context, HTTPError, Request, Response
from fleetops.sandbox.services.github.common import (
    blob_sha,
    commit_json,
    commits_by_sha,
    dir_at,
    file_at,
    JSON,
    not_found,
    repo_json,
    repo_of,
    resolve_ref,
    router,
    viewer,
    web,
)


# --- routes: repository ------------------------------------------------------------------------------
@router.route("GET", "/repos/{owner}/{repo}")
def get_repo(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    return Response(body=repo_json(ctx, repo_of(ctx, req)))


@router.route("GET", "/repos/{owner}/{repo}/branches/{branch}")
def get_branch(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    sha = repo.get("refs", {}).get(f"heads/{req.params['branch']}")
    if sha is None:
        raise HTTPError(404, {"message": "Branch not found", "documentation_url": "https://docs.github.com/rest", "status": "404"})
    full = f"{repo['owner']}/{repo['name']}"
    return Response(
        body={
            "name": req.params["branch"],
            "commit": commit_json(ctx, repo, commits_by_sha(repo)[sha]),
            "_links": {"html": web(ctx, f"{full}/tree/{req.params['branch']}"), "self": f"{ctx.url}/repos/{full}/branches/{req.params['branch']}"},
            "protected": req.params["branch"] == repo.get("default_branch", "main"),
            "protection_url": f"{ctx.url}/repos/{full}/branches/{req.params['branch']}/protection",
            "protection": {"enabled": req.params["branch"] == repo.get("default_branch", "main")},
        }
    )


def _entry(ctx: Context, full: str, ref: str, path: str, content: str) -> JSON:
    """One file of a directory listing (GitHub's content-directory items carry no content)."""
    api = f"{ctx.url}/repos/{full}/contents/{quote(path)}?ref={quote(ref, safe='')}"
    git = f"{ctx.url}/repos/{full}/git/blobs/{blob_sha(content)}"
    return {
        "type": "file", "size": len(content.encode()), "name": path.rsplit("/", 1)[-1], "path": path,
        "sha": blob_sha(content), "url": api, "git_url": git, "html_url": web(ctx, f"{full}/blob/{ref}/{path}"),
        "download_url": web(ctx, f"{full}/raw/{ref}/{path}"),
        "_links": {"self": api, "git": git, "html": web(ctx, f"{full}/blob/{ref}/{path}")},
    }


# --- routes: contents --------------------------------------------------------------------------------------
@router.route("GET", "/repos/{owner}/{repo}/contents/{path+}")
def get_contents(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    ref = req.arg("ref") or repo.get("default_branch", "main")
    sha = resolve_ref(repo, ref)
    if sha is None:
        raise HTTPError(404, {"message": f"No commit found for the ref {ref}", "status": "404"})
    path = req.params["path"].strip("/")
    content = file_at(repo, sha, path)
    full = f"{repo['owner']}/{repo['name']}"
    if content is None:
        names = dir_at(repo, sha, path)
        if not names:
            raise not_found()
        return Response(body=[_entry(ctx, full, ref, name, file_at(repo, sha, name) or "") for name in names])
    data = content.encode()
    api = f"{ctx.url}/repos/{full}/contents/{quote(path)}?ref={quote(ref, safe='')}"
    encoded = base64.encodebytes(data).decode()  # GitHub wraps base64 at 60 columns with newlines
    return Response(
        body={
            "type": "file",
            "encoding": "base64",
            "size": len(data),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": encoded,
            "sha": blob_sha(content),
            "url": api,
            "git_url": f"{ctx.url}/repos/{full}/git/blobs/{blob_sha(content)}",
            "html_url": web(ctx, f"{full}/blob/{ref}/{path}"),
            "download_url": web(ctx, f"{full}/raw/{ref}/{path}"),
            "_links": {"self": api, "git": f"{ctx.url}/repos/{full}/git/blobs/{blob_sha(content)}", "html": web(ctx, f"{full}/blob/{ref}/{path}")},
        }
    )


