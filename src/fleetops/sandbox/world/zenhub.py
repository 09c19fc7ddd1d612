"""ZenHub's boards on release day: the 4.58.0 milestone's issues spread over the product groups'
boards and the drafting board, with sprints, and the housekeeping the handbook's "Conclude current
milestone" ritual finds to do (items outside "Ready for release" still carrying the milestone,
items in "Ready for release" missing the milestone or the sprint, stories to send back to drafting).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fleetops.sandbox.services.zenhub import gid
from fleetops.sandbox.world.git import iso

State = dict[str, Any]

REPO = "fleetdm/fleet"
GROUP_PIPELINES = ["New Issues", "Ready", "In progress", "Awaiting QA", "Ready for release"]
DRAFTING_PIPELINES = ["New requests", "Prioritized", "Specified", "Estimated", "Confirm and celebrate"]
WORKSPACES = {
    "g-mdm": ("63bc507f6558550011840298", "#g-mdm current sprint", "#g-mdm"),
    "g-endpoint-ops": ("63bd7e0bf75dba002a2343ac", "#g-endpoint-ops current sprint", "#g-endpoint-ops"),
    "drafting": ("6192dd66ea2562000faea25c", "🛸 Drafting (ships in 6 weeks)", None),
}

# (kind, title, pipeline, in milestone, in sprint, closed) per group; numbers are assigned in order.
GROUP_ITEMS: dict[str, list[tuple[str, str, str, bool, bool, bool]]] = {
    "g-mdm": [
        ("story", "Custom OS settings for iPhones and iPads", "Ready for release", True, True, False),
        ("story", "Install VPP apps on iPadOS during setup", "Ready for release", True, False, False),
        ("story", "Wipe Windows hosts from the host details page", "Ready for release", False, False, False),
        ("bug", "Configuration profile retry count is off by one", "Ready for release", True, True, False),
        ("bug", "ADE enrollment fails behind an HTTP proxy", "Ready for release", False, True, False),
        ("bug", "Disk encryption key escrow shows a stale date", "Ready for release", True, False, False),
        ("bug", "Bootstrap package upload accepts unsigned packages", "Ready for release", True, True, False),
        ("bug", "macOS update deadline ignores the host's time zone", "Ready for release", True, True, False),
        ("story", "Lock Linux hosts with a script", "In progress", True, True, False),
        ("bug", "SCEP proxy returns 500 on renewal", "In progress", True, True, False),
        ("bug", "Apple MDM push certificate banner never clears", "Awaiting QA", True, True, False),
        ("bug", "Profiles page flickers on Safari", "Ready", False, False, False),
        ("story", "Declarative device management for software updates", "Ready", False, False, False),
        ("bug", "Renew ABM token modal shows wrong expiry", "Ready for release", True, True, True),
    ],
    "g-endpoint-ops": [
        ("story", "Run scripts on a schedule with policies", "Ready for release", True, True, False),
        ("story", "Software titles: show the install source", "Ready for release", True, False, False),
        ("story", "Query reports: export to CSV", "Ready for release", False, True, False),
        ("bug", "Live query hangs with more than 10k hosts", "Ready for release", True, True, False),
        ("bug", "Vulnerability list misses Ubuntu kernel CVEs", "Ready for release", False, False, False),
        ("bug", "Host search ignores the serial number", "Ready for release", True, True, False),
        ("bug", "fleetctl apply drops team labels", "Ready for release", True, False, False),
        ("bug", "Activity feed shows the wrong actor for script runs", "Ready for release", True, True, False),
        ("story", "Policy automations per team", "In progress", True, True, False),
        ("bug", "Calendar webhook retries forever", "In progress", True, True, False),
        ("bug", "Osquery results lag on Windows ARM", "In progress", True, False, False),
        ("bug", "Team filter resets on the dashboard", "Awaiting QA", True, True, False),
        ("story", "Labels based on host vitals", "Ready", False, False, False),
        ("bug", "Software page sorts versions as text", "Ready for release", True, True, True),
    ],
}

# Stories that live on the drafting board only (not in this release).
DRAFTING_ONLY = [
    ("story", "Usage statistics for Fleet Desktop", "Prioritized"),
    ("story", "Android enrollment", "Specified"),
]


def seed_release_day(state: State, spec: Any) -> None:
    """Issues of the release milestone on the boards, plus the three workspaces and their sprints."""
    now = spec.now
    repo = state["github"]["repos"][REPO]
    milestone = next(m for m in repo["milestones"] if m["title"].endswith("-tentative"))
    zh: State = {
        "viewer": "fleet-release",
        "repos": {REPO: {"id": gid("Repository", 1), "ghId": repo["id"]}},
        "workspaces": {},
        "issues": {},
    }
    state["zenhub"] = zh
    counter = iter(range(1, 1000))

    def pipelines(names: list[str], ws_key: str) -> list[dict[str, str]]:
        return [{"id": gid("Pipeline", f"{ws_key}-{i}"), "name": name} for i, name in enumerate(names, 1)]

    for key, (ws_id, name, _label) in WORKSPACES.items():
        sprints = []
        if key != "drafting":
            for offset, state_name in ((-14, "CLOSED"), (0, "OPEN"), (14, "OPEN")):
                start = (now - timedelta(days=7) + timedelta(days=offset)).replace(hour=0, minute=0, second=0, microsecond=0)
                sprints.append(
                    {
                        "id": gid("Sprint", f"{key}-{next(counter)}"),
                        "name": f"{name.split()[0]} sprint {start.date().isoformat()}",
                        "startAt": iso(start),
                        "endAt": iso(start + timedelta(days=14)),
                        "state": state_name,
                    }
                )
        zh["workspaces"][ws_id] = {
            "name": name,
            "repos": [REPO],
            "pipelines": pipelines(GROUP_PIPELINES if key != "drafting" else DRAFTING_PIPELINES, key),
            "closed_pipeline": {"id": gid("Pipeline", f"{key}-closed"), "name": "Closed"},
            "sprints": sprints,
            "active_sprint": sprints[1]["id"] if sprints else None,
            "board": {},
        }

    def pipeline_id(ws_key: str, name: str) -> str:
        ws = zh["workspaces"][WORKSPACES[ws_key][0]]
        return next(p["id"] for p in ws["pipelines"] if p["name"] == name)

    number = 21001
    for group, items in GROUP_ITEMS.items():
        ws_id, _, group_label = WORKSPACES[group]
        active = zh["workspaces"][ws_id]["active_sprint"]
        for kind, title, pipe, in_milestone, in_sprint, closed in items:
            labels = [kind, group_label, ":release"]
            created = iso(now - timedelta(days=30 - (number % 20)))
            repo["issues"].append(
                {
                    "id": 600000 + number, "number": number, "title": title, "body": f"{kind.title()} for {group}.",
                    "state": "closed" if closed else "open", "state_reason": "completed" if closed else None,
                    "labels": labels, "assignees": [], "milestone": milestone["number"] if in_milestone else None,
                    "user": "lukeheath", "created_at": created, "updated_at": created,
                    "closed_at": iso(now - timedelta(days=2)) if closed else None, "comments": [],
                }
            )
            key = f"{REPO}#{number}"
            zh["issues"][key] = {"id": gid("Issue", 700000 + number), "sprints": [active] if in_sprint else [], "estimate": 3}
            zh["workspaces"][ws_id]["board"][key] = pipeline_id(group, pipe)
            if kind == "story":
                zh["workspaces"][WORKSPACES["drafting"][0]]["board"][key] = pipeline_id("drafting", "Estimated")
            number += 1
    for kind, title, pipe in DRAFTING_ONLY:
        created = iso(now - timedelta(days=40))
        repo["issues"].append(
            {
                "id": 600000 + number, "number": number, "title": title, "body": "A story in drafting.",
                "state": "open", "state_reason": None, "labels": [kind, ":product"], "assignees": [],
                "milestone": None, "user": "noahtalerman", "created_at": created, "updated_at": created,
                "closed_at": None, "comments": [],
            }
        )
        key = f"{REPO}#{number}"
        zh["issues"][key] = {"id": gid("Issue", 700000 + number), "sprints": [], "estimate": None}
        zh["workspaces"][WORKSPACES["drafting"][0]]["board"][key] = pipeline_id("drafting", pipe)
        number += 1
    repo["next_number"] = max(repo.get("next_number", 1), number + 1000)
