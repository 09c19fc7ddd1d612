"""The draft release's notes: the rituals file's template filled from the changelog, the fleetd tags and checksums.txt.

Fleet's script pasted the changelog, the links and checksums.txt into the body and left the
agent versions out (releasing-facts §1.9); the contributor guide's newest template has them (§4).
`{changelog}` is the CHANGELOG.md section of X.Y.Z at the tag, without its `## Fleet` heading;
the agent versions are the newest regular `orbit-v*` and `fleetd-chrome-v*` tags (by version, not
by date); Fleet Desktop ships with Orbit, at Orbit's version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fleetops.errors import UsageError
from fleetops.ops.deps.parsers import latest_regular_tag
from fleetops.ops.release.changelog import DEFAULT_HEADING, heading_regex
from fleetops.text import fill


@dataclass(frozen=True)
class NotesPreview:
    """The body shown under its step as a diff against the draft's body."""

    title: str
    draft_body: str
    body: str


def changelog_section(changelog: str, version: str, heading: str = DEFAULT_HEADING) -> str:
    """The lines under `## Fleet X.Y.Z (...)` (releasing.changelog.heading) up to the next such heading, stripped."""
    headings = list(re.compile(heading_regex(heading).pattern + r".*$", re.MULTILINE).finditer(changelog))
    for index, found in enumerate(headings):
        if found[1] == version:
            end = headings[index + 1].start() if index + 1 < len(headings) else len(changelog)
            return changelog[found.end() : end].strip()
    raise UsageError(
        f"CHANGELOG.md at the tag has no `{heading.split('{version}', 1)[0]}{version}` section, so the release notes cannot be written.",
        hint="The tag must name the changelog commit of `fleetops release prepare` (see `fleetops release tag`).",
    )


def newest_tag(names: list[str], prefix: str) -> str:
    found = latest_regular_tag(names, prefix)
    if found is None:
        raise UsageError(f"the repository has no regular {prefix}X.Y.Z tag for the release notes' agent section.",
                         hint="Check publishing.*_tag_prefix in the rituals file.")
    return found[0]


def render(template: str, values: dict[str, str]) -> str:
    """The template filled; trailing blank lines trimmed to one newline, as GitHub keeps a body."""
    return fill(template, values).rstrip() + "\n"
