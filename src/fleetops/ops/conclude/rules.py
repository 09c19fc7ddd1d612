"""What both board backends of conclude-milestone share: the versions, the milestone's markers, the words of the plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from packaging.version import Version

from fleetops.errors import UsageError
from fleetops.ops.announce import Markers
from fleetops.versions import next_patch, require_release

if TYPE_CHECKING:
    from fleetops.boards import Card
    from fleetops.rituals.models import ProductGroup

T = TypeVar("T")


COMMAND = "release conclude-milestone"
# Durable markers, lines in the milestone's description: the close step writes the first in the
# same request that closes it; the Slack step writes the second before it posts (Slack cannot be
# asked afterwards whether the message arrived) and replaces it by the third once Slack said "ok".
CONCLUDED = "fleetops: concluded"
ANNOUNCING = "fleetops: announcing in Slack"
ANNOUNCED = "fleetops: announced in Slack"
MARKERS = Markers(ANNOUNCING, ANNOUNCED)  # visible lines in the milestone's description


class ColumnNames(Protocol):
    """The columns the board steps name, as the rituals file names them on either backend."""

    @property
    def ready_for_release(self) -> str: ...

    @property
    def confirm_and_celebrate(self) -> str: ...


@dataclass(frozen=True)
class Versions:
    version: str  # the release being concluded, e.g. 4.58.0
    next: str  # the next release, e.g. 4.59.0
    patch: str  # the next patch of this release, e.g. 4.58.1


def parse_versions(version: str, next_version: str | None) -> Versions:
    """Validate VERSION and --next (default: the next minor); bad input is exit 2 before any read."""
    release = require_release(version, "VERSION")
    current = str(release)
    if next_version is None:
        nxt = str(release.next_minor())
    else:
        nxt = str(require_release(next_version, "--next"))
        if Version(nxt) <= Version(current):
            raise UsageError(f"--next {nxt} is not after {current}.", hint="Give the version of the next release, e.g. --next 4.59.0.")
    return Versions(version=current, next=nxt, patch=next_patch(release))


def shared_boards(groups: list[ProductGroup], board: Callable[[ProductGroup], T | None]) -> list[tuple[T, ProductGroup]]:
    """Each product group's board once (`board`: a group's ZenHub workspace or project), in the rituals
    file's order, with the first group on it: two groups that share a board conclude it once, on both backends."""
    first: dict[T, ProductGroup] = {}
    for group in groups:
        key = board(group)
        if key is not None and key not in first:
            first[key] = group
    return list(first.items())


def _numbers(issues: list[Card]) -> list[int]:
    """The issue numbers, sorted, each once (an issue may be on two boards)."""
    return sorted({i.number for i in issues})


def _list(issues: list[Card], *, where: bool = False) -> str:
    if where:
        return ", ".join(f"#{i.number} ({i.column or '?'})" for i in sorted(issues, key=lambda i: i.number))
    return ", ".join(f"#{n}" for n in _numbers(issues))


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"
