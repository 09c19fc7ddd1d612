"""Shared by every GitHub section: time, ids and URLs, auth, pagination, the JSON of each resource,
the tiny git (refs, ancestry, files at a commit) and the lookups of issues and milestones.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fleetops.sandbox.routing import Context, HTTPError, Request, Router

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


def tree_at(repo: JSON, sha: str) -> dict[str, str]:
    """Every file (path → content) at commit `sha`: its ancestors' changes applied oldest first."""
    commits = commits_by_sha(repo)
    files: dict[str, str] = {}
    for ancestor in reversed(ancestors(repo, sha)):
        for path, content in commits[ancestor].get("files", {}).items():
            if content is None:
                files.pop(path, None)
            else:
                files[path] = content
    return files


def file_at(repo: JSON, sha: str, path: str) -> str | None:
    """The content of `path` at commit `sha` (the newest change among its ancestors)."""
    commits = commits_by_sha(repo)
    for candidate in ancestors(repo, sha):
        files = commits[candidate].get("files", {})
        if path in files:
            return files[path]
    return None


def dir_at(repo: JSON, sha: str, path: str) -> list[str]:
    """The names of the files directly in directory `path` at commit `sha` (newest change wins)."""
    prefix = path.strip("/") + "/"
    seen: dict[str, str | None] = {}
    commits = commits_by_sha(repo)
    for candidate in ancestors(repo, sha):
        for name, content in commits[candidate].get("files", {}).items():
            if name.startswith(prefix) and "/" not in name[len(prefix):]:
                seen.setdefault(name, content)
    return sorted(name for name, content in seen.items() if content is not None)


# --- lookups ---------------------------------------------------------------------------------------
def find_milestone(repo: JSON, number: int | None) -> JSON | None:
    return next((m for m in repo.get("milestones", []) if m["number"] == number), None)


def find_issue(repo: JSON, number: int) -> JSON:
    issue = next((i for i in repo.get("issues", []) if i["number"] == number), None)
    if issue is None:
        raise not_found()
    return issue


def find_pull(repo: JSON, number: int) -> JSON:
    issue = find_issue(repo, number)
    if not issue.get("pull_request"):
        raise not_found()  # GitHub: /pulls/{n} of an issue is 404
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


# --- Actions runs: shared by the actions routes and the release workflow -------------------------------
def actions_of(repo: JSON) -> JSON:
    return repo.setdefault("actions", {"workflows": [], "runs": [], "script": {}})


def find_run(repo: JSON, run_id: str) -> JSON:
    """A run by its id (as the path gives it), or 404."""
    run = next((r for r in actions_of(repo)["runs"] if str(r["id"]) == run_id), None)
    if run is None:
        raise not_found()
    return run
