"""GitHub's GraphQL API (`POST {GITHUB_API_URL}/graphql`) for Projects v2, executed by graphql-core.

The schema is the subset in sandbox/github_schema.graphql (a test holds it to GitHub's). Issues,
labels and milestones are the sandbox's GitHub REST state (one world, two APIs: a label added
here shows in REST); projects are their own state:

    state["github"]["projects"] = [
      {"org": "fleetdm", "number": 58, "title": "...", "closed": false,
       "fields": [{"id", "name", "dataType", "options": [{"id","name"}]},
                  {"id", "name": "Sprint", "dataType": "ITERATION", "iterations": [{"id","title","startDate","duration"}],
                   "completed": [...]}],
       "items": [{"id", "content": "fleetdm/fleet#123", "archived": false, "values": {<field id>: <option or iteration id>}}]},
       # "redacted": true on an item: its content is one the token cannot see (type REDACTED, content null)
    ]
    state["github"]["scopes"] = {<token>: ["repo"]}   # tokens not listed have DEFAULT_SCOPES
    state["github"]["graphql_rate"] = {"limit": 5000, "used": 0}

A pull request's `closingIssuesReferences` are, as on GitHub, the issues its description names
with a closing keyword ("Fixes #123", "Closes owner/repo#123", an issue URL; only for a pull request
into the default branch) followed by those linked by hand in its "Development" sidebar, which a
world seeds as `pull_request["linked_issues"]` (numbers of its repository, or `owner/repo#N`).

As on GitHub: HTTP 200 with `errors` for a document that fails; a token without `project`
(`read:project` for reads) gets `INSUFFICIENT_SCOPES` and no data; connections need `first` ≤ 100;
every document costs points (GitHub's formula: connections requested / 100, at least 1; a mutation
document costs 1) that `rateLimit` reports and the `x-ratelimit-*` headers carry.

Also as on GitHub: an aliased mutation document runs its fields in order, and one that fails
leaves the others done: `data` holds the answers of those that worked (null for the failed) and
`errors` one entry per failure with its `path` (the alias); an archived item refuses field
updates ("The item is archived and cannot be updated") until `unarchiveProjectV2Item`; adding an
issue already on a project answers its existing item, archived or not; a document the point
budget cannot pay for answers HTTP 200 with a `RATE_LIMITED` error, no data, and
`x-ratelimit-remaining: 0`.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from datetime import datetime, timedelta
from typing import Any

from graphql import GraphQLError, GraphQLSchema
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

from fleetops.sandbox.routing import Context, HTTPError, Request, Response, Router
from fleetops.sandbox.services.graphql_exec import field_resolver, prepared, run, subset_schema
from fleetops.sandbox.services.github import blob_sha, find_milestone, iso, node_id, now_iso, tree_at, web

# Its own router, ahead of the REST one (see services/__init__.py): `/github/graphql` is not a
# REST path, and the OpenAPI validator only checks the REST router's ("github") responses.
router = Router("github-graphql", "/github/graphql")

JSON = dict[str, Any]
DEFAULT_SCOPES = ("repo", "project", "workflow")
RATE_LIMIT = 5000
# Fields that need the `project` scope (`read:project` is enough in a query).
PROJECT_FIELDS = frozenset({"projectV2", "projectItems", "addProjectV2ItemById", "updateProjectV2ItemFieldValue", "unarchiveProjectV2Item"})
MAX_PAGE = 100
# GitHub's closing keywords in a pull request's description (HTML comments left out). Written
# here apart from ops/freeze/allow_rules.py's on purpose: the sandbox plays GitHub, and a pattern shared
# with the client would agree with itself when it is wrong.
_KEYWORD = r"(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)"
_NAME = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
CLOSING = re.compile(
    rf"\b{_KEYWORD}:?\s+(?:(?P<repo>{_NAME})?#(?P<number>\d+)|https?://[^\s/]+/(?P<url_repo>{_NAME})/issues/(?P<url_number>\d+))\b",
    re.IGNORECASE,
)
HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


# --- ids -------------------------------------------------------------------------------------------------
def gid(kind: str, key: str) -> str:
    """Node ids of the project world: base64 of `0:<Kind>:<key>`."""
    return base64.b64encode(f"0:{kind}:{key}".encode()).decode().rstrip("=")


def short_id(*parts: object) -> str:
    """Option and iteration ids: 8 hex digits, as GitHub's look."""
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:8]


def decode(value: str) -> tuple[str, str]:
    """(kind, key) of a node id: project ids (`0:Kind:key`) or the REST node ids (`0:Issue123`)."""
    try:
        text = base64.b64decode(value + "=" * (-len(value) % 4)).decode()
    except Exception:
        text = ""
    m = re.fullmatch(r"0:([A-Za-z0-9]+):(.+)", text) or re.fullmatch(r"0:([A-Za-z]+)(\d+)", text)
    if m is None:
        raise GraphQLError(f"Could not resolve to a node with the global id of '{value}'", extensions={"type": "NOT_FOUND"})
    return m[1], m[2]


def project_key(project: JSON) -> str:
    return f"{project['org']}/{project['number']}"


# --- the world for one request -------------------------------------------------------------------------------
class World:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.gh = ctx.state["github"]
        self.projects: list[JSON] = self.gh.setdefault("projects", [])
        self._issues: dict[str, dict[int, JSON]] = {}
        self._by_id: dict[int, tuple[JSON, JSON]] | None = None

    def repo(self, full: str) -> JSON | None:
        return self.gh["repos"].get(full)

    def issue(self, key: str) -> tuple[JSON, JSON] | None:
        full, _, number = key.rpartition("#")
        repo = self.repo(full)
        if repo is None:
            return None
        index = self._issues.get(full)
        if index is None:
            index = self._issues[full] = {i["number"]: i for i in repo.get("issues", [])}
        issue = index.get(int(number))
        return (repo, issue) if issue else None

    def issue_by_node(self, value: str) -> tuple[JSON, JSON]:
        kind, key = decode(value)
        if kind in ("Issue", "PullRequest"):
            if self._by_id is None:
                self._by_id = {i["id"]: (r, i) for r in self.gh["repos"].values() for i in r.get("issues", [])}
            found = self._by_id.get(int(key))
            if found:
                return found
        raise not_found_error(value)

    def project_by_id(self, value: str) -> JSON:
        kind, key = decode(value)
        project = next((p for p in self.projects if kind == "ProjectV2" and project_key(p) == key), None)
        if project is None:
            raise not_found_error(value)
        return project

    def item_by_id(self, project: JSON, value: str) -> JSON:
        item = next((i for i in project["items"] if i["id"] == value), None)
        if item is None:
            raise not_found_error(value)
        return item

    def label_names(self, repo: JSON, ids: list[str]) -> list[str]:
        by_node = {label_id(repo, lb["name"]): lb["name"] for lb in repo.get("labels", [])}
        missing = [i for i in ids if i not in by_node]
        if missing:
            raise not_found_error(missing[0])
        return [by_node[i] for i in ids]


def not_found_error(value: str) -> GraphQLError:
    return GraphQLError(f"Could not resolve to a node with the global id of '{value}'", extensions={"type": "NOT_FOUND"})


# --- objects -------------------------------------------------------------------------------------------------
def connection(
    items: list[Any], first: int | None = None, after: str | None = None, last: int | None = None,
    *, wrap: Any = None, **_: Any,
) -> JSON:
    """A Relay connection over `items` (each page's nodes passed through `wrap`), with GitHub's rules for `first`/`last`."""
    if first is None and last is None:
        raise GraphQLError("You must provide a `first` or `last` value to properly paginate the connection.")
    size = first if first is not None else last
    if size is None or size < 0 or size > MAX_PAGE:
        raise GraphQLError(f"Requesting {size} records on the connection exceeds the `first` limit of {MAX_PAGE} records.")
    start = 0
    if after:
        try:
            start = int(base64.b64decode(after + "=" * (-len(after) % 4)).decode().removeprefix("cursor:"))
        except ValueError as err:
            raise GraphQLError(f"`{after}` does not appear to be a valid cursor.") from err
    chunk = items[start : start + size]
    end = start + len(chunk)
    return {
        "nodes": [wrap(i) for i in chunk] if wrap else chunk,
        "totalCount": len(items),
        "pageInfo": {
            "hasNextPage": end < len(items),
            "endCursor": base64.b64encode(f"cursor:{end}".encode()).decode() if chunk else None,
        },
    }


def label_id(repo: JSON, name: str) -> str:
    """A label's node id, from its repository and name (the world's REST label ids are not unique)."""
    return gid("Label", f"{repo['owner']}/{repo['name']}:{name}")


def label_obj(repo: JSON, name: str) -> JSON:
    return {"__typename": "Label", "id": label_id(repo, name), "name": name}


def milestone_obj(ms: JSON, world: World, repo: JSON) -> JSON:
    """A Milestone of `repo`; its `issues` (non-nullable in the schema) resolve through the world wherever it is reached."""

    def issues(info: Any, states: list[str] | None = None, **kw: Any) -> JSON:
        found = [i for i in repo.get("issues", []) if i.get("milestone") == ms["number"] and not i.get("pull_request")
                 and (not states or i["state"].upper() in states)]
        return connection(sorted(found, key=lambda i: i["number"]), wrap=lambda i: content_obj(world, repo, i), **kw)

    return {"__typename": "Milestone", "id": node_id("Milestone", ms["id"]), "number": ms["number"], "title": ms["title"],
            "state": ms["state"].upper(), "issues": issues}


def repo_obj(world: World, repo: JSON) -> JSON:
    full = f"{repo['owner']}/{repo['name']}"

    def issue(info: Any, number: int) -> JSON | None:
        found = world.issue(f"{full}#{number}")
        return content_obj(world, *found) if found and not found[1].get("pull_request") else None

    def labels(info: Any, query: str | None = None, **kw: Any) -> JSON:
        names = [lb["name"] for lb in repo.get("labels", []) if not query or query.lower() in lb["name"].lower()]
        return connection([label_obj(repo, n) for n in names], **kw)

    def milestones(info: Any, query: str | None = None, states: list[str] | None = None, **kw: Any) -> JSON:
        found = [
            milestone_obj(m, world, repo) for m in repo.get("milestones", [])
            if (not query or query.lower() in m["title"].lower()) and (not states or m["state"].upper() in states)
        ]
        return connection(found, **kw)

    def pull_request(info: Any, number: int) -> JSON | None:
        found = world.issue(f"{full}#{number}")
        if found is None or not found[1].get("pull_request"):
            raise GraphQLError(f"Could not resolve to a PullRequest with the number of {number}.", extensions={"type": "NOT_FOUND"})
        return content_obj(world, *found)

    def milestone(info: Any, number: int) -> JSON | None:
        found = find_milestone(repo, number)
        return milestone_obj(found, world, repo) if found else None

    def ref(info: Any, qualifiedName: str) -> JSON | None:  # noqa: N803 - GraphQL name
        name = qualifiedName.removeprefix("refs/")
        return ref_obj(repo, name) if name in repo.get("refs", {}) else None

    def refs(info: Any, refPrefix: str, query: str | None = None, **kw: Any) -> JSON:  # noqa: N803 - GraphQL name
        if not refPrefix.startswith("refs/") or not refPrefix.endswith("/"):
            raise GraphQLError("refPrefix must start with 'refs/' and end with '/'", extensions={"type": "INVALID_ARGUMENT"})
        prefix = refPrefix.removeprefix("refs/")
        names = sorted(n for n in repo.get("refs", {}) if n.startswith(prefix) and (not query or query in n[len(prefix):]))
        return connection([ref_obj(repo, n) for n in names], **kw)

    return {
        "__typename": "Repository", "id": node_id("Repository", repo["id"]), "name": repo["name"],
        "nameWithOwner": full, "issue": issue, "labels": labels, "milestones": milestones, "pullRequest": pull_request,
        "ref": ref, "refs": refs, "milestone": milestone,
    }


def ref_obj(repo: JSON, name: str) -> JSON:
    """A ref (`heads/main`, `tags/fleet-v4.58.0`) and what it points at: a commit, or an annotated tag's object."""
    prefix, short = name.split("/", 1)
    sha = repo["refs"][name]
    tag = repo.get("tag_objects", {}).get(sha)
    target = commit_obj(repo, tag["object"]) if tag else commit_obj(repo, sha)
    if tag:
        target = {"__typename": "Tag", "id": gid("Tag", sha), "oid": sha, "name": tag["tag"], "target": target}
    return {"__typename": "Ref", "id": gid("Ref", name), "name": short, "prefix": f"refs/{prefix}/", "target": target}


def commit_obj(repo: JSON, sha: str) -> JSON:
    """A commit whose `file(path:)` is the file or directory at that path (directories list their entries)."""

    def file(info: Any, path: str) -> JSON | None:
        files = tree_at(repo, sha)

        def oid_of(at: str) -> str:  # a file's is git's blob sha (REST contents gives the same); a tree's is made up
            return blob_sha(files[at]) if at in files else hashlib.sha1(f"{sha}:{at}".encode()).hexdigest()

        path = path.strip("/")
        if path in files:
            return {"name": path.rsplit("/", 1)[-1], "path": path, "type": "blob", "oid": oid_of(path), "object": None}  # Blob is outside the subset
        inside = sorted({p[len(path) + 1 :].split("/", 1)[0] for p in files if p.startswith(path + "/")})
        if not inside:
            return None
        entries = [{"name": n, "path": f"{path}/{n}", "type": "blob" if f"{path}/{n}" in files else "tree",
                    "oid": oid_of(f"{path}/{n}"), "object": None} for n in inside]
        oid = oid_of(path)
        return {"name": path.rsplit("/", 1)[-1], "path": path, "type": "tree", "oid": oid,
                "object": {"__typename": "Tree", "id": gid("Tree", oid), "oid": oid, "entries": entries}}

    return {"__typename": "Commit", "id": gid("Commit", sha), "oid": sha, "file": file}


def closing_keys(repo: JSON, issue: JSON, user_linked_only: bool = False) -> list[str]:
    """`owner/name#N` of the issues a pull request closes: its closing keywords (into the default branch), then the hand-linked."""
    full = f"{repo['owner']}/{repo['name']}"
    pr = issue["pull_request"]
    keys: list[str] = []
    if not user_linked_only and (pr.get("base") or repo.get("default_branch", "main")) == repo.get("default_branch", "main"):
        for m in CLOSING.finditer(HTML_COMMENT.sub(" ", issue.get("body") or "")):
            keys.append(f"{m['repo'] or m['url_repo'] or full}#{m['number'] or m['url_number']}")
    keys += [link if "#" in str(link) else f"{full}#{link}" for link in pr.get("linked_issues", [])]
    return list(dict.fromkeys(keys))


def content_obj(world: World, repo: JSON, issue: JSON) -> JSON:
    """An Issue, or a PullRequest for an issue record that is a pull request."""
    full = f"{repo['owner']}/{repo['name']}"
    key = f"{full}#{issue['number']}"
    if issue.get("pull_request"):
        merged = issue["pull_request"].get("merged_at")

        def closing(info: Any, userLinkedOnly: bool = False, **kw: Any) -> JSON:  # noqa: N803 - GraphQL name
            found = [world.issue(k) for k in closing_keys(repo, issue, userLinkedOnly)]
            issues = [f for f in found if f is not None and not f[1].get("pull_request")]  # only issues that exist
            return connection(issues, wrap=lambda f: content_obj(world, *f), **kw)

        sha = issue["pull_request"].get("merge_commit_sha")
        return {
            "__typename": "PullRequest", "id": node_id("PullRequest", issue["id"]), "number": issue["number"],
            "title": issue["title"], "state": "MERGED" if merged else issue["state"].upper(), "closingIssuesReferences": closing,
            "baseRefName": issue["pull_request"].get("base") or repo.get("default_branch", "main"), "merged": bool(merged),
            "mergeCommit": commit_obj(repo, sha) if merged and sha else None, "repository": lambda info: repo_obj(world, repo),
        }
    ms = find_milestone(repo, issue.get("milestone"))

    def project_items(info: Any, includeArchived: bool = True, **kw: Any) -> JSON:  # noqa: N803 - GraphQL name
        items = [
            item_obj(world, p, i) for p in world.projects for i in p["items"]
            if i["content"] == key and (includeArchived or not i.get("archived"))
        ]
        return connection(items, **kw)

    return {
        "__typename": "Issue",
        "id": node_id("Issue", issue["id"]),
        "number": issue["number"],
        "title": issue["title"],
        "state": issue["state"].upper(),
        "url": web(world.ctx, f"{full}/issues/{issue['number']}"),
        "labels": lambda info, **kw: connection([label_obj(repo, n) for n in issue.get("labels", [])], **kw),
        "assignees": lambda info, **kw: connection([{"__typename": "User", "id": node_id("User", u), "login": u} for u in issue.get("assignees", [])], **kw),
        "milestone": milestone_obj(ms, world, repo) if ms else None,
        "repository": lambda info: repo_obj(world, repo),
        "projectItems": project_items,
        "closedByPullRequestsReferences": lambda info, includeClosedPrs=False, userLinkedOnly=False, **kw: connection(  # noqa: N803
            [content_obj(world, repo, p) for p in _linked_pulls(repo, key, closing_only=True, user_linked_only=userLinkedOnly)
             if includeClosedPrs or p["pull_request"].get("merged_at") or p["state"] == "open"], **kw),
        "timelineItems": lambda info, itemTypes=None, **kw: connection(  # noqa: N803
            [{"__typename": "CrossReferencedEvent", "id": gid("CrossReferencedEvent", f"{key}<-{p['number']}"),
              "willCloseTarget": key in closing_keys(repo, p), "source": content_obj(world, repo, p)}
             for p in _linked_pulls(repo, key, closing_only=False)], **kw),
    }


def _linked_pulls(repo: JSON, key: str, *, closing_only: bool, user_linked_only: bool = False) -> list[JSON]:
    """The pull requests that close the issue `key` (closing keyword or hand link), or that name it at all (a cross-reference)."""
    full, number = key.split("#")
    mention = re.compile(rf"(?:(?<![\w/])#|{re.escape(full)}#|/{re.escape(full)}/issues/){number}\b")
    out = []
    for pull in repo.get("issues", []):
        if not pull.get("pull_request"):
            continue
        if key in closing_keys(repo, pull, user_linked_only) or (not closing_only and mention.search(f"{pull['title']}\n{pull.get('body') or ''}")):
            out.append(pull)
    return out


def field_obj(field: JSON) -> JSON:
    kind = {"SINGLE_SELECT": "ProjectV2SingleSelectField", "ITERATION": "ProjectV2IterationField"}.get(field["dataType"], "ProjectV2Field")
    out: JSON = {"__typename": kind, "id": field["id"], "name": field["name"], "dataType": field["dataType"]}
    if kind == "ProjectV2SingleSelectField":
        out["options"] = lambda info, names=None: [dict(o) for o in field["options"] if names is None or o["name"] in names]
    if kind == "ProjectV2IterationField":
        out["configuration"] = {
            "iterations": [dict(i) for i in field.get("iterations", [])],
            "completedIterations": [dict(i) for i in field.get("completed", [])],
        }
    return out


def field_value_obj(field: JSON, value: str) -> JSON | None:
    if field["dataType"] == "SINGLE_SELECT":
        option = next((o for o in field["options"] if o["id"] == value), None)
        if option is None:
            return None
        return {"__typename": "ProjectV2ItemFieldSingleSelectValue", "id": gid("FieldValue", value), "name": option["name"], "optionId": option["id"]}
    if field["dataType"] == "ITERATION":
        it = next((i for i in [*field.get("iterations", []), *field.get("completed", [])] if i["id"] == value), None)
        if it is None:
            return None
        return {
            "__typename": "ProjectV2ItemFieldIterationValue", "id": gid("FieldValue", value), "iterationId": it["id"],
            "title": it["title"], "startDate": it["startDate"], "duration": it["duration"],
        }
    return None


def item_obj(world: World, project: JSON, item: JSON) -> JSON:
    def value_by_name(info: Any, name: str) -> JSON | None:
        field = next((f for f in project["fields"] if f["name"] == name), None)
        value = item.get("values", {}).get(field["id"]) if field else None
        return field_value_obj(field, value) if field and value else None

    found = None if item.get("redacted") else world.issue(item["content"])
    kind = "REDACTED" if found is None else "PULL_REQUEST" if found[1].get("pull_request") else "ISSUE"

    def content(info: Any) -> JSON | None:
        return content_obj(world, *found) if found else None

    return {
        "__typename": "ProjectV2Item", "id": item["id"], "isArchived": bool(item.get("archived")), "type": kind,
        "project": lambda info: project_obj(world, project), "fieldValueByName": value_by_name, "content": content,
    }


def project_obj(world: World, project: JSON) -> JSON:
    return {
        "__typename": "ProjectV2",
        "id": gid("ProjectV2", project_key(project)),
        "number": project["number"],
        "title": project["title"],
        "url": web(world.ctx, f"orgs/{project['org']}/projects/{project['number']}"),
        "closed": bool(project.get("closed")),
        "fields": lambda info, **kw: connection([field_obj(f) for f in project["fields"]], **kw),
        "items": lambda info, **kw: connection(project["items"], wrap=lambda i: item_obj(world, project, i), **kw),
    }


# --- root fields -----------------------------------------------------------------------------------------------
def q_organization(world: World, info: Any, login: str) -> JSON | None:
    known = {p["org"] for p in world.projects} | {r["owner"] for r in world.gh["repos"].values()}
    if login not in known:
        raise GraphQLError(f"Could not resolve to an Organization with the login of '{login}'.", extensions={"type": "NOT_FOUND"})

    def project(info: Any, number: int) -> JSON | None:
        found = next((p for p in world.projects if p["org"] == login and p["number"] == number), None)
        if found is None:
            raise GraphQLError(f"Could not resolve to a ProjectV2 with the number {number}.", extensions={"type": "NOT_FOUND"})
        return project_obj(world, found)

    return {"__typename": "Organization", "id": gid("Organization", login), "login": login, "projectV2": project}


def q_node(world: World, info: Any, id: str) -> JSON | None:  # noqa: A002 - GraphQL argument name
    kind, key = decode(id)
    if kind == "ProjectV2":
        return project_obj(world, world.project_by_id(id))
    if kind in ("Issue", "PullRequest"):
        return content_obj(world, *world.issue_by_node(id))
    raise not_found_error(id)


def q_repository(world: World, info: Any, owner: str, name: str, followRenames: bool = True) -> JSON | None:  # noqa: N803
    repo = world.repo(f"{owner}/{name}")
    if repo is None:
        raise GraphQLError(f"Could not resolve to a Repository with the name '{owner}/{name}'.", extensions={"type": "NOT_FOUND"})
    return repo_obj(world, repo)


def q_rate_limit(world: World, info: Any, dryRun: bool = False) -> JSON:  # noqa: N803
    rate = world.gh["graphql_rate"]
    return {
        "limit": rate["limit"], "cost": rate["last_cost"], "used": rate["used"],
        "remaining": max(0, rate["limit"] - rate["used"]), "resetAt": rate["reset_at"],
    }


# --- mutations ---------------------------------------------------------------------------------------------------
def _touch(world: World, issue: JSON) -> None:
    issue["updated_at"] = now_iso(world.ctx)


def m_add_item(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    project = world.project_by_id(input["projectId"])
    repo, issue = world.issue_by_node(input["contentId"])
    key = f"{repo['owner']}/{repo['name']}#{issue['number']}"
    item = next((i for i in project["items"] if i["content"] == key), None)
    if item is None:  # an issue already on the project keeps its one item
        item = {"id": gid("ProjectV2Item", f"{project_key(project)}/{len(project['items']) + 1}"), "content": key, "archived": False, "values": {}}
        project["items"].append(item)
    return {"clientMutationId": input.get("clientMutationId"), "item": item_obj(world, project, item)}


def m_set_field(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    project = world.project_by_id(input["projectId"])
    item = world.item_by_id(project, input["itemId"])
    if item.get("archived"):
        raise GraphQLError("The item is archived and cannot be updated")
    field = next((f for f in project["fields"] if f["id"] == input["fieldId"]), None)
    if field is None:
        raise not_found_error(input["fieldId"])
    value = input["value"]
    if field["dataType"] == "SINGLE_SELECT":
        wanted = value.get("singleSelectOptionId")
        if wanted not in {o["id"] for o in field["options"]}:
            raise GraphQLError(f"The single select option Id does not belong to the field {field['name']}")
    elif field["dataType"] == "ITERATION":
        wanted = value.get("iterationId")
        if wanted not in {i["id"] for i in [*field.get("iterations", []), *field.get("completed", [])]}:
            raise GraphQLError(f"The iteration Id does not belong to the field {field['name']}")
    else:
        raise GraphQLError(f"The field {field['name']} cannot be set by the sandbox")
    item.setdefault("values", {})[field["id"]] = wanted
    return {"clientMutationId": input.get("clientMutationId"), "projectV2Item": item_obj(world, project, item)}


def m_unarchive_item(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    project = world.project_by_id(input["projectId"])
    item = world.item_by_id(project, input["itemId"])
    item["archived"] = False
    return {"clientMutationId": input.get("clientMutationId"), "item": item_obj(world, project, item)}


def m_close_issue(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    repo, issue = world.issue_by_node(input["issueId"])
    if issue["state"] != "closed":
        issue.update(state="closed", state_reason=(input.get("stateReason") or "COMPLETED").lower(), closed_at=now_iso(world.ctx))
        _touch(world, issue)
    return {"clientMutationId": input.get("clientMutationId"), "issue": content_obj(world, repo, issue)}


def m_add_labels(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    repo, issue = world.issue_by_node(input["labelableId"])
    for name in world.label_names(repo, input["labelIds"]):
        if name not in issue.setdefault("labels", []):
            issue["labels"].append(name)
    _touch(world, issue)
    return {"clientMutationId": input.get("clientMutationId")}


def m_remove_labels(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    repo, issue = world.issue_by_node(input["labelableId"])
    names = set(world.label_names(repo, input["labelIds"]))
    issue["labels"] = [n for n in issue.get("labels", []) if n not in names]
    _touch(world, issue)
    return {"clientMutationId": input.get("clientMutationId")}


def m_update_issue(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    repo, issue = world.issue_by_node(input["id"])
    if "milestoneId" in input:
        if input["milestoneId"] is None:
            issue["milestone"] = None
        else:
            kind, key = decode(input["milestoneId"])
            ms = next((m for m in repo.get("milestones", []) if kind == "Milestone" and str(m["id"]) == key), None)
            if ms is None:
                raise not_found_error(input["milestoneId"])
            issue["milestone"] = ms["number"]
    if input.get("state"):
        issue["state"] = input["state"].lower()
        issue["closed_at"] = now_iso(world.ctx) if issue["state"] == "closed" else None
    _touch(world, issue)
    return {"clientMutationId": input.get("clientMutationId"), "issue": content_obj(world, repo, issue)}


ROOTS = {
    ("Query", "organization"): q_organization,
    ("Query", "node"): q_node,
    ("Query", "repository"): q_repository,
    ("Query", "rateLimit"): q_rate_limit,
    ("Mutation", "addProjectV2ItemById"): m_add_item,
    ("Mutation", "updateProjectV2ItemFieldValue"): m_set_field,
    ("Mutation", "closeIssue"): m_close_issue,
    ("Mutation", "addLabelsToLabelable"): m_add_labels,
    ("Mutation", "removeLabelsFromLabelable"): m_remove_labels,
    ("Mutation", "updateIssue"): m_update_issue,
    ("Mutation", "unarchiveProjectV2Item"): m_unarchive_item,
}


def schema() -> GraphQLSchema:
    """The subset schema shipped in the package (sandbox/github_schema.graphql)."""
    return subset_schema("github_schema.graphql")


_field_resolver = field_resolver(ROOTS)


# --- cost and scopes, before execution ------------------------------------------------------------------------------
def _walk(document: DocumentNode, operation: OperationDefinitionNode, variables: JSON) -> tuple[int, set[str]]:
    """(connection requests, field names) of an operation, fragments expanded.

    GitHub's formula: each connection asked with `first`/`last` needs one request per parent
    node; the cost is the total / 100, rounded, at least 1.
    """
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    names: set[str] = set()
    requests = 0

    def size(field: FieldNode) -> int | None:
        for arg in field.arguments or ():
            if arg.name.value in ("first", "last"):
                value = arg.value
                if isinstance(value, IntValueNode):
                    return int(value.value)
                if isinstance(value, VariableNode):
                    return int(variables.get(value.name.value) or 0)
        return None

    def visit(selection_set: SelectionSetNode | None, multiplier: int, seen: frozenset[str]) -> None:
        nonlocal requests
        for sel in (selection_set.selections if selection_set else ()):
            if isinstance(sel, FieldNode):
                names.add(sel.name.value)
                n = size(sel)
                if n is not None:
                    requests += multiplier
                    visit(sel.selection_set, multiplier * max(n, 1), seen)
                else:
                    visit(sel.selection_set, multiplier, seen)
            elif isinstance(sel, InlineFragmentNode):
                visit(sel.selection_set, multiplier, seen)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value in fragments and sel.name.value not in seen:
                visit(fragments[sel.name.value].selection_set, multiplier, seen | {sel.name.value})

    visit(operation.selection_set, 1, frozenset())
    return requests, names


def rate_math(requests: int) -> int:
    """The points GitHub charges a query needing `requests` connection requests: /100, rounded, ≥ 1."""
    return max(1, math.floor(requests / 100 + 0.5))


def _scope_error(field: str, needed: str, scopes: list[str]) -> JSON:
    return {
        "type": "INSUFFICIENT_SCOPES",
        "locations": [],
        "message": (
            f"Your token has not been granted the required scopes to execute this query. The '{field}' field requires "
            f"one of the following scopes: ['{needed}'], but your token has only been granted the: {scopes} scopes. "
            "Please modify your token's scopes at: https://github.com/settings/tokens."
        ),
    }


@router.route("POST", "/", says_write=True)  # every answer says whether it wrote: a mutation did
def graphql_endpoint(ctx: Context, req: Request) -> Response:
    token = req.bearer()
    logins = ctx.state["github"]["tokens"]
    if token is None or token not in logins:
        raise HTTPError(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/graphql", "status": "401"})
    scopes = list(ctx.state["github"].get("scopes", {}).get(token, DEFAULT_SCOPES))
    headers = {"X-OAuth-Scopes": ", ".join(scopes), "X-GitHub-Media-Type": "github.v4"}
    try:
        body = req.json()
    except ValueError as err:
        raise HTTPError(400, {"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/graphql"}) from err
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, str):
        return Response(body={"errors": [{"message": "A query attribute must be specified and must be a string."}]}, headers=headers, write=False)
    variables = body.get("variables") or {}
    document, errors = prepared(schema(), query)
    if document is None:  # a syntax error
        return Response(body={"errors": [errors[0].formatted]}, headers=headers, write=False)
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    wanted = body.get("operationName")
    op = next((o for o in ops if wanted is None or (o.name and o.name.value == wanted)), None)
    is_mutation = op is not None and op.operation.value == "mutation"

    rate = ctx.state["github"].setdefault("graphql_rate", {"limit": RATE_LIMIT, "used": 0, "last_cost": 0})
    rate.setdefault("reset_at", iso(ctx.now() + timedelta(hours=1)))  # the budget's hour, from first use
    if op is not None:
        requests, names = _walk(document, op, variables)
        needed = "project" if is_mutation else "read:project"
        missing = next((n for n in sorted(names & PROJECT_FIELDS) if not ({needed, "project"} & set(scopes))), None)
        if missing is not None:
            return Response(body={"errors": [_scope_error(missing, needed, scopes)]}, headers=headers, write=False)
        cost = 1 if is_mutation else rate_math(requests)
        if rate["used"] + cost > rate["limit"]:  # GitHub: HTTP 200, no data, the budget's headers at 0
            headers.update(_rate_headers(rate), **{"X-RateLimit-Remaining": "0"})
            return Response(body={"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]}, headers=headers, write=False)
        rate["last_cost"] = cost
        rate["used"] += cost
        ctx.advanced = True  # the point meter moved: saved with the world, though a query is no write
    headers.update(_rate_headers(rate))

    result = run(schema(), query, variables=variables, operation_name=wanted, context=World(ctx), field_resolver=_field_resolver)
    payload: JSON = {"data": result.data}
    if result.errors:
        payload["errors"] = [_github_error(e) for e in result.errors]
    return Response(body=payload, headers=headers, write=is_mutation)


def _rate_headers(rate: JSON) -> dict[str, str]:
    reset = rate["reset_at"]
    return {
        "X-RateLimit-Limit": str(rate["limit"]), "X-RateLimit-Remaining": str(max(0, rate["limit"] - rate["used"])),
        "X-RateLimit-Used": str(rate["used"]), "X-RateLimit-Resource": "graphql",
        "X-RateLimit-Reset": str(int(datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp())),
    }


def _github_error(err: GraphQLError) -> JSON:
    """GitHub's error shape: a `type` beside the message (NOT_FOUND, FORBIDDEN, ...) when there is one."""
    out = err.formatted
    kind = (err.extensions or {}).get("type")
    if kind:
        out["type"] = kind
        out.pop("extensions", None)
    return out
