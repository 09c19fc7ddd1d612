"""The Release QA issue on the product groups' boards, for rehearsing `release readiness`.

Only worlds whose `WorldSpec.release_qa` names a pipeline per workspace get the issue
(`release-qa`: MDM's QA lead has moved it to "Ready for release" and said so in a comment,
Endpoint ops is still in "Awaiting QA"). The default world has none, so that
`create-qa-issue 4.58.0` can be rehearsed there first; the issue it creates then sits in each
board's first pipeline, as a new issue does on ZenHub.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fleetops.sandbox.services.zenhub import gid
from fleetops.sandbox.world import files
from fleetops.sandbox.world.git import iso
from fleetops.sandbox.world.zenhub import REPO, WORKSPACES

State = dict[str, Any]

QA_LEADS = {"g-mdm": "xpkoala", "g-endpoint-ops": "sabrinabuckets"}


def seed_release_qa_issue(state: State, spec: Any, release: str) -> None:
    """Open `Release QA: <release>` (the sandbox template's labels and QA) and place it on each board."""
    placement: dict[str, str] | None = spec.release_qa
    if not placement:
        return
    repo = state["github"]["repos"][REPO]
    zh = state["zenhub"]
    number = repo["next_number"]
    repo["next_number"] = number + 1
    opened = spec.now - timedelta(days=6)
    body = files.RELEASE_QA_TEMPLATE.split("\n---\n", 1)[1].lstrip("\n")
    comments = []
    for ws_key, pipeline in placement.items():
        if pipeline == "Ready for release" and ws_key in QA_LEADS:
            comments.append(
                {
                    "id": 800000 + number * 10 + len(comments),
                    "body": f"@lukeheath {WORKSPACES[ws_key][2]} is release-ready: smoke tests passed.",
                    "user": QA_LEADS[ws_key],
                    "created_at": iso(spec.now - timedelta(hours=5)),
                }
            )
    repo["issues"].append(
        {
            "id": 600000 + number, "number": number, "title": f"Release QA: {release}", "body": body,
            "state": "open", "state_reason": None, "labels": ["#g-mdm", "#g-endpoint-ops", ":release"],
            "assignees": ["xpkoala", "sabrinabuckets"], "milestone": None, "user": "lukeheath",
            "created_at": iso(opened), "updated_at": iso(opened), "closed_at": None, "comments": comments,
        }
    )
    key = f"{REPO}#{number}"
    zh["issues"][key] = {"id": gid("Issue", 700000 + number), "sprints": [], "estimate": None}
    for ws_key, pipeline in placement.items():
        ws = zh["workspaces"][WORKSPACES[ws_key][0]]
        ws["board"][key] = next(p["id"] for p in ws["pipelines"] if p["name"] == pipeline)
