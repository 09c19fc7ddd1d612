"""Pull requests: the list, a pull request, its files and its reviews."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from fleetops.sandbox.routing import Context, HTTPError, Request, Response
from fleetops.sandbox.services.github.common import (
    next_id,
    now_iso,
    require_writer,
    validation_failed,
    repo_of,
    viewer,
    find_milestone,
    JSON,
    label_json,
    milestone_json,
    node_id,
    paginate,
    readable_issue,
    repo_json,
    resolve_ref,
    router,
    user_json,
    web,
)


# --- routes: pull requests --------------------------------------------------------------------------------
# A pull request is an issue record with a `pull_request` dict: `head` and `base` (branch names),
# `draft`, `merged_at`/`merged_by`, `files` ([{filename, status, additions, deletions,
# previous_filename}]) and `reviews` ([{user, state, submitted_at, body}], oldest first). Records
# seeded with only `merged_at` (conclude-milestone's) get a head branch named after their number.
def _pull_head_sha(repo: JSON, issue: JSON) -> str:
    pr = issue["pull_request"]
    return pr.get("head_sha") or hashlib.sha1(f"{repo['name']}#{issue['number']}:{pr.get('head')}".encode()).hexdigest()


def pull_json(ctx: Context, repo: JSON, issue: JSON) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    number = issue["number"]
    pr = issue["pull_request"]
    api = f"{ctx.url}/repos/{full}/pulls/{number}"
    issue_api = f"{ctx.url}/repos/{full}/issues/{number}"
    head_sha = _pull_head_sha(repo, issue)
    base_ref = pr.get("base") or repo.get("default_branch", "main")
    base_sha = resolve_ref(repo, base_ref) or hashlib.sha1(f"{full}:{base_ref}".encode()).hexdigest()
    head_ref = pr.get("head") or f"pr-{number}"
    files = pr.get("files", [])
    merged = bool(pr.get("merged_at"))
    ms = find_milestone(repo, issue.get("milestone")) if issue.get("milestone") else None
    assignees = [user_json(ctx, login) for login in issue.get("assignees", [])]
    repository = repo_json(ctx, repo)
    owner = user_json(ctx, repo["owner"])

    def branch(ref: str, sha: str) -> JSON:
        return {"label": f"{repo['owner']}:{ref}", "ref": ref, "sha": sha, "user": owner, "repo": repository}

    def link(href: str) -> JSON:
        return {"href": href}

    return {
        "url": api,
        "id": issue["id"],
        "node_id": node_id("PullRequest", issue["id"]),
        "html_url": web(ctx, f"{full}/pull/{number}"),
        "diff_url": web(ctx, f"{full}/pull/{number}.diff"),
        "patch_url": web(ctx, f"{full}/pull/{number}.patch"),
        "issue_url": issue_api,
        "commits_url": f"{api}/commits",
        "review_comments_url": f"{api}/comments",
        "review_comment_url": f"{ctx.url}/repos/{full}/pulls/comments{{/number}}",
        "comments_url": f"{issue_api}/comments",
        "statuses_url": f"{ctx.url}/repos/{full}/statuses/{head_sha}",
        "number": number,
        "state": issue["state"],
        "locked": False,
        "title": issue["title"],
        "user": user_json(ctx, issue.get("user", repo["owner"])),
        "body": issue.get("body"),
        "labels": [label_json(ctx, repo, name) for name in issue.get("labels", [])],
        "milestone": milestone_json(ctx, repo, ms) if ms else None,
        "active_lock_reason": None,
        "created_at": issue["created_at"],
        "updated_at": issue["updated_at"],
        "closed_at": issue.get("closed_at"),
        "merged_at": pr.get("merged_at"),
        "merge_commit_sha": (pr.get("merge_commit_sha") or hashlib.sha1(f"merge:{head_sha}".encode()).hexdigest()) if merged else None,
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "requested_reviewers": [],
        "requested_teams": [],
        "head": branch(head_ref, head_sha),
        "base": branch(base_ref, base_sha),
        "_links": {
            "self": link(api),
            "html": link(web(ctx, f"{full}/pull/{number}")),
            "issue": link(issue_api),
            "comments": link(f"{issue_api}/comments"),
            "review_comments": link(f"{api}/comments"),
            "review_comment": link(f"{ctx.url}/repos/{full}/pulls/comments{{/number}}"),
            "commits": link(f"{api}/commits"),
            "statuses": link(f"{ctx.url}/repos/{full}/statuses/{head_sha}"),
        },
        "author_association": "MEMBER",
        "auto_merge": None,
        "draft": bool(pr.get("draft", False)),
        "merged": merged,
        "mergeable": None if issue["state"] == "closed" else True,
        "rebaseable": None if issue["state"] == "closed" else True,
        "mergeable_state": "unknown" if issue["state"] == "closed" else "blocked",
        "merged_by": user_json(ctx, pr.get("merged_by") or repo["owner"]) if merged else None,
        "comments": len(issue.get("comments", [])),
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": int(pr.get("commits", 1)),
        "additions": sum(int(f.get("additions", 1)) for f in files),
        "deletions": sum(int(f.get("deletions", 0)) for f in files),
        "changed_files": len(files),
    }


def _pulls_of(repo: JSON) -> list[JSON]:
    return [i for i in repo.get("issues", []) if i.get("pull_request")]


@router.route("GET", "/repos/{owner}/{repo}/pulls")
def list_pulls(ctx: Context, req: Request) -> Response:
    """The pull requests by state (open, closed, all), base branch and head, sorted; paged (100 at most)."""
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    state = req.arg("state") or "open"
    if state not in ("open", "closed", "all"):
        raise HTTPError(422, {"message": "Validation Failed", "errors": [{"field": "state", "code": "invalid"}], "status": "422"})
    base, head = req.arg("base"), req.arg("head")
    default = repo.get("default_branch", "main")
    pulls = [
        i for i in _pulls_of(repo)
        if (state == "all" or i["state"] == state)
        and (base is None or (i["pull_request"].get("base") or default) == base)
        and (head is None or f"{repo['owner']}:{i['pull_request'].get('head') or 'pr-' + str(i['number'])}" == head)
    ]
    sort = req.arg("sort") or "created"
    key = {"created": "created_at", "updated": "updated_at"}.get(sort, "updated_at")
    direction = req.arg("direction") or ("desc" if sort in ("created", "updated") else "asc")
    pulls.sort(key=lambda i: (i[key], i["number"]), reverse=direction == "desc")
    page, headers = paginate(ctx, req, pulls)
    return Response(body=[simple_pull_json(ctx, repo, i) for i in page], headers=headers)


def simple_pull_json(ctx: Context, repo: JSON, issue: JSON) -> JSON:
    """A pull request as lists show it (GitHub's `pull-request-simple`: no counts; a label's description is a string)."""
    body = pull_json(ctx, repo, issue)
    for name in ("merged", "mergeable", "rebaseable", "mergeable_state", "merged_by", "comments", "review_comments",
                 "maintainer_can_modify", "commits", "additions", "deletions", "changed_files"):
        body.pop(name, None)
    body["labels"] = [{**label, "description": label.get("description") or ""} for label in body["labels"]]
    return body


@router.route("POST", "/repos/{owner}/{repo}/pulls")
def create_pull(ctx: Context, req: Request) -> Response:
    """Open a pull request from a branch of the repository into another (both must exist; one open per pair)."""
    user = require_writer(ctx, req)
    repo = repo_of(ctx, req)
    data = req.json() or {}
    title, head, base = data.get("title"), str(data.get("head") or ""), str(data.get("base") or "")
    head = head.split(":", 1)[-1]
    if not title:
        raise validation_failed("PullRequest", "title", "missing_field")
    for field, name in (("head", head), ("base", base)):
        if f"heads/{name}" not in repo.get("refs", {}):
            raise validation_failed("PullRequest", field, "invalid")
    if any(i["state"] == "open" and i["pull_request"].get("head") == head and i["pull_request"].get("base") == base for i in _pulls_of(repo)):
        raise validation_failed("PullRequest", "head", "custom", f"A pull request already exists for {repo['owner']}:{head}.")
    number = repo.get("next_number", 1)
    repo["next_number"] = number + 1
    when = now_iso(ctx)
    issue = {
        "id": next_id(ctx), "number": number, "title": title, "body": data.get("body") or "", "state": "open", "state_reason": None,
        "labels": [], "assignees": [], "milestone": None, "user": user, "created_at": when, "updated_at": when, "closed_at": None,
        "comments": [], "pull_request": {"head": head, "base": base, "draft": bool(data.get("draft")), "files": [], "reviews": [],
                                         "merged_at": None, "merged_by": None, "head_sha": repo["refs"][f"heads/{head}"]},
    }
    repo.setdefault("issues", []).append(issue)
    return Response(status=201, body=pull_json(ctx, repo, issue))


@router.route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}")
def get_pull(ctx: Context, req: Request) -> Response:
    repo, issue = readable_issue(ctx, req, pull=True)
    return Response(body=pull_json(ctx, repo, issue))


@router.route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files")
def list_pull_files(ctx: Context, req: Request) -> Response:
    """The changed files, paged (30 by default, 100 at most); GitHub lists at most 3000."""
    repo, issue = readable_issue(ctx, req, pull=True)
    full = f"{repo['owner']}/{repo['name']}"
    head_sha = _pull_head_sha(repo, issue)
    entries = []
    for item in issue["pull_request"].get("files", [])[:3000]:
        path = item["filename"]
        additions, deletions = int(item.get("additions", 1)), int(item.get("deletions", 0))
        entry: JSON = {
            "sha": hashlib.sha1(f"{head_sha}:{path}".encode()).hexdigest(),
            "filename": path,
            "status": item.get("status", "modified"),
            "additions": additions,
            "deletions": deletions,
            "changes": additions + deletions,
            "blob_url": web(ctx, f"{full}/blob/{head_sha}/{path}"),
            "raw_url": web(ctx, f"{full}/raw/{head_sha}/{path}"),
            "contents_url": f"{ctx.url}/repos/{full}/contents/{quote(path)}?ref={head_sha}",
        }
        if item.get("previous_filename"):
            entry["previous_filename"] = item["previous_filename"]
        entries.append(entry)
    page, headers = paginate(ctx, req, entries)
    return Response(body=page, headers=headers)


@router.route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews")
def list_pull_reviews(ctx: Context, req: Request) -> Response:
    """Every review, oldest first (GitHub: chronological order)."""
    repo, issue = readable_issue(ctx, req, pull=True)
    full = f"{repo['owner']}/{repo['name']}"
    number = issue["number"]
    api = f"{ctx.url}/repos/{full}/pulls/{number}"
    reviews = []
    for index, review in enumerate(issue["pull_request"].get("reviews", [])):
        review_id = review.get("id") or issue["id"] * 100 + index
        html = web(ctx, f"{full}/pull/{number}#pullrequestreview-{review_id}")
        reviews.append(
            {
                "id": review_id,
                "node_id": node_id("PullRequestReview", review_id),
                "user": user_json(ctx, review["user"]),
                "body": review.get("body", ""),
                "state": review["state"],
                "html_url": html,
                "pull_request_url": api,
                "_links": {"html": {"href": html}, "pull_request": {"href": api}},
                "submitted_at": review["submitted_at"],
                "commit_id": review.get("commit_id") or _pull_head_sha(repo, issue),
                "author_association": "MEMBER",
            }
        )
    page, headers = paginate(ctx, req, reviews)
    return Response(body=page, headers=headers)


