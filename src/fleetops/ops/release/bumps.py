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


def apply_bump(text: str, bump: Bump, version: str) -> tuple[str, str, str]:
    """(new text, from, to): the pattern's one group replaced; anything but exactly one match is bad input."""
    matches = list(re.finditer(bump.pattern, text, re.MULTILINE))
    if len(matches) != 1:
        found = "no line" if not matches else f"{len(matches)} lines"
        raise UsageError(f"{bump.file}: {found} match the version pattern {bump.pattern!r} (exactly one must): nothing was written.",
                         hint="Fix the file, or the pattern in the rituals file (releasing.bumps), then run again.")
    match = matches[0]
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
