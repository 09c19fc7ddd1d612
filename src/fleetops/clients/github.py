"""GitHub through PyGithub: a thin, typed layer that returns small dataclasses, not PyGithub objects.

Imported lazily (only when a command talks to GitHub), so `fleetops --help` stays fast.
Retries are PyGithub's `GithubRetry` (rate limits, `Retry-After`, 5xx with backoff); POST is
not retried, because a create that failed after GitHub processed it would be duplicated; the
re-run of a command finds what exists and skips it instead. Writes are paced at
`settings.github_write_interval` (about one per second, as GitHub asks); lists are paged at 100.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TypeVar

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import (
    BadCredentialsException,
    RateLimitExceededException,
    UnknownObjectException,
)

from fleetops.concurrency import gather
from fleetops.errors import AuthError, NotFound, ServiceError
from fleetops.redaction import redact
from fleetops.settings import Settings

T = TypeVar("T")

# GitHub's core rate limit resets hourly; waiting longer than this is worse than failing clearly.
MAX_RATE_LIMIT_WAIT = 300


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


class GitHubClient:
    """One repository on one GitHub (github.com or Enterprise), as fleetops needs it."""

    service = "GitHub"

    def __init__(self, settings: Settings, repo: str) -> None:
        self.settings = settings
        self.repo_name = repo
        self._token_var = settings.github_token_var
        token = settings.github_token.get_secret_value() if settings.github_token else None
        retry = GithubRetry(
            total=settings.retries,
            backoff_factor=settings.retry_backoff,
            status_forcelist=[429, *range(500, 600)],
            allowed_methods={"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"},
            max_rate_limit_wait=MAX_RATE_LIMIT_WAIT,
        )
        self._gh = Github(
            base_url=settings.github_api_url,
            auth=Auth.Token(token) if token else None,
            timeout=max(1, int(settings.timeout)),
            per_page=100,
            retry=retry,
            seconds_between_requests=None,
            seconds_between_writes=settings.github_write_interval or None,
            lazy=True,  # objects fetch on first use: no request for the repository itself
        )

    def close(self) -> None:
        self._gh.close()

    # -- error translation -----------------------------------------------------------------------------
    @contextmanager
    def errors(self, doing: str) -> Iterator[None]:
        """Translate PyGithub and network errors into FleetopsErrors that say what we were doing."""
        try:
            yield
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
        except requests.exceptions.RetryError as err:  # a status retried until the retries ran out
            status = re.search(r"too many (\d+) error responses", str(err))
            raise ServiceError(
                f"GitHub answered {status[1] if status else 'errors'} while {doing}, "
                f"{self.settings.retries} retries included.",
                hint="GitHub may be having an incident (https://www.githubstatus.com); re-run later.",
            ) from None
        except requests.RequestException as err:
            raise ServiceError(
                f"cannot reach GitHub at {self.settings.github_api_url} while {doing}: {redact(str(err))[:200]}.",
                hint="Check the network and GITHUB_API_URL.",
            ) from None

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

    # -- deploy-dogfood: commits, compare, Actions workflows and runs -----------------------------------
    # Used by `release deploy-dogfood` (ops/dogfood.py); the dataclasses are at the end of the module.
    # Dispatching is a POST and is never retried (a retried dispatch could start a second deploy):
    # the ops module looks for a run in progress before it dispatches instead.
    def default_branch(self) -> str:
        """The repository's default branch (where deploys are dispatched)."""
        return self.call(f"reading {self.repo_name}", lambda: self.repo.default_branch)

    def commit_sha(self, ref: str) -> str | None:
        """The full hash of a commit, tag or abbreviated hash; None if the repository has none."""
        with self.errors(f"looking up {ref} in {self.repo_name}"):
            try:
                # raw_data forces the request: a lazy Commit would echo `ref` back as its sha unchecked.
                return str(self.repo.get_commit(ref).raw_data["sha"])
            except UnknownObjectException:
                return None
            except GithubException as err:
                if err.status == 422:  # "No commit found for SHA: ..." (an unknown or ambiguous hash)
                    return None
                raise

    def compare(self, base: str, head: str) -> Comparison:
        """How `head` relates to `base` (one request; the commit list is not paged through)."""

        def read() -> Comparison:
            cmp = self.repo.compare(base, head)
            return Comparison(base, head, cmp.status, cmp.ahead_by, cmp.behind_by, cmp.html_url)

        return self.call(f"comparing {base[:12]}...{head[:12]} in {self.repo_name}", read)

    def workflow(self, id_or_file: str | int) -> Workflow:
        """A workflow by numeric id or file name (dogfood-deploy.yml)."""

        def read() -> Workflow:
            wf = self.repo.get_workflow(id_or_file)
            return Workflow(id=wf.id, name=wf.name, path=wf.path, state=wf.state, html_url=wf.html_url)

        return self.call(f"reading the workflow {id_or_file} of {self.repo_name}", read)

    def file_text(self, path: str, ref: str) -> str:
        """A text file's content at `ref`."""
        return self.call(
            f"reading {path} at {ref} in {self.repo_name}",
            lambda: self.repo.get_contents(path, ref=ref).decoded_content.decode("utf-8", errors="replace"),
        )

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

        return self.call(f"listing the runs of workflow {workflow_id} in {self.repo_name}", read)

    def workflow_run(self, run_id: int) -> WorkflowRun:
        """One run as it is now (one request per call)."""
        return self.call(
            f"reading workflow run {run_id} of {self.repo_name}", lambda: _workflow_run(self.repo.get_workflow_run(run_id))
        )

    def dispatch(self, workflow_id: int, ref: str, inputs: dict[str, str], *, return_run_details: bool) -> DispatchResult:
        """Start a workflow_dispatch run; errors raise (PyGithub's default, throw=False, hides them)."""

        def send() -> DispatchResult:
            wf = self.repo.get_workflow(workflow_id)
            result = wf.create_dispatch(ref, inputs, throw=True, return_run_details=return_run_details)
            if isinstance(result, bool):  # 204: GitHub Enterprise, or details not asked for
                return DispatchResult(run_id=None)
            return DispatchResult(run_id=result.id, html_url=result.html_url)

        return self.call(f"dispatching workflow {workflow_id} on {ref} in {self.repo_name}", send)

    # -- issue templates, issues by title, labels, tags and commits (create-qa-issue, fleetd changes) ---------
    # Used by ops/qa_issue.py and ops/fleetd.py. Each method is one read (or one write) that
    # returns plain dataclasses; "no request twice" is the caller's business (it reads once).
    def file_bytes(self, path: str, ref: str) -> bytes:
        """The content of the file `path` at `ref` (NotFound when there is no such file)."""

        def read() -> bytes:
            content = self.repo.get_contents(path, ref=ref)
            if isinstance(content, list) or content.type != "file":
                raise NotFound(f"{path} at {ref} in {self.repo_name} is a directory, not a file.")
            return content.decoded_content

        return self.call(f"reading {path} at {ref} in {self.repo_name}", read)

    def issues_titled(self, title: str, *, state: str = "open") -> list[IssueRef]:
        """Issues (not PRs) in `state` whose title is exactly `title`, oldest first.

        Two reads, made at once: the search API finds the issue however old it is, and the
        newest page of issues covers the minutes during which a new issue is not searchable yet
        (a re-run right after a create must still see it).
        """
        phrase = title.replace('"', " ")
        query = f'repo:{self.repo_name} is:issue is:{state} in:title "{phrase}"'
        found: dict[int, IssueRef] = {}

        def searched() -> list[IssueRef]:
            return [_issue_ref(i) for i in self._gh.search_issues(query).get_page(0)]

        def newest() -> list[IssueRef]:
            page = self.repo.get_issues(state=state, sort="created", direction="desc").get_page(0)
            # `pull_request` is absent from plain issues, and reading an absent attribute of a
            # listed PyGithub object fetches the whole issue again: look at the listed data instead.
            return [_issue_ref(i) for i in page if "pull_request" not in i._rawData]

        results = gather(
            {
                "search": lambda: self.call(f"searching {self.repo_name} for the issue {title!r}", searched),
                "newest": lambda: self.call(f"listing the newest {state} issues of {self.repo_name}", newest),
            }
        )
        for ref in [*results["search"], *results["newest"]]:
            if ref.title.strip() == title.strip() and ref.state == state:
                found[ref.number] = ref
        return [found[n] for n in sorted(found)]

    def label_names(self) -> set[str]:
        """Every label defined in the repository."""
        return self.call(f"listing the labels of {self.repo_name}", lambda: {lb.name for lb in self.repo.get_labels()})

    def create_issue(self, title: str, body: str, *, labels: list[str], assignees: list[str]) -> IssueRef:
        """One POST; not retried (see the module docstring): a re-run finds the issue instead."""
        return self.call(
            f"creating the issue {title!r} in {self.repo_name}",
            lambda: _issue_ref(self.repo.create_issue(title, body=body, labels=labels, assignees=assignees)),
        )

    def tags_with_prefix(self, prefix: str) -> list[TagRef]:
        """Tags whose name starts with `prefix` (one matching-refs list; annotated tags not dereferenced)."""

        def read() -> list[TagRef]:
            refs = self.repo.get_git_matching_refs(f"tags/{prefix}")
            return [TagRef(name=r.ref.removeprefix("refs/tags/"), sha=r.object.sha) for r in refs]

        return self.call(f"listing the tags {prefix}* of {self.repo_name}", read)

    def ahead(self, base: str, head: str) -> Ahead:
        """How far `head` is ahead of `base`, and `base`'s commit (first page of the compare only)."""

        def read() -> Ahead:
            comparison = self.repo.compare(base, head)
            commit = comparison.base_commit
            return Ahead(base_sha=commit.sha, base_date=commit.commit.committer.date, ahead_by=comparison.ahead_by)

        return self.call(f"comparing {base}...{head} in {self.repo_name}", read)

    def commits_touching(self, path: str, ref: str, since: datetime) -> list[str]:
        """Shas of the commits reachable from `ref` that touch `path`, committed at or after `since`."""
        return self.call(
            f"listing the commits of {path} since {since:%Y-%m-%d} in {self.repo_name}",
            lambda: [c.sha for c in self.repo.get_commits(sha=ref, path=path, since=since)],
        )


# -- deploy-dogfood: the small types its GitHubClient methods return -----------------------------------


@dataclass(frozen=True)
class Comparison:
    """How `head` relates to `base` by git ancestry (GitHub's compare API)."""

    base: str
    head: str
    status: str  # ahead (head is newer), behind, diverged, identical
    ahead_by: int
    behind_by: int
    html_url: str | None = None


@dataclass(frozen=True)
class Workflow:
    id: int
    name: str
    path: str  # .github/workflows/dogfood-deploy.yml
    state: str  # active, disabled_manually, ...
    html_url: str


@dataclass(frozen=True)
class WorkflowRun:
    id: int
    status: str | None  # queued, in_progress, completed, waiting, requested, pending
    conclusion: str | None  # success, failure, cancelled, ... once completed
    html_url: str
    created_at: datetime | None = None
    event: str | None = None
    head_branch: str | None = None

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "url": self.html_url, "status": self.status, "conclusion": self.conclusion}


@dataclass(frozen=True)
class DispatchResult:
    """What a dispatch answered: the run's id and page when GitHub returns them (github.com)."""

    run_id: int | None
    html_url: str | None = None


def _workflow_run(run) -> WorkflowRun:  # noqa: ANN001 - a PyGithub WorkflowRun
    return WorkflowRun(
        id=run.id,
        status=run.status,
        conclusion=run.conclusion,
        html_url=run.html_url,
        created_at=run.created_at,
        event=run.event,
        head_branch=run.head_branch,
    )


def workflow_dispatch_inputs(text: str) -> dict[str, dict[str, object]] | None:
    """The inputs a workflow file declares for `workflow_dispatch`; None if it has no such trigger.

    YAML 1.1 reads the key `on` as the boolean True, so both spellings are looked up. `on` may
    also be a string or a list of event names (a trigger without inputs).
    """
    import yaml

    try:
        doc = yaml.safe_load(text)
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


@dataclass(frozen=True)
class IssueRef:
    """An issue as the QA commands need it."""

    number: int
    title: str
    state: str
    url: str
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "url": self.url, "title": self.title}


def _issue_ref(issue) -> IssueRef:  # noqa: ANN001 - a PyGithub Issue
    return IssueRef(
        number=issue.number,
        title=issue.title,
        state=issue.state,
        url=issue.html_url,
        labels=tuple(lb.name for lb in issue.labels),
        assignees=tuple(a.login for a in issue.assignees),
    )


@dataclass(frozen=True)
class TagRef:
    name: str
    sha: str  # the ref's object: a commit, or a tag object for an annotated tag


@dataclass(frozen=True)
class Ahead:
    base_sha: str  # the commit `base` resolves to
    base_date: datetime
    ahead_by: int
