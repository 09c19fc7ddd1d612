"""Pull requests waiting for the freeze to let them merge, for rehearsing `freeze allow-pr N`.

Each one is a case of the handbook's "Merge a pull request during the freeze period":

| PR    | what it is                                                   | freeze   | deep freeze |
|-------|--------------------------------------------------------------|----------|-------------|
| 23101 | fixes bug #23001 ("Fixes #23001")                            | allowed  | refused     |
| 23102 | documentation and an article only                            | allowed  | refused     |
| 23103 | fixes ~release blocker #23002 ("Closes fleetdm/fleet#23002") | allowed  | allowed     |
| 23104 | feature work for story #23004, no approvals                  | refused  | refused     |
| 23105 | feature work approved by the EM, QA and the release DRI      | --exception allows it     |
| 23106 | feature work whose QA approval was withdrawn (changes asked) | --exception names QA      |
| 23107 | already merged                                               | refused  | refused     |
| 23108 | based on rc-minor-fleet-v4.58.0, not main                    | refused  | refused     |
| 23109 | labelled bug itself, ties no issue                           | allowed  | refused     |
| 23110 | 150 website images (two pages of files)                      | allowed  | refused     |
| 23111 | fixes ~unreleased bug #23003 ("resolves #23003")             | allowed  | allowed     |

Numbers are fixed (well above the seeded issues) so that docs and tests can name them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fleetops.sandbox.world.git import iso

State = dict[str, Any]
REPO = "fleetdm/fleet"

# number → (title, labels, state)
ISSUES: dict[int, tuple[str, list[str], str]] = {
    23001: ("Profiles: retry count resets after a host reboots", ["bug", "#g-mdm", ":release"], "open"),
    23002: ("Fleet Desktop crashes when the tray menu opens twice", ["bug", "~release blocker", "#g-endpoint-ops"], "open"),
    23003: ("Software: self-service install spins forever for new titles", ["bug", "~unreleased bug", "#g-mdm"], "open"),
    23004: ("Scripts: run a script on a schedule", ["story", "#g-endpoint-ops", ":release"], "open"),
}

APPROVED, CHANGES, COMMENTED = "APPROVED", "CHANGES_REQUESTED", "COMMENTED"


def _files(*paths: str) -> list[dict[str, Any]]:
    return [{"filename": p, "status": "modified", "additions": 4, "deletions": 1} for p in paths]


# number → (title, body, labels, author, extra pull_request fields)
PULLS: dict[int, tuple[str, str, list[str], str, dict[str, Any]]] = {
    23101: (
        "Keep the profile retry count across reboots",
        "Fixes #23001\n\nThe retry counter was kept in memory only.",
        ["#g-mdm"],
        "mna",
        {"head": "mna/23001-profile-retries", "files": _files("server/mdm/apple/profiles.go", "server/mdm/apple/profiles_test.go", "changes/23001-profile-retries")},
    ),
    23102: (
        "Docs: clarify the MDM migration guide",
        "Rewrites the migration steps; no code changes.",
        [],
        "noahtalerman",
        {"head": "docs-mdm-migration", "files": _files("docs/Using Fleet/MDM-migration-guide.md", "articles/mdm-migration.md", "README.md")},
    ),
    23103: (
        "Fleet Desktop: open the tray menu once",
        "Closes fleetdm/fleet#23002",
        ["#g-endpoint-ops"],
        "getvictor",
        {"head": "victor/tray-crash", "files": _files("orbit/cmd/desktop/menu.go", "orbit/cmd/desktop/menu_test.go")},
    ),
    23104: (
        "Scripts: schedule runs from policies",
        "Resolves #23004",
        ["#g-endpoint-ops"],
        "getvictor",
        {"head": "victor/scheduled-scripts", "files": _files("server/service/scripts.go", "frontend/pages/ScriptsPage.tsx")},
    ),
    23105: (
        "Policies: one automation webhook per team",
        "For #23004: the customer needs it in this release.",
        ["#g-endpoint-ops"],
        "getvictor",
        {
            "head": "victor/team-policy-automations",
            "files": _files("server/service/policies.go", "ee/server/service/teams.go"),
            "reviews": [
                {"user": "sabrinabuckets", "state": CHANGES},
                {"user": "sharon-fdm", "state": APPROVED},
                {"user": "sabrinabuckets", "state": APPROVED},
                {"user": "lukeheath", "state": APPROVED},
                {"user": "sharon-fdm", "state": COMMENTED},  # a comment does not withdraw an approval
            ],
        },
    ),
    23106: (
        "Host details: a wipe action for Windows hosts",
        "Feature work, asked for as an exception.",
        ["#g-mdm"],
        "mna",
        {
            "head": "mna/windows-wipe",
            "files": _files("server/mdm/microsoft/wipe.go", "frontend/pages/hosts/details/WipeModal.tsx"),
            "reviews": [
                {"user": "georgekarrv", "state": APPROVED},
                {"user": "xpkoala", "state": APPROVED},
                {"user": "lukeheath", "state": APPROVED},
                {"user": "xpkoala", "state": CHANGES, "body": "The wipe confirmation is missing on Windows 10."},
            ],
        },
    ),
    23107: (
        "Calendar webhook: stop retrying after a 410",
        "Fixes #23001",
        ["#g-endpoint-ops"],
        "mna",
        {"head": "mna/calendar-410", "files": _files("server/service/calendar.go"), "merged": True},
    ),
    23108: (
        "Cherry-pick: profile retry count",
        "Fixes #23001 on the release candidate branch.",
        ["#g-mdm"],
        "mna",
        {"head": "mna/rc-profile-retries", "base": "rc-minor-fleet-v4.58.0", "files": _files("server/mdm/apple/profiles.go")},
    ),
    23109: (
        "Fix the host count on the dashboard",
        "The count ignored the team filter.",
        ["bug", "#g-endpoint-ops"],
        "getvictor",
        {"head": "victor/host-count", "files": _files("frontend/pages/DashboardPage.tsx")},
    ),
    23110: (
        "Website: compress the images of the docs",
        "Smaller PNGs, same pixels.",
        [],
        "noahtalerman",
        {"head": "website-images", "files": _files(*(f"website/assets/images/docs/screenshot-{i:03}.png" for i in range(150)))},
    ),
    23111: (
        "Self-service: finish installs of new titles",
        "This resolves #23003.",
        ["#g-mdm"],
        "mna",
        {"head": "mna/self-service-spinner", "files": _files("server/service/software_installers.go")},
    ),
}


def seed_pull_requests(state: State, spec: Any) -> None:
    """The issues and pull requests above, opened during the last week."""
    repo = state["github"]["repos"][REPO]
    now = spec.now
    existing = {i["number"] for i in repo["issues"]}
    for number, (title, labels, issue_state) in ISSUES.items():
        assert number not in existing, f"sandbox world: issue #{number} is seeded twice"
        opened = iso(now - timedelta(days=9))
        repo["issues"].append(
            {
                "id": 600000 + number, "number": number, "title": title, "body": "Seeded for the allow-pr rehearsal.",
                "state": issue_state, "state_reason": None, "labels": list(labels), "assignees": [], "milestone": None,
                "user": "lukeheath", "created_at": opened, "updated_at": opened, "closed_at": None, "comments": [],
            }
        )
    for offset, (number, (title, body, labels, author, extra)) in enumerate(PULLS.items()):
        assert number not in existing, f"sandbox world: pull request #{number} is seeded twice"
        opened = now - timedelta(days=6, hours=-offset)
        merged = extra.get("merged", False)
        reviews = [
            {**review, "submitted_at": iso(opened + timedelta(hours=2 + index))}
            for index, review in enumerate(extra.get("reviews", []))
        ]
        pull: dict[str, Any] = {
            "head": extra["head"],
            "base": extra.get("base", repo.get("default_branch", "main")),
            "draft": False,
            "files": extra["files"],
            "reviews": reviews,
            "merged_at": iso(now - timedelta(days=2)) if merged else None,
            "merged_by": "lukeheath" if merged else None,
        }
        repo["issues"].append(
            {
                "id": 600000 + number, "number": number, "title": title, "body": body,
                "state": "closed" if merged else "open", "state_reason": "completed" if merged else None,
                "labels": list(labels), "assignees": [author], "milestone": None, "user": author,
                "created_at": iso(opened), "updated_at": iso(opened + timedelta(hours=8)),
                "closed_at": iso(now - timedelta(days=2)) if merged else None, "comments": [],
                "pull_request": pull,
            }
        )
    repo["next_number"] = max(repo.get("next_number", 1), max(PULLS) + 1)
