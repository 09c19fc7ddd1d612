"""Plain data that ops hand to the UI to show (no Rich here: fleetops.render draws it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    style: str = ""


@dataclass
class Facts:
    """What a ritual read and decided, as label/value rows under a heading, before its plan.

    `fold`: long values wrap anywhere (URLs, digests) rather than at the table's default.
    `blank_after`: an empty line under the rows, before the plan.
    """

    rows: list[Fact] = field(default_factory=list)
    heading: str | None = None
    fold: bool = True
    blank_after: bool = False

    def add(self, label: str, value: str, style: str = "") -> None:
        self.rows.append(Fact(label, value, style))


@dataclass(frozen=True)
class Quote:
    """A block of text shown dimmed as it is (an issue body under its step)."""

    text: str


@dataclass(frozen=True)
class RequestLog:
    """The sandbox's request log (`fleetops sandbox requests`): one entry per request served."""

    entries: list[dict[str, Any]]


@dataclass(frozen=True)
class FileDiffs:
    """Unified diffs of files a step will write, shown whole before the confirmation (release prepare)."""

    files: tuple[tuple[str, tuple[str, ...]], ...]  # (path, diff lines without the ---/+++ header)
