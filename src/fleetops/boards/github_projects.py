"""Boards on GitHub Projects (v2): columns are the options of a single-select field (`Status`),
the sprint is an iteration field (`Sprint`), the milestone is the issue's own GitHub milestone.

GitHub cannot filter a project's items, so a board is read whole (100 items per request) once and
filtered here; the read is kept until this object writes. Writes are the changes needed and
nothing else, sent by the client as aliased mutations (≤ 50 per request).

Beyond the `Boards` protocol, this backend's own API (ops reach it through `App.project_boards`):
`issue_cards` (an issue's card on each project), and for rituals that send many changes of several
kinds at once (conclude-milestone) `all_cards`, `archived_cards`, `labels`, and the `*_changes`
methods, which return the changes a write method would send, so that a caller sends those of
several boards and kinds in one `apply` (fewer, fuller documents).

Cards are the board's issues and pull requests that are not archived: drafts, items whose content
the token cannot see (GitHub's `REDACTED`) and archived items are left out (`_listed`). An archived
item is still on its project, though: GitHub answers an add of its issue with it and refuses to
update it until it is unarchived, so `archived_cards` lists them for a caller that must know.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fleetops.boards import BoardInfo, Card, Column, MilestoneLike, Sprint, require_column
from fleetops.clients import github_projects as gp
from fleetops.errors import RitualsError
from fleetops.text import same_name


class GitHubProjectsBoards:
    backend = "github-projects"

    def __init__(
        self,
        client: gp.GitHubProjectsClient,
        org: str,
        *,
        today: date,
        status_field: str = "Status",
        sprint_field: str = "Sprint",
        closed_column: str = "Closed",
    ) -> None:
        self.client = client
        self.org = org
        self.today = today
        self.status_field = status_field
        self.sprint_field = sprint_field
        self.closed_column = closed_column
        self._label_ids: dict[str, dict[str, str]] = {}  # repo → label name → node id (read once)
        self._projects: dict[str, gp.Project] = {}  # board id → project
        self._items: dict[str, list[gp.ProjectItem]] = {}  # board id → every item, until a write
        self._milestones: dict[tuple[str, str], str] = {}  # (repo, title) → milestone node id

    # -- reads ----------------------------------------------------------------------------------------------
    def find(self, key: str | int) -> BoardInfo:
        project = self.client.project(self.org, int(key))
        status = project.field(self.status_field)
        if status is None or status.data_type != "SINGLE_SELECT":
            raise RitualsError(f"project {project.number} ({project.title}) has no single-select field {self.status_field!r}.")
        sprint_field = project.field(self.sprint_field)
        current = sprint_field.current_iteration(self.today) if sprint_field is not None else None
        self._projects[project.id] = project
        columns = tuple(Column(o.id, o.name) for o in status.options)
        closed = next((c for c in columns if same_name(c.name, self.closed_column)), None)
        return BoardInfo(
            key=str(key), id=project.id, name=project.title, columns=columns, closed=closed,
            current_sprint=Sprint(current.id, current.title) if current else None,
        )

    def issue_cards(self, repo: str, number: int) -> dict[str, Card]:
        """One issue's card on every project it is on, by board id (the project's node id, from
        `find`: numbers are unique only per owner, and the issue may be on a user's project 58 too): one query.

        NotFound when the repository has no such issue. Archived items are left out.
        """
        found = self.client.issue_items(repo, number, status_field=self.status_field, sprint_field=self.sprint_field)
        return {item.project_id: _card(item) for item in found.items if _listed(item)}

    def all_cards(self, board: BoardInfo) -> list[Card]:
        """Every issue and pull request on the board, whatever its column (or none); drafts and archived items left out."""
        return [_card(item) for item in self._all_items(board) if _listed(item)]

    def archived_cards(self, board: BoardInfo) -> list[Card]:
        """The board's archived issues and pull requests (still on it: see the module docstring)."""
        return [_card(item) for item in self._all_items(board) if item.archived and item.kind in CONTENT_KINDS]

    def labels(self, repo: str) -> dict[str, str]:
        """The repository's labels, name → node id (read once: the label mutations take ids)."""
        if repo not in self._label_ids:
            self._label_ids[repo] = self.client.label_ids(repo)
        return self._label_ids[repo]

    def _all_items(self, board: BoardInfo) -> list[gp.ProjectItem]:
        if board.id not in self._items:
            self._items[board.id] = self.client.items(board.id, status_field=self.status_field, sprint_field=self.sprint_field)
        return self._items[board.id]

    def cards(
        self, board: BoardInfo, column: Column | str, *, milestone: str | None = None, labels: list[str] | None = None,
        issues_only: bool = False,
    ) -> list[Card]:
        wanted = require_column(board, column)
        out = []
        for item in self._all_items(board):
            if not _listed(item) or item.status_option_id != wanted.id:
                continue
            if issues_only and item.kind == "PullRequest":
                continue
            if milestone is not None and item.milestone != milestone:
                continue
            if labels and not set(labels) & set(item.labels):
                continue
            out.append(_card(item))
        return out

    def search(self, board: BoardInfo, text: str, *, repo: str) -> list[Card]:
        """GitHub cannot search a project's items: the board's items (read whole, once) filtered here."""
        wanted = text.lower()
        return [
            _card(item) for item in self._all_items(board)
            if _listed(item) and item.repo == repo and wanted in item.title.lower()
        ]

    # -- writes ---------------------------------------------------------------------------------------------
    def _field(self, board: BoardInfo, name: str) -> gp.ProjectField:
        project = self._projects.get(board.id) or self.client.project(self.org, int(board.key))
        field = project.field(name)
        if field is None:
            raise RitualsError(f"project {project.number} ({project.title}) has no field {name!r}.")
        return field

    def _apply(self, board: BoardInfo, changes: list[gp.Change]) -> int:
        if changes:
            self.apply(changes)
        return len(changes)

    def apply(self, changes: list[gp.Change]) -> list[dict[str, Any]]:
        """Send changes built by the `*_changes` methods (of any boards): each one's answer, in order.

        Every board read is forgotten: a label or a closed issue shows on each board the issue is on.
        """
        if not changes:
            return []
        self._items.clear()
        return self.client.apply(changes)

    def move(self, board: BoardInfo, cards: list[Card], column: str) -> int:
        return self._apply(board, self.move_changes(board, cards, column))

    def move_changes(self, board: BoardInfo, cards: list[Card], column: str) -> list[gp.Change]:
        target = require_column(board, column)
        field = self._field(board, self.status_field)
        return [
            gp.set_option(board.id, c.board_item_id, field.id, target.id, f"{c.repo}#{c.number} to {target.name} on {board.name}")
            for c in cards if c.column != target.name
        ]

    def set_sprint(self, board: BoardInfo, cards: list[Card], sprint: Sprint) -> int:
        field = self._field(board, self.sprint_field)
        return self._apply(board, [
            gp.set_iteration(board.id, c.board_item_id, field.id, sprint.id, f"{c.repo}#{c.number} into {sprint.name}")
            for c in cards if sprint.id not in c.sprints
        ])

    def remove_milestone(self, board: BoardInfo, cards: list[Card]) -> int:
        return self._apply(board, [
            gp.set_milestone(c.issue_id, None, f"{c.repo}#{c.number} out of {c.milestone}")
            for c in cards if c.milestone is not None and not c.is_pr
        ])

    def add_labels(self, board: BoardInfo, cards: list[Card], labels: list[str]) -> int:
        return self._apply(board, self.label_changes(cards, add=tuple(labels)))

    def remove_labels(self, board: BoardInfo, cards: list[Card], labels: list[str]) -> int:
        return self._apply(board, self.label_changes(cards, remove=tuple(labels)))

    def set_milestone(self, board: BoardInfo, cards: list[Card], milestone: MilestoneLike) -> int:
        changes = []
        for c in cards:
            if c.milestone == milestone.title:
                continue
            key = (c.repo, milestone.title)
            if key not in self._milestones:
                found = self.client.milestone(c.repo, milestone.title)
                if found is None:
                    raise RitualsError(f"{c.repo} has no milestone {milestone.title!r}.")
                self._milestones[key] = found.id
            changes.append(gp.set_milestone(c.issue_id, self._milestones[key], f"{c.repo}#{c.number} into {milestone.title}"))
        return self._apply(board, changes)

    def close(self, board: BoardInfo, cards: list[Card]) -> int:
        """Close the open issues and set Status to the closed column: a project workflow may do the
        latter on GitHub, but that is per-project configuration, so both are explicit."""
        return self._apply(board, self.close_changes(board, cards))

    def close_changes(self, board: BoardInfo, cards: list[Card], *, issues: list[Card] | None = None) -> list[gp.Change]:
        """`close`'s changes; `issues`: the cards whose issues to close (default: every card's), so
        that an issue on two boards is closed once and shown closed on both."""
        field = self._field(board, self.status_field)
        closed = board.closed
        changes = [
            gp.close_issue(c.issue_id, f"closing {c.repo}#{c.number}")
            for c in (cards if issues is None else issues) if c.state == "open" and not c.is_pr
        ]
        if closed is not None:
            changes += [
                gp.set_option(board.id, c.board_item_id, field.id, closed.id, f"{c.repo}#{c.number} to {closed.name} on {board.name}")
                for c in cards if c.column != closed.name
            ]
        return changes

    def unarchive_changes(self, board: BoardInfo, cards: list[Card]) -> list[gp.Change]:
        """Bring archived items back (before any change to them: GitHub refuses updates to an archived item)."""
        return [gp.unarchive_item(board.id, c.board_item_id, f"{c.repo}#{c.number} unarchived on {board.name}") for c in cards]

    def add_changes(self, board: BoardInfo, cards: list[Card]) -> list[gp.Change]:
        """Put the cards' issues on `board` (the caller knows they are not on it: GitHub answers an
        issue already there with its existing item). Each answer carries the new item's id."""
        return [gp.add_item(board.id, c.issue_id, f"{c.repo}#{c.number} onto {board.name}") for c in cards]

    def label_changes(self, cards: list[Card], *, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> list[gp.Change]:
        """Add `add` to and remove `remove` from each card's issue, where it is needed (one change per kind and issue)."""
        changes = []
        for c in cards:
            names = self.labels(c.repo)
            adding = [n for n in add if n not in c.labels]
            removing = [n for n in remove if n in c.labels]
            missing = [n for n in [*adding, *removing] if n not in names]
            if missing:
                raise RitualsError(f"{c.repo} has no label {missing[0]!r} (needed on #{c.number}).")
            if adding:
                changes.append(gp.add_labels(c.issue_id, [names[n] for n in adding], f"{', '.join(adding)} on {c.repo}#{c.number}"))
            if removing:
                changes.append(gp.remove_labels(c.issue_id, [names[n] for n in removing], f"{', '.join(removing)} off {c.repo}#{c.number}"))
        return changes


CONTENT_KINDS = ("Issue", "PullRequest")


def _listed(item: gp.ProjectItem) -> bool:
    """An item that is a card: an issue or pull request the token can see, not archived."""
    return not item.archived and item.kind in CONTENT_KINDS


def _card(item: gp.ProjectItem) -> Card:
    return Card(
        board_item_id=item.id,
        issue_id=item.content_id or "",
        repo=item.repo or "",
        number=item.number or 0,
        title=item.title,
        state="open" if item.state == "OPEN" else "closed",
        is_pr=item.kind == "PullRequest",
        url=item.url or "",
        labels=item.labels,
        assignees=item.assignees,
        milestone=item.milestone,
        column=item.status,
        sprints=(item.sprint_id,) if item.sprint_id else (),
        milestone_number=item.milestone_number,
    )
