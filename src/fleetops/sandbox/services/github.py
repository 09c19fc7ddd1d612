"""A GitHub REST subset with a tiny git inside: the endpoints of ../apis/github.md.

Every response follows GitHub's OpenAPI description (a test validates them); `url` fields are
absolute and on the sandbox's own host and port, because PyGithub refuses to follow others.
Routes are registered with their OpenAPI path template so the validator can find the schema.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shlex
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fleetops.sandbox.server import Context, HTTPError, Request, Response, Router

router = Router("github", "/github")

JSON = dict[str, Any]


# --- helpers: time, ids, urls --------------------------------------------------------------------
def iso(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso(ctx: Context) -> str:
    return iso(ctx.now())  # type: ignore[return-value]


def node_id(kind: str, number: int | str) -> str:
    return base64.b64encode(f"0:{kind}{number}".encode()).decode().rstrip("=")


def next_id(ctx: Context) -> int:
    gh = ctx.state["github"]
    gh["next_id"] = gh.get("next_id", 1000) + 1
    return gh["next_id"]


def web(ctx: Context, path: str) -> str:
    """A browser URL; the sandbox has no web UI, so it points at the sandbox, not github.com."""
    return f"{ctx.base_url}/web/{path}"


def not_found() -> HTTPError:
    return HTTPError(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})


def validation_failed(resource: str, field: str, code: str, message: str | None = None) -> HTTPError:
    error: JSON = {"resource": resource, "field": field, "code": code}
    if message:
        error["message"] = message
    return HTTPError(
        422,
        {
            "message": "Validation Failed",
            "errors": [error],
            "documentation_url": "https://docs.github.com/rest",
            "status": "422",
        },
    )


# --- auth --------------------------------------------------------------------------------------
def viewer(ctx: Context, req: Request) -> str | None:
    """The login the token belongs to; anonymous reads are allowed, unknown tokens are 401."""
    token = req.bearer()
    if token is None:
        return None
    logins = ctx.state["github"]["tokens"]
    if token not in logins:
        raise HTTPError(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
    return logins[token]


def require_writer(ctx: Context, req: Request) -> str:
    login = viewer(ctx, req)
    if login is None:
        raise HTTPError(401, {"message": "Requires authentication", "documentation_url": "https://docs.github.com/rest", "status": "401"})
    return login


def repo_of(ctx: Context, req: Request) -> JSON:
    key = f"{req.params['owner']}/{req.params['repo']}"
    repo = ctx.state["github"]["repos"].get(key)
    if repo is None:
        raise not_found()
    return repo


# --- pagination ----------------------------------------------------------------------------------
def paginate(ctx: Context, req: Request, items: list[Any], *, default: int = 30) -> tuple[list[Any], dict[str, str]]:
    """Slice `items` by page/per_page (max 100) and build GitHub's Link header."""
    try:
        per_page = max(1, min(100, int(req.arg("per_page", str(default)) or default)))
        page = max(1, int(req.arg("page", "1") or 1))
    except ValueError as err:
        raise HTTPError(400, {"message": f"Invalid pagination: {err}"}) from err
    start = (page - 1) * per_page
    chunk = items[start : start + per_page]
    last = max(1, -(-len(items) // per_page))
    links = []

    def link(p: int, rel: str) -> str:
        query = {k: v[-1] for k, v in req.query.items()}
        query.update({"per_page": str(per_page), "page": str(p)})
        return f'<{ctx.url}{req.path}?{urlencode(query)}>; rel="{rel}"'

    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(1, "first"), link(page - 1, "prev")]
    return chunk, ({"Link": ", ".join(links)} if links else {})


# --- serializers -----------------------------------------------------------------------------------
def user_json(ctx: Context, login: str) -> JSON:
    info = ctx.state["github"]["users"].get(login, {})
    api = f"{ctx.url}/users/{login}"
    return {
        "login": login,
        "id": info.get("id", int(hashlib.sha1(login.encode()).hexdigest()[:6], 16)),
        "node_id": node_id("User", login),
        "avatar_url": f"{ctx.base_url}/web/avatars/{login}",
        "gravatar_id": "",
        "url": api,
        "html_url": web(ctx, login),
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": info.get("type", "User"),
        "site_admin": False,
    }


def repo_urls(ctx: Context, repo: JSON) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    api = f"{ctx.url}/repos/{full}"
    names = [
        ("archive_url", "/{archive_format}{/ref}"), ("assignees_url", "/assignees{/user}"),
        ("blobs_url", "/git/blobs{/sha}"), ("branches_url", "/branches{/branch}"),
        ("collaborators_url", "/collaborators{/collaborator}"), ("comments_url", "/comments{/number}"),
        ("commits_url", "/commits{/sha}"), ("compare_url", "/compare/{base}...{head}"),
        ("contents_url", "/contents/{+path}"), ("contributors_url", "/contributors"),
        ("deployments_url", "/deployments"), ("downloads_url", "/downloads"), ("events_url", "/events"),
        ("forks_url", "/forks"), ("git_commits_url", "/git/commits{/sha}"), ("git_refs_url", "/git/refs{/sha}"),
        ("git_tags_url", "/git/tags{/sha}"), ("hooks_url", "/hooks"), ("issue_comment_url", "/issues/comments{/number}"),
        ("issue_events_url", "/issues/events{/number}"), ("issues_url", "/issues{/number}"), ("keys_url", "/keys{/key_id}"),
        ("labels_url", "/labels{/name}"), ("languages_url", "/languages"), ("merges_url", "/merges"),
        ("milestones_url", "/milestones{/number}"), ("notifications_url", "/notifications{?since,all,participating}"),
        ("pulls_url", "/pulls{/number}"), ("releases_url", "/releases{/id}"), ("stargazers_url", "/stargazers"),
        ("statuses_url", "/statuses/{sha}"), ("subscribers_url", "/subscribers"), ("subscription_url", "/subscription"),
        ("tags_url", "/tags"), ("teams_url", "/teams"), ("trees_url", "/git/trees{/sha}"),
    ]
    out = {name: api + suffix for name, suffix in names}
    out.update(
        {
            "id": repo["id"],
            "node_id": node_id("Repository", repo["id"]),
            "name": repo["name"],
            "full_name": full,
            "owner": user_json(ctx, repo["owner"]),
            "private": repo.get("private", False),
            "html_url": web(ctx, full),
            "description": repo.get("description"),
            "fork": False,
            "url": api,
        }
    )
    return out


def repo_json(ctx: Context, repo: JSON) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    open_count = sum(1 for i in repo.get("issues", []) if i["state"] == "open")
    out = repo_urls(ctx, repo)
    out.update(
        {
            "clone_url": f"{ctx.base_url}/web/{full}.git",
            "git_url": f"git://127.0.0.1/{full}.git",
            "ssh_url": f"git@127.0.0.1:{full}.git",
            "svn_url": web(ctx, full),
            "mirror_url": None,
            "homepage": repo.get("homepage"),
            "language": repo.get("language", "Go"),
            "default_branch": repo.get("default_branch", "main"),
            "forks": 0, "forks_count": 0, "stargazers_count": 0, "watchers": 0, "watchers_count": 0,
            "open_issues": open_count, "open_issues_count": open_count, "size": 1,
            "has_issues": True, "has_projects": True, "has_wiki": False, "has_pages": False,
            "has_discussions": False, "has_downloads": True, "archived": False, "disabled": False,
            "license": None, "pushed_at": repo.get("created_at"), "created_at": repo.get("created_at"),
            "updated_at": repo.get("created_at"), "network_count": 0, "subscribers_count": 0,
            "visibility": "private" if repo.get("private") else "public",
        }
    )
    return out


def milestone_json(ctx: Context, repo: JSON, ms: JSON) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    issues = [i for i in repo.get("issues", []) if i.get("milestone") == ms["number"]]
    api = f"{ctx.url}/repos/{full}/milestones/{ms['number']}"
    return {
        "url": api,
        "html_url": web(ctx, f"{full}/milestone/{ms['number']}"),
        "labels_url": f"{api}/labels",
        "id": ms["id"],
        "node_id": node_id("Milestone", ms["id"]),
        "number": ms["number"],
        "state": ms["state"],
        "title": ms["title"],
        "description": ms.get("description"),
        "creator": user_json(ctx, ms.get("creator", repo["owner"])),
        "open_issues": sum(1 for i in issues if i["state"] == "open"),
        "closed_issues": sum(1 for i in issues if i["state"] == "closed"),
        "created_at": ms["created_at"],
        "updated_at": ms["updated_at"],
        "closed_at": ms.get("closed_at"),
        "due_on": ms.get("due_on"),
    }


def label_json(ctx: Context, repo: JSON, name: str) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    label = next((lb for lb in repo.get("labels", []) if lb["name"] == name), None)
    if label is None:  # labels named on issues always exist (GitHub creates them on the fly)
        label = {"id": int(hashlib.sha1(name.encode()).hexdigest()[:8], 16), "name": name, "color": "ededed", "description": None}
    return {
        "id": label["id"],
        "node_id": node_id("Label", label["id"]),
        "url": f"{ctx.url}/repos/{full}/labels/{quote(name, safe='')}",
        "name": name,
        "description": label.get("description"),
        "color": label.get("color", "ededed"),
        "default": False,
    }


def issue_json(ctx: Context, repo: JSON, issue: JSON) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    api = f"{ctx.url}/repos/{full}/issues/{issue['number']}"
    ms = find_milestone(repo, issue.get("milestone")) if issue.get("milestone") else None
    assignees = [user_json(ctx, login) for login in issue.get("assignees", [])]
    out: JSON = {
        "id": issue["id"],
        "node_id": node_id("Issue", issue["id"]),
        "url": api,
        "repository_url": f"{ctx.url}/repos/{full}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": web(ctx, f"{full}/issues/{issue['number']}"),
        "number": issue["number"],
        "state": issue["state"],
        "title": issue["title"],
        "body": issue.get("body"),
        "user": user_json(ctx, issue.get("user", repo["owner"])),
        "labels": [label_json(ctx, repo, name) for name in issue.get("labels", [])],
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "milestone": milestone_json(ctx, repo, ms) if ms else None,
        "locked": False,
        "comments": len(issue.get("comments", [])),
        "closed_at": issue.get("closed_at"),
        "created_at": issue["created_at"],
        "updated_at": issue["updated_at"],
        "author_association": "MEMBER",
    }
    if issue.get("state_reason"):
        # null is what GitHub sends for open issues, but the OpenAPI enum (nullable in 3.0 terms)
        # does not list it and validators reject it: leaving the key out is valid and equivalent.
        out["state_reason"] = issue["state_reason"]
    if issue.get("pull_request"):
        out["pull_request"] = {
            "url": f"{ctx.url}/repos/{full}/pulls/{issue['number']}",
            "html_url": web(ctx, f"{full}/pull/{issue['number']}"),
            "diff_url": web(ctx, f"{full}/pull/{issue['number']}.diff"),
            "patch_url": web(ctx, f"{full}/pull/{issue['number']}.patch"),
            "merged_at": issue["pull_request"].get("merged_at"),
        }
    return out


def release_json(ctx: Context, repo: JSON, rel: JSON) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    api = f"{ctx.url}/repos/{full}/releases/{rel['id']}"
    return {
        "url": api,
        "html_url": web(ctx, f"{full}/releases/tag/{rel['tag_name']}"),
        "assets_url": f"{api}/assets",
        "upload_url": f"{ctx.base_url}/uploads/repos/{full}/releases/{rel['id']}/assets{{?name,label}}",
        "tarball_url": f"{ctx.url}/repos/{full}/tarball/{rel['tag_name']}",
        "zipball_url": f"{ctx.url}/repos/{full}/zipball/{rel['tag_name']}",
        "id": rel["id"],
        "node_id": node_id("Release", rel["id"]),
        "tag_name": rel["tag_name"],
        "target_commitish": rel.get("target_commitish", repo.get("default_branch", "main")),
        "name": rel.get("name", rel["tag_name"]),
        "body": rel.get("body"),
        "draft": rel.get("draft", False),
        "prerelease": rel.get("prerelease", False),
        "created_at": rel["created_at"],
        "published_at": rel.get("published_at", rel["created_at"]),
        "author": user_json(ctx, rel.get("author", repo["owner"])),
        "assets": [],
    }


def commit_json(ctx: Context, repo: JSON, commit: JSON) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"
    api = f"{ctx.url}/repos/{full}"
    person = {"name": commit.get("author", "Fleet Bot"), "email": f"{commit.get('author', 'bot')}@example.com".replace(" ", "."), "date": commit["date"]}
    return {
        "url": f"{api}/commits/{commit['sha']}",
        "sha": commit["sha"],
        "node_id": node_id("Commit", commit["sha"][:12]),
        "html_url": web(ctx, f"{full}/commit/{commit['sha']}"),
        "comments_url": f"{api}/commits/{commit['sha']}/comments",
        "commit": {
            "url": f"{api}/git/commits/{commit['sha']}",
            "author": person,
            "committer": person,
            "message": commit["message"],
            "comment_count": 0,
            "tree": {"sha": tree_sha(commit), "url": f"{api}/git/trees/{tree_sha(commit)}"},
        },
        # GitHub sends null for commits by unknown e-mails, but validators reject null for this
        # nullable oneOf; every sandbox commit belongs to a known account instead.
        "author": user_json(ctx, commit.get("login") or repo["owner"]),
        "committer": user_json(ctx, commit.get("login") or repo["owner"]),
        "parents": [{"sha": p, "url": f"{api}/commits/{p}", "html_url": web(ctx, f"{full}/commit/{p}")} for p in commit["parents"]],
    }


def files_json(ctx: Context, repo: JSON, commits: list[JSON]) -> list[JSON]:
    full = f"{repo['owner']}/{repo['name']}"
    seen: dict[str, JSON] = {}
    for commit in commits:
        for path, content in commit.get("files", {}).items():
            lines = 0 if content is None else content.count("\n") + 1
            entry = seen.setdefault(
                path,
                {
                    "sha": blob_sha(content or ""),
                    "filename": path,
                    "status": "removed" if content is None else "modified",
                    "additions": 0,
                    "deletions": 0,
                    "changes": 0,
                    "blob_url": web(ctx, f"{full}/blob/{commit['sha']}/{path}"),
                    "raw_url": web(ctx, f"{full}/raw/{commit['sha']}/{path}"),
                    "contents_url": f"{ctx.url}/repos/{full}/contents/{quote(path)}?ref={commit['sha']}",
                },
            )
            entry["additions"] += lines
            entry["changes"] += lines
    return list(seen.values())


def blob_sha(content: str) -> str:
    data = content.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def tree_sha(commit: JSON) -> str:
    return hashlib.sha1(("tree" + commit["sha"]).encode()).hexdigest()


# --- the tiny git ----------------------------------------------------------------------------------
def commits_by_sha(repo: JSON) -> dict[str, JSON]:
    return repo["commits"]


def resolve_ref(repo: JSON, ref: str) -> str | None:
    """A branch, tag, full ref or (abbreviated) sha → commit sha, or None."""
    refs = repo.get("refs", {})
    for candidate in (ref, f"heads/{ref}", f"tags/{ref}", ref.removeprefix("refs/")):
        if candidate in refs:
            sha = refs[candidate]
            tag = repo.get("tag_objects", {}).get(sha)
            return tag["object"] if tag else sha
    commits = commits_by_sha(repo)
    if ref in commits:
        return ref
    if re.fullmatch(r"[0-9a-f]{7,40}", ref):
        matches = [sha for sha in commits if sha.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
    return None


def ancestors(repo: JSON, sha: str) -> list[str]:
    """Every commit reachable from `sha`, newest first (by date, then walk order)."""
    commits = commits_by_sha(repo)
    seen: list[str] = []
    stack = [sha]
    visited: set[str] = set()
    while stack:
        current = stack.pop()
        if current in visited or current not in commits:
            continue
        visited.add(current)
        seen.append(current)
        stack.extend(reversed(commits[current]["parents"]))
    seen.sort(key=lambda s: (commits[s]["date"], commits[s].get("seq", 0)), reverse=True)
    return seen


def file_at(repo: JSON, sha: str, path: str) -> str | None:
    """The content of `path` at commit `sha` (the newest change among its ancestors)."""
    commits = commits_by_sha(repo)
    for candidate in ancestors(repo, sha):
        files = commits[candidate].get("files", {})
        if path in files:
            return files[path]
    return None


# --- lookups ---------------------------------------------------------------------------------------
def find_milestone(repo: JSON, number: int | None) -> JSON | None:
    return next((m for m in repo.get("milestones", []) if m["number"] == number), None)


def find_issue(repo: JSON, number: int) -> JSON:
    issue = next((i for i in repo.get("issues", []) if i["number"] == number), None)
    if issue is None:
        raise not_found()
    return issue


def writable_issue(ctx: Context, req: Request) -> tuple[JSON, JSON]:
    """The repository and the issue of the path, for a request that changes it (a token is needed)."""
    require_writer(ctx, req)
    repo = repo_of(ctx, req)
    return repo, find_issue(repo, int_param(req, "issue_number"))


def readable_issue(ctx: Context, req: Request, *, pull: bool = False) -> tuple[JSON, JSON]:
    """The repository and the issue (or, with `pull`, the pull request) of the path, for a read."""
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    if pull:
        return repo, find_pull(repo, int_param(req, "pull_number"))
    return repo, find_issue(repo, int_param(req, "issue_number"))


def int_param(req: Request, name: str) -> int:
    try:
        return int(req.params[name])
    except ValueError as err:
        raise not_found() from err


def ensure_label(repo: JSON, name: str) -> None:
    if not any(lb["name"] == name for lb in repo.setdefault("labels", [])):
        repo["labels"].append({"id": int(hashlib.sha1(name.encode()).hexdigest()[:8], 16), "name": name, "color": "ededed", "description": None})


def check_assignees(ctx: Context, repo: JSON, logins: list[str]) -> None:
    known = set(ctx.state["github"]["users"])
    for login in logins:
        if login not in known:
            raise validation_failed("Issue", "assignees", "invalid", f"'{login}' is not a collaborator")


# --- routes: users and limits ----------------------------------------------------------------------
@router.route("GET", "/user")
def get_user(ctx: Context, req: Request) -> Response:
    login = require_writer(ctx, req)
    info = ctx.state["github"]["users"].get(login, {})
    body = user_json(ctx, login)
    body.update(
        {
            "name": info.get("name"), "company": None, "blog": "", "location": None, "email": None,
            "hireable": None, "bio": None, "public_repos": 0, "public_gists": 0, "followers": 0,
            "following": 0, "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z",
            "user_view_type": "public",
        }
    )
    return Response(body=body)


@router.route("GET", "/rate_limit")
def rate_limit(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    reset = int(ctx.now().timestamp()) + 3600
    core = {"limit": 5000, "remaining": 4999, "reset": reset, "used": 1}
    search = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
    return Response(body={"resources": {"core": core, "search": search}, "rate": core})


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


# --- routes: milestones ------------------------------------------------------------------------------
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
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    ms = find_milestone(repo, int_param(req, "milestone_number"))
    if ms is None:
        raise not_found()
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
    require_writer(ctx, req)
    repo = repo_of(ctx, req)
    ms = find_milestone(repo, int_param(req, "milestone_number"))
    if ms is None:
        raise not_found()
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
    require_writer(ctx, req)
    repo = repo_of(ctx, req)
    ms = find_milestone(repo, int_param(req, "milestone_number"))
    if ms is None:
        raise not_found()
    repo["milestones"].remove(ms)
    for issue in repo.get("issues", []):
        if issue.get("milestone") == ms["number"]:
            issue["milestone"] = None
    return Response(status=204)


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
    issue["updated_at"] = now_iso(ctx)
    return Response(body=[label_json(ctx, repo, n) for n in issue["labels"]])


@router.route("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def set_issue_labels(ctx: Context, req: Request) -> Response:
    repo, issue = writable_issue(ctx, req)
    issue["labels"] = _label_names(req.json())
    for name in issue["labels"]:
        ensure_label(repo, name)
    issue["updated_at"] = now_iso(ctx)
    return Response(body=[label_json(ctx, repo, n) for n in issue["labels"]])


@router.route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}")
def remove_issue_label(ctx: Context, req: Request) -> Response:
    repo, issue = writable_issue(ctx, req)
    name = req.params["name"]
    if name not in issue["labels"]:
        raise HTTPError(404, {"message": "Label does not exist", "documentation_url": "https://docs.github.com/rest", "status": "404"})
    issue["labels"].remove(name)
    issue["updated_at"] = now_iso(ctx)
    return Response(body=[label_json(ctx, repo, n) for n in issue["labels"]])


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


# --- routes: search ------------------------------------------------------------------------------------
def _search_terms(q: str) -> list[tuple[str, str]]:
    terms = []
    for token in shlex.split(q):
        key, sep, value = token.partition(":")
        # A qualifier is `word:value`; a quoted phrase such as "Release QA: 4.58.0" is text.
        if sep and re.fullmatch(r"-?[A-Za-z_]+", key):
            terms.append((key.lower(), value))
        else:
            terms.append(("text", token))
    return terms


def _date_match(value: str | None, spec: str) -> bool:
    if value is None:
        return False
    day = value[:10]
    if ".." in spec:
        lo, hi = spec.split("..", 1)
        return (lo in ("", "*") or day >= lo) and (hi in ("", "*") or day <= hi)
    for op in (">=", "<=", ">", "<"):
        if spec.startswith(op):
            bound = spec[len(op):][:10]
            return {"<": day < bound, ">": day > bound, ">=": day >= bound, "<=": day <= bound}[op]
    return day == spec[:10]


@router.route("GET", "/search/issues")
def search_issues(ctx: Context, req: Request) -> Response:
    """The qualifiers fleetops uses: repo, is, state, label, milestone, in:title text, created, closed."""
    viewer(ctx, req)
    terms = _search_terms(req.arg("q", "") or "")
    repos = [v for k, v in terms if k == "repo"] or list(ctx.state["github"]["repos"])
    # `in:body` (or `in:title,body`) searches the body; without it the text is matched in titles.
    where = {part for k, v in terms if k == "in" for part in v.lower().split(",")}
    results: list[tuple[JSON, JSON]] = []
    for full in repos:
        repo = ctx.state["github"]["repos"].get(full)
        if repo is None:
            continue
        for issue in repo.get("issues", []):
            ok = True
            for key, value in terms:
                is_pr = bool(issue.get("pull_request"))
                if key == "is" and value in ("issue", "pr"):
                    ok &= (value == "pr") == is_pr
                elif key in ("is", "state") and value in ("open", "closed"):
                    ok &= issue["state"] == value
                elif key == "label":
                    ok &= value in issue.get("labels", [])
                elif key == "-label":
                    ok &= value not in issue.get("labels", [])
                elif key == "milestone":
                    ms = find_milestone(repo, issue.get("milestone"))
                    ok &= ms is not None and ms["title"] == value
                elif key == "created":
                    ok &= _date_match(issue["created_at"], value)
                elif key == "closed":
                    ok &= _date_match(issue.get("closed_at"), value)
                elif key == "text":
                    fields = [issue["title"]] if "title" in where or "body" not in where else []
                    fields += [issue.get("body") or ""] if "body" in where else []
                    ok &= any(value.lower() in f.lower() for f in fields)
            if ok:
                results.append((repo, issue))
    results.sort(key=lambda ri: ri[1]["created_at"], reverse=True)
    page, headers = paginate(ctx, req, results)
    items = [dict(issue_json(ctx, repo, issue), score=1.0) for repo, issue in page]
    return Response(
        body={"total_count": len(results), "incomplete_results": False, "items": items, "search_type": "lexical"},
        headers=headers,
    )


# --- routes: pull requests --------------------------------------------------------------------------------
# A pull request is an issue record with a `pull_request` dict: `head` and `base` (branch names),
# `draft`, `merged_at`/`merged_by`, `files` ([{filename, status, additions, deletions,
# previous_filename}]) and `reviews` ([{user, state, submitted_at, body}], oldest first). Records
# seeded with only `merged_at` (conclude-milestone's) get a head branch named after their number.
def find_pull(repo: JSON, number: int) -> JSON:
    issue = find_issue(repo, number)
    if not issue.get("pull_request"):
        raise not_found()  # GitHub: /pulls/{n} of an issue is 404
    return issue


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
    repo["refs"][short] = sha
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


@router.route("GET", "/repos/{owner}/{repo}/commits/{ref+}")
def get_commit(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    repo = repo_of(ctx, req)
    sha = resolve_ref(repo, req.params["ref"])
    if sha is None:
        raise HTTPError(422, {"message": f"No commit found for SHA: {req.params['ref']}", "status": "422"})
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
    if content is None:
        raise not_found()
    full = f"{repo['owner']}/{repo['name']}"
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


# --- routes: Actions variables -----------------------------------------------------------------------------
@router.route("GET", "/repos/{owner}/{repo}/actions/variables")
def list_variables(ctx: Context, req: Request) -> Response:
    require_writer(ctx, req)  # variables need collaborator access
    repo = repo_of(ctx, req)
    items = [dict(name=n, **v) for n, v in sorted(repo.get("variables", {}).items())]
    page, headers = paginate(ctx, req, items, default=10)
    return Response(body={"total_count": len(items), "variables": page}, headers=headers)


@router.route("GET", "/repos/{owner}/{repo}/actions/variables/{name}")
def get_variable(ctx: Context, req: Request) -> Response:
    require_writer(ctx, req)
    repo = repo_of(ctx, req)
    var = repo.get("variables", {}).get(req.params["name"])
    if var is None:
        raise not_found()
    return Response(body=dict(name=req.params["name"], **var))
