"""ZenHub's GraphQL API (`POST /public/graphql`), executed by graphql-core on the sandbox's subset schema.

ZenHub sits on top of GitHub: an issue's title, labels, milestone and state are the GitHub
issue's (read from and written to the sandbox's GitHub state, as ZenHub writes to GitHub),
while its pipeline on each workspace's board and its sprints are ZenHub's own.

    state["zenhub"] = {
      "repos": {"fleetdm/fleet": {"id": <gid>, "ghId": 123}},
      "workspaces": {<24-hex id>: {"name", "repos": [...], "pipelines": [{"id","name"}],
                     "closed_pipeline": {"id","name"}, "sprints": [{"id","name","startAt","endAt","state"}],
                     "board": {"fleetdm/fleet#12": <pipeline id>}}},
      "issues": {"fleetdm/fleet#12": {"id": <gid>, "sprints": [<sprint id>], "estimate": 3}},
    }
An issue that is not on a board yet sits in the workspace's first pipeline; a closed issue sits in
the closed pipeline, as on ZenHub.
"""

from __future__ import annotations

import base64
from typing import Any

from graphql import GraphQLError, GraphQLSchema
from graphql.language import OperationDefinitionNode

from fleetops.sandbox.routing import Context, HTTPError, Request, Response, Router
from fleetops.sandbox.services.graphql_exec import field_resolver, prepared, run, subset_schema
from fleetops.sandbox.services import github as gh

router = Router("zenhub", "/zenhub")

JSON = dict[str, Any]


def gid(kind: str, key: str | int) -> str:
    """ZenHub's opaque ids are base64 of `gid://raptor/<Kind>/<n>`."""
    return base64.b64encode(f"gid://raptor/{kind}/{key}".encode()).decode().rstrip("=")


def ungid(value: str) -> tuple[str, str]:
    try:
        text = base64.b64decode(value + "=" * (-len(value) % 4)).decode()
    except Exception as err:
        raise GraphQLError(f"Invalid ID: {value}") from err
    if not text.startswith("gid://raptor/"):
        raise GraphQLError(f"Invalid ID: {value}")
    kind, _, key = text.removeprefix("gid://raptor/").partition("/")
    return kind, key


# --- world access ------------------------------------------------------------------------------------
class World:
    """Helpers over the state for one request."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.state = ctx.state
        self.zh = ctx.state["zenhub"]

    # issues
    def issue_key(self, repo: str, number: int) -> str:
        return f"{repo}#{number}"

    def gh_issue(self, key: str) -> tuple[JSON, JSON]:
        repo_name, _, number = key.rpartition("#")
        repo = self.state["github"]["repos"][repo_name]
        return repo, gh.find_issue(repo, int(number))

    def zissue(self, key: str) -> JSON:
        """ZenHub's record of an issue, created on first sight (as ZenHub indexes new issues)."""
        record = self.zh["issues"].get(key)
        if record is None:
            record = {"id": gid("Issue", 900000 + len(self.zh["issues"]) + 1), "sprints": [], "estimate": None}
            self.zh["issues"][key] = record
        return record

    def key_of(self, issue_id: str) -> str:
        kind, _ = ungid(issue_id)
        if kind != "Issue":
            raise GraphQLError(f"Invalid ID for an Issue: {issue_id}")
        for key, record in self.zh["issues"].items():
            if record["id"] == issue_id:
                return key
        raise GraphQLError(f"Issue not found: {issue_id}")

    def all_issue_keys(self, repos: list[str]) -> list[str]:
        keys = []
        for repo_name in repos:
            repo = self.state["github"]["repos"].get(repo_name, {})
            keys += [self.issue_key(repo_name, i["number"]) for i in repo.get("issues", [])]
        return keys

    # workspaces and pipelines
    def workspace(self, workspace_id: str) -> JSON:
        ws = self.zh["workspaces"].get(workspace_id)
        if ws is None:
            raise GraphQLError(f"Workspace not found: {workspace_id}")
        return ws

    def pipeline(self, pipeline_id: str) -> tuple[str, JSON, JSON]:
        for ws_id, ws in self.zh["workspaces"].items():
            for pipe in [*ws["pipelines"], ws["closed_pipeline"]]:
                if pipe["id"] == pipeline_id:
                    return ws_id, ws, pipe
        raise GraphQLError(f"Pipeline not found: {pipeline_id}")

    def pipeline_of(self, ws: JSON, key: str) -> JSON:
        _, issue = self.gh_issue(key)
        if issue["state"] == "closed":
            return ws["closed_pipeline"]
        pipe_id = ws["board"].get(key)
        return next((p for p in ws["pipelines"] if p["id"] == pipe_id), ws["pipelines"][0])

    def on_board(self, ws: JSON, key: str) -> bool:
        return key.rpartition("#")[0] in ws["repos"]

    # milestones
    def milestone_number(self, milestone_id: str) -> tuple[JSON, int]:
        kind, key = ungid(milestone_id)
        if kind != "Milestone":
            raise GraphQLError(f"Invalid ID for a Milestone: {milestone_id}")
        repo_name, _, number = key.rpartition(":")
        repo = self.state["github"]["repos"].get(repo_name)
        if repo is None or gh.find_milestone(repo, int(number)) is None:
            raise GraphQLError(f"Milestone not found: {milestone_id}")
        return repo, int(number)


# --- object builders (dicts; callables resolve fields that take arguments) ---------------------------------
def connection(items: list[Any], first: int | None = None, after: str | None = None, **_: Any) -> JSON:
    start = int(base64.b64decode(after).decode()) + 1 if after else 0
    if first is not None and (first < 0 or first > 100):
        raise GraphQLError("first must be between 0 and 100")
    end = len(items) if first is None else start + first
    chunk = items[start:end]
    return {
        "nodes": chunk,
        "totalCount": len(items),
        "pageInfo": {
            "hasNextPage": end < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": base64.b64encode(str(start).encode()).decode() if chunk else None,
            "endCursor": base64.b64encode(str(start + len(chunk) - 1).encode()).decode() if chunk else None,
        },
    }


def repo_obj(world: World, repo_name: str) -> JSON:
    info = world.zh["repos"][repo_name]
    owner, name = repo_name.split("/")
    return {"id": info["id"], "ghId": info["ghId"], "name": name, "ownerName": owner}


def milestone_obj(repo_name: str, ms: JSON) -> JSON:
    return {
        "id": gid("Milestone", f"{repo_name}:{ms['number']}"),
        "ghId": ms["id"],
        "number": ms["number"],
        "title": ms["title"],
        "state": ms["state"].upper(),
        "dueOn": ms.get("due_on"),
    }


def sprint_obj(sprint: JSON) -> JSON:
    return {k: sprint[k] for k in ("id", "name", "startAt", "endAt", "state")}


def all_sprints(world: World) -> dict[str, JSON]:
    return {s["id"]: s for ws in world.zh["workspaces"].values() for s in ws["sprints"]}


def pipeline_issue_obj(world: World, ws_id: str, key: str) -> JSON:
    ws = world.workspace(ws_id)
    pipe = world.pipeline_of(ws, key)
    return {
        "id": gid("PipelineIssue", f"{ws_id}:{key}"),
        "issue": lambda info: issue_obj(world, key),
        "pipeline": {"id": pipe["id"], "name": pipe["name"]},
        "workspace": lambda info: workspace_obj(world, ws_id),
    }


def issue_obj(world: World, key: str) -> JSON:
    repo, issue = world.gh_issue(key)
    repo_name = f"{repo['owner']}/{repo['name']}"
    record = world.zissue(key)
    ms = gh.find_milestone(repo, issue.get("milestone")) if issue.get("milestone") else None
    sprints = all_sprints(world)

    def pipeline_issue(info: Any, workspaceId: str) -> JSON | None:  # noqa: N803 - GraphQL argument name
        ws = world.workspace(workspaceId)
        return pipeline_issue_obj(world, workspaceId, key) if world.on_board(ws, key) else None

    return {
        "id": record["id"],
        "number": issue["number"],
        "title": issue["title"],
        "state": issue["state"].upper(),
        "htmlUrl": gh.web(world.ctx, f"{repo_name}/issues/{issue['number']}"),
        "pullRequest": bool(issue.get("pull_request")),
        "closedAt": issue.get("closed_at"),
        "repository": repo_obj(world, repo_name),
        "labels": lambda info, **kw: connection(
            [{"id": gid("Label", name), "name": name, "color": "ededed"} for name in issue.get("labels", [])], **kw
        ),
        "assignees": lambda info, **kw: connection(
            [{"id": gid("User", login), "login": login, "name": None} for login in issue.get("assignees", [])], **kw
        ),
        "milestone": milestone_obj(repo_name, ms) if ms else None,
        "estimate": {"id": gid("Estimate", key), "value": float(record["estimate"])} if record.get("estimate") is not None else None,
        "sprints": lambda info, workspaceId=None, **kw: connection(  # noqa: N803
            [sprint_obj(sprints[s]) for s in record["sprints"] if s in sprints], **kw
        ),
        "pipelineIssue": pipeline_issue,
    }


def workspace_obj(world: World, ws_id: str) -> JSON:
    ws = world.workspace(ws_id)
    by_id = {s["id"]: s for s in ws["sprints"]}
    active = by_id.get(ws.get("active_sprint"))
    upcoming = next((s for s in sorted(ws["sprints"], key=lambda s: s["startAt"]) if active and s["startAt"] > active["startAt"]), None)

    def sprints(info: Any, filters: JSON | None = None, query: str | None = None, **kw: Any) -> JSON:
        items = ws["sprints"]
        if filters and filters.get("state"):
            items = [s for s in items if s["state"] == filters["state"]["eq"]]
        if filters and filters.get("id"):
            items = [s for s in items if _id_match(s["id"], filters["id"])]
        if query:
            items = [s for s in items if query.lower() in (s.get("name") or "").lower()]
        return connection([sprint_obj(s) for s in items], **kw)

    return {
        "id": ws_id,
        "name": ws["name"],
        "displayName": ws["name"],
        "activeSprint": sprint_obj(active) if active else None,
        "upcomingSprint": sprint_obj(upcoming) if upcoming else None,
        "closedPipeline": dict(ws["closed_pipeline"]),
        "pipelinesConnection": lambda info, **kw: connection([dict(p) for p in ws["pipelines"]], **kw),
        "repositoriesConnection": lambda info, **kw: connection([repo_obj(world, r) for r in ws["repos"]], **kw),
        "sprints": sprints,
    }


def _id_match(value: str, spec: JSON) -> bool:
    if spec.get("in") is not None and value not in spec["in"]:
        return False
    return not (spec.get("nin") is not None and value in spec["nin"])


def _string_match(values: list[str], spec: JSON | None) -> bool:
    """ZenHub's StringInput: `in` (any of), `nin` (none of), `notInAny` (has none at all)."""
    if not spec:
        return True
    if spec.get("notInAny"):
        return not values
    if spec.get("in") is not None and not set(values) & set(spec["in"]):
        return False
    return not (spec.get("nin") is not None and set(values) & set(spec["nin"]))


def _filtered(world: World, keys: list[str], filters: JSON) -> list[str]:
    unsupported = {k for k, v in filters.items() if v is not None} - {
        "repositoryIds", "matchType", "displayType", "labels", "assignees", "sprints", "milestones",
    }
    if unsupported:
        raise GraphQLError(f"the sandbox does not implement the filters {sorted(unsupported)}")
    if filters.get("matchType", "all") != "all":
        raise GraphQLError("the sandbox implements matchType: all only")
    repo_ids = filters.get("repositoryIds")
    out = []
    for key in keys:
        repo, issue = world.gh_issue(key)
        repo_name = f"{repo['owner']}/{repo['name']}"
        record = world.zissue(key)
        ms = gh.find_milestone(repo, issue.get("milestone")) if issue.get("milestone") else None
        display = filters.get("displayType", "all")
        is_pr = bool(issue.get("pull_request"))
        if display == "issues" and is_pr or display == "prs" and not is_pr:
            continue
        if repo_ids and world.zh["repos"][repo_name]["id"] not in repo_ids:
            continue
        if not _string_match(issue.get("labels", []), filters.get("labels")):
            continue
        if not _string_match(issue.get("assignees", []), filters.get("assignees")):
            continue
        if not _string_match([ms["title"]] if ms else [], filters.get("milestones")):
            continue
        if filters.get("sprints") and not _string_match(record["sprints"], filters["sprints"]):
            continue
        out.append(key)
    return out


# --- root resolvers ------------------------------------------------------------------------------------------
def resolve_workspace(world: World, info: Any, id: str) -> JSON | None:  # noqa: A002
    return workspace_obj(world, id) if id in world.zh["workspaces"] else None


def resolve_viewer(world: World, info: Any) -> JSON:
    login = world.zh.get("viewer", "fleet-release")
    return {"id": gid("ZenhubUser", login), "name": login, "githubUser": {"id": gid("User", login), "login": login, "name": None}}


def resolve_issue_by_info(world: World, info: Any, issueNumber: int, repositoryGhId: int | None = None, repositoryId: str | None = None) -> JSON:  # noqa: N803
    for repo_name, meta in world.zh["repos"].items():
        if meta["ghId"] == repositoryGhId or meta["id"] == repositoryId:
            repo = world.state["github"]["repos"][repo_name]
            if not any(i["number"] == issueNumber for i in repo["issues"]):
                raise GraphQLError(f"Issue not found: #{issueNumber}")
            return issue_obj(world, world.issue_key(repo_name, issueNumber))
    raise GraphQLError("Repository not found")


def resolve_milestone(world: World, info: Any, repositoryGhId: int, milestoneNumber: int) -> JSON:  # noqa: N803
    for repo_name, meta in world.zh["repos"].items():
        if meta["ghId"] == repositoryGhId:
            ms = gh.find_milestone(world.state["github"]["repos"][repo_name], milestoneNumber)
            if ms is None:
                raise GraphQLError(f"Milestone not found: {milestoneNumber}")
            return milestone_obj(repo_name, ms)
    raise GraphQLError("Repository not found")


def resolve_search_by_pipeline(world: World, info: Any, pipelineId: str, filters: JSON, query: str | None = None, **kw: Any) -> JSON:  # noqa: N803
    ws_id, ws, pipe = world.pipeline(pipelineId)
    keys = [k for k in world.all_issue_keys(ws["repos"]) if world.pipeline_of(ws, k)["id"] == pipe["id"]]
    keys = _filtered(world, keys, filters)
    if query:
        keys = [k for k in keys if query.lower() in world.gh_issue(k)[1]["title"].lower()]
    return connection([issue_obj(world, k) for k in keys], **kw)


def resolve_search_issues(world: World, info: Any, workspaceId: str, filters: JSON, query: str | None = None, includeClosed: bool | None = None, **kw: Any) -> JSON:  # noqa: N803
    ws = world.workspace(workspaceId)
    keys = world.all_issue_keys(ws["repos"])
    repo_ids, pipe_ids = filters.get("repositoryIds") or [], filters.get("pipelineIds") or []
    keys = [k for k in keys if not repo_ids or world.zh["repos"][k.rpartition("#")[0]]["id"] in repo_ids]
    keys = [k for k in keys if not pipe_ids or world.pipeline_of(ws, k)["id"] in pipe_ids]
    if not includeClosed:
        keys = [k for k in keys if world.gh_issue(k)[1]["state"] == "open"]
    if query:
        keys = [k for k in keys if query.lower() in world.gh_issue(k)[1]["title"].lower()]
    return connection([issue_obj(world, k) for k in keys], **kw)


# --- mutations (ZenHub writes labels, milestones and state through to GitHub) ---------------------------------
def _touch(world: World, issue: JSON) -> None:
    issue["updated_at"] = gh.now_iso(world.ctx)


def _bulk(world: World, issue_ids: list[str], change: Any) -> JSON:
    keys = [world.key_of(i) for i in issue_ids]  # all or nothing: unknown ids fail the whole call
    for key in keys:
        repo, issue = world.gh_issue(key)
        change(repo, issue, key)
        _touch(world, issue)
    return {"successCount": len(keys), "failedIssues": [], "githubErrors": {}, "clientMutationId": None}


def m_add_milestone(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    repo_ms, number = world.milestone_number(input["milestoneId"])

    def change(repo: JSON, issue: JSON, key: str) -> None:
        if repo is not repo_ms:
            raise GraphQLError(f"Milestone is not in the repository of {key}")
        issue["milestone"] = number

    return _bulk(world, input["issueIds"], change)


def m_remove_milestone(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    return _bulk(world, input["issueIds"], lambda repo, issue, key: issue.update(milestone=None))


def _label_names(world: World, input: JSON) -> list[str]:  # noqa: A002
    if input.get("labelIds"):
        return [ungid(i)[1] for i in input["labelIds"]]
    if input.get("labelInfos"):
        return [li["name"] for li in input["labelInfos"] if li.get("name")]
    raise GraphQLError("One of labelIds or labelInfos is required")


def m_add_labels(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    names = _label_names(world, input)

    def change(repo: JSON, issue: JSON, key: str) -> None:
        for name in names:
            gh.ensure_label(repo, name)
            if name not in issue["labels"]:
                issue["labels"].append(name)

    result = _bulk(world, input["issueIds"], change)
    result["labels"] = [{"id": gid("Label", n), "name": n, "color": "ededed"} for n in names]
    return result


def m_remove_labels(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    names = _label_names(world, input)
    result = _bulk(world, input["issueIds"], lambda repo, issue, key: issue.update(labels=[n for n in issue["labels"] if n not in names]))
    result["labels"] = [{"id": gid("Label", n), "name": n, "color": "ededed"} for n in names]
    return result


def m_close(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    def change(repo: JSON, issue: JSON, key: str) -> None:
        if issue["state"] != "closed":
            issue.update(state="closed", state_reason="completed", closed_at=gh.now_iso(world.ctx))

    return _bulk(world, input["issueIds"], change)


def m_add_to_sprints(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    sprints = all_sprints(world)
    missing = [s for s in input["sprintIds"] if s not in sprints]
    if missing:
        raise GraphQLError(f"Sprint not found: {missing[0]}")
    out = []
    for issue_id in input["issueIds"]:
        key = world.key_of(issue_id)
        record = world.zissue(key)
        for sprint_id in input["sprintIds"]:
            if sprint_id not in record["sprints"]:
                record["sprints"].append(sprint_id)
            out.append({"id": gid("SprintIssue", f"{sprint_id}:{key}"), "issue": lambda info, k=key: issue_obj(world, k), "sprint": sprint_obj(sprints[sprint_id])})
    return {"sprintIssues": out, "clientMutationId": None}


def m_move_issue(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    ws_id, ws, pipe = world.pipeline(input["pipelineId"])
    key = world.key_of(input["issueId"])
    if not world.on_board(ws, key):
        raise GraphQLError("Issue is not in this workspace")
    if pipe is ws["closed_pipeline"]:
        raise GraphQLError("Use closeIssues to close issues")
    ws["board"][key] = pipe["id"]
    return {"issue": issue_obj(world, key), "pipeline": dict(pipe), "clientMutationId": None}


def m_move_pipeline_issues(world: World, info: Any, input: JSON) -> JSON:  # noqa: A002
    ws_id, ws, pipe = world.pipeline(input["pipelineId"])
    if pipe is ws["closed_pipeline"]:
        raise GraphQLError("Use closeIssues to close issues")
    keys = []
    for pi_id in input["pipelineIssueIds"]:
        kind, ref = ungid(pi_id)
        pi_ws, _, key = ref.partition(":")
        if kind != "PipelineIssue" or pi_ws != ws_id:
            raise GraphQLError(f"PipelineIssue not found in this workspace: {pi_id}")
        keys.append(key)
    for key in keys:
        ws["board"][key] = pipe["id"]
    return {"pipeline": dict(pipe), "pipelineIssues": [pipeline_issue_obj(world, ws_id, k) for k in keys], "clientMutationId": None}


ROOTS = {
    ("Query", "workspace"): resolve_workspace,
    ("Query", "viewer"): resolve_viewer,
    ("Query", "issueByInfo"): resolve_issue_by_info,
    ("Query", "milestoneByRepoGhIdAndNumber"): resolve_milestone,
    ("Query", "searchIssuesByPipeline"): resolve_search_by_pipeline,
    ("Query", "searchIssues"): resolve_search_issues,
    ("Mutation", "addMilestoneToIssues"): m_add_milestone,
    ("Mutation", "removeMilestoneToIssues"): m_remove_milestone,
    ("Mutation", "addLabelsToIssues"): m_add_labels,
    ("Mutation", "removeLabelsFromIssues"): m_remove_labels,
    ("Mutation", "closeIssues"): m_close,
    ("Mutation", "addIssuesToSprints"): m_add_to_sprints,
    ("Mutation", "moveIssue"): m_move_issue,
    ("Mutation", "movePipelineIssues"): m_move_pipeline_issues,
}


def schema() -> GraphQLSchema:
    """The subset schema shipped in the package (sandbox/zenhub_schema.graphql)."""
    return subset_schema("zenhub_schema.graphql")


_field_resolver = field_resolver(ROOTS)


@router.route("POST", "/public/graphql")
def graphql_endpoint(ctx: Context, req: Request) -> Response:
    token = req.bearer()
    if token != ctx.state["tokens"]["zenhub"]:
        raise HTTPError(401, {"errors": [{"message": "Unauthorized: invalid or missing API key"}]})
    try:
        body = req.json()
    except ValueError as err:
        raise HTTPError(400, {"errors": [{"message": f"Invalid JSON body: {err}"}]}) from err
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, str):
        raise HTTPError(400, {"errors": [{"message": "No query string was present"}]})
    document, _ = prepared(schema(), query)
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)] if document is not None else []
    is_mutation = any(op.operation.value == "mutation" for op in ops)  # a syntax error: `run` reports it
    result = run(
        schema(), query, variables=body.get("variables") or {}, operation_name=body.get("operationName"),
        context=World(ctx), field_resolver=_field_resolver,
    )
    payload: JSON = {"data": result.data}
    if result.errors:
        payload["errors"] = [e.formatted for e in result.errors]
    return Response(body=payload, write=is_mutation)
