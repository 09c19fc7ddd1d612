"""GitHub's own links between issues and pull requests, read in batches over GraphQL.

`milestone_fixes`: every issue of a milestone (open and closed, every page, 100 a query) with the
pull requests GitHub links to it: `closedByPullRequestsReferences` (a closing keyword in a pull
request into the default branch, or linked by hand in the Development sidebar) and the
`CrossReferencedEvent`s of its timeline (a pull request that names it; `willCloseTarget` says
whether it closes it). A milestone of 100 issues is one query; the script asked three REST
requests per issue (releasing-facts.md §1.3, §12.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fleetops.clients.github_projects import GitHubProjectsClient

REPO_SCOPE = "the repo scope (public_repo for a public repository)"
ISSUES_PER_PAGE = 100
PULL_FIELDS = "number title state merged mergeCommit { oid } baseRefName repository { nameWithOwner }"
FRAGMENTS = f"""
fragment Linked on Issue {{
  number title state
  closedByPullRequestsReferences(first: 10, includeClosedPrs: true) {{ nodes {{ ...Pull }} }}
  timelineItems(first: 100, itemTypes: [CROSS_REFERENCED_EVENT]) {{
    nodes {{ ... on CrossReferencedEvent {{ willCloseTarget source {{ ... on PullRequest {{ ...Pull }} }} }} }}
  }}
}}
fragment Pull on PullRequest {{ {PULL_FIELDS} }}
"""

MILESTONE_FIXES = """
query MilestoneFixes($owner: String!, $name: String!, $title: String!) {
  repository(owner: $owner, name: $name) {
    milestones(first: 10, query: $title, states: [OPEN, CLOSED]) {
      nodes {
        number title
        issues(first: 100, states: [OPEN, CLOSED]) { pageInfo { hasNextPage endCursor } nodes { ...Linked } }
      }
    }
  }
  rateLimit { cost remaining }
}
""" + FRAGMENTS

MILESTONE_FIXES_PAGE = """
query MilestoneFixesPage($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    milestone(number: $number) {
      number title
      issues(first: 100, after: $after, states: [OPEN, CLOSED]) { pageInfo { hasNextPage endCursor } nodes { ...Linked } }
    }
  }
  rateLimit { cost remaining }
}
""" + FRAGMENTS


@dataclass(frozen=True)
class LinkedPull:
    number: int
    title: str
    merged: bool
    merge_commit: str | None
    base: str
    repo: str
    closes: bool  # GitHub links it as closing the issue (not only a mention)


@dataclass(frozen=True)
class LinkedIssue:
    number: int
    title: str
    state: str  # OPEN | CLOSED
    pulls: tuple[LinkedPull, ...]


@dataclass(frozen=True)
class MilestoneLinks:
    number: int
    title: str
    issues: tuple[LinkedIssue, ...]


def _pull(node: dict[str, Any], closes: bool) -> LinkedPull:
    return LinkedPull(
        number=node["number"], title=node.get("title") or "", merged=bool(node.get("merged")),
        merge_commit=(node.get("mergeCommit") or {}).get("oid"), base=node.get("baseRefName") or "",
        repo=((node.get("repository") or {}).get("nameWithOwner") or ""), closes=closes,
    )


def _issue(node: dict[str, Any]) -> LinkedIssue:
    pulls: dict[int, LinkedPull] = {}
    for pr in (node.get("closedByPullRequestsReferences") or {}).get("nodes") or []:
        if pr:
            pulls[pr["number"]] = _pull(pr, True)
    for event in (node.get("timelineItems") or {}).get("nodes") or []:
        source = (event or {}).get("source") or {}
        if "number" in source:  # a pull request (an issue's reference has no pull request fields)
            closes = bool(event.get("willCloseTarget")) or (source["number"] in pulls and pulls[source["number"]].closes)
            pulls[source["number"]] = _pull(source, closes)
    return LinkedIssue(node["number"], node.get("title") or "", node.get("state") or "OPEN", tuple(sorted(pulls.values(), key=lambda p: p.number)))


def milestone_fixes(client: GitHubProjectsClient, repo: str, titles: list[str]) -> MilestoneLinks | None:
    """The first milestone titled exactly one of `titles` (the search is by the first, which the others
    contain: `4.61.0` finds `4.61.0-tentative`), with every issue's linked pull requests; None when there is none."""
    owner, name = repo.split("/", 1)
    title = titles[0]
    doing = f"reading milestone {title} of {repo} with its issues' pull requests"
    data = client.execute(MILESTONE_FIXES, {"owner": owner, "name": name, "title": title}, doing, needs=REPO_SCOPE)
    nodes = [m for m in (((data.get("repository") or {}).get("milestones") or {}).get("nodes")) or [] if m]
    found = next((m for t in titles for m in nodes if m.get("title") == t), None)
    if found is None:
        return None
    title = found["title"]
    issues = [_issue(n) for n in (found.get("issues") or {}).get("nodes") or [] if n]
    page = (found.get("issues") or {}).get("pageInfo") or {}
    while page.get("hasNextPage"):
        variables = {"owner": owner, "name": name, "number": found["number"], "after": page.get("endCursor")}
        more = client.execute(MILESTONE_FIXES_PAGE, variables, doing, needs=REPO_SCOPE)
        conn = (((more.get("repository") or {}).get("milestone") or {}).get("issues")) or {}
        issues += [_issue(n) for n in conn.get("nodes") or [] if n]
        page = conn.get("pageInfo") or {}
    return MilestoneLinks(found["number"], title, tuple(issues))


def all_documents() -> dict[str, str]:
    """Every document this module sends, by name (for the schema tests)."""
    return {"milestone_fixes": MILESTONE_FIXES, "milestone_fixes_page": MILESTONE_FIXES_PAGE}
