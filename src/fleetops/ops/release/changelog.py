"""The new `CHANGELOG.md` section from Fleet's `changes/` files, as pure code (SPEC §2 step 4).

Fleet's release script assembles nothing any more (its ChatGPT call is commented out, so its
section says `null`; releasing-facts.md §12.1). Here: each change file's non-blank lines, a first
line without a bullet gets `- `, `* ` becomes `- `, continuation lines keep their indent; files in
name order; the heading `## Fleet X.Y.Z (Mon DD, YYYY)` with the date in the handbook's time zone.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from fleetops.errors import UsageError
from fleetops.rituals.releasing import Changelog
from fleetops.text import fill, pieces
from fleetops.versions import RELEASE_PATTERN

DEFAULT_HEADING = Changelog().heading  # `## Fleet {version} ({date})`


def heading_regex(heading: str = DEFAULT_HEADING) -> re.Pattern[str]:
    """How a `releasing.changelog.heading` line is read back: its text before {version} (another placeholder: any text), then X.Y.Z."""
    parts = []
    for literal, name in pieces(heading):
        parts.append(re.escape(literal))
        if name == "version":
            return re.compile("^" + "".join(parts) + "(" + RELEASE_PATTERN + r")\b")
        if name is not None:
            parts.append(".+?")
    raise UsageError(f"the changelog heading {heading!r} has no {{version}}.", hint="Fix releasing.changelog.heading in the rituals file.")


@dataclass(frozen=True)
class ChangeFile:
    path: str
    data: bytes


@dataclass(frozen=True)
class Section:
    """What the changelog step writes: the section text, the entries, the change files it consumes."""

    text: str
    entries: list[str]  # one per change file, its lines joined
    consumed: list[str]
    warnings: list[str]


def entry_lines(change: ChangeFile) -> list[str]:
    """One change file as changelog lines; binary or undecodable is bad input naming the file."""
    if b"\x00" in change.data:
        raise UsageError(f"{change.path} is a binary file, not a change file.", hint="Remove it from the changes directory (or replace it by text), commit, and run again.")
    try:
        text = change.data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{change.path} is not UTF-8 text.", hint="Save it as UTF-8, commit, and run again.") from None
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    out = []
    for index, line in enumerate(lines):
        if line.startswith("* "):
            line = "- " + line[2:]
        elif index == 0 and not line.startswith("- "):
            line = "- " + line
        out.append(line)
    return out


def build_section(version: str, day: date, changes: list[ChangeFile], *, headings: list[str], heading: str, date_format: str) -> Section:
    """The section for `version`: heading, blank, sub-headings, the entries (under the last sub-heading), blank."""
    entries: list[str] = []
    lines: list[str] = []
    warnings: list[str] = []
    for change in sorted(changes, key=lambda c: c.path):
        found = entry_lines(change)
        if not found:
            warnings.append(f"{change.path} is empty: no entry (deleted with the others)")
        else:
            entries.append("\n".join(found))
        lines += found
    title = fill(heading, {"version": version, "date": day.strftime(date_format)})
    out = [title, ""]
    for index, sub in enumerate(headings):
        out += [sub, ""]
        if index == len(headings) - 1 and lines:
            out += [*lines, ""]
    if not headings:
        out += [*lines, ""] if lines else []
    return Section("\n".join(out) + "\n", entries, sorted(c.path for c in changes), warnings)


def heading_version(changelog: str, heading: str = DEFAULT_HEADING) -> str | None:
    """The version of the text's first line when it is a `heading` line, `## Fleet X.Y.Z` (prepare's, --edit's and tag's one check), else None."""
    first = next((line for line in changelog.splitlines() if line.strip()), None)
    match = heading_regex(heading).match(first or "")
    return match.group(1) if match else None


def first_version(changelog: str, path: str = "CHANGELOG.md", heading: str = DEFAULT_HEADING) -> str:
    """The version of the first `## Fleet` heading; a file that does not start with one is bad input."""
    found = heading_version(changelog, heading)
    if found is None:
        first = next((line for line in changelog.splitlines() if line.strip()), None)
        shown = (first or "(empty file)")[:60]
        wanted = fill(heading, {"version": "X.Y.Z", "date": "date"})
        raise UsageError(f"{path} does not start with a {wanted!r} heading (its first line: {shown!r}).",
                         hint=f"Fix the top of {path} on the branch (its first line must be the newest release's heading), then run again.")
    return found


def with_section(changelog: str, section: Section, version: str, path: str = "CHANGELOG.md", heading: str = DEFAULT_HEADING) -> str | None:
    """The changelog with `section` on top, or None when its first heading is `version` already (kept)."""
    if first_version(changelog, path, heading) == version:
        return None
    return section.text + changelog.lstrip("\n")


def edit_section(section: Section, version: str, editor: str | None, heading: str = DEFAULT_HEADING) -> Section:
    """`--edit`: the person's $EDITOR on the section; what they save must still start with the release's heading."""
    if not editor:
        raise UsageError("--edit needs an editor: $EDITOR (or $VISUAL) is not set.", hint="Set EDITOR, e.g. EDITOR=vim, or run without --edit.")
    with tempfile.TemporaryDirectory(prefix="fleetops-changelog-") as folder:
        path = Path(folder) / "CHANGELOG-section.md"
        path.write_text(section.text, encoding="utf-8")
        try:
            done = subprocess.run([*shlex.split(editor), str(path)], check=False)  # noqa: S603 - the person's own editor
        except OSError as err:
            raise UsageError(f"the editor {editor!r} could not be started ({err.strerror or err}).", hint="Fix EDITOR, or run without --edit.") from None
        if done.returncode != 0:
            raise UsageError(f"the editor {editor!r} exited with {done.returncode}: nothing was written.", hint="Run again to edit the section again.")
        text = path.read_text(encoding="utf-8")
    if heading_version(text, heading) != version:
        raise UsageError(f"the edited section must start with the heading of {version}: nothing was written.", hint="Run again and keep its first line.")
    return replace(section, text=text.rstrip("\n") + "\n\n")


def editor_from(environ: dict[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    return env.get("VISUAL") or env.get("EDITOR")
