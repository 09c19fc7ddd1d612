"""Which product groups are release-ready (handbook: "Indicate your product group is release-ready").

A group is ready when its QA lead has moved the group's smoke-testing ticket to "Ready for
release" (rituals: zenhub.pipelines.ready_for_release) on the group's ZenHub board. The ticket
is the Release QA issue `create-qa-issue` opens: the issue of the rituals repository titled
exactly `<template title prefix> VERSION` (`Release QA: 4.58.0`), found on each board with
its issue search (`app.boards.search`: ZenHub's, open and closed). One issue sits on every
group's board, and each board has its own pipeline for it, so each group reports for itself.

Reads only: the template (for the title) and, per workspace, its board and one search, all at
once. Exit 0 when every group is ready, 3 while any is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any


from fleetops.concurrency import gather
from fleetops.errors import RitualsError
from fleetops.ops.qa.issue import qa_title, read_template
from fleetops.plan import Plan
from fleetops.text import same_name
from fleetops.versions import require_release

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.boards import BoardInfo, Card
    from fleetops.rituals.models import ProductGroup


@dataclass(frozen=True)
class GroupStatus:
    """One product group's answer: ready or not, and why."""

    group: ProductGroup
    workspace: str  # the rituals key of its ZenHub workspace
    ready: bool
    reason: str
    ticket: Card | None = None
    others: int = 0  # more issues with the same title on the board

    @property
    def pipeline(self) -> str | None:
        if self.ticket is None:
            return None
        return self.ticket.column

    def as_json(self) -> dict[str, Any]:
        ticket = None
        if self.ticket is not None:
            ticket = {
                "number": self.ticket.number,
                "url": self.ticket.url,
                "title": self.ticket.title,
                "state": self.ticket.state,
            }
        return {
            "key": self.group.key,
            "name": self.group.name,
            "workspace": self.workspace,
            "qa": list(self.group.qa),
            "ready": self.ready,
            "pipeline": self.pipeline,
            "ticket": ticket,
            "reason": self.reason,
        }


def group_status(group: ProductGroup, workspace: str, board: BoardInfo, found: list[Card], repo: str, title: str, ready_name: str) -> GroupStatus:
    """Pick the group's ticket among the search results and say where it sits."""
    tickets = [i for i in found if i.repo == repo and not i.is_pr and same_name(i.title, title)]
    # An open ticket wins over a closed duplicate; among equals, the oldest (lowest number).
    tickets.sort(key=lambda i: (i.state != "open", i.number))
    if not tickets:
        return GroupStatus(group, workspace, False, f"no issue titled {title!r} on the board")
    ticket, others = tickets[0], len(tickets) - 1
    where = ticket.column or "no pipeline"
    if ticket.state != "open":
        return GroupStatus(group, workspace, False, f"#{ticket.number} is closed", ticket, others)
    if board.column(ready_name, closed=False) is None:
        return GroupStatus(group, workspace, False, f"#{ticket.number} is in {where}; the board has no {ready_name!r} pipeline", ticket, others)
    if ticket.column is not None and same_name(ticket.column, ready_name):
        return GroupStatus(group, workspace, True, f"#{ticket.number} is in {where}", ticket, others)
    return GroupStatus(group, workspace, False, f"#{ticket.number} is in {where}", ticket, others)


@dataclass(frozen=True)
class Readiness:
    """What `release readiness` shows: the ticket's title, the ready pipeline, each group's status."""

    title: str
    ready_name: str
    statuses: list[GroupStatus]


def readiness(app: App, version: str) -> Plan:
    """Read-only: each product group's Release QA ticket and its pipeline; needs_action unless all ready."""
    version = str(require_release(version))
    rituals = app.rituals
    groups = [g for g in rituals.people.product_groups if g.zenhub_workspace]
    if not groups:
        raise RitualsError(
            "the rituals file names no product group with a ZenHub workspace (people.product_groups[].zenhub_workspace).",
            hint="Add each group's zenhub_workspace, as in the bundled rituals/fleet.yml.",
        )
    service = app.boards  # built here, not in the worker threads: a missing token is one clear error
    workspaces = {g.key: rituals.zenhub.workspaces[g.zenhub_workspace] for g in groups}  # type: ignore[index]
    first: dict[str, Any] = gather(
        {
            "template": lambda: read_template(app),
            **{f"board:{key}": (lambda ws=ws: service.find(ws.id)) for key, ws in workspaces.items()},
        }
    )
    title = qa_title(first["template"], version)
    boards: dict[str, BoardInfo] = {key: first[f"board:{key}"] for key in workspaces}

    def search(key: str) -> list[Card]:
        board = boards[key]
        return service.search(board, title, repo=app.repo) if board.shows(app.repo) else []

    found: dict[str, list[Card]] = gather({key: (lambda key=key: search(key)) for key in workspaces})
    ready_name = rituals.zenhub.pipelines.ready_for_release
    statuses = []
    for group in groups:
        board = boards[group.key]
        if not board.shows(app.repo):
            statuses.append(GroupStatus(group, group.zenhub_workspace or "", False, f"{app.repo} is not in the workspace {board.name!r}"))
            continue
        statuses.append(group_status(group, group.zenhub_workspace or "", board, found[group.key], app.repo, title, ready_name))

    all_ready = all(s.ready for s in statuses)
    plan = Plan(
        command="release readiness",
        needs_action=not all_ready,
        extra={"version": version, "title": title, "ready": all_ready, "groups": [s.as_json() for s in statuses]},
    )
    if not app.json_mode:
        app.ui.show(Readiness(title, ready_name, statuses))
    return plan
