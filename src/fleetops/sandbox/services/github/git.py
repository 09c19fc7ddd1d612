"""Git data: refs, annotated tags, git commits, and the repository's tags."""

from __future__ import annotations

from fleetops.sandbox.gitrepo import write_ref
from fleetops.sandbox.routing import Context, HTTPError, Request, Response
from fleetops.sandbox.services.github.common import (
    commits_by_sha,
    JSON,
    node_id,
    not_found,
    paginate,
    repo_of,
    require_writer,
    resolve_ref,
    router,
    tree_sha,
    viewer,
    web,
)
from fleetops.sandbox.services.github.release_workflow import ref_created


# --- routes: git data --------------------------------------------------------------------------------------
def ref_json(ctx: Context, repo: JSON, ref: str, sha: str) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    is_tag_object = sha in repo.get("tag_objects", {})
    kind = "tag" if is_tag_object else "commit"
    obj_url = f"{ctx.url}/repos/{full}/git/{'tags' if is_tag_object else 'commits'}/{sha}"
    return {
        "ref": f"refs/{ref}",
        "node_id": node_id("Ref", ref),
        "url": f"{ctx.url}/repos/{full}/git/refs/{ref}",
        "object": {"type": kind, "sha": sha, "url": obj_url},
    }


@router.route("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref+}")
def matching_refs(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    prefix = req.params["ref"]
    refs = sorted((r, s) for r, s in repo.get("refs", {}).items() if r.startswith(prefix))
    return Response(body=[ref_json(ctx, repo, r, s) for r, s in refs])


@router.route("GET", "/repos/{owner}/{repo}/git/ref/{ref+}")
def get_ref(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    ref = req.params["ref"]
    sha = repo.get("refs", {}).get(ref)
    if sha is None:
        raise not_found()
    return Response(body=ref_json(ctx, repo, ref, sha))


@router.route("POST", "/repos/{owner}/{repo}/git/refs")
def create_ref(ctx: Context, req: Request) -> Response:
    require_writer(ctx, req)
    repo = repo_of(ctx, req)
    data = req.json()
    ref, sha = data.get("ref", ""), data.get("sha", "")
    if not ref.startswith("refs/") or ref.count("/") < 2:
        raise HTTPError(422, {"message": "Reference name must start with 'refs/' and have at least two slashes.", "status": "422"})
    if sha not in commits_by_sha(repo) and sha not in repo.get("tag_objects", {}):
        raise HTTPError(422, {"message": "Object does not exist", "status": "422"})
    short = ref.removeprefix("refs/")
    if short in repo.setdefault("refs", {}):
        raise HTTPError(422, {"message": "Reference already exists", "documentation_url": "https://docs.github.com/rest", "status": "422"})
    # Into a git-backed repository's bare repository too (sandbox/gitrepo.py), then through the one door:
    # a fleet-* tag starts the release workflow.
    write_ref(repo, short, sha, created=lambda r, name, obj: ref_created(ctx, r, name, obj))
    return Response(status=201, body=ref_json(ctx, repo, short, sha))


@router.route("GET", "/repos/{owner}/{repo}/git/tags/{tag_sha}")
def get_tag_object(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    tag = repo.get("tag_objects", {}).get(req.params["tag_sha"])
    if tag is None:
        raise not_found()
    full = f"{repo['owner']}/{repo['name']}"
    return Response(
        body={
            "sha": req.params["tag_sha"],
            "url": f"{ctx.url}/repos/{full}/git/tags/{req.params['tag_sha']}",
            "node_id": node_id("Tag", req.params["tag_sha"][:12]),
            "tag": tag["tag"],
            "message": tag.get("message", ""),
            "tagger": {"name": "Fleet Release", "email": "release@example.com", "date": tag["date"]},
            "object": {"sha": tag["object"], "type": "commit", "url": f"{ctx.url}/repos/{full}/git/commits/{tag['object']}"},
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None},
        }
    )


@router.route("GET", "/repos/{owner}/{repo}/git/commits/{commit_sha}")
def get_git_commit(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    commit = commits_by_sha(repo).get(req.params["commit_sha"])
    if commit is None:
        raise not_found()
    full = f"{repo['owner']}/{repo['name']}"
    person = {"name": commit.get("author", "Fleet Bot"), "email": "bot@example.com", "date": commit["date"]}
    return Response(
        body={
            "sha": commit["sha"],
            "node_id": node_id("Commit", commit["sha"][:12]),
            "url": f"{ctx.url}/repos/{full}/git/commits/{commit['sha']}",
            "html_url": web(ctx, f"{full}/commit/{commit['sha']}"),
            "author": person,
            "committer": person,
            "message": commit["message"],
            "tree": {"sha": tree_sha(commit), "url": f"{ctx.url}/repos/{full}/git/trees/{tree_sha(commit)}"},
            "parents": [
                {"sha": p, "url": f"{ctx.url}/repos/{full}/git/commits/{p}", "html_url": web(ctx, f"{full}/commit/{p}")}
                for p in commit["parents"]
            ],
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None},
        }
    )


@router.route("GET", "/repos/{owner}/{repo}/tags")
def list_tags(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    full = f"{repo['owner']}/{repo['name']}"
    tags = []
    # GitHub does not document the order; it is roughly reverse-lexicographic. Do the same,
    # so that a client relying on list order (instead of versions) is caught by the tests.
    for ref in sorted((r for r in repo.get("refs", {}) if r.startswith("tags/")), reverse=True):
        name = ref.removeprefix("tags/")
        sha = resolve_ref(repo, ref) or repo["refs"][ref]
        tags.append(
            {
                "name": name,
                "commit": {"sha": sha, "url": f"{ctx.url}/repos/{full}/commits/{sha}"},
                "zipball_url": f"{ctx.url}/repos/{full}/zipball/refs/tags/{name}",
                "tarball_url": f"{ctx.url}/repos/{full}/tarball/refs/tags/{name}",
                "node_id": node_id("Ref", ref),
            }
        )
    page, headers = paginate(ctx, req, tags)
    return Response(body=page, headers=headers)


