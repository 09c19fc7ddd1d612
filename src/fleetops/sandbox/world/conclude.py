"""Release-day extras for "Conclude current milestone": Slack's channel, and (with the
WorldSpec knob `conclude_cases`, on in the "released" world) the cases a real board has that the
basic boards (world/zenhub.py) do not, bringing the repository to 40 issues.

Each extra item is one thing `release conclude-milestone` must get right:
- a Ready-for-release bug that still carries the previous release's milestone (gets this one);
- bugs filed late with the milestone that never left "New Issues" or "Ready" (lose it);
- a Ready-for-release story that already has `:product` (only `:release` is removed);
- a pull request in "Ready for release" (left alone: ZenHub's close is for issues);
- a bug closed as a duplicate outside "Ready for release" (closed issues are left as they are);
- a story sent back to drafting by an earlier, interrupted conclude: `:product`, no `:release`,
  already in "Confirm and celebrate" (nothing left to do for it);
- a story and a bug that carry the milestone but never reached any group's "Ready for release"
  (they did not ship: they lose the milestone, whatever their labels).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fleetops.sandbox.services.zenhub import gid
from fleetops.sandbox.world.git import iso
from fleetops.sandbox.world.zenhub import REPO, WORKSPACES

State = dict[str, Any]

THIS, PREVIOUS, NONE = "this", "previous", None

# (workspace, title, labels, pipeline on that board, milestone, in the active sprint, state, is a PR)
EXTRA_ITEMS: list[tuple[str, str, list[str], str, str | None, bool, str, bool]] = [
    ("g-mdm", "Windows MDM: enrollment fails with a long hostname", ["bug", "#g-mdm", ":release"], "Ready for release", PREVIOUS, True, "open", False),
    ("g-mdm", "Setup experience: end-user auth loops on Safari", ["bug", "#g-mdm", ":release", "customer-acme"], "Ready for release", THIS, True, "open", False),
    ("g-mdm", "Profiles: verify status on hosts that rebooted", ["bug", "#g-mdm", ":release"], "New Issues", THIS, False, "open", False),
    ("g-mdm", "Update the MDM migration docs", ["#g-mdm", ":release"], "Ready for release", THIS, True, "open", True),
    ("g-endpoint-ops", "Scripts: show the exit code in the activity feed", ["story", "#g-endpoint-ops", ":release", ":product"], "Ready for release", THIS, True, "open", False),
    ("g-endpoint-ops", "Saved queries lose their team on edit", ["bug", "#g-endpoint-ops", ":release"], "Ready", THIS, False, "open", False),
    ("g-endpoint-ops", "Host details: battery health is blank", ["bug", "#g-endpoint-ops", ":release"], "Awaiting QA", THIS, True, "closed", False),
    ("g-endpoint-ops", "Query console: keyboard shortcuts", ["story", "#g-endpoint-ops", ":product"], "Ready for release", THIS, True, "open", False),
    ("drafting", "Fleet Desktop: self-service page redesign", ["story", ":product"], "Specified", THIS, False, "open", False),
    ("drafting", "Website: pricing page refresh", ["bug", ":product"], "Prioritized", THIS, False, "open", False),
]

# Where the stories of group boards sit on the drafting board (default: "Estimated").
DRAFTING_PIPELINE = {"Query console: keyboard shortcuts": "Confirm and celebrate"}


def seed_conclude(state: State, spec: Any) -> None:
    """An empty Slack channel; with `spec.conclude_cases`, the extra items on GitHub and the boards."""
    state["slack"] = {"messages": []}
    zh = state.get("zenhub")
    if not spec.conclude_cases or zh is None:
        return
    repo = state["github"]["repos"][REPO]
    milestones = {m["title"]: m["number"] for m in repo["milestones"]}
    this = next(n for t, n in milestones.items() if t.endswith("-tentative"))
    previous = max((m for m in repo["milestones"] if m["state"] == "closed"), key=lambda m: m["number"])["number"]
    now = spec.now
    number = max((i["number"] for i in repo["issues"]), default=repo.get("next_number", 1)) + 1
    drafting_id = WORKSPACES["drafting"][0]
    for ws_key, title, labels, pipeline, milestone, in_sprint, issue_state, is_pr in EXTRA_ITEMS:
        ws_id = WORKSPACES[ws_key][0]
        ws = zh["workspaces"][ws_id]
        created = iso(now - timedelta(days=12 + number % 9))
        closed = issue_state == "closed"
        issue: State = {
            "id": 600000 + number, "number": number, "title": title, "body": "Seeded for the conclude rehearsal.",
            "state": issue_state, "state_reason": "duplicate" if closed else None, "labels": list(labels), "assignees": [],
            "milestone": {THIS: this, PREVIOUS: previous}.get(milestone) if milestone else None,
            "user": "lukeheath", "created_at": created, "updated_at": created,
            "closed_at": iso(now - timedelta(days=3)) if closed else None, "comments": [],
        }
        if is_pr:
            issue["pull_request"] = {"merged_at": iso(now - timedelta(days=4))}
        repo["issues"].append(issue)
        key = f"{REPO}#{number}"
        zh["issues"][key] = {
            "id": gid("Issue", 700000 + number),
            "sprints": [ws["active_sprint"]] if in_sprint and ws.get("active_sprint") else [],
            "estimate": 2,
        }
        ws["board"][key] = next(p["id"] for p in ws["pipelines"] if p["name"] == pipeline)
        if "story" in labels and ws_id != drafting_id:  # stories are specified on the drafting board first
            drafting = zh["workspaces"][drafting_id]
            where = DRAFTING_PIPELINE.get(title, "Estimated")
            drafting["board"][key] = next(p["id"] for p in drafting["pipelines"] if p["name"] == where)
        number += 1
    repo["next_number"] = max(repo.get("next_number", 1), number + 1)
