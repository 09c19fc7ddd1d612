"""The links between GitHub issues and pull requests, over GitHub's GraphQL API.

Not a board's business, so not the Projects client's: this client sends its documents through the
Projects client's `execute` (one GraphQL transport: PyGithub's requester, token, base URL,
`GithubRetry`, the costs of the run), and keeps its own documents and answers.

`closing_issues`: the issues that pull requests close when they merge (`closingIssuesReferences`:
closing keywords and issues linked by hand), 50 pull requests per query, for `release rc-status`.

`milestone_fixes`: every issue of a milestone (open and closed, every page, 100 a query) with the
pull requests GitHub links to it: `closedByPullRequestsReferences` (a closing keyword in a pull
request into the default branch, or linked by hand in the Development sidebar) and the
`CrossReferencedEvent`s of its timeline (a pull request that names it; `willCloseTarget` says
whether it closes it), for `release prepare`. A milestone of 100 issues is one query; Fleet's
release script asked three REST requests per issue (releasing-facts.md §1.3, §12.5).

These documents need the `repo` scope, not `project`, and their errors say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fleetops.clients.github_projects import REPO_SCOPE
from fleetops.clients.github_projects_documents import RATE
from fleetops.concurrency import gather
from fleetops.errors import NotFound

if TYPE_CHECKING:
    from fleetops.clients.github_projects import GitHubProjectsClient


# The issues a pull request closes when it merges: GitHub's `closingIssuesReferences` holds both the
# issues its description names with a closing keyword ("Fixes #123") and those linked by hand in
# its "Development" sidebar. Cost (GitHub's formula): per document, one connection per pull request
# plus one labels connection per issue: 50 + 50 × 10 = 550 requests → 6 points.
PULLS_PER_DOCUMENT = 50
CLOSING_PER_PULL = 10  # a pull request closing more is read on with CLOSING_ISSUES_PAGE, 100 at a time
CLOSING_ISSUE_FIELDS = "number repository { nameWithOwner } labels(first: 100) { nodes { name } }"

CLOSING_ISSUES_PAGE = f"""
query ClosingIssuesPage($owner: String!, $name: String!, $number: Int!, $after: String) {{
  repository(owner: $owner, name: $name) {{
    pullRequest(number: $number) {{
      number
      closingIssuesReferences(first: 100, after: $after) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {CLOSING_ISSUE_FIELDS} }}
      }}
    }}
  }}
  {RATE}
}}
"""


def closing_issues_document(count: int) -> str:
    """One query with `count` (≤ PULLS_PER_DOCUMENT) aliased pull requests of one repository, each
    with the first CLOSING_PER_PULL issues it closes (variables `$p0`..: the pull requests' numbers)."""
    if not 1 <= count <= PULLS_PER_DOCUMENT:
        raise ValueError(f"a closing-issues document asks for 1 to {PULLS_PER_DOCUMENT} pull requests, not {count}")
    variables = ", ".join(f"$p{i}: Int!" for i in range(count))
    fields = "\n".join(
        f"    p{i}: pullRequest(number: $p{i}) {{ ...ClosingIssues }}" for i in range(count)
    )
    return (
        f"query ClosingIssues($owner: String!, $name: String!, {variables}) {{\n"
        f"  repository(owner: $owner, name: $name) {{\n{fields}\n  }}\n  {RATE}\n}}\n"
        "fragment ClosingIssues on PullRequest {\n  number\n"
        f"  closingIssuesReferences(first: {CLOSING_PER_PULL}) {{\n"
        f"    pageInfo {{ hasNextPage endCursor }}\n    nodes {{ {CLOSING_ISSUE_FIELDS} }}\n  }}\n}}\n"
    )


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
  """ + RATE + """
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
  """ + RATE + """
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


def all_documents() -> dict[str, str]:
    """Every document this client sends, by name (for the schema tests)."""
    return {
        "CLOSING_ISSUES_PAGE": CLOSING_ISSUES_PAGE,
        "closing_issues:1": closing_issues_document(1),
        f"closing_issues:{PULLS_PER_DOCUMENT}": closing_issues_document(PULLS_PER_DOCUMENT),
        "milestone_fixes": MILESTONE_FIXES,
        "milestone_fixes_page": MILESTONE_FIXES_PAGE,
    }


@dataclass(frozen=True)
class ClosingIssue:
    """An issue that a pull request closes when it merges (a closing keyword, or linked by hand)."""

    number: int
    repo: str  # owner/name: it may be another repository's
    labels: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, node: dict[str, Any]) -> ClosingIssue:
        labels = (node.get("labels") or {}).get("nodes") or []
        return cls(int(node["number"]), (node.get("repository") or {}).get("nameWithOwner", ""), tuple(n["name"] for n in labels if n))


class GitHubLinksClient:
    """Issues and pull requests, linked: what closes what (through `graphql`, the Projects client's transport)."""

    def __init__(self, graphql: GitHubProjectsClient) -> None:
        self._graphql = graphql

    def closing_issues(self, repo: str, numbers: list[int]) -> dict[int, tuple[ClosingIssue, ...]]:
        """The issues each pull request of `repo` closes (`closingIssuesReferences`), by pull request number.

        50 pull requests per query (aliased fields), the queries at once; a pull request that
        closes more than 10 issues is read on 100 at a time. None asked: no request.
        """
        owner, name = repo.split("/", 1)
        wanted = list(dict.fromkeys(numbers))
        size = PULLS_PER_DOCUMENT
        chunks = [wanted[i : i + size] for i in range(0, len(wanted), size)]

        def read(chunk: list[int]) -> dict[int, tuple[ClosingIssue, ...]]:
            variables: dict[str, Any] = {"owner": owner, "name": name, **{f"p{i}": n for i, n in enumerate(chunk)}}
            doing = f"reading the issues that {len(chunk)} pull request(s) of {repo} close"
            data = self._graphql.execute(closing_issues_document(len(chunk)), variables, doing, needs=REPO_SCOPE)
            repository = data.get("repository")
            if repository is None:
                raise NotFound(f"GitHub has no repository {repo} (or {self._graphql.token_var} cannot see it).")
            out = {}
            for i, number in enumerate(chunk):
                refs = (repository.get(f"p{i}") or {}).get("closingIssuesReferences") or {}
                out[number] = tuple(ClosingIssue.from_json(n) for n in refs.get("nodes") or [] if n)
                page = refs.get("pageInfo") or {}
                if page.get("hasNextPage"):
                    out[number] += self._more_closing_issues(repo, number, page.get("endCursor"))
            return out

        found = gather({str(i): (lambda chunk=chunk: read(chunk)) for i, chunk in enumerate(chunks)})
        return {number: issues for part in found.values() for number, issues in part.items()}

    def _more_closing_issues(self, repo: str, number: int, after: str | None) -> tuple[ClosingIssue, ...]:
        owner, name = repo.split("/", 1)
        out: list[ClosingIssue] = []
        while True:
            variables = {"owner": owner, "name": name, "number": number, "after": after}
            data = self._graphql.execute(CLOSING_ISSUES_PAGE, variables, f"reading the issues that {repo}#{number} closes", needs=REPO_SCOPE)
            refs = (((data.get("repository") or {}).get("pullRequest")) or {}).get("closingIssuesReferences") or {}
            out += [ClosingIssue.from_json(n) for n in refs.get("nodes") or [] if n]
            page = refs.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                return tuple(out)
            after = page.get("endCursor")

    def milestone_fixes(self, repo: str, titles: list[str]) -> MilestoneLinks | None:
        """The first milestone titled exactly one of `titles` (the search is by the first, which the others
        contain: `4.61.0` finds `4.61.0-tentative`), with every issue's linked pull requests; None when there is none."""
        owner, name = repo.split("/", 1)
        title = titles[0]
        doing = f"reading milestone {title} of {repo} with its issues' pull requests"
        data = self._graphql.execute(MILESTONE_FIXES, {"owner": owner, "name": name, "title": title}, doing, needs=REPO_SCOPE)
        nodes = [m for m in (((data.get("repository") or {}).get("milestones") or {}).get("nodes")) or [] if m]
        found = next((m for t in titles for m in nodes if m.get("title") == t), None)
        if found is None:
            return None
        title = found["title"]
        issues = [_issue(n) for n in (found.get("issues") or {}).get("nodes") or [] if n]
        page = (found.get("issues") or {}).get("pageInfo") or {}
        while page.get("hasNextPage"):
            variables = {"owner": owner, "name": name, "number": found["number"], "after": page.get("endCursor")}
            more = self._graphql.execute(MILESTONE_FIXES_PAGE, variables, doing, needs=REPO_SCOPE)
            conn = (((more.get("repository") or {}).get("milestone") or {}).get("issues")) or {}
            issues += [_issue(n) for n in conn.get("nodes") or [] if n]
            page = conn.get("pageInfo") or {}
        return MilestoneLinks(found["number"], title, tuple(issues))
