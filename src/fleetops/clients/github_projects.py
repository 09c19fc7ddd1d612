"""GitHub Projects (v2) over GitHub's GraphQL API, sent through PyGithub's requester.

Projects v2 exist only in GraphQL. Documents go through PyGithub (`requester.requestJsonAndCheck`
on the GraphQL URL), so the token, base URL, timeouts and `GithubRetry` are the REST client's
(`clients.github.build_github`). Queries only read, so their POSTs are retried like GETs (5xx,
rate limits); mutations go through a second requester that does not retry POST (a lost answer
is settled by the next run, which reads the board first).

Pacing of mutation documents (docs/github-projects.md, "Pacing"): one at a time, never two at
once, and each starts at least `settings.github_mutation_interval` (0.8 s) after the previous one
started: at most 75 mutation requests a minute, under GitHub's documented secondary limits for
GraphQL (80 content-generating requests a minute; 2,000 points a minute, 5 per request with
mutations). The limits are rates, so the pause runs from the previous document's start; PyGithub's
own pacing (REST writes, `github_write_interval`) runs from the previous write's end.

GitHub answers HTTP 200 with `errors` for a document it rejects: a `ServiceError` with GitHub's
message here, or an `AuthError` naming the token variable and the `project` scope when the token
lacks it (`INSUFFICIENT_SCOPES`, or `FORBIDDEN` on a project).

Its `execute` also carries the documents of GitHub's GraphQL API that are not about boards: the
links between issues and pull requests (clients/github_links.py, built on this client).

Writes: there is no batch mutation, so `apply` sends only the changes it is given, as aliased
fields of one document, at most `MAX_MUTATIONS_PER_DOCUMENT` per document. Rate-limit points:
every query asks for `rateLimit { cost }`; a mutation document cannot (rateLimit is a query
field) and counts as 1 point, GitHub's minimum for a call. `points_spent` is the running total.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests
from github import GithubException
from github.GithubException import BadCredentialsException, RateLimitExceededException

from fleetops.clients import github_projects_documents as docs
from fleetops.clients.github import build_github, transport_error
from fleetops.clients.network import Network
from fleetops.errors import AuthError, NotFound, ServiceError
from fleetops.redaction import redact
from fleetops.settings import Settings
from fleetops.text import folded

MAX_MUTATIONS_PER_DOCUMENT = 50
SCOPE_ERRORS = frozenset({"INSUFFICIENT_SCOPES", "FORBIDDEN"})
# What a token needs, by what a document reads: the hint of a missing token or scope names it.
PROJECT_SCOPE = "the `project` scope (`read:project` to read only), or a fine-grained token the organization's Projects permission"
REPO_SCOPE = "the `repo` scope (a fine-grained token: read access to the repository's pull requests and issues)"


def graphql_url(api_url: str) -> str:
    """GitHub's GraphQL endpoint for a REST base URL: `.../api/v3` → `.../api/graphql`, else `+/graphql`."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base.removesuffix("/v3") + "/graphql"
    return base + "/graphql"


# --- what the client returns ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    id: str
    name: str


@dataclass(frozen=True)
class Iteration:
    id: str
    title: str
    start: date
    duration: int  # days
    completed: bool = False

    def contains(self, day: date) -> bool:
        return self.start <= day < self.start + timedelta(days=self.duration)


@dataclass(frozen=True)
class ProjectField:
    id: str
    name: str
    data_type: str  # SINGLE_SELECT, ITERATION, TEXT, ...
    options: tuple[Option, ...] = ()
    iterations: tuple[Iteration, ...] = ()  # current and future first, then completed

    def option(self, name: str) -> Option | None:
        """The option called `name` (case- and space-insensitive: boards drift)."""
        wanted = folded(name)
        return next((o for o in self.options if folded(o.name) == wanted), None)

    def current_iteration(self, today: date) -> Iteration | None:
        """The iteration whose start ≤ today < start + duration."""
        return next((i for i in self.iterations if not i.completed and i.contains(today)), None)


@dataclass(frozen=True)
class Project:
    id: str
    number: int
    title: str
    url: str
    closed: bool
    fields: tuple[ProjectField, ...]

    def field(self, name: str) -> ProjectField | None:
        wanted = folded(name)
        return next((f for f in self.fields if folded(f.name) == wanted), None)


@dataclass(frozen=True)
class ProjectItem:
    """One card on one project: its field values and the issue (or PR, or draft) behind it."""

    id: str
    project_id: str
    project_number: int
    archived: bool
    status: str | None
    status_option_id: str | None
    sprint_id: str | None
    sprint_title: str | None
    kind: str  # Issue, PullRequest, DraftIssue, Redacted
    content_id: str | None
    number: int | None
    title: str
    state: str | None  # OPEN, CLOSED (MERGED for a pull request)
    url: str | None
    repo: str | None  # owner/name
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    milestone: str | None = None
    milestone_number: int | None = None

    @classmethod
    def from_json(cls, node: dict[str, Any]) -> ProjectItem:
        content = node.get("content") or {}
        # REDACTED: content the token cannot see (another repository's, a private one's): GitHub answers null
        kind = "Redacted" if node.get("type") == "REDACTED" else content.get("__typename", "DraftIssue")
        status = node.get("status") or {}
        sprint = node.get("sprint") or {}
        ms = content.get("milestone")
        return cls(
            id=node["id"],
            project_id=node["project"]["id"],
            project_number=node["project"]["number"],
            archived=bool(node.get("isArchived")),
            status=status.get("name"),
            status_option_id=status.get("optionId"),
            sprint_id=sprint.get("iterationId"),
            sprint_title=sprint.get("title"),
            kind=kind,
            content_id=content.get("id"),
            number=content.get("number"),
            title=content.get("title", ""),
            state=content.get("state") or content.get("prState"),
            url=content.get("url"),
            repo=(content.get("repository") or {}).get("nameWithOwner"),
            labels=tuple(n["name"] for n in ((content.get("labels") or {}).get("nodes") or []) if n),
            assignees=tuple(n["login"] for n in ((content.get("assignees") or {}).get("nodes") or []) if n),
            milestone=ms["title"] if ms else None,
            milestone_number=ms["number"] if ms else None,
        )


@dataclass(frozen=True)
class IssueOnBoards:
    """An issue's node id and its items on every project it is on."""

    id: str
    items: tuple[ProjectItem, ...]

    def on(self, project_id: str) -> ProjectItem | None:
        return next((i for i in self.items if i.project_id == project_id), None)


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    used: int
    reset_at: str  # ISO-8601


@dataclass(frozen=True)
class MilestoneRef:
    id: str
    number: int
    title: str
    state: str


# --- changes: one aliased mutation each -----------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """A write; `kind` names its template in github_projects_documents.MUTATIONS."""

    kind: str
    input: dict[str, Any]
    what: str  # for messages: "#123 to Ready for release on project 58"


def add_item(project_id: str, content_id: str, what: str = "") -> Change:
    return Change("add_item", {"projectId": project_id, "contentId": content_id}, what or f"add {content_id} to the project")


def set_option(project_id: str, item_id: str, field_id: str, option_id: str, what: str = "") -> Change:
    value = {"singleSelectOptionId": option_id}
    return Change("set_field", {"projectId": project_id, "itemId": item_id, "fieldId": field_id, "value": value}, what or f"set {item_id}")


def set_iteration(project_id: str, item_id: str, field_id: str, iteration_id: str, what: str = "") -> Change:
    value = {"iterationId": iteration_id}
    return Change("set_field", {"projectId": project_id, "itemId": item_id, "fieldId": field_id, "value": value}, what or f"set {item_id}")


def unarchive_item(project_id: str, item_id: str, what: str = "") -> Change:
    return Change("unarchive_item", {"projectId": project_id, "itemId": item_id}, what or f"unarchive {item_id}")


def close_issue(issue_id: str, what: str = "") -> Change:
    return Change("close_issue", {"issueId": issue_id, "stateReason": "COMPLETED"}, what or f"close {issue_id}")


def add_labels(labelable_id: str, label_ids: list[str], what: str = "") -> Change:
    return Change("add_labels", {"labelableId": labelable_id, "labelIds": label_ids}, what or f"label {labelable_id}")


def remove_labels(labelable_id: str, label_ids: list[str], what: str = "") -> Change:
    return Change("remove_labels", {"labelableId": labelable_id, "labelIds": label_ids}, what or f"unlabel {labelable_id}")


def set_milestone(issue_id: str, milestone_id: str | None, what: str = "") -> Change:
    return Change("update_issue", {"id": issue_id, "milestoneId": milestone_id}, what or f"set the milestone of {issue_id}")


# --- the client ----------------------------------------------------------------------------------------------
class GitHubProjectsClient:
    """GitHub's GraphQL API as fleetops needs it for Projects v2 boards."""

    service = "GitHub GraphQL"

    def __init__(
        self, settings: Settings, *, network: Network | None = None,
        clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`clock` and `sleep` pace the mutation documents (tests give a fake pair: no test waits on the wall clock)."""
        self.settings = settings
        self._clock, self._sleep = clock, sleep
        self.url = graphql_url(settings.github_api_url)
        self._token_var = settings.github_token_var
        self._network = network  # the run's: requests and points count in its Costs ("requests" in --json)
        self._reads = build_github(settings, retry_post=True, pace_writes=False, network=network)
        self._writes = build_github(settings, network=network, pace_writes=False)  # paced here: see the module docstring
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # held while a mutation document is sent: one at a time
        self._next_write: float | None = None  # self._clock() before which no mutation document starts
        self.points_spent = 0
        self.rate_remaining: int | None = None
        self.documents_sent = 0

    @property
    def token_var(self) -> str:
        """The variable the token came from: errors name it (clients/github_links.py's too)."""
        return self._token_var

    def close(self) -> None:
        self._reads.close()
        self._writes.close()

    # -- transport --------------------------------------------------------------------------------------------
    @contextmanager
    def _errors(self, doing: str, needs: str = PROJECT_SCOPE) -> Iterator[None]:
        try:
            yield
        except BadCredentialsException:
            raise AuthError(
                f"GitHub rejected the token in {self._token_var} (401 Bad credentials) while {doing}.",
                hint=f"Set {self._token_var} to a valid token (a new one if it expired).",
            ) from None
        except RateLimitExceededException as err:  # a 403 of the exhausted budget is not the token's fault
            data = err.data if isinstance(err.data, dict) else {}
            raise ServiceError(
                f"GitHub's rate limit is exhausted while {doing} ({redact(str(data.get('message') or err))}).",
                hint="Wait for GitHub's reset, then re-run.",
            ) from None
        except GithubException as err:
            data = err.data if isinstance(err.data, dict) else {}
            message = redact(str(data.get("message") or _messages(data.get("errors")) or err))
            if err.status in (401, 403):
                raise AuthError(
                    f"GitHub refused {doing} ({err.status} {message}).",
                    hint=f"Set {self._token_var} to a token with {needs}.",
                ) from None
            raise ServiceError(f"GitHub GraphQL answered {err.status} while {doing}: {message}.") from None
        except requests.RequestException as err:
            raise transport_error(err, "GitHub GraphQL", self.url, doing, self.settings.retries, timeout=self.settings.timeout) from None

    @contextmanager
    def _paced(self, mutation: bool) -> Iterator[None]:
        """For a mutation document: wait for its turn, hold it while it is sent (reads never wait)."""
        if not mutation:
            yield
            return
        with self._write_lock:
            wait = 0.0 if self._next_write is None else self._next_write - self._clock()
            if wait > 0:
                self._sleep(wait)
            self._next_write = self._clock() + self.settings.github_mutation_interval
            yield

    def execute(
        self, document: str, variables: dict[str, Any], doing: str, *, mutation: bool = False, needs: str = PROJECT_SCOPE,
    ) -> dict[str, Any]:
        """Send one document; return its `data`, or raise with GitHub's messages (`needs`: what the token needs)."""
        data, errors = self._send(document, variables, doing, mutation=mutation, needs=needs)
        if errors:
            self._raise(errors, doing, needs)
        if not isinstance(data, dict):
            raise ServiceError(f"GitHub GraphQL answered without data while {doing}.")
        return data

    def _send(
        self, document: str, variables: dict[str, Any], doing: str, *, mutation: bool, needs: str,
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """Send one document: its `data` and its `errors` (GitHub answers both when some fields failed)."""
        if self.settings.github_token is None:
            raise AuthError(
                f"{doing} needs a GitHub token: GitHub's GraphQL API has no anonymous access.",
                hint=f"Export GH_TOKEN (or GITHUB_TOKEN) with a token that has {needs}.",
            )
        requester = (self._writes if mutation else self._reads).requester
        with self._errors(doing, needs), self._paced(mutation):
            headers, body = requester.requestJsonAndCheck("POST", self.url, input={"query": document, "variables": variables})
        content_type = next((str(v) for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
        if content_type and "json" not in content_type.lower():  # a proxy's or a sign-in page's HTML, read by PyGithub as {}
            raise ServiceError(
                f"GitHub answered with {content_type.split(';')[0].strip()}, not JSON, while {doing}.",
                hint=f"Check GITHUB_API_URL ({self.settings.github_api_url}): a proxy or a sign-in page may answer in GitHub's place.",
            )
        if not isinstance(body, dict):
            raise ServiceError(f"GitHub GraphQL answered with something that is not a GraphQL response while {doing}.")
        data = body.get("data")
        with self._lock:
            self.documents_sent += 1
            spent = self.points_spent
            rate = (data or {}).get("rateLimit") if isinstance(data, dict) else None
            if rate:
                self.points_spent += int(rate.get("cost") or 0)
                self.rate_remaining = rate.get("remaining", self.rate_remaining)
            elif mutation:
                self.points_spent += 1
            spent = self.points_spent - spent
        if self._network is not None and spent:
            self._network.costs.add_graphql_points(spent)
        errors = body.get("errors") or []
        if errors and any(isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors):
            reset = next((str(v) for k, v in (headers or {}).items() if k.lower() == "x-ratelimit-reset"), "")
            when = f" (it resets at {datetime.fromtimestamp(int(reset), UTC):%H:%M} UTC)" if reset.isdigit() else ""
            raise ServiceError(
                f"GitHub's GraphQL rate limit is exhausted while {doing}: {_messages(errors)}.",
                hint=f"Wait for GitHub's reset{when}, then re-run: it sends only what is still missing.",
            )
        return (data if isinstance(data, dict) else None), [e if isinstance(e, dict) else {"message": str(e)} for e in errors]

    def _raise(self, errors: list[dict[str, Any]], doing: str, needs: str) -> None:
        message = _messages(errors)
        if any(e.get("type") in SCOPE_ERRORS for e in errors if isinstance(e, dict)):
            raise AuthError(f"The token in {self._token_var} may not {doing}: {message}.", hint=f"Give the token in {self._token_var} {needs}.")
        if len(errors) == 1 and errors[0].get("type") == "NOT_FOUND":
            raise NotFound(f"GitHub has no such thing while {doing}: {message}.")
        raise ServiceError(f"GitHub GraphQL rejected {doing}: {message}.")

    # -- reads ---------------------------------------------------------------------------------------------------
    def project(self, org: str, number: int) -> Project:
        """An organization's project by number, with its fields, options and iterations."""
        doing = f"reading project {number} of {org}"
        data = self.execute(docs.PROJECT_BY_NUMBER, {"org": org, "number": number}, doing)
        node = (data.get("organization") or {}).get("projectV2")
        if node is None:
            raise NotFound(f"GitHub has no project {number} in {org} (or {self._token_var} cannot see it).")
        fields = []
        for f in node["fields"]["nodes"] or []:
            if not f:
                continue
            config = f.get("configuration") or {}
            iterations = [_iteration(i, False) for i in config.get("iterations") or []]
            iterations += [_iteration(i, True) for i in config.get("completedIterations") or []]
            fields.append(
                ProjectField(
                    id=f["id"], name=f["name"], data_type=f.get("dataType", ""),
                    options=tuple(Option(o["id"], o["name"]) for o in f.get("options") or []),
                    iterations=tuple(iterations),
                )
            )
        return Project(node["id"], node["number"], node["title"], node["url"], bool(node["closed"]), tuple(fields))

    def items(self, project_id: str, *, status_field: str = "Status", sprint_field: str = "Sprint") -> list[ProjectItem]:
        """Every item of a project, 100 per request (GitHub cannot filter them: callers do)."""
        variables: dict[str, Any] = {"project": project_id, "statusField": status_field, "sprintField": sprint_field}
        out: list[ProjectItem] = []
        after = None
        while True:
            data = self.execute(docs.PROJECT_ITEMS, {**variables, "after": after}, f"listing the items of project {project_id}")
            page = (data.get("node") or {}).get("items")
            if page is None:
                raise NotFound(f"GitHub has no project {project_id} (or {self._token_var} cannot see it).")
            out += [ProjectItem.from_json(n) for n in page["nodes"] or [] if n]
            if not page["pageInfo"]["hasNextPage"]:
                return out
            after = page["pageInfo"]["endCursor"]

    def issue_items(self, repo: str, number: int, *, status_field: str = "Status", sprint_field: str = "Sprint") -> IssueOnBoards:
        """An issue's node id and its items on every project (read before adding it to one)."""
        owner, name = repo.split("/", 1)
        variables = {"owner": owner, "name": name, "number": number, "statusField": status_field, "sprintField": sprint_field}
        data = self.execute(docs.ISSUE_PROJECT_ITEMS, variables, f"reading the projects of {repo}#{number}")
        issue = (data.get("repository") or {}).get("issue")
        if issue is None:
            raise NotFound(f"GitHub has no issue {repo}#{number}.")
        return IssueOnBoards(issue["id"], tuple(ProjectItem.from_json(n) for n in issue["projectItems"]["nodes"] or [] if n))

    def label_ids(self, repo: str) -> dict[str, str]:
        """Every label of a repository: name → node id (the label mutations take ids)."""
        owner, name = repo.split("/", 1)
        out: dict[str, str] = {}
        after = None
        while True:
            data = self.execute(docs.REPOSITORY_LABELS, {"owner": owner, "name": name, "after": after}, f"listing the labels of {repo}")
            labels = (data.get("repository") or {}).get("labels")
            if labels is None:
                raise NotFound(f"GitHub has no repository {repo}.")
            out.update({n["name"]: n["id"] for n in labels["nodes"] or [] if n})
            if not labels["pageInfo"]["hasNextPage"]:
                return out
            after = labels["pageInfo"]["endCursor"]

    def milestone(self, repo: str, title: str) -> MilestoneRef | None:
        """The milestone titled exactly `title` (open or closed), or None."""
        owner, name = repo.split("/", 1)
        data = self.execute(docs.REPOSITORY_MILESTONES, {"owner": owner, "name": name, "query": title}, f"finding the milestone {title} of {repo}")
        nodes = ((data.get("repository") or {}).get("milestones") or {}).get("nodes") or []
        found = next((n for n in nodes if n and n["title"] == title), None)
        return MilestoneRef(found["id"], found["number"], found["title"], found["state"]) if found else None

    def rate_limit(self) -> RateLimit:
        """The token's GraphQL point budget (the query itself costs a point, counted like any other)."""
        rate = self.execute(docs.RATE_LIMIT, {}, "reading GitHub's GraphQL rate limit")["rateLimit"]
        return RateLimit(int(rate["limit"]), int(rate["remaining"]), int(rate["used"]), str(rate["resetAt"]))

    # -- writes ----------------------------------------------------------------------------------------------------
    def apply(self, changes: list[Change]) -> list[dict[str, Any]]:
        """Send `changes` as aliased mutations, ≤ 50 per document, in order; each one's answer.

        GitHub runs each aliased field on its own: a document answers `data` for the fields that
        worked and `errors` with a `path` (the alias) for those it refused. Every document is
        sent; then, if GitHub refused any change, `PartlyApplied` names exactly those and counts
        the rest as applied (a re-run reads the boards and sends only what is still missing).
        An error that is not one field's (scope, rate limit, a document GitHub cannot read) stops
        the call at once.
        """
        answers: list[dict[str, Any]] = []
        refused: list[tuple[Change, str]] = []
        for start in range(0, len(changes), MAX_MUTATIONS_PER_DOCUMENT):
            chunk = changes[start : start + MAX_MUTATIONS_PER_DOCUMENT]
            document = docs.mutation_document([c.kind for c in chunk])
            variables = {f"m{i}": c.input for i, c in enumerate(chunk)}
            doing = chunk[0].what if len(chunk) == 1 else f"{len(chunk)} changes ({chunk[0].what}, ...)"
            data, errors = self._send(document, variables, doing, mutation=True, needs=PROJECT_SCOPE)
            by_alias = _errors_by_alias(errors, len(chunk))
            if by_alias is None or data is None:  # not (only) some fields' errors: the whole document failed
                if errors:
                    self._raise(errors, doing, PROJECT_SCOPE)
                raise ServiceError(f"GitHub GraphQL answered without data while {doing}.")
            refused += [(chunk[i], message) for i, message in sorted(by_alias.items())]
            answers += [{} if i in by_alias else (data.get(f"m{i}") or {}) for i in range(len(chunk))]
        if refused:
            raise PartlyApplied(refused, applied=len(changes) - len(refused), answers=answers)
        return answers


class PartlyApplied(ServiceError):
    """GitHub refused some changes of an `apply` and made the others."""

    def __init__(self, refused: list[tuple[Change, str]], *, applied: int, answers: list[dict[str, Any]]) -> None:
        self.refused = refused
        self.applied = applied
        self.answers = answers  # {} for a refused change
        named = "; ".join(f"{change.what} ({message})" for change, message in refused)
        super().__init__(
            f"GitHub refused {len(refused)} of {len(refused) + applied} change(s) and applied {applied}: {named}.",
            hint="Fix what GitHub says, then re-run: it sends only what is still missing.",
        )


def _errors_by_alias(errors: list[dict[str, Any]], count: int) -> dict[int, str] | None:
    """Refused aliased fields (index → GitHub's message), or None when an error is not one field's."""
    out: dict[int, str] = {}
    for error in errors:
        path = error.get("path")
        alias = path[0] if isinstance(path, list) and path else None
        index = int(alias[1:]) if isinstance(alias, str) and alias[:1] == "m" and alias[1:].isdigit() else -1
        if not 0 <= index < count or error.get("type") in SCOPE_ERRORS:
            return None
        message = redact(str(error.get("message") or "refused")).rstrip(".")
        out[index] = f"{out[index]}; {message}" if index in out else message
    return out


def _iteration(node: dict[str, Any], completed: bool) -> Iteration:
    return Iteration(node["id"], node["title"], date.fromisoformat(node["startDate"]), int(node["duration"]), completed)


def _messages(errors: Any) -> str:
    if not isinstance(errors, list):
        return ""
    return "; ".join(redact(str(e.get("message", e) if isinstance(e, dict) else e)).rstrip(".") for e in errors[:3])
