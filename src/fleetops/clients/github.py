"""GitHub through PyGithub: a thin, typed layer that returns small dataclasses, not PyGithub objects.

Imported lazily (only when a command talks to GitHub), so `fleetops --help` stays fast.
Retries are PyGithub's `GithubRetry` (rate limits, `Retry-After`, 5xx with backoff); POST is
not retried, because a create that failed after GitHub processed it would be duplicated; the
re-run of a command finds what exists and skips it instead. Writes are paced at
`settings.github_write_interval` (about one per second, as GitHub asks); lists are paged at 100.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import TypeVar

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import (
    BadCredentialsException,
    RateLimitExceededException,
    UnknownObjectException,
)

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

    def tag_target(self, tag_sha: str) -> str:
        """The commit an annotated tag object points to."""
        return self.call(f"reading tag object {tag_sha[:12]} of {self.repo_name}", lambda: self.repo.get_git_tag(tag_sha).object.sha)

    def create_branch(self, name: str, sha: str) -> bool:
        """Create branch `name` at commit `sha`; False when the branch exists already (GitHub's 422)."""
        try:
            self.call(f"creating branch {name} in {self.repo_name}", lambda: self.repo.create_git_ref(f"refs/heads/{name}", sha))
        except ServiceError as err:
            if "Reference already exists" in str(err):
                return False
            raise
        return True
