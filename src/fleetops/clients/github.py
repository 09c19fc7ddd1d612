"""GitHub through PyGithub: a thin, typed layer that returns small dataclasses, not PyGithub objects.

Imported lazily (only when a command talks to GitHub), so `fleetops --help` stays fast.
Retries are PyGithub's `GithubRetry` (rate limits, `Retry-After`, 5xx with backoff); POST is
not retried, because a create that failed after GitHub processed it would be duplicated; the
re-run of a command finds what exists and skips it instead. Writes are paced at
`settings.github_write_interval` (about one per second, as GitHub asks); lists are paged at 100.
Every attempt PyGithub sends is counted in the run's `Costs` (and logged with `--debug`), and its
TLS handshakes use the run's one trust context: see `_meter`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.GithubObject import GithubObject
from github.GithubException import (
    BadCredentialsException,
    RateLimitExceededException,
    UnknownObjectException,
)

from fleetops.clients.network import Network, describe
from fleetops.concurrency import gather, meanwhile, pause
from fleetops.errors import AuthError, FleetopsError, NotFound, ServiceError
from fleetops.redaction import redact
from fleetops.settings import Settings

if TYPE_CHECKING:
    from fleetops.clients.github_types import (
        BodyIssue,
        BranchComparison,
        CommitInfo,
        Comparison,
        DispatchResult,
        FileChange,
        IssueInfo,
        PullInfo,
        PullSummary,
        Release,
        ReleaseInfo,
        RepoFile,
        ReviewInfo,
        TagRef,
        Workflow,
        WorkflowRun,
    )

T = TypeVar("T")


def _types():  # noqa: ANN202 - the github_types module
    """github_types, imported when the first answer is turned into one of its types (after the
    request), unless the main thread imported it while the first reads were out (`GitHubClient`)."""
    from fleetops.clients import github_types

    return github_types


def __getattr__(name: str) -> Any:
    """`from fleetops.clients.github import TagRef`: the small types the client returns, exported
    here too, from github_types (imported now)."""
    if name.startswith("__"):  # `from fleetops.clients.github import x` asks for __path__: not a reason to import the types
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return getattr(_types(), name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


# GitHub's core rate limit resets hourly; waiting longer than this is worse than failing clearly.
MAX_RATE_LIMIT_WAIT = 300
# GitHub asks for a wait of at least a minute after a secondary rate limit (PyGithub's default, kept here
# so that the tests can shorten it: they prove the retry, not the wait).
SECONDARY_RATE_WAIT = 60.0
# GitHub asks for few concurrent requests from one client (secondary limits): the reads of the
# release-ritual section below take one of these slots each, whatever thread they run on.
MAX_CONCURRENT_READS = 6


@dataclass(frozen=True)
class Milestone:
    number: int
    title: str
    state: str
    due_on: datetime | None
    description: str
    open_issues: int
    closed_issues: int
    html_url: str


def _milestone(ms) -> Milestone:  # noqa: ANN001 - a PyGithub Milestone
    return Milestone(
        number=ms.number,
        title=ms.title,
        state=ms.state,
        due_on=ms.due_on,
        description=ms.description or "",
        open_issues=ms.open_issues,
        closed_issues=ms.closed_issues,
        html_url=ms.html_url,
    )


class _Retry(GithubRetry):
    """PyGithub's GithubRetry, with two changes: its waits end at once when the run is interrupted, and
    an answer that timed out is waited for once more at most.

    A server that accepts and never answers then costs twice the timeout per request, not four
    times (docs/reliability.md); a dropped connection, a 5xx or a rate limit keep their retries.
    """

    def sleep_for_retry(self, response) -> bool:  # noqa: ANN001 - urllib3's response
        retry_after = self.get_retry_after(response)
        if retry_after:
            pause(retry_after)
            return True
        return False

    def _sleep_backoff(self) -> None:
        pause(self.get_backoff_time())

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):  # noqa: ANN001, ANN201, PLR0913 - urllib3's signature
        from urllib3.exceptions import MaxRetryError, ReadTimeoutError

        if isinstance(error, ReadTimeoutError) and any(isinstance(h.error, ReadTimeoutError) for h in self.history):
            raise MaxRetryError(_pool, url, error) from error
        return super().increment(method, url, response, error, _pool, _stacktrace)


def build_github(settings: Settings, *, retry_post: bool = False, pace_writes: bool = True, network: Network | None = None) -> Github:
    """The one PyGithub set-up (auth, base URL, GithubRetry, timeouts, paging) of REST and GraphQL.

    Its requests are counted in `network.costs` and use the network's TLS context (`_meter`);
    without a network (a client built alone, in a test) they are counted in a network of its own.

    `retry_post` adds POST to the retried methods: only for requests that cannot create
    anything twice (GraphQL queries). `pace_writes=False` drops the pause between non-GET
    requests, which PyGithub applies to every POST, GraphQL queries included.
    """
    token = settings.github_token.get_secret_value() if settings.github_token else None
    methods = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"} | ({"POST"} if retry_post else set())
    retry = _Retry(
        total=settings.retries,
        backoff_factor=settings.retry_backoff,
        status_forcelist=[429, *range(500, 600)],
        allowed_methods=methods,
        max_rate_limit_wait=MAX_RATE_LIMIT_WAIT,
        secondary_rate_wait=SECONDARY_RATE_WAIT,
    )
    gh = Github(
        base_url=settings.github_api_url,
        auth=Auth.Token(token) if token else None,
        timeout=max(1, int(settings.timeout)),
        per_page=100,
        retry=retry,
        seconds_between_requests=None,
        seconds_between_writes=(settings.github_write_interval or None) if pace_writes else None,
        lazy=True,  # objects fetch on first use: no request for the repository itself
    )
    _meter(gh.requester, network if network is not None else Network(), https=settings.github_api_url.lower().startswith("https:"))
    return gh


# The last GitHub answer on this thread that was a success but not JSON (a proxy's or a login page's
# HTML): PyGithub reads such a body as an empty object, so `GitHubClient.errors` checks this instead.
_not_json = threading.local()


def _note_answer(status: int, headers: object) -> None:
    """Called for every answer on the wire: remember a 2xx whose body is not JSON."""
    content_type = str(getattr(headers, "get", lambda *_: "")("Content-Type", "") or "")
    if 200 <= status < 300 and status != 204 and content_type and "json" not in content_type.lower():
        _not_json.seen = content_type.split(";")[0].strip()


def transport_error(err: requests.RequestException, service: str, url: str, doing: str, retries: int, *, timeout: float | None = None) -> ServiceError:
    """What both GitHub clients (REST and GraphQL) say when requests gave up: statuses retried out, or no answer."""
    if isinstance(err, requests.exceptions.RetryError):
        status = re.search(r"too many (\d+) error responses", str(err))
        return ServiceError(
            f"{service} answered {status[1] if status else 'errors'} while {doing}, {retries} retries included.",
            hint="GitHub may be having an incident (https://www.githubstatus.com); re-run later.",
        )
    return ServiceError(
        f"cannot reach {service} at {url} while {doing}: {describe(err, timeout=timeout)}.",
        hint="Check the network and GITHUB_API_URL.",
    )


class GitHubClient:
    """One repository on one GitHub (github.com or Enterprise), as fleetops needs it."""

    service = "GitHub"

    def __init__(self, settings: Settings, repo: str, *, network: Network | None = None) -> None:
        self.settings = settings
        self.network = network if network is not None else Network()
        self.repo_name = repo
        self._token_var = settings.github_token_var
        self._gh = build_github(settings, network=self.network)
        self._read_slots = threading.BoundedSemaphore(MAX_CONCURRENT_READS)
        self._newest: list[IssueInfo] | None = None
        self._newest_lock = threading.Lock()
        meanwhile(_types)  # the types its answers become: imported while the first reads are out

    def close(self) -> None:
        self._gh.close()

    # -- error translation -----------------------------------------------------------------------------
    @contextmanager
    def errors(self, doing: str) -> Iterator[None]:
        """Translate PyGithub and network errors into FleetopsErrors that say what we were doing."""
        _not_json.seen = None
        try:
            yield
            self._refuse_not_json(doing)
        except FleetopsError:
            self._refuse_not_json(doing)  # e.g. "not a file": an answer that was not JSON explains it better
            raise
        except (AttributeError, KeyError, TypeError):
            # PyGithub reads a body that is not JSON as `{}`: a field it lacks is the symptom, not the cause
            self._refuse_not_json(doing)
            raise
        except BadCredentialsException:
            raise AuthError(
                f"GitHub rejected the token in {self._token_var} (401 Bad credentials) while {doing}.",
                hint=f"Set {self._token_var} to a valid token (a new one if it expired).",
            ) from None
        except RateLimitExceededException as err:
            raise ServiceError(
                f"GitHub's rate limit is exhausted while {doing} ({self._message(err)}).",
                hint="Wait for the reset, or set GH_TOKEN: anonymous calls get 60 per hour.",
            ) from None
        except UnknownObjectException:
            raise NotFound(f"GitHub has no such thing while {doing} (404).") from None
        except GithubException as err:
            status = err.status
            message = self._message(err)
            if status == 401:
                raise AuthError(
                    f"GitHub needs a token to {doing} (401 {message}).",
                    hint="Export GH_TOKEN (or GITHUB_TOKEN) with a token that can write to the repository.",
                ) from None
            if status == 403:
                raise AuthError(
                    f"The token in {self._token_var} may not {doing} (403 {message}).",
                    hint="Use a token with write access to the repository (classic: `repo` scope).",
                ) from None
            raise ServiceError(f"GitHub answered {status} while {doing}: {message}.") from None
        except requests.RequestException as err:
            raise transport_error(err, "GitHub", self.settings.github_api_url, doing, self.settings.retries, timeout=self.settings.timeout) from None

    def _refuse_not_json(self, doing: str) -> None:
        seen, _not_json.seen = getattr(_not_json, "seen", None), None
        if seen:
            raise ServiceError(
                f"GitHub answered with {seen}, not JSON, while {doing}.",
                hint=f"Check GITHUB_API_URL ({self.settings.github_api_url}): a proxy or a sign-in page may answer in GitHub's place.",
            )

    @staticmethod
    def _message(err: GithubException) -> str:
        data = err.data if isinstance(err.data, dict) else {}
        message = str(data.get("message") or err)
        details = [e.get("message") or e.get("code") for e in data.get("errors", []) if isinstance(e, dict)]
        if details:
            message += " (" + "; ".join(str(d) for d in details if d) + ")"
        return redact(message)

    def call(self, doing: str, fn: Callable[[], T]) -> T:
        """Run `fn` (which may page through results) with errors translated."""
        with self.errors(doing):
            return fn()

    # -- objects -----------------------------------------------------------------------------------------
    @cached_property
    def repo(self):  # noqa: ANN201 - a lazy PyGithub Repository (no request until used)
        return self._gh.get_repo(self.repo_name)

    def login(self) -> str | None:
        """The token owner's login, or None without a token (anonymous)."""
        if self.settings.github_token is None:
            return None
        return self.call("reading the token's user", lambda: self._gh.get_user().login)

    # -- milestones ----------------------------------------------------------------------------------------
    def milestones(self, state: str = "open") -> list[Milestone]:
        """Every milestone in `state` (open, closed, all), sorted by due date."""
        return self.call(
            f"listing the {state} milestones of {self.repo_name}",
            lambda: [_milestone(m) for m in self.repo.get_milestones(state=state, sort="due_on", direction="asc")],
        )

    # -- reads for the release rituals ---------------------------------------------------------------------
    # Each method is one GitHub operation (one request, or one list paged at 100), takes one of
    # `_read_slots` (GitHub's secondary limits: few concurrent requests per client), and returns
    # small frozen dataclasses instead of PyGithub objects.
    def _read(self, doing: str, fn: Callable[[], T]) -> T:
        with self._read_slots:
            return self.call(doing, fn)

    def _other_repo(self, full_name: str):  # noqa: ANN202 - a lazy PyGithub Repository
        return self.repo if full_name == self.repo_name else self._gh.get_repo(full_name)

    def default_branch(self) -> str:
        """The repository's default branch."""
        return self._read(f"reading {self.repo_name}", lambda: self.repo.default_branch)

    def commit_sha(self, ref: str) -> str | None:
        """The full hash of a commit, tag (annotated or not), branch or abbreviated hash; None if unknown."""
        with self._read_slots, self.errors(f"looking up {ref} in {self.repo_name}"):
            try:
                # raw_data forces the request: a lazy Commit would echo `ref` back as its sha unchecked.
                return str(self.repo.get_commit(ref).raw_data["sha"])
            except UnknownObjectException:
                return None
            except GithubException as err:
                if err.status == 422:  # "No commit found for SHA: ..." (an unknown or ambiguous hash)
                    return None
                raise

    def file_text(self, path: str, ref: str | None = None, *, repo: str | None = None) -> RepoFile:
        """The text of `path` at `ref` (default branch when None): GET /contents/{path}."""
        full = repo or self.repo_name
        where = f"{path} at {ref}" if ref else path

        def fetch() -> RepoFile:
            content = self._other_repo(full).get_contents(path, **({"ref": ref} if ref else {}))
            if isinstance(content, list) or content.type != "file":
                raise NotFound(f"{path} in {full} is a directory, not a file.")
            data = content.decoded_content
            return _types().RepoFile(repo=full, path=path, ref=ref, data=data, html_url=content.html_url or "")

        return self._read(f"reading {where} in {full}", fetch)

    def latest_release(self, repo: str) -> ReleaseInfo:
        """The newest published, non-prerelease release of `repo`: GET /releases/latest."""
        def fetch() -> ReleaseInfo:
            rel = self._other_repo(repo).get_latest_release()
            return _types().ReleaseInfo(
                repo=repo, tag=rel.tag_name, name=rel.name or rel.tag_name, html_url=rel.html_url,
                published_at=rel.published_at, prerelease=bool(rel.prerelease),
            )

        return self._read(f"reading the latest release of {repo}", fetch)

    def tags_with_prefix(self, prefix: str) -> list[TagRef]:
        """Every tag whose name starts with `prefix`: GET /git/matching-refs/tags/{prefix}, not all tags."""
        def fetch() -> list[TagRef]:
            return [
                _types().TagRef(name=ref.ref.removeprefix("refs/tags/"), sha=ref.object.sha, annotated=ref.object.type == "tag")
                for ref in self.repo.get_git_matching_refs(f"tags/{prefix}")
            ]

        return self._read(f"listing the {prefix}* tags of {self.repo_name}", fetch)

    def compare(self, base: str, head: str) -> Comparison:
        """GET /compare/{base}...{head}, first page only: status, counts, commit shas and files.

        The first page holds up to 250 commits and up to 300 changed files; `complete_commits`
        and `complete_files` tell whether they are all of them.
        """
        def fetch() -> Comparison:
            data = self.repo.compare(base, head).raw_data
            merge_base = data.get("merge_base_commit") or {}
            committer = (merge_base.get("commit") or {}).get("committer") or {}
            return _types().Comparison(
                base=base, head=head, status=data.get("status", ""),
                ahead_by=int(data.get("ahead_by") or 0), behind_by=int(data.get("behind_by") or 0),
                commits=tuple(c["sha"] for c in data.get("commits") or []),
                files=tuple(f["filename"] for f in data.get("files") or []),
                merge_base_sha=merge_base.get("sha"), merge_base_date=_parse_time(committer.get("date")),
                html_url=data.get("html_url", ""),
            )

        return self._read(f"comparing {base[:40]}...{head[:40]} in {self.repo_name}", fetch)

    def _get_pages(self, path: str, parameters: dict[str, object], items: Callable[[object], list[dict]]) -> list[dict]:
        """GET `path` page after page, 100 per page, until a page holds fewer than 100 items."""
        requester = self._gh.requester
        out: list[dict] = []
        page = 1
        while True:
            _, data = requester.requestJsonAndCheck("GET", f"/repos/{self.repo_name}{path}", parameters={**parameters, "per_page": 100, "page": page})
            chunk = items(data)
            out += chunk
            if len(chunk) < 100:
                return out
            page += 1

    def compare_all(self, base: str, head: str) -> BranchComparison:
        """GET /compare/{base}...{head} with every commit of `head` not in `base`, 100 per page, oldest first.

        NotFound when either ref is unknown.
        """
        first: dict = {}

        def commits(data: object) -> list[dict]:
            assert isinstance(data, dict)  # noqa: S101 - the compare API answers an object
            if not first:
                first.update(data)
            return list(data.get("commits") or [])

        def fetch() -> BranchComparison:
            raw = self._get_pages(f"/compare/{quote(base, safe='')}...{quote(head, safe='')}", {}, commits)
            merge_base = first.get("merge_base_commit") or {}
            committer = (merge_base.get("commit") or {}).get("committer") or {}
            return _types().BranchComparison(
                base=base, head=head, ahead_by=int(first.get("ahead_by") or 0),
                merge_base_sha=merge_base.get("sha") or "", merge_base_date=_parse_time(committer.get("date")),
                commits=tuple(_types().CommitInfo(sha=c["sha"], date=_parse_time(((c.get("commit") or {}).get("committer") or {}).get("date")),
                                         message=(c.get("commit") or {}).get("message") or "") for c in raw),
            )

        return self._read(f"comparing {base}...{head} in {self.repo_name}", fetch)

    def pulls(self, *, state: str, base: str | None = None, sort: str = "created", direction: str = "desc",
              until: Callable[[PullSummary], bool] | None = None) -> list[PullSummary]:
        """GET /pulls?state=&base=&sort=&direction=, 100 per page; stops after the page where `until` holds."""

        def fetch() -> list[PullSummary]:
            out: list[PullSummary] = []
            params: dict[str, object] = {"state": state, "sort": sort, "direction": direction, **({"base": base} if base else {})}
            page = 1
            while True:
                _, data = self._gh.requester.requestJsonAndCheck(
                    "GET", f"/repos/{self.repo_name}/pulls", parameters={**params, "per_page": 100, "page": page}
                )
                chunk = [_pull_summary(d) for d in data or []]
                out += chunk
                if len(chunk) < 100 or (until is not None and any(until(p) for p in chunk)):
                    return out
                page += 1

        where = f" into {base}" if base else ""
        return self._read(f"listing the {state} pull requests{where} of {self.repo_name}", fetch)

    def pulls_from(self, head: str, base: str) -> list[PullSummary]:
        """GET /pulls?head=OWNER:HEAD&base=BASE&state=all: the pull requests of a branch into another, newest first."""
        owner = self.repo_name.split("/", 1)[0]

        def fetch() -> list[PullSummary]:
            _, data = self._gh.requester.requestJsonAndCheck(
                "GET", f"/repos/{self.repo_name}/pulls",
                parameters={"head": f"{owner}:{head}", "base": base, "state": "all", "per_page": 100},
            )
            return [_pull_summary(d) for d in data or []]

        return self._read(f"listing the pull requests from {head} into {base} of {self.repo_name}", fetch)

    def create_pull(self, title: str, body: str, *, head: str, base: str) -> PullSummary:
        """POST /pulls (never retried: a re-run finds the pull request by its head and base instead)."""

        def send() -> PullSummary:
            _, data = self._gh.requester.requestJsonAndCheck(
                "POST", f"/repos/{self.repo_name}/pulls", input={"title": title, "body": body, "head": head, "base": base},
            )
            return _pull_summary(data)

        return self.call(f"opening the pull request from {head} into {base} in {self.repo_name}", send)

    def commit_pulls(self, sha: str) -> list[PullSummary]:
        """GET /commits/{sha}/pulls: the pull requests a commit belongs to (every page)."""

        def fetch() -> list[PullSummary]:
            return [_pull_summary(d) for d in self._get_pages(f"/commits/{sha}/pulls", {}, lambda data: list(data or []))]  # type: ignore[arg-type]

        return self._read(f"listing the pull requests of commit {sha[:12]} in {self.repo_name}", fetch)

    def commits_touching(self, path: str, branch: str, since: datetime | None = None) -> list[CommitInfo]:
        """Commits on `branch` that touch `path`, newest first: GET /commits?sha=&path=&since=."""
        kwargs: dict[str, object] = {"sha": branch, "path": path.rstrip("/")}
        if since is not None:
            kwargs["since"] = since

        def fetch() -> list[CommitInfo]:
            out = []
            for commit in self.repo.get_commits(**kwargs):
                git = commit.commit
                out.append(_types().CommitInfo(sha=commit.sha, date=git.committer.date if git.committer else None, message=git.message or ""))
            return out

        return self._read(f"listing the commits touching {path} on {branch}", fetch)

    def label_names(self) -> set[str]:
        """Every label defined in the repository."""
        return self._read(f"listing the labels of {self.repo_name}", lambda: {lb.name for lb in self.repo.get_labels()})

    def variable(self, name: str, *, repo: str | None = None) -> str:
        """An Actions variable's value: GET /actions/variables/{name} (needs collaborator access).

        `repo`: another repository of the same GitHub (cut-rc's fleetdm/confidential). NotFound
        when the repository has no such variable.
        """
        full = repo or self.repo_name
        self._variable_token(name)
        return self._read(f"reading the Actions variable {name} of {full}", lambda: self._other_repo(full).get_variable(name).value)

    def set_variable(self, name: str, value: str, *, repo: str | None = None) -> None:
        """PATCH /actions/variables/{name}: set an existing Actions variable (NotFound when there is none)."""
        full = repo or self.repo_name
        self._variable_token(name)
        target = self._other_repo(full)
        url = f"{target.url}/actions/variables/{quote(name, safe='')}"
        self.call(
            f"setting the Actions variable {name} of {full}",
            lambda: target._requester.requestJsonAndCheck("PATCH", url, input={"name": name, "value": value}),  # noqa: SLF001
        )

    def _variable_token(self, name: str) -> None:
        if self.settings.github_token is None:
            raise AuthError(
                f"the Actions variable {name} needs a GitHub token.",
                hint="Export GH_TOKEN (or GITHUB_TOKEN) with access to the repository's variables.",
            )

    # -- issues: "never a duplicate of an open one" ----------------------------------------------------------
    def open_issues_titled(self, titles: list[str], *, closed_too: bool = False, fresh: bool = False) -> dict[str, list[IssueInfo]]:
        """For each title, the open issues (not PRs) titled exactly so, oldest first.

        One search per title finds an issue however old it is; the newest page of open issues,
        read at the same time, covers the minutes during which a new issue is not searchable yet
        (a re-run right after a create must still see it). 1 + len(titles) requests, concurrent.
        `closed_too`: the search also finds closed issues, listed after the open ones.
        `fresh`: the look right before a create, after the plan's: only the newest page is read again.
        An issue opened since the plan is on it, and not searchable yet; the search would only repeat
        the plan's answer, on GitHub's stricter search limit.
        """
        if fresh:
            with self._newest_lock:
                self._newest = None
        wanted = list(dict.fromkeys(t.strip() for t in titles))
        state = "" if closed_too else " is:open"

        def searched(title: str) -> Callable[[], list[IssueInfo]]:
            query = f'repo:{self.repo_name} is:issue{state} in:title "{title.replace(chr(34), " ")}"'
            return lambda: self._read(
                f"searching {self.repo_name} for the issue {title!r}",
                lambda: [_issue(i) for i in self._gh.search_issues(query).get_page(0)],
            )

        tasks: dict[str, Callable[[], list[IssueInfo]]] = {} if fresh else {f"search:{t}": searched(t) for t in wanted}
        tasks["newest"] = self._newest_open_issues
        results = gather(tasks)
        candidates = [issue for found in results.values() for issue in found]
        out: dict[str, list[IssueInfo]] = {}
        for title in wanted:
            matching = {i.number: i for i in candidates if i.title.strip() == title and (closed_too or i.state == "open")}
            out[title] = sorted(matching.values(), key=lambda i: (i.state != "open", i.number))
        return out

    def _newest_open_issues(self) -> list[IssueInfo]:
        """The newest page of open issues, read once per run until this client creates an issue.

        Several plans of one command (check-deps files the fleetd QA issue too) ask for it;
        a create clears it, so a later look sees what was just created.
        """
        with self._newest_lock:
            if self._newest is None:

                def newest() -> list[IssueInfo]:
                    page = self.repo.get_issues(state="open", sort="created", direction="desc").get_page(0)
                    return [_issue(i) for i in page if "pull_request" not in _raw(i)]

                self._newest = self._read(f"listing the newest open issues of {self.repo_name}", newest)
            return self._newest

    def create_issue(self, title: str, body: str, *, labels: list[str], assignees: list[str]) -> IssueInfo:
        """POST /issues (never retried: a re-run finds the issue by its title instead)."""
        with self._newest_lock:
            self._newest = None
        return self.call(
            f"creating the issue {title!r} in {self.repo_name}",
            lambda: _issue(self.repo.create_issue(title=title, body=body, labels=labels, assignees=assignees)),
        )

    # -- pull requests (freeze allow-pr) ---------------------------------------------------------------------
    # `get_pull` is lazy: the PR, its files and its reviews are three independent requests that
    # can run at the same time; `raw_data` completes the PR itself with one GET.
    def pull_request(self, number: int) -> PullInfo:
        """GET /pulls/{n}; NotFound when the repository has no such pull request."""
        def read() -> PullInfo:
            data = self.repo.get_pull(number).raw_data
            return _types().PullInfo(
                number=int(data["number"]),
                title=data.get("title") or "",
                url=data.get("html_url") or "",
                state=data.get("state") or "",
                merged=bool(data.get("merged") or data.get("merged_at")),
                draft=bool(data.get("draft")),
                base=(data.get("base") or {}).get("ref") or "",
                head=(data.get("head") or {}).get("ref") or "",
                head_sha=(data.get("head") or {}).get("sha") or "",
                body=data.get("body") or "",
                labels=tuple(lb["name"] for lb in data.get("labels") or []),
                author=(data.get("user") or {}).get("login") or "",
                changed_files=int(data.get("changed_files") or 0),
                merge_commit_sha=data.get("merge_commit_sha") if data.get("merged") or data.get("merged_at") else None,
            )

        return self._read(f"reading pull request #{number} of {self.repo_name}", read)

    def pull_files(self, number: int) -> list[FileChange]:
        """GET /pulls/{n}/files, every page (GitHub lists at most 3000 files)."""
        def read() -> list[FileChange]:
            return [
                _types().FileChange(path=f.filename, status=f.status, previous_path=_raw(f).get("previous_filename"))
                for f in self.repo.get_pull(number).get_files()
            ]

        return self._read(f"listing the files of pull request #{number} of {self.repo_name}", read)

    def pull_reviews(self, number: int) -> list[ReviewInfo]:
        """GET /pulls/{n}/reviews, every page, oldest first (reviews by deleted accounts are left out)."""
        def read() -> list[ReviewInfo]:
            out = []
            for review in self.repo.get_pull(number).get_reviews():
                raw = _raw(review)
                login = (raw.get("user") or {}).get("login")
                if login:
                    out.append(
                        _types().ReviewInfo(reviewer=login, state=str(raw.get("state") or ""), commit_id=raw.get("commit_id"),
                                   submitted_at=_parse_time(raw.get("submitted_at")))
                    )
            return out

        return self._read(f"listing the reviews of pull request #{number} of {self.repo_name}", read)

    def issue(self, number: int) -> IssueInfo | None:
        """GET /issues/{n}: an issue or a pull request (`is_pull_request`); None when there is none."""
        def read() -> IssueInfo:
            raw = self.repo.get_issue(number).raw_data
            return _types().IssueInfo(
                number=int(raw["number"]), title=raw.get("title") or "", state=raw.get("state") or "",
                url=raw.get("html_url") or "", labels=tuple(lb["name"] for lb in raw.get("labels") or []),
                assignees=tuple(a["login"] for a in raw.get("assignees") or []),
                is_pull_request=bool(raw.get("pull_request")),
            )

        try:
            return self._read(f"reading issue #{number} of {self.repo_name}", read)
        except NotFound:
            return None

    # -- Actions workflows (deploy-dogfood) ---------------------------------------------------------------------
    # Dispatching is a POST and is never retried (a retried dispatch could start a second deploy):
    # the ops module looks for a run in progress before it dispatches instead.
    def workflow(self, id_or_file: str | int) -> Workflow:
        """A workflow by numeric id or file name (dogfood-deploy.yml)."""
        def read() -> Workflow:
            wf = self.repo.get_workflow(id_or_file)
            return _types().Workflow(id=wf.id, name=wf.name, path=wf.path, state=wf.state, html_url=wf.html_url)

        return self._read(f"reading the workflow {id_or_file} of {self.repo_name}", read)

    def workflow_runs(
        self, workflow_id: int | str, *, branch: str | None = None, event: str | None = None, created: str | None = None
    ) -> list[WorkflowRun]:
        """The newest runs of a workflow: the first page only (up to 100, newest first)."""
        from github.GithubObject import NotSet

        def read() -> list[WorkflowRun]:
            runs = self.repo.get_workflow(workflow_id).get_runs(
                branch=branch or NotSet, event=event or NotSet, created=created or NotSet
            )
            return [_workflow_run(r) for r in runs.get_page(0)]

        return self._read(f"listing the runs of workflow {workflow_id} in {self.repo_name}", read)

    def workflow_run(self, run_id: int) -> WorkflowRun:
        """One run as it is now (one request per call)."""
        return self._read(
            f"reading workflow run {run_id} of {self.repo_name}", lambda: _workflow_run(self.repo.get_workflow_run(run_id))
        )

    @property
    def enterprise(self) -> bool:
        """GitHub Enterprise Server: its REST API is at `https://HOST/api/v3`."""
        return self.settings.github_api_url.rstrip("/").endswith("/api/v3")

    def dispatch(self, workflow_id: int, ref: str, inputs: dict[str, str]) -> DispatchResult:
        """Start a workflow_dispatch run; errors raise (PyGithub's default, throw=False, hides them).

        The run's id and page come back where GitHub can say (`return_run_details`, github.com's
        since 2026); GitHub Enterprise Server answers 204 without them, so it is not asked there.
        """
        def send() -> DispatchResult:
            wf = self.repo.get_workflow(workflow_id)
            result = wf.create_dispatch(ref, inputs, throw=True, return_run_details=not self.enterprise)
            if isinstance(result, bool):  # 204: GitHub Enterprise, or details not asked for
                return _types().DispatchResult(run_id=None)
            return _types().DispatchResult(run_id=result.id, html_url=result.html_url)

        return self.call(f"dispatching workflow {workflow_id} on {ref} in {self.repo_name}", send)

    # -- conclude-milestone: milestone edits, refs and branches --------------------------------------------
    # A milestone is edited through a lazy PyGithub object (one PATCH, no GET first). PyGithub's
    # `edit` requires the title and sends it every time, so callers pass the title the milestone
    # must have afterwards: closing with a stale title would rename it back.
    def edit_milestone(self, number: int, title: str, *, state: str | None = None, description: str | None = None) -> Milestone:
        """PATCH milestone `number`: set its title and, if given, its state and description."""
        kwargs: dict[str, str] = {}
        if state is not None:
            kwargs["state"] = state
        if description is not None:
            kwargs["description"] = description

        def edit() -> Milestone:
            ms = self.repo.get_milestone(number)
            ms.edit(title, **kwargs)
            return _milestone(ms)

        return self.call(f"editing milestone {title!r} (#{number}) of {self.repo_name}", edit)

    def issue_body(self, number: int) -> str:
        """GET /issues/{n}: the issue's body now (cut-rc re-reads its markers just before Slack)."""
        return self._read(f"reading issue #{number} of {self.repo_name}", lambda: str(self.repo.get_issue(number).raw_data.get("body") or ""))

    def edit_issue_body(self, number: int, body: str) -> None:
        """PATCH /issues/{n} with its new body (one request: the lazy issue sends no GET first)."""
        self.call(f"editing issue #{number} of {self.repo_name}", lambda: self.repo.get_issue(number).edit(body=body))

    def create_milestone(self, title: str, *, due_on: date | None, description: str = "") -> Milestone | None:
        """Create an open milestone; None when one with that title exists already (GitHub's 422)."""
        kwargs: dict[str, object] = {"state": "open", "description": description}
        if due_on is not None:
            kwargs["due_on"] = due_on  # a date: PyGithub sends midnight UTC of that day
        try:
            return self.call(
                f"creating milestone {title!r} in {self.repo_name}",
                lambda: _milestone(self.repo.create_milestone(title, **kwargs)),
            )
        except ServiceError as err:
            if "already_exists" in str(err):
                return None
            raise

    def ref(self, ref: str) -> tuple[str, str] | None:
        """(sha, object type) of `ref` ("tags/x", "heads/y"), or None when it does not exist."""

        def read() -> tuple[str, str]:
            git_ref = self.repo.get_git_ref(ref)
            return git_ref.object.sha, git_ref.object.type

        try:
            return self.call(f"reading ref {ref} of {self.repo_name}", read)
        except NotFound:
            return None

    def create_branch(self, name: str, sha: str) -> bool:
        """Create branch `name` at commit `sha`; False when the branch exists already (GitHub's 422)."""
        try:
            self.call(f"creating branch {name} in {self.repo_name}", lambda: self.repo.create_git_ref(f"refs/heads/{name}", sha))
        except ServiceError as err:
            if "Reference already exists" in str(err):
                return False
            raise
        return True

    # -- release tag / publish: tags, the release workflow's runs, releases and their assets ----------------
    def create_tag(self, name: str, sha: str) -> bool:
        """POST /git/refs for `tags/{name}` at commit `sha` (never retried); False when the tag exists (422)."""
        try:
            self.call(f"creating tag {name} in {self.repo_name}", lambda: self.repo.create_git_ref(f"refs/tags/{name}", sha))
        except ServiceError as err:
            if "Reference already exists" in str(err):
                return False
            raise
        return True

    def runs_of_commit(self, workflow: str, head_sha: str) -> list[WorkflowRun]:
        """The runs of `workflow` for commit `head_sha`, newest first (one request: the first page of 100)."""

        def read() -> list[WorkflowRun]:
            runs = self.repo.get_workflow(workflow).get_runs(head_sha=head_sha)
            return [_workflow_run(r) for r in runs.get_page(0)]

        return self._read(f"listing the runs of {workflow} for {head_sha[:12]} in {self.repo_name}", read)

    def releases(self) -> list[Release]:
        """Every release, drafts included for a token that may push, newest first (paged at 100)."""
        return self._read(f"listing the releases of {self.repo_name}", lambda: [_release(_raw(r)) for r in self.repo.get_releases()])

    def release(self, release_id: int) -> Release:
        """GET /releases/{id}: one release as it is now."""
        return self._read(f"reading release {release_id} of {self.repo_name}", lambda: _release(self.repo.get_release(release_id).raw_data))

    def asset_text(self, release: Release, name: str) -> str:
        """The text of a release's asset (GET /releases/assets/{id} as application/octet-stream)."""

        def read() -> str:
            url = f"/repos/{self.repo_name}/releases/assets/{release.asset(name).id}"  # type: ignore[union-attr]
            _status, _headers, chunks = self._gh.requester.getStream(url, chunk_size=65536)
            data = b"".join(chunks)
            _not_json.seen = None  # asked for application/octet-stream: bytes are the right answer here
            return data.decode("utf-8", errors="replace")

        return self._read(f"downloading {name} of release {release.tag}", read)

    def edit_release(self, release: Release, *, name: str, body: str, draft: bool, make_latest: str | None = None) -> Release:
        """PATCH /releases/{id}: its title, body, draft state and, when publishing, make_latest (true/false)."""
        fields: dict[str, object] = {"name": name, "body": body, "draft": draft}
        if make_latest is not None:
            fields["make_latest"] = make_latest

        def edit() -> Release:
            # One PATCH (PyGithub's update_release needs a GitRelease read first, and sends tag_name too).
            _, data = self._gh.requester.requestJsonAndCheck("PATCH", f"/repos/{self.repo_name}/releases/{release.id}", input=fields)
            return _release(data)

        return self.call(f"editing release {release.tag} of {self.repo_name}", edit)

    # -- handbook rituals (fleetops rituals ...): several repositories of one owner -------------------------
    def labels_of(self, full_name: str) -> set[str]:
        """Every label defined in `full_name` (paged at 100)."""
        return self._read(f"listing the labels of {full_name}", lambda: {lb.name for lb in self._other_repo(full_name).get_labels()})

    def user_exists(self, login: str) -> bool:
        """GET /users/{login}: whether GitHub has such a user."""
        try:
            self._read(f"looking up the GitHub user {login}", lambda: self._gh.get_user(login).raw_data)
        except NotFound:
            return False
        return True

    def search_issue_bodies(self, query: str) -> list[BodyIssue]:
        """Every issue a search finds (all pages of 100), with its body."""

        def read() -> list[BodyIssue]:
            return [_body_issue(i) for i in self._gh.search_issues(query)]

        return self._read(f"searching issues for {query!r}", read)

    def newest_issues(self, full_name: str) -> list[BodyIssue]:
        """The newest page (100) of issues of `full_name`, open or closed, with their bodies.

        A new issue is not searchable for a while; this covers a re-run made right after a create.
        """

        def read() -> list[BodyIssue]:
            page = self._other_repo(full_name).get_issues(state="all", sort="created", direction="desc").get_page(0)
            return [_body_issue(i) for i in page if "pull_request" not in _raw(i)]

        return self._read(f"listing the newest issues of {full_name}", read)

    def create_issue_in(self, full_name: str, title: str, body: str, *, labels: list[str], assignees: list[str]) -> BodyIssue:
        """POST /repos/{full_name}/issues (never retried: a re-run finds the issue by its marker)."""
        return self.call(
            f"creating the issue {title!r} in {full_name}",
            lambda: _body_issue(self._other_repo(full_name).create_issue(title=title, body=body, labels=labels, assignees=assignees)),
        )


# -- instrumentation: count every attempt, share the TLS context -------------------------------------------------
def _meter(requester, network: Network, *, https: bool) -> None:  # noqa: ANN001 - a PyGithub Requester
    """Make PyGithub send through urllib3 connections that count every attempt in `network.costs`.

    PyGithub builds its one `requests.Session` lazily from the Requester's connection class
    (`HTTP(S)RequestsConnectionClass`, the seam its own test suite replaces). Ours mounts an
    `HTTPAdapter` whose urllib3 pools make metered connections: `request` + `getresponse` is one
    attempt on the wire, so urllib3's retries (GithubRetry) are counted one by one, with the
    status and the `X-RateLimit-*` headers of each. The adapter hands urllib3 the run's one
    `TrustContext` instead of the CA bundle's path, which urllib3 would load per connection.
    Only this Requester is changed (not PyGithub's class-wide `injectConnectionClasses`).
    """
    attribute = "_Requester__connectionClass"
    if not hasattr(requester, attribute):  # pragma: no cover - a PyGithub without the seam (pinned <3)
        raise RuntimeError("this PyGithub has no Requester connection class to meter; check the version pin")
    setattr(requester, attribute, _connection_classes(network)[1 if https else 0])


def _connection_classes(network: Network) -> tuple[type, type]:
    import requests.adapters
    from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    costs = network.costs

    class Metered:
        _fleetops_sent: tuple[str, str, float] | None = None

        def request(self, method, url, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            self._fleetops_sent = (method, url, time.monotonic())
            return super().request(method, url, *args, **kwargs)

        def getresponse(self):  # noqa: ANN202
            method, url, started = self._fleetops_sent or ("?", "", time.monotonic())
            self._fleetops_sent = None
            scheme = "https" if isinstance(self, HTTPSConnection) else "http"
            where = url if "://" in url else f"{scheme}://{self.host}:{self.port}{url}"
            try:
                response = super().getresponse()
            except Exception as err:
                costs.count("github", method, where, type(err).__name__, (time.monotonic() - started) * 1000)
                raise
            costs.count("github", method, where, response.status, (time.monotonic() - started) * 1000, response.headers)
            _note_answer(response.status, response.headers)
            return response

    class MeteredHTTPConnection(Metered, HTTPConnection):
        pass

    class MeteredHTTPSConnection(Metered, HTTPSConnection):
        pass

    class MeteredHTTPPool(HTTPConnectionPool):
        ConnectionCls = MeteredHTTPConnection

    class MeteredHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = MeteredHTTPSConnection

    class Adapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):  # noqa: ANN001, ANN003, ANN202
            pool_kwargs.setdefault("ssl_context", network.ssl_context)
            super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": MeteredHTTPPool, "https": MeteredHTTPSPool}

        def cert_verify(self, conn, url, verify, cert):  # noqa: ANN001, ANN202
            super().cert_verify(conn, url, verify, cert)
            if verify is True:  # the shared context holds the CAs: no bundle path to load per connection
                conn.ca_certs = None
                conn.ca_cert_dir = None

    def mount(connection, scheme: str) -> None:  # noqa: ANN001
        connection.adapter = Adapter(max_retries=connection.retry, pool_connections=connection.pool_size, pool_maxsize=connection.pool_size)
        connection.session.mount(f"{scheme}://", connection.adapter)

    class PerThread:
        """PyGithub's connection keeps the verb, URL and body of `request()` on itself until
        `getresponse()` sends them, and a Requester has one connection for every thread: two
        concurrent reads could each send the other's request and get its answer. Here each
        thread keeps its own pending request; the session's urllib3 pool is thread-safe."""

        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            super().__init__(*args, **kwargs)
            self._pending = threading.local()

        def request(self, verb, url, input, headers, stream=False) -> None:  # noqa: A002, ANN001
            self._pending.sent = (verb, url, input, headers)

        def getresponse(self):  # noqa: ANN202
            from github.Requester import RequestsResponse

            verb, url, body, headers = self._pending.sent
            self._pending.sent = None
            send = getattr(self.session, verb.lower())
            answer = send(
                f"{self.protocol}://{self.host}:{self.port}{url}", headers=headers, data=body,
                timeout=self.timeout, verify=self.verify, allow_redirects=False,
            )
            return RequestsResponse(answer)

    class MeteredHTTP(PerThread, HTTPRequestsConnectionClass):
        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            super().__init__(*args, **kwargs)
            mount(self, "http")

    class MeteredHTTPS(PerThread, HTTPSRequestsConnectionClass):
        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            super().__init__(*args, **kwargs)
            mount(self, "https")

    return MeteredHTTP, MeteredHTTPS


def _pull_summary(data: dict) -> PullSummary:
    return _types().PullSummary(
        number=int(data["number"]), title=data.get("title") or "", url=data.get("html_url") or "", state=data.get("state") or "",
        base=(data.get("base") or {}).get("ref") or "", body=data.get("body") or "", merged_at=_parse_time(data.get("merged_at")),
        merge_commit_sha=data.get("merge_commit_sha"), updated_at=_parse_time(data.get("updated_at")),
    )


def _raw(obj) -> dict:  # noqa: ANN001 - a PyGithub object from a list
    """The JSON a listed object was built from. `obj.raw_data` (or reading an attribute the list
    left out, like an issue's `pull_request`) would send one GET per object to complete it."""
    return GithubObject.raw_data.fget(obj)  # type: ignore[attr-defined]


def _issue(issue) -> IssueInfo:  # noqa: ANN001 - a PyGithub Issue
    return _types().IssueInfo(
        number=issue.number,
        title=issue.title,
        state=issue.state,
        url=issue.html_url,
        labels=tuple(label.name for label in issue.labels),
        assignees=tuple(user.login for user in issue.assignees),
        body=str(_raw(issue).get("body") or ""),
    )


def _body_issue(issue) -> BodyIssue:  # noqa: ANN001 - a PyGithub Issue from a list or a create
    raw = _raw(issue)
    repo_url = str(raw.get("repository_url") or "")
    repo = "/".join(repo_url.rstrip("/").split("/")[-2:]) if repo_url else ""
    return _types().BodyIssue(repo=repo, number=int(raw["number"]), title=raw.get("title") or "", state=raw.get("state") or "",
                     url=raw.get("html_url") or "", body=raw.get("body") or "")


def _workflow_run(run) -> WorkflowRun:  # noqa: ANN001 - a PyGithub WorkflowRun
    raw = _raw(run)
    return _types().WorkflowRun(
        id=run.id,
        status=run.status,
        conclusion=run.conclusion,
        html_url=run.html_url,
        created_at=run.created_at,
        event=run.event,
        head_branch=run.head_branch,
        head_sha=raw.get("head_sha"),
        attempt=int(raw.get("run_attempt") or 1),
    )


def _release(raw: dict) -> Release:
    """A release from its JSON (a list item, a GET or a PATCH answer)."""
    assets = tuple(_types().ReleaseAsset(id=int(a["id"]), name=str(a["name"])) for a in raw.get("assets") or [])
    return _types().Release(
        id=int(raw["id"]), tag=str(raw["tag_name"]), name=str(raw.get("name") or ""), body=str(raw.get("body") or ""),
        draft=bool(raw.get("draft")), prerelease=bool(raw.get("prerelease")), html_url=str(raw.get("html_url") or ""), assets=assets,
    )


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def workflow_dispatch_inputs(text: str) -> dict[str, dict[str, object]] | None:
    """The inputs a workflow file declares for `workflow_dispatch`; None if it has no such trigger.

    YAML 1.1 reads the key `on` as the boolean True, so both spellings are looked up. `on` may
    also be a string or a list of event names (a trigger without inputs).
    """
    import yaml

    try:  # libyaml's safe loader when PyYAML has it (about ten times faster), else the pure-Python one
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return None
    if not isinstance(doc, dict):
        return None
    on = doc.get("on", doc.get(True))
    if isinstance(on, str):
        return {} if on == "workflow_dispatch" else None
    if isinstance(on, list):
        return {} if "workflow_dispatch" in on else None
    if not isinstance(on, dict) or "workflow_dispatch" not in on:
        return None
    trigger = on.get("workflow_dispatch") or {}
    inputs = trigger.get("inputs") if isinstance(trigger, dict) else None
    if not isinstance(inputs, dict):
        return {}
    return {str(name): (spec if isinstance(spec, dict) else {}) for name, spec in inputs.items()}
