"""The links between GitHub issues and pull requests, over GitHub's GraphQL API.

Not a board's business, so not the Projects client's: this client sends its documents through the
Projects client's `execute` (one GraphQL transport: PyGithub's requester, token, base URL,
`GithubRetry`, the costs of the run), and keeps its own documents and answers.

`closing_issues`: the issues that pull requests close when they merge (`closingIssuesReferences`:
closing keywords and issues linked by hand), 50 pull requests per query, for `release rc-status`.
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


def all_documents() -> dict[str, str]:
    """Every document this client sends, by name (for the schema tests)."""
    return {
        "CLOSING_ISSUES_PAGE": CLOSING_ISSUES_PAGE,
        "closing_issues:1": closing_issues_document(1),
        f"closing_issues:{PULLS_PER_DOCUMENT}": closing_issues_document(PULLS_PER_DOCUMENT),
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
