"""ZenHub's GraphQL API: boards, pipelines, sprints, and batch changes to issues.

Queries are POSTs that only read, so they are retried like GETs; mutations are not retried
(a retried batch could apply twice where it is not idempotent, e.g. a move). ZenHub answers
HTTP 200 with `errors` for a query it rejects: that is an error here too, with ZenHub's message.
Every document lives in `zenhub_documents` (validated against the real schema by a test).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from fleetops.clients import zenhub_documents as docs
from fleetops.clients.answers import answer_shape
from fleetops.clients.http import HttpService, build_client
from fleetops.errors import NotFound, ServiceError
from fleetops.settings import Settings
from fleetops.text import same_name

PATH = "/public/graphql"


@dataclass(frozen=True)
class Pipeline:
    id: str
    name: str


@dataclass(frozen=True)
class Sprint:
    id: str
    name: str
    state: str = "OPEN"


@dataclass(frozen=True)
class Board:
    """A workspace's board: its pipelines (in order), closed pipeline, active sprint, repositories."""

    id: str
    name: str
    pipelines: list[Pipeline]
    closed: Pipeline
    active_sprint: Sprint | None
    repository_gh_ids: dict[str, int] = field(default_factory=dict)  # "owner/name" → GitHub repo id
    repository_ids: dict[str, str] = field(default_factory=dict)  # "owner/name" → ZenHub repo id (search filters)

    def pipeline(self, name: str) -> Pipeline | None:
        """The pipeline called `name` (case- and space-insensitive: boards drift)."""
        return next((p for p in self.pipelines if same_name(p.name, name)), None)


@dataclass(frozen=True)
class ZIssue:
    """An issue as ZenHub sees it on one board."""

    id: str
    number: int
    title: str
    state: str  # OPEN / CLOSED
    url: str
    is_pr: bool
    repo: str  # owner/name
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    milestone: str | None
    milestone_number: int | None
    sprints: tuple[str, ...]  # sprint ids
    pipeline: Pipeline | None
    pipeline_issue_id: str | None

    @classmethod
    def from_json(cls, node: dict[str, Any]) -> ZIssue:
        with answer_shape("ZenHub", "an issue"):
            return cls._from_json(node)

    @classmethod
    def _from_json(cls, node: dict[str, Any]) -> ZIssue:
        repo = node["repository"]
        ms = node.get("milestone")
        pi = node.get("pipelineIssue")
        return cls(
            id=node["id"],
            number=node["number"],
            title=node["title"],
            state=node["state"],
            url=node["htmlUrl"],
            is_pr=bool(node["pullRequest"]),
            repo=f"{repo['ownerName']}/{repo['name']}",
            labels=tuple(n["name"] for n in node["labels"]["nodes"]),
            assignees=tuple(n["login"] for n in node["assignees"]["nodes"]),
            milestone=ms["title"] if ms else None,
            milestone_number=ms["number"] if ms else None,
            sprints=tuple(n["id"] for n in node["sprints"]["nodes"]),
            pipeline=Pipeline(pi["pipeline"]["id"], pi["pipeline"]["name"]) if pi else None,
            pipeline_issue_id=pi["id"] if pi else None,
        )


def _not_found(error: Any) -> bool:
    """Whether one GraphQL error says the thing looked up does not exist: the sandbox says "Issue not found: #N"
    (issueByInfo is non-null, so a missing issue is an error, not null); ZenHub's exact wording is not
    documented, so its NOT_FOUND code counts too."""
    if not isinstance(error, dict):
        return "not found" in str(error).lower()
    extensions = error.get("extensions")
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return code == "NOT_FOUND" or "not found" in str(error.get("message", "")).lower()


class ZenHubClient(HttpService):
    service = "ZenHub"
    token_var = "ZENHUB_TOKEN"

    def __init__(self, settings: Settings, client: httpx.Client | None = None, read_client: httpx.Client | None = None) -> None:
        token = settings.require("zenhub_token", "ZENHUB_TOKEN", "read and update the ZenHub boards")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        super().__init__(client or build_client(settings, settings.zenhub_url, headers=headers, retry_methods=("GET",)))
        self._reads = HttpService(
            read_client or build_client(settings, settings.zenhub_url, headers=headers, retry_methods=("GET", "POST"))
        )
        self._reads.service, self._reads.token_var = self.service, self.token_var

    def close(self) -> None:
        super().close()
        self._reads.close()

    # -- transport ------------------------------------------------------------------------------------------
    def execute(self, document: str, variables: dict[str, Any], *, mutation: bool = False, missing: str | None = None) -> dict[str, Any]:
        """Send one document; return `data`, or raise with ZenHub's error messages.

        `missing` names what the document looks up: when ZenHub answers that it is not found, NotFound says so.
        """
        transport = self if mutation else self._reads
        body = transport.request("POST", PATH, json={"query": document, "variables": variables})
        if not isinstance(body, dict):
            raise ServiceError("ZenHub answered with something that is not a GraphQL response.")
        errors = body.get("errors") or []
        if errors:
            errors = errors if isinstance(errors, list) else [errors]
            messages = "; ".join(str(e.get("message", e) if isinstance(e, dict) else e).rstrip(".") for e in errors[:3])
            if missing is not None and all(_not_found(e) for e in errors):
                raise NotFound(f"ZenHub has no {missing}: {messages}.")
            raise ServiceError(f"ZenHub rejected the request: {messages}.")
        data = body.get("data")
        if not isinstance(data, dict):
            raise ServiceError("ZenHub answered without data.")
        return data

    def _pages(self, document: str, root: str, variables: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every node of a paged IssueConnection (100 per page)."""
        after = None
        while True:
            with answer_shape("ZenHub", f"a page of {root}"):
                data = self.execute(document, {**variables, "after": after})[root]
                if data is None:
                    return
                nodes = list(data["nodes"])
                more, after = data["pageInfo"]["hasNextPage"], data["pageInfo"]["endCursor"]
            yield from nodes
            if not more:
                return

    # -- reads ------------------------------------------------------------------------------------------------
    def board(self, workspace_id: str) -> Board:
        with answer_shape("ZenHub", f"the board of workspace {workspace_id}"):
            return self._board(workspace_id)

    def _board(self, workspace_id: str) -> Board:
        ws = self.execute(docs.WORKSPACE_BOARD, {"workspaceId": workspace_id})["workspace"]
        if ws is None:
            raise ServiceError(f"ZenHub has no workspace {workspace_id} (or ZENHUB_TOKEN cannot see it).")
        sprint = ws.get("activeSprint")
        repos = (ws.get("repositoriesConnection") or {}).get("nodes", [])
        return Board(
            id=ws["id"],
            name=ws["displayName"],
            pipelines=[Pipeline(p["id"], p["name"]) for p in ws["pipelinesConnection"]["nodes"]],
            closed=Pipeline(ws["closedPipeline"]["id"], ws["closedPipeline"]["name"]),
            active_sprint=Sprint(sprint["id"], sprint.get("name") or "", sprint.get("state", "OPEN")) if sprint else None,
            repository_gh_ids={f"{r['ownerName']}/{r['name']}": r["ghId"] for r in repos},
            repository_ids={f"{r['ownerName']}/{r['name']}": r["id"] for r in repos},
        )

    def pipeline_issues(
        self,
        workspace_id: str,
        pipeline_id: str,
        *,
        labels: list[str] | None = None,
        milestones: list[str] | None = None,
        issues_only: bool = True,
    ) -> list[ZIssue]:
        """Issues in one pipeline, filtered by ZenHub (labels: any of; milestones: any of)."""
        filters: dict[str, Any] = {"displayType": "issues" if issues_only else "all"}
        if labels:
            filters["labels"] = {"in": labels}
        if milestones:
            filters["milestones"] = {"in": milestones}
        variables = {"pipelineId": pipeline_id, "workspaceId": workspace_id, "filters": filters}
        return [ZIssue.from_json(n) for n in self._pages(docs.PIPELINE_ISSUES, "searchIssuesByPipeline", variables)]

    def search_issues(self, workspace_id: str, query: str, *, repository_ids: list[str], pipeline_ids: list[str]) -> list[ZIssue]:
        """Issues of the workspace whose title contains `query` (open and closed)."""
        variables = {
            "workspaceId": workspace_id,
            "query": query,
            "filters": {"repositoryIds": repository_ids, "pipelineIds": pipeline_ids},
        }
        return [ZIssue.from_json(n) for n in self._pages(docs.SEARCH_ISSUES, "searchIssues", variables)]

    def issue(self, repository_gh_id: int, number: int, workspace_id: str) -> ZIssue:
        """The ZenHub side of GitHub issue #number; NotFound when ZenHub has no such issue."""
        variables = {"repositoryGhId": repository_gh_id, "number": number, "workspaceId": workspace_id}
        data = self.execute(docs.ISSUE_BY_NUMBER, variables, missing=f"issue #{number} in repository {repository_gh_id}")
        with answer_shape("ZenHub", f"issue #{number}"):
            return ZIssue.from_json(data["issueByInfo"])

    def milestone_id(self, repository_gh_id: int, number: int) -> str:
        data = self.execute(docs.MILESTONE_BY_NUMBER, {"repositoryGhId": repository_gh_id, "number": number})
        with answer_shape("ZenHub", f"milestone #{number}"):
            return data["milestoneByRepoGhIdAndNumber"]["id"]

    # -- batch writes (each takes a list of issue ids) ---------------------------------------------------------------
    def _batch(self, document: str, root: str, variables: dict[str, Any], what: str) -> int:
        with answer_shape("ZenHub", f"the request to {what}"):
            return self._batch_result(self.execute(document, variables, mutation=True)[root], variables, what)

    def _batch_result(self, result: Any, variables: dict[str, Any], what: str) -> int:
        if result is None:
            raise ServiceError(f"ZenHub did not {what}.")
        failed = result.get("failedIssues") or []
        if failed:
            numbers = ", ".join(f"#{f.get('number')}" for f in failed)
            raise ServiceError(f"ZenHub could not {what} for {numbers}: {result.get('githubErrors')}.")
        return int(result.get("successCount", len(variables.get("issueIds", []))))

    def add_milestone(self, issue_ids: list[str], milestone_id: str) -> int:
        return self._batch(docs.ADD_MILESTONE, "addMilestoneToIssues", {"issueIds": issue_ids, "milestoneId": milestone_id}, "set the milestone")

    def remove_milestone(self, issue_ids: list[str]) -> int:
        return self._batch(docs.REMOVE_MILESTONE, "removeMilestoneToIssues", {"issueIds": issue_ids}, "remove the milestone")

    def add_labels(self, issue_ids: list[str], names: list[str]) -> int:
        labels = [{"name": n} for n in names]
        return self._batch(docs.ADD_LABELS, "addLabelsToIssues", {"issueIds": issue_ids, "labels": labels}, "add labels")

    def remove_labels(self, issue_ids: list[str], names: list[str]) -> int:
        labels = [{"name": n} for n in names]
        return self._batch(docs.REMOVE_LABELS, "removeLabelsFromIssues", {"issueIds": issue_ids, "labels": labels}, "remove labels")

    def close_issues(self, issue_ids: list[str]) -> int:
        return self._batch(docs.CLOSE_ISSUES, "closeIssues", {"issueIds": issue_ids}, "close the issues")

    def add_to_sprints(self, issue_ids: list[str], sprint_ids: list[str]) -> int:
        with answer_shape("ZenHub", "the request to add the issues to the sprint"):
            result = self.execute(docs.ADD_TO_SPRINTS, {"issueIds": issue_ids, "sprintIds": sprint_ids}, mutation=True)["addIssuesToSprints"]
        if result is None:
            raise ServiceError("ZenHub did not add the issues to the sprint.")
        return len(issue_ids)

    def move_issue(self, issue_id: str, pipeline_id: str) -> None:
        with answer_shape("ZenHub", "the request to move the issue"):
            moved = self.execute(docs.MOVE_ISSUE, {"issueId": issue_id, "pipelineId": pipeline_id}, mutation=True)["moveIssue"]
        if moved is None:
            raise ServiceError("ZenHub did not move the issue.")

    def move_pipeline_issues(self, pipeline_id: str, pipeline_issue_ids: list[str]) -> int:
        with answer_shape("ZenHub", "the request to move the issues"):
            result = self.execute(
                docs.MOVE_PIPELINE_ISSUES, {"pipelineId": pipeline_id, "pipelineIssueIds": pipeline_issue_ids}, mutation=True
            )["movePipelineIssues"]
            if result is None:
                raise ServiceError("ZenHub did not move the issues.")
            return len(result["pipelineIssues"])
