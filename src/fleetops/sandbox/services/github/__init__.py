"""A GitHub REST subset with a tiny git inside: the endpoints of ../apis/github.md.

Every response follows GitHub's OpenAPI description (a test validates them); `url` fields are
absolute and on the sandbox's own host and port, because PyGithub refuses to follow others.
Routes are registered with their OpenAPI path template so the validator can find the schema.

One module per section of GitHub's REST reference, all on the one `router` (common.py, with the
helpers every section shares): users, repos (and contents), milestones, issues (and their labels
and comments), labels, search, pulls, releases, git, commits, actions (variables, workflows,
runs). Importing this package registers every route; a new section is a new module that
registers its routes on `router` and is imported below.
"""

from __future__ import annotations

from fleetops.sandbox.services.github.common import (  # noqa: F401 - the helpers other services and seeders use
    ancestors,
    blob_sha,
    check_assignees,
    commit_json,
    commits_by_sha,
    dir_at,
    ensure_label,
    file_at,
    tree_at,
    files_json,
    find_issue,
    find_milestone,
    find_pull,
    int_param,
    iso,
    issue_json,
    JSON,
    label_json,
    milestone_json,
    next_id,
    node_id,
    not_found,
    now_iso,
    paginate,
    readable_issue,
    release_json,
    repo_json,
    repo_of,
    repo_urls,
    require_writer,
    resolve_ref,
    router,
    tree_sha,
    user_json,
    validation_failed,
    viewer,
    web,
    writable_issue,
)

# Importing a section registers its routes (in this order) on `router`.
from fleetops.sandbox.services.github import (  # noqa: E402, F401
    users,
    repos,
    milestones,
    issues,
    labels,
    search,
    pulls,
    releases,
    git,
    commits,
    actions,
    release_workflow,
)
