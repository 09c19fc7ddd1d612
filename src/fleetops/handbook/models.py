"""A handbook ritual and a problem found in a rituals file, as small frozen dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath

# The repositories `autoIssue.repo` may name, under the owner of the configured repository.
AUTO_ISSUE_REPOS = ("fleet", "confidential")
REQUIRED = ("task", "startedOn", "frequency", "description", "dri")
KNOWN_KEYS = (*REQUIRED, "moreInfoUrl", "autoIssue")


@dataclass(frozen=True)
class AutoIssue:
    labels: tuple[str, ...]
    repo: str  # fleet or confidential ("fleet" when a 2023 file names none; `check` reports that)


@dataclass(frozen=True)
class Ritual:
    file: str  # where it was read: a local path or the path in the repository
    line: int  # 1-based line of the ritual's mapping
    task: str
    started_on: date
    frequency: str  # as written (YAML comments are already gone)
    description: str
    more_info_url: str
    dri: str
    auto_issue: AutoIssue | None = None
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False)  # field → line of its value

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)

    @property
    def file_name(self) -> str:
        """`engineering.rituals.yml`: the same for a local checkout and the repository."""
        return PurePosixPath(self.file.replace("\\", "/")).name

    @property
    def department(self) -> str:
        return department_of(self.file)


def department_of(file: str) -> str:
    """`engineering` from `.../engineering.rituals.yml`; the folder for the 2023 `rituals.yml`."""
    path = PurePosixPath(file.replace("\\", "/"))
    stem = path.name.split("@", 1)[0].removesuffix(".yml").removesuffix(".yaml").removesuffix(".rituals")
    if stem == "rituals":
        return path.parent.name or "company"
    return stem


@dataclass(frozen=True)
class Problem:
    """One finding of the lint: `file:line: message`."""

    file: str
    line: int
    message: str
    task: str | None = None  # the ritual it belongs to, when there is one

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "problem": self.message, "task": self.task}
