"""Commits: list, one commit, a commit's pull requests, and compare."""

from __future__ import annotations

from fleetops.sandbox.routing import Context, HTTPError, Request, Response
from fleetops.sandbox.services.github.common import (
    ancestors,
    commit_json,
    commits_by_sha,
    files_json,
    not_found,
    paginate,
    repo_of,
    resolve_ref,
    router,
    viewer,
    web,
)


# --- routes: commits and compare ----------------------------------------------------------------------------
@router.route("GET", "/repos/{owner}/{repo}/commits")
def list_commits(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    start = resolve_ref(repo, req.arg("sha") or repo.get("default_branch", "main"))
    if start is None:
        raise HTTPError(404, {"message": "No commit found for SHA", "status": "404"})
    commits = commits_by_sha(repo)
    shas = ancestors(repo, start)
    path = (req.arg("path") or "").rstrip("/")
    if path:
        shas = [s for s in shas if any(f == path or f.startswith(path + "/") for f in commits[s].get("files", {}))]
    since, until = req.arg("since"), req.arg("until")
    if since:
        shas = [s for s in shas if commits[s]["date"] >= since]
    if until:
        shas = [s for s in shas if commits[s]["date"] <= until]
    page, headers = paginate(ctx, req, shas)
    return Response(body=[commit_json(ctx, repo, commits[s]) for s in page], headers=headers)


def _known_sha(repo: dict, ref: str) -> str:
    """The commit `ref` names; GitHub's 422 when there is none."""
    sha = resolve_ref(repo, ref)
    if sha is None:
        raise HTTPError(422, {"message": f"No commit found for SHA: {ref}", "status": "422"})
    return sha


# Before `/commits/{ref+}`, which would take `<sha>/pulls` for a ref.
@router.route("GET", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls")
def list_commit_pulls(ctx: Context, req: Request) -> Response:
    """The pull requests a commit belongs to: here, those whose merge commit it is (paged)."""
    from fleetops.sandbox.services.github.pulls import simple_pull_json

    viewer(ctx, req)
    repo = repo_of(ctx, req)
    sha = _known_sha(repo, req.params["commit_sha"])
    pulls = [i for i in repo.get("issues", []) if (i.get("pull_request") or {}).get("merge_commit_sha") == sha]
    page, headers = paginate(ctx, req, pulls)
    return Response(body=[simple_pull_json(ctx, repo, i) for i in page], headers=headers)


@router.route("GET", "/repos/{owner}/{repo}/commits/{ref+}")
def get_commit(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    sha = _known_sha(repo, req.params["ref"])
    commit = commits_by_sha(repo)[sha]
    body = commit_json(ctx, repo, commit)
    body["files"] = files_json(ctx, repo, [commit])
    return Response(body=body)


@router.route("GET", "/repos/{owner}/{repo}/compare/{basehead+}")
def compare(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    base_ref, sep, head_ref = req.params["basehead"].partition("...")
    if not sep:
        raise not_found()
    base, head = resolve_ref(repo, base_ref), resolve_ref(repo, head_ref)
    if base is None or head is None:
        raise HTTPError(404, {"message": "Not Found", "status": "404"})
    commits = commits_by_sha(repo)
    head_anc, base_anc = ancestors(repo, head), ancestors(repo, base)
    base_set, head_set = set(base_anc), set(head_anc)
    merge_base = next((s for s in head_anc if s in base_set), base)
    ahead = [s for s in head_anc if s not in base_set]
    behind = [s for s in base_anc if s not in head_set]
    status = "identical" if not ahead and not behind else "ahead" if not behind else "behind" if not ahead else "diverged"
    ahead_commits = [commits[s] for s in reversed(ahead)]  # oldest first, as GitHub lists them
    full = f"{repo['owner']}/{repo['name']}"
    page, headers = paginate(ctx, req, ahead_commits, default=250)
    return Response(
        body={
            "url": f"{ctx.url}/repos/{full}/compare/{base_ref}...{head_ref}",
            "html_url": web(ctx, f"{full}/compare/{base_ref}...{head_ref}"),
            "permalink_url": web(ctx, f"{full}/compare/{full.replace('/', ':')}:{base[:7]}...{full.replace('/', ':')}:{head[:7]}"),
            "diff_url": web(ctx, f"{full}/compare/{base_ref}...{head_ref}.diff"),
            "patch_url": web(ctx, f"{full}/compare/{base_ref}...{head_ref}.patch"),
            "base_commit": commit_json(ctx, repo, commits[base]),
            "merge_base_commit": commit_json(ctx, repo, commits[merge_base]),
            "status": status,
            "ahead_by": len(ahead),
            "behind_by": len(behind),
            "total_commits": len(ahead),
            "commits": [commit_json(ctx, repo, c) for c in page],
            "files": files_json(ctx, repo, ahead_commits)[:300],
        },
        headers=headers,
    )


