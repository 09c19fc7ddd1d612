"""The small frozen types GitHubClient returns, apart from the client: built on first use.

Python 3.11 builds a frozen dataclass in about a millisecond (it compiles six methods); a run that
only reads milestones (`freeze status`) has no use for fifteen of them. `fleetops.clients.github`
still exports every name (`from fleetops.clients.github import TagRef` works), through its module
`__getattr__`; its methods build them through `_types()`, after the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RepoFile:
    repo: str
    path: str
    ref: str | None
    data: bytes
    html_url: str

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class ReleaseInfo:
    repo: str
    tag: str
    name: str
    html_url: str
    published_at: datetime | None
    prerelease: bool


@dataclass(frozen=True)
class TagRef:
    name: str  # without refs/tags/
    sha: str  # the commit, or the tag object when annotated
    annotated: bool


@dataclass(frozen=True)
class Comparison:
    """How `head` relates to `base` by git ancestry (GitHub's compare API), first page."""

    base: str
    head: str
    status: str  # ahead (head is newer), behind, diverged, identical
    ahead_by: int
    behind_by: int
    commits: tuple[str, ...]  # shas of the first page, oldest first
    files: tuple[str, ...]  # changed paths (first page: at most 300)
    merge_base_sha: str | None
    merge_base_date: datetime | None
    html_url: str

    @property
    def complete_commits(self) -> bool:
        return len(self.commits) >= self.ahead_by

    @property
    def complete_files(self) -> bool:
        return len(self.files) < 300


@dataclass(frozen=True)
class BranchComparison:
    """Every commit of `head` not in `base` (all pages), and where the two diverged."""

    base: str
    head: str
    ahead_by: int
    merge_base_sha: str
    merge_base_date: datetime | None
    commits: tuple[CommitInfo, ...]  # oldest first


@dataclass(frozen=True)
class PullSummary:
    """A pull request as the lists show it (no counts of files or commits)."""

    number: int
    title: str
    url: str
    state: str
    base: str
    body: str
    merged_at: datetime | None
    merge_commit_sha: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    date: datetime | None
    message: str


@dataclass(frozen=True)
class IssueInfo:
    number: int
    title: str
    state: str
    url: str
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    is_pull_request: bool = False  # GitHub's issues API also answers for pull requests
    body: str = ""  # as listed (search, newest page, create); cut-rc reads its markers there

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "url": self.url, "title": self.title}


@dataclass(frozen=True)
class PullInfo:
    number: int
    title: str
    url: str  # the page on GitHub
    state: str  # open, closed
    merged: bool
    draft: bool
    base: str  # the branch it merges into
    head: str
    head_sha: str
    body: str
    labels: tuple[str, ...]
    author: str
    changed_files: int  # GitHub's count; the files list stops at 3000
    merge_commit_sha: str | None = None  # a merged pull request's commit on its base branch

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "title": self.title, "url": self.url}


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # added, removed, modified, renamed, ...
    previous_path: str | None = None  # a rename's old path


@dataclass(frozen=True)
class ReviewInfo:
    reviewer: str
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    commit_id: str | None = None
    submitted_at: datetime | None = None


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
    head_sha: str | None = None
    attempt: int = 1

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


@dataclass(frozen=True)
class BodyIssue:
    """An issue with its repository and body (for durable markers in the body)."""

    repo: str
    number: int
    title: str
    state: str
    url: str
    body: str


@dataclass(frozen=True)
class ReleaseAsset:
    id: int
    name: str


@dataclass(frozen=True)
class Release:
    """A release of the repository, a draft included (drafts are listed to writers only)."""

    id: int
    tag: str
    name: str
    body: str
    draft: bool
    prerelease: bool
    html_url: str
    assets: tuple[ReleaseAsset, ...] = ()

    def asset(self, name: str) -> ReleaseAsset | None:
        return next((a for a in self.assets if a.name == name), None)
