"""Every GraphQL document fleetops sends to GitHub (Projects v2 boards, and the issues that pull
requests close), in one place.

The static queries are below; `closing_issues_document` asks for up to `PULLS_PER_DOCUMENT` pull
requests of one repository as aliased fields (`p0: pullRequest(number: $p0) {...}`); mutations are built by `mutation_document` as aliased fields of
one document (`m0: updateProjectV2ItemFieldValue(input: $m0) {...}`), one field per change, each
from a fixed template in `MUTATIONS`. `all_documents()` returns the queries and one document per
mutation template plus one with every template at once: a test validates all of them against
GitHub's full real schema and the sandbox's subset, so a document GitHub would reject fails in
the tests too. Started from ../shared/apis/github-projects-queries.graphql; changes: field names
are variables (the rituals file names the Status and Sprint fields), every query asks for
`rateLimit { cost remaining }` (the run counts its points), and labels are read 100 at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

RATE = "rateLimit { cost remaining }"

ITEM_FIELDS = """
fragment ItemFields on ProjectV2Item {
  id
  type
  isArchived
  project { id number }
  status: fieldValueByName(name: $statusField) { ... on ProjectV2ItemFieldSingleSelectValue { name optionId } }
  sprint: fieldValueByName(name: $sprintField) { ... on ProjectV2ItemFieldIterationValue { iterationId title startDate duration } }
  content {
    __typename
    ... on Issue {
      id number title state url
      labels(first: 100) { nodes { name } }
      milestone { number title }
      repository { nameWithOwner }
      assignees(first: 10) { nodes { login } }
    }
    ... on PullRequest { id number title prState: state }
    ... on DraftIssue { id title }
  }
}
"""

PROJECT_BY_NUMBER = f"""
query ProjectByNumber($org: String!, $number: Int!) {{
  organization(login: $org) {{
    projectV2(number: $number) {{
      id number title url closed
      fields(first: 50) {{
        nodes {{
          ... on ProjectV2FieldCommon {{ id name dataType }}
          ... on ProjectV2SingleSelectField {{ id name options {{ id name }} }}
          ... on ProjectV2IterationField {{
            id name
            configuration {{
              iterations {{ id title startDate duration }}
              completedIterations {{ id title startDate duration }}
            }}
          }}
        }}
      }}
    }}
  }}
  {RATE}
}}
"""

PROJECT_ITEMS = f"""
query ProjectItems($project: ID!, $after: String, $statusField: String!, $sprintField: String!) {{
  node(id: $project) {{
    ... on ProjectV2 {{
      items(first: 100, after: $after) {{
        totalCount
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ ...ItemFields }}
      }}
    }}
  }}
  {RATE}
}}
""" + ITEM_FIELDS

ISSUE_PROJECT_ITEMS = f"""
query IssueProjectItems($owner: String!, $name: String!, $number: Int!, $statusField: String!, $sprintField: String!) {{
  repository(owner: $owner, name: $name) {{
    issue(number: $number) {{
      id
      projectItems(first: 20) {{ nodes {{ ...ItemFields }} }}
    }}
  }}
  {RATE}
}}
""" + ITEM_FIELDS

REPOSITORY_LABELS = f"""
query RepositoryLabels($owner: String!, $name: String!, $after: String) {{
  repository(owner: $owner, name: $name) {{
    labels(first: 100, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ id name }}
    }}
  }}
  {RATE}
}}
"""

REPOSITORY_MILESTONES = f"""
query RepositoryMilestones($owner: String!, $name: String!, $query: String) {{
  repository(owner: $owner, name: $name) {{
    milestones(first: 100, query: $query, states: [OPEN, CLOSED]) {{
      nodes {{ id number title state }}
    }}
  }}
  {RATE}
}}
"""

RATE_LIMIT = "query RateLimit { rateLimit { limit cost remaining resetAt used } }"

@dataclass(frozen=True)
class MutationTemplate:
    """One mutation field: its name, its input type, and what it answers."""

    field: str
    input_type: str
    selection: str


MUTATIONS: dict[str, MutationTemplate] = {
    "add_item": MutationTemplate("addProjectV2ItemById", "AddProjectV2ItemByIdInput", "item { id }"),
    "set_field": MutationTemplate("updateProjectV2ItemFieldValue", "UpdateProjectV2ItemFieldValueInput", "projectV2Item { id }"),
    "close_issue": MutationTemplate("closeIssue", "CloseIssueInput", "issue { id state }"),
    "add_labels": MutationTemplate("addLabelsToLabelable", "AddLabelsToLabelableInput", "clientMutationId"),
    "remove_labels": MutationTemplate("removeLabelsFromLabelable", "RemoveLabelsFromLabelableInput", "clientMutationId"),
    "update_issue": MutationTemplate("updateIssue", "UpdateIssueInput", "issue { id }"),
    "unarchive_item": MutationTemplate("unarchiveProjectV2Item", "UnarchiveProjectV2ItemInput", "item { id }"),
}


def mutation_document(kinds: list[str]) -> str:
    """One document with one aliased mutation per entry of `kinds` (alias and variable `m{i}`)."""
    templates = [MUTATIONS[k] for k in kinds]
    variables = ", ".join(f"$m{i}: {t.input_type}!" for i, t in enumerate(templates))
    fields = "\n".join(f"  m{i}: {t.field}(input: $m{i}) {{ {t.selection} }}" for i, t in enumerate(templates))
    return f"mutation Batch({variables}) {{\n{fields}\n}}\n"


def all_documents() -> dict[str, str]:
    """Every document by name (for the schema tests): the queries, and each mutation template."""
    docs = {
        name: value
        for name, value in globals().items()
        if name.isupper() and isinstance(value, str) and name not in ("RATE", "ITEM_FIELDS")
    }
    for kind in MUTATIONS:
        docs[f"mutation:{kind}"] = mutation_document([kind])
    docs["mutation:all"] = mutation_document(list(MUTATIONS))
    return docs
