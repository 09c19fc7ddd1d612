"""Which fleetd components changed since their last release tag (handbook: "Fleetd components").

Reusable: `release check-deps` reports it, and `release create-qa-issue --fleetd-only` fills the
QA issue's version lines from it. For each component of the rituals file (`dependencies.fleetd`):

1. its last tag is the regular `<prefix>X.Y.Z` with the highest version, from
   `GET /git/matching-refs/tags/<prefix>` (one request per prefix, shared by orbit and desktop);
   irregular tags (`orbit-v1.39.1-1337`, `fleetd-chrome-v1.3.2-beta`, `orbit-test-build`) never count;
2. `GET /compare/<tag>...<default branch>` (one per distinct tag) gives the commits the branch
   has that the tag has not, and the files they change;
3. when a changed file lies under the component's path, the commits touching that path since
   the merge base are listed (`GET /commits?path=&since=`) and counted if the compare lists them.

Requests per run: one per prefix, one per tag, one per changed component: 2 + 2 + (0..3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.version import Version

from fleetops.concurrency import gather
from fleetops.errors import NotFound
from fleetops.ops.deps.parsers import latest_regular_tag

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import Comparison, GitHubClient
    from fleetops.rituals.models import FleetdComponent


@dataclass(frozen=True)
class FleetdChange:
    """One component: its last regular tag and whether the default branch changed it since."""

    component: str  # "orbit", "desktop", "fleetd-chrome"
    path: str  # "orbit/", ...
    last_tag: str  # "orbit-v1.34.0"
    version: Version  # 1.34.0
    changed: bool
    commits: int  # commits on the branch touching `path` since `last_tag`
    qa_line: str = ""  # the component's line in the Release QA template ("Orbit")
    compare_url: str = ""

    def as_json(self) -> dict[str, object]:
        """The SPEC's `fleetd` entry."""
        return {"component": self.component, "last_tag": self.last_tag, "changed": self.changed, "commits": self.commits}


def _under(path: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/") + "/"
    return path.startswith(prefix)


def _count(github: GitHubClient, component: FleetdComponent, comparison: Comparison, branch: str) -> int:
    """Commits on `branch` that touch the component's path and are not in its last tag."""
    if comparison.ahead_by == 0:
        return 0
    if comparison.complete_files and not any(_under(f, component.path) for f in comparison.files):
        return 0  # the compare lists every changed file, and none is ours: no request needed
    touching = github.commits_touching(component.path, branch, since=comparison.merge_base_date)
    shas = [c.sha for c in touching if c.sha != comparison.merge_base_sha]
    if comparison.complete_commits:
        # `since` is a date, not ancestry: keep only what the compare says the tag lacks.
        ahead = set(comparison.commits)
        shas = [sha for sha in shas if sha in ahead]
    return len(shas)


def detect_changes(github: GitHubClient, components: Sequence[FleetdComponent], branch: str) -> list[FleetdChange]:
    """For each component, its last regular tag and the commits since; reads only, concurrently."""
    prefixes = list(dict.fromkeys(c.tag_prefix for c in components))
    refs = gather({prefix: (lambda p=prefix: github.tags_with_prefix(p)) for prefix in prefixes}, max_workers=len(prefixes) or 1)
    last: dict[str, tuple[str, Version]] = {}
    for prefix in prefixes:
        found = latest_regular_tag((r.name for r in refs[prefix]), prefix)
        if found is None:
            raise NotFound(
                f"{github.repo_name} has no regular {prefix}X.Y.Z tag, so fleetd changes cannot be measured.",
                hint="Check dependencies.fleetd[].tag_prefix in the rituals file.",
            )
        last[prefix] = found
    tags = list(dict.fromkeys(tag for tag, _ in last.values()))
    comparisons = gather({tag: (lambda t=tag: github.compare(t, branch)) for tag in tags}, max_workers=len(tags) or 1)
    counts = gather(
        {c.name: (lambda c=c: _count(github, c, comparisons[last[c.tag_prefix][0]], branch)) for c in components},
        max_workers=len(components) or 1,
    )
    changes = []
    for component in components:
        tag, version = last[component.tag_prefix]
        commits = counts[component.name]
        changes.append(
            FleetdChange(
                component=component.name,
                path=component.path,
                last_tag=tag,
                version=version,
                changed=commits > 0,
                commits=commits,
                qa_line=component.qa_line,
                compare_url=comparisons[tag].html_url,
            )
        )
    return changes


def fleetd_changes(app: App) -> list[FleetdChange]:
    """The rituals' fleetd components for the app's repository and default branch."""
    return detect_changes(app.clients.github, app.rituals.dependencies.fleetd, app.rituals.default_branch)
