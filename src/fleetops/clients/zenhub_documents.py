"""Every GraphQL document fleetops sends to ZenHub, in one place.

A test validates each of them against ZenHub's full real schema, and the sandbox executes them
against its subset, so a document ZenHub would reject fails in the tests too. Keep documents
here (not inline in ops) so that the test sees them all.
"""

WORKSPACE_BOARD = """
query WorkspaceBoard($workspaceId: ID!) {
  workspace(id: $workspaceId) {
    id
    displayName
    activeSprint { id name startAt endAt state }
    closedPipeline { id name }
    pipelinesConnection(first: 100) { nodes { id name } }
    repositoriesConnection(first: 100) { nodes { id ghId name ownerName } }
  }
}
"""

ISSUE_FIELDS = """
fragment IssueFields on Issue {
  id
  number
  title
  state
  htmlUrl
  pullRequest
  repository { id ghId name ownerName }
  labels(first: 100) { nodes { name } }
  assignees(first: 50) { nodes { login } }
  milestone { id number title state }
  sprints(first: 20) { nodes { id name state } }
  pipelineIssue(workspaceId: $workspaceId) { id pipeline { id name } }
}
"""

PIPELINE_ISSUES = """
query PipelineIssues($pipelineId: ID!, $workspaceId: ID!, $filters: IssueSearchFiltersInput!, $after: String) {
  searchIssuesByPipeline(pipelineId: $pipelineId, filters: $filters, first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ...IssueFields }
  }
}
""" + ISSUE_FIELDS

SEARCH_ISSUES = """
query SearchIssues($workspaceId: ID!, $filters: EpicAssignableIssueSearchFiltersInput!, $query: String, $after: String) {
  searchIssues(workspaceId: $workspaceId, filters: $filters, query: $query, first: 100, after: $after, includeClosed: true) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ...IssueFields }
  }
}
""" + ISSUE_FIELDS

ISSUE_BY_NUMBER = """
query IssueByNumber($repositoryGhId: Int!, $number: Int!, $workspaceId: ID!) {
  issueByInfo(repositoryGhId: $repositoryGhId, issueNumber: $number) { ...IssueFields }
}
""" + ISSUE_FIELDS

MILESTONE_BY_NUMBER = """
query MilestoneByNumber($repositoryGhId: Int!, $number: Int!) {
  milestoneByRepoGhIdAndNumber(repositoryGhId: $repositoryGhId, milestoneNumber: $number) { id number title state }
}
"""

ADD_MILESTONE = """
mutation AddMilestone($issueIds: [ID!]!, $milestoneId: ID!) {
  addMilestoneToIssues(input: { issueIds: $issueIds, milestoneId: $milestoneId }) {
    successCount
    failedIssues { id number }
    githubErrors
  }
}
"""

REMOVE_MILESTONE = """
mutation RemoveMilestone($issueIds: [ID!]!) {
  removeMilestoneToIssues(input: { issueIds: $issueIds }) {
    successCount
    failedIssues { id number }
    githubErrors
  }
}
"""

ADD_TO_SPRINTS = """
mutation AddToSprints($issueIds: [ID!]!, $sprintIds: [ID!]!) {
  addIssuesToSprints(input: { issueIds: $issueIds, sprintIds: $sprintIds }) {
    sprintIssues { id }
  }
}
"""

ADD_LABELS = """
mutation AddLabels($issueIds: [ID!]!, $labels: [LabelInfoInput!]!) {
  addLabelsToIssues(input: { issueIds: $issueIds, labelInfos: $labels }) {
    successCount
    failedIssues { id number }
    githubErrors
  }
}
"""

REMOVE_LABELS = """
mutation RemoveLabels($issueIds: [ID!]!, $labels: [LabelInfoInput!]!) {
  removeLabelsFromIssues(input: { issueIds: $issueIds, labelInfos: $labels }) {
    successCount
    failedIssues { id number }
    githubErrors
  }
}
"""

CLOSE_ISSUES = """
mutation CloseIssues($issueIds: [ID!]!) {
  closeIssues(input: { issueIds: $issueIds }) {
    successCount
    failedIssues { id number }
    githubErrors
  }
}
"""

MOVE_ISSUE = """
mutation MoveIssue($issueId: ID!, $pipelineId: ID!) {
  moveIssue(input: { issueId: $issueId, pipelineId: $pipelineId, position: 0 }) {
    issue { id number }
    pipeline { id name }
  }
}
"""

MOVE_PIPELINE_ISSUES = """
mutation MovePipelineIssues($pipelineId: ID!, $pipelineIssueIds: [ID!]!) {
  movePipelineIssues(input: { pipelineId: $pipelineId, pipelineIssueIds: $pipelineIssueIds, position: START }) {
    pipeline { id name }
    pipelineIssues { id }
  }
}
"""


def all_documents() -> dict[str, str]:
    """Every document by name (for the schema test)."""
    return {name: value for name, value in globals().items() if name.isupper() and isinstance(value, str) and name != "ISSUE_FIELDS"}
