"""Version bumps as pure code: one targeted edit per pattern of the rituals file (SPEC §2 step 5).

Fleet's script replaced the old version string everywhere (`ack | xargs sed`), which once rewrote
AWS provider pins across the repository and comments in the script itself (releasing-facts.md
§8, §12.8). Here each pattern of `releasing.bumps` must match exactly once in its file, only its
one group (the version) changes, and a JSON or YAML file must still parse afterwards; no other
file is read or written.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import yaml

from fleetops.errors import UsageError
from fleetops.versions import parse_release

if TYPE_CHECKING:
    from fleetops.rituals.releasing import Bump


@dataclass
class FileEdit:
    """One file's new text and the versions that changed in it."""

    path: str
    before: str
    after: str
    changes: list[tuple[str, str]] = field(default_factory=list)  # (from, to)

    def diff(self) -> list[str]:
        return list(difflib.unified_diff(self.before.splitlines(), self.after.splitlines(), f"a/{self.path}", f"b/{self.path}", lineterm=""))


def _target(old: str, bump: Bump, version: str) -> str:
    prefix = "v" if old.startswith("v") else ""
    if bump.to == "release":
        return prefix + version
    release = parse_release(old)
    if release is None:
        raise UsageError(f"{bump.file}: {old!r} is not a version X.Y.Z, so its patch number cannot be raised.",
                         hint="Fix the file or the bump's pattern in the rituals file (releasing.bumps).")
    return prefix + str(release.next_patch())


def _parses(path: str, text: str, kind: str) -> None:
    try:
        if kind == "json":
            json.loads(text)
        elif kind == "yaml":
            yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as err:
        first = str(err).splitlines()[0]
        raise UsageError(f"{path} would no longer parse as {kind.upper()} after the version bump ({first}): nothing was written.",
                         hint="Fix the file or the bump's pattern in the rituals file (releasing.bumps).") from None


def matches(bump: Bump, text: str) -> list[re.Match[str]]:
    """Where the bump's pattern matches (exactly one is right, for prepare's edit and tag's guard alike)."""
    return list(re.finditer(bump.pattern, text, re.MULTILINE))


def carry_problems(bumps: list[Bump], version: str, read: Callable[[str], str | None]) -> list[str]:
    """Tag's guard: each `to: release` version file carries exactly one X.Y.Z (with the file's own `v`); one line per file that does not."""
    problems = []
    for bump in bumps:
        if bump.to != "release":
            continue  # the chart's own version is the file's own count, not X.Y.Z
        content = read(bump.file)
        found = [m.group(1) for m in matches(bump, content or "")]
        if content is None:
            problems.append(f"{bump.file} is missing")
        elif [f.removeprefix("v") for f in found] != [version]:
            problems.append(f"{bump.file} carries {', '.join(found) or 'no version'}, not exactly one v{version}")
    return problems


def apply_bump(text: str, bump: Bump, version: str) -> tuple[str, str, str]:
    """(new text, from, to): the pattern's one group replaced; anything but exactly one match is bad input."""
    hits = matches(bump, text)
    if len(hits) != 1:
        found = "no line" if not hits else f"{len(hits)} lines"
        raise UsageError(f"{bump.file}: {found} match the version pattern {bump.pattern!r} (exactly one must): nothing was written.",
                         hint="Fix the file, or the pattern in the rituals file (releasing.bumps), then run again.")
    match = hits[0]
    old = match.group(1)
    new = _target(old, bump, version)
    return text[: match.start(1)] + new + text[match.end(1) :], old, new


def plan_bumps(bumps: list[Bump], version: str, read: Callable[[str], str | None]) -> list[FileEdit]:
    """Every version file's edit, files in the rituals file's order; `read(path)` gives a file's text (None: missing)."""
    edits: dict[str, FileEdit] = {}
    for bump in bumps:
        edit = edits.get(bump.file)
        if edit is None:
            text = read(bump.file)
            if text is None:
                raise UsageError(f"{bump.file} (a version file of the rituals file) does not exist on the branch.",
                                 hint="Fix releasing.bumps in the rituals file, or the branch.")
            edit = edits[bump.file] = FileEdit(bump.file, text, text)
        edit.after, old, new = apply_bump(edit.after, bump, version)
        edit.changes.append((old, new))
        _parses(bump.file, edit.after, bump.format)
    return [e for e in edits.values() if e.after != e.before]
