"""Issues: list, read, create, update; their labels and comments."""

from __future__ import annotations

from typing import Any

from fleetops.sandbox.routing import Context, HTTPError, Request, Response
from fleetops.sandbox.services.github.common import (
    check_assignees,
    ensure_label,
    find_issue,
    find_milestone,
    int_param,
    issue_json,
    JSON,
    label_json,
    next_id,
    node_id,
    now_iso,
    paginate,
    readable_issue,
    repo_of,
    require_writer,
    router,
    user_json,
    validation_failed,
    viewer,
    web,
    writable_issue,
)


# --- routes: issues ------------------------------------------------------------------------------------
@router.route("GET", "/repos/{owner}/{repo}/issues")
def list_issues(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    state = req.arg("state", "open")
    items = [i for i in repo.get("issues", []) if state == "all" or i["state"] == state]
    milestone = req.arg("milestone")
    if milestone == "*":
        items = [i for i in items if i.get("milestone")]
    elif milestone == "none":
        items = [i for i in items if not i.get("milestone")]
    elif milestone:
        try:
            number = int(milestone)
        except ValueError as err:
            raise validation_failed("Issue", "milestone", "invalid") from err
        items = [i for i in items if i.get("milestone") == number]
    labels = [lb.strip() for lb in (req.arg("labels") or "").split(",") if lb.strip()]
    if labels:
        items = [i for i in items if all(lb in i.get("labels", []) for lb in labels)]
    assignee = req.arg("assignee")
    if assignee == "none":
        items = [i for i in items if not i.get("assignees")]
    elif assignee and assignee != "*":
        items = [i for i in items if assignee in i.get("assignees", [])]
    creator = req.arg("creator")
    if creator:
        items = [i for i in items if i.get("user") == creator]
    sort = req.arg("sort", "created")
    key = "updated_at" if sort == "updated" else "created_at"
    items.sort(key=lambda i: (i[key], i["number"]), reverse=req.arg("direction", "desc") == "desc")
    page, headers = paginate(ctx, req, items)
    return Response(body=[issue_json(ctx, repo, i) for i in page], headers=headers)


@router.route("GET", "/repos/{owner}/{repo}/issues/{issue_number}")
def get_issue(ctx: Context, req: Request) -> Response:
    repo, issue = readable_issue(ctx, req)
    return Response(body=issue_json(ctx, repo, issue))


@router.route("POST", "/repos/{owner}/{repo}/issues")
def create_issue(ctx: Context, req: Request) -> Response:
    login = require_writer(ctx, req)
    repo = repo_of(ctx, req)
    data = req.json()
    if not data.get("title"):
        raise validation_failed("Issue", "title", "missing_field")
    assignees = list(data.get("assignees") or ([data["assignee"]] if data.get("assignee") else []))
    check_assignees(ctx, repo, assignees)
    milestone = data.get("milestone")
    if milestone is not None and find_milestone(repo, int(milestone)) is None:
        raise validation_failed("Issue", "milestone", "invalid")
    labels = [lb if isinstance(lb, str) else lb["name"] for lb in data.get("labels") or []]
    for name in labels:
        ensure_label(repo, name)
    number = repo.get("next_number", 1)
    repo["next_number"] = number + 1
    issue = {
        "id": next_id(ctx),
        "number": number,
        "title": data["title"],
        "body": data.get("body"),
        "state": "open",
        "state_reason": None,
        "labels": labels,
        "assignees": assignees,
        "milestone": int(milestone) if milestone is not None else None,
        "user": login,
        "created_at": now_iso(ctx),
        "updated_at": now_iso(ctx),
        "closed_at": None,
        "comments": [],
    }
    repo.setdefault("issues", []).append(issue)
    return Response(status=201, body=issue_json(ctx, repo, issue))


@router.route("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}")
def update_issue(ctx: Context, req: Request) -> Response:
    repo, issue = writable_issue(ctx, req)
    data = req.json()
    for key in ("title", "body"):
        if key in data:
            issue[key] = data[key]
    if "state" in data and data["state"] != issue["state"]:
        if data["state"] not in ("open", "closed"):
            raise validation_failed("Issue", "state", "invalid")
        issue["state"] = data["state"]
        issue["closed_at"] = now_iso(ctx) if data["state"] == "closed" else None
        issue["state_reason"] = data.get("state_reason", "completed") if data["state"] == "closed" else "reopened"
    if "milestone" in data:
        value = data["milestone"]
        if value in (None, "", "none"):
            issue["milestone"] = None
        else:
            if find_milestone(repo, int(value)) is None:
                raise validation_failed("Issue", "milestone", "invalid")
            issue["milestone"] = int(value)
    if "labels" in data:
        issue["labels"] = [lb if isinstance(lb, str) else lb["name"] for lb in data["labels"]]
        for name in issue["labels"]:
            ensure_label(repo, name)
    if "assignees" in data:
        check_assignees(ctx, repo, list(data["assignees"]))
        issue["assignees"] = list(data["assignees"])
    issue["updated_at"] = now_iso(ctx)
    return Response(body=issue_json(ctx, repo, issue))


def _labels_changed(ctx: Context, repo: JSON, issue: JSON) -> Response:
    """After a change of an issue's labels: the issue is updated now; GitHub answers with all its labels."""
    issue["updated_at"] = now_iso(ctx)
    return Response(body=[label_json(ctx, repo, n) for n in issue["labels"]])


@router.route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def list_issue_labels(ctx: Context, req: Request) -> Response:
    repo, issue = readable_issue(ctx, req)
    return Response(body=[label_json(ctx, repo, n) for n in issue.get("labels", [])])


def _label_names(data: Any) -> list[str]:
    raw = data.get("labels", []) if isinstance(data, dict) else data
    return [lb if isinstance(lb, str) else lb["name"] for lb in raw]


@router.route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def add_issue_labels(ctx: Context, req: Request) -> Response:
    repo, issue = writable_issue(ctx, req)
    for name in _label_names(req.json()):
        ensure_label(repo, name)
        if name not in issue["labels"]:
            issue["labels"].append(name)
    return _labels_changed(ctx, repo, issue)


@router.route("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def set_issue_labels(ctx: Context, req: Request) -> Response:
    repo, issue = writable_issue(ctx, req)
    issue["labels"] = _label_names(req.json())
    for name in issue["labels"]:
        ensure_label(repo, name)
    return _labels_changed(ctx, repo, issue)


@router.route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}")
def remove_issue_label(ctx: Context, req: Request) -> Response:
    repo, issue = writable_issue(ctx, req)
    name = req.params["name"]
    if name not in issue["labels"]:
        raise HTTPError(404, {"message": "Label does not exist", "documentation_url": "https://docs.github.com/rest", "status": "404"})
    issue["labels"].remove(name)
    return _labels_changed(ctx, repo, issue)


@router.route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def clear_issue_labels(ctx: Context, req: Request) -> Response:
    repo, issue = writable_issue(ctx, req)
    issue["labels"] = []
    return Response(status=204)


def comment_json(ctx: Context, repo: JSON, issue: JSON, comment: JSON) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    return {
        "id": comment["id"],
        "node_id": node_id("IssueComment", comment["id"]),
        "url": f"{ctx.url}/repos/{full}/issues/comments/{comment['id']}",
        "html_url": web(ctx, f"{full}/issues/{issue['number']}#issuecomment-{comment['id']}"),
        "issue_url": f"{ctx.url}/repos/{full}/issues/{issue['number']}",
        "body": comment["body"],
        "user": user_json(ctx, comment["user"]),
        "created_at": comment["created_at"],
        "updated_at": comment["created_at"],
        "author_association": "MEMBER",
    }


@router.route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def list_comments(ctx: Context, req: Request) -> Response:
    repo, issue = readable_issue(ctx, req)
    page, headers = paginate(ctx, req, issue.get("comments", []))
    return Response(body=[comment_json(ctx, repo, issue, c) for c in page], headers=headers)


@router.route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def create_comment(ctx: Context, req: Request) -> Response:
    login = require_writer(ctx, req)
    repo = repo_of(ctx, req)
    issue = find_issue(repo, int_param(req, "issue_number"))
    body = req.json().get("body")
    if not body:
        raise validation_failed("IssueComment", "body", "missing_field")
    comment = {"id": next_id(ctx), "body": body, "user": login, "created_at": now_iso(ctx)}
    issue.setdefault("comments", []).append(comment)
    return Response(status=201, body=comment_json(ctx, repo, issue, comment))


