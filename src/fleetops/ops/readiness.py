"""Which product groups are release-ready (handbook: "Indicate your product group is release-ready").

A group is ready when its QA lead has moved the group's smoke-testing ticket to "Ready for
release" (rituals: zenhub.pipelines.ready_for_release) on the group's ZenHub board. The ticket
is the Release QA issue `create-qa-issue` opens: the issue of the rituals repository titled
exactly `<template title prefix> VERSION` (`Release QA: 4.58.0`), found on each board with
ZenHub's issue search (open and closed). One issue sits on every group's board, and each board
has its own pipeline for it, so each group reports for itself.

Reads only: the template (for the title) and, per workspace, its board and one search, all at
once. Exit 0 when every group is ready, 3 while any is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any


from fleetops.concurrency import gather
from fleetops.errors import RitualsError
from fleetops.ops.qa_issue import qa_title, read_template, release_version
from fleetops.plan import Plan

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.zenhub import Board, ZIssue
    from fleetops.rituals.models import ProductGroup


@dataclass(frozen=True)
class GroupStatus:
    """One product group's answer: ready or not, and why."""

    group: ProductGroup
    workspace: str  # the rituals key of its ZenHub workspace
    ready: bool
    reason: str
    ticket: ZIssue | None = None
    others: int = 0  # more issues with the same title on the board

    @property
    def pipeline(self) -> str | None:
        if self.ticket is None:
            return None
        return self.ticket.pipeline.name if self.ticket.pipeline else None

    def as_json(self) -> dict[str, Any]:
        ticket = None
        if self.ticket is not None:
            ticket = {
                "number": self.ticket.number,
                "url": self.ticket.url,
                "title": self.ticket.title,
                "state": self.ticket.state.lower(),
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


def _same(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def group_status(group: ProductGroup, workspace: str, board: Board, found: list[ZIssue], repo: str, title: str, ready_name: str) -> GroupStatus:
    """Pick the group's ticket among the search results and say where it sits."""
    tickets = [i for i in found if i.repo == repo and not i.is_pr and _same(i.title, title)]
    # An open ticket wins over a closed duplicate; among equals, the oldest (lowest number).
    tickets.sort(key=lambda i: (i.state != "OPEN", i.number))
    if not tickets:
        return GroupStatus(group, workspace, False, f"no issue titled {title!r} on the board")
    ticket, others = tickets[0], len(tickets) - 1
    where = ticket.pipeline.name if ticket.pipeline else "no pipeline"
    if ticket.state != "OPEN":
        return GroupStatus(group, workspace, False, f"#{ticket.number} is closed", ticket, others)
    if board.pipeline(ready_name) is None:
        return GroupStatus(group, workspace, False, f"#{ticket.number} is in {where}; the board has no {ready_name!r} pipeline", ticket, others)
    if ticket.pipeline is not None and _same(ticket.pipeline.name, ready_name):
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
    version = release_version(version)
    rituals = app.rituals
    groups = [g for g in rituals.people.product_groups if g.zenhub_workspace]
    if not groups:
        raise RitualsError(
            "the rituals file names no product group with a ZenHub workspace (people.product_groups[].zenhub_workspace).",
            hint="Add each group's zenhub_workspace, as in the bundled rituals/fleet.yml.",
        )
    zenhub = app.clients.zenhub
    workspaces = {g.key: rituals.zenhub.workspaces[g.zenhub_workspace] for g in groups}  # type: ignore[index]
    first: dict[str, Any] = gather(
        {
            "template": lambda: read_template(app),
            **{f"board:{key}": (lambda ws=ws: zenhub.board(ws.id)) for key, ws in workspaces.items()},
        }
    )
    title = qa_title(first["template"], version)
    boards: dict[str, Board] = {key: first[f"board:{key}"] for key in workspaces}

    def search(key: str) -> list[ZIssue]:
        board = boards[key]
        if app.repo not in board.repository_ids:
            return []
        pipelines = [p.id for p in board.pipelines] + [board.closed.id]
        return zenhub.search_issues(workspaces[key].id, title, repository_ids=[board.repository_ids[app.repo]], pipeline_ids=pipelines)

    found: dict[str, list[ZIssue]] = gather({key: (lambda key=key: search(key)) for key in workspaces})
    ready_name = rituals.zenhub.pipelines.ready_for_release
    statuses = []
    for group in groups:
        board = boards[group.key]
        if app.repo not in board.repository_ids:
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
