"""Which product groups are release-ready, on GitHub Projects boards (FLEETOPS_RITUALS=fleet-rc).

The current handbook (releases.md@800f895): each group's QA lead moves the Release QA ticket
(`candidate.qa_issue_title`: `Release QA: 4.59.0`) to "Ready for release"
(`boards.github_projects.ready_for_release`) on the group's project
(`people.product_groups[].project`). One issue is on every group's project, with its own Status on
each, so each group reports for itself.

The ticket is found as the ZenHub path finds it (ops/qa/readiness.py): the issue titled exactly so,
open or closed; an open one wins over a closed duplicate, and among equals the oldest. A closed
ticket is reported, with its Status on each project, as not ready ("#N is closed"): a group's QA
is not done by closing the issue, and the release DRI should see that it was closed.

Reads only, through the board interface (`app.boards`): the issues with that title (one search,
open or closed, plus the newest open issues for a ticket too new to be searchable) and, at the same
time, each group's project (its node id), then the ticket's cards on every project at once (one
GraphQL query). A card belongs to a group when its project's node id is the group's: project
numbers are unique only per owner, and the ticket may also be on a user's or another
organization's project of the same number. Exit 0 when every group is ready, 3 while any is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fleetops.concurrency import gather
from fleetops.errors import NotFound, RitualsError
from fleetops.plan import Plan
from fleetops.text import same_name
from fleetops.versions import require_release
from fleetops.views import Facts

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.boards import Card
    from fleetops.clients.github import IssueInfo
    from fleetops.rituals.models import ProductGroup


def group_status(group: ProductGroup, card: Card | None, ticket: IssueInfo | None, title: str, ready_name: str) -> dict[str, Any]:
    status = card.column if card is not None else None
    number = ticket.number if ticket is not None else None
    if ticket is None:
        ready, reason = False, f"no issue titled {title!r}"
    elif ticket.state != "open":
        ready, reason = False, f"#{number} is closed"
    elif card is None:
        ready, reason = False, f"#{number} is not on project {group.project}"
    elif status is None:
        ready, reason = False, f"#{number} has no Status on project {group.project}"
    else:
        ready, reason = same_name(status, ready_name), f"#{number} is in {status}"
    return {
        "key": group.key, "name": group.name, "project": group.project, "qa": list(group.qa), "ready": ready,
        "status": status, "ticket": number, "reason": reason,
    }


def _board_id(boards: Any, project: int | None) -> str | None:
    """The node id of a group's project; None when it has none or GitHub has no such project (its ticket is then "not on" it)."""
    if project is None:
        return None
    try:
        return boards.find(project).id
    except (NotFound, RitualsError):
        return None


def readiness_on_projects(app: App, version: str) -> Plan:
    """Read-only: the Release QA ticket's Status on each group's project; needs_action unless all ready."""
    version = str(require_release(version))
    rituals = app.rituals
    projects, candidate = rituals.boards.github_projects, rituals.candidate
    if projects is None or candidate is None:
        raise RitualsError("readiness on GitHub Projects needs boards.github_projects and the candidate section in the rituals file.")
    groups = [g for g in rituals.people.product_groups if g.key in rituals.qa.product_groups]
    title = candidate.qa_issue_title.format(version=version)
    boards, github = app.project_boards, app.clients.github  # GH_TOKEN without the project scope: exit 4 at the first query
    reads: dict[str, Any] = {"found": lambda: github.open_issues_titled([title], closed_too=True)[title]}  # open first, then oldest
    reads.update({f"board:{g.key}": (lambda g=g: _board_id(boards, g.project)) for g in groups})
    read = gather(reads)
    ticket = read["found"][0] if read["found"] else None
    cards = boards.issue_cards(app.repo, ticket.number) if ticket is not None else {}
    statuses = [group_status(g, cards.get(read[f"board:{g.key}"] or ""), ticket, title, projects.ready_for_release) for g in groups]
    all_ready = all(s["ready"] for s in statuses)
    plan = Plan(
        command="release readiness",
        needs_action=not all_ready,
        extra={
            "version": version, "title": title, "ready": all_ready,
            "ticket": {"number": ticket.number, "url": ticket.url, "title": ticket.title, "state": ticket.state} if ticket else None,
            "groups": statuses,
        },
    )
    if not app.json_mode:
        facts = Facts(heading=f"Release readiness: {title!r} in {projects.ready_for_release!r} on each group's project", blank_after=True)
        for s in statuses:
            mark = "ready" if s["ready"] else "waiting"
            qa = ", ".join(f"@{q}" for q in s["qa"])
            facts.add(f"{s['name']} ({s['project']})", f"{mark}: {s['reason']} (QA {qa})", "green" if s["ready"] else "yellow")
        app.ui.show(facts)
    return plan
