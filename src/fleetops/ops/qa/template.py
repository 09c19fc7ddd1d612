"""GitHub issue templates (`.github/ISSUE_TEMPLATE/*.md`): YAML front matter and a Markdown body.

Fleet's templates have drifted over the years, and the parser takes every real version as it
is: `labels` and `assignees` are comma-separated strings (possibly empty, or YAML lists),
the front matter may contain a blank line or end without one, and a label may be glued to the
next one (`'#g-mdm,#g-software:release'`). Such oddities become `warnings` (the caller shows
them); only a template that cannot be read at all (front matter never closed, not text) raises.

The body is cut into sections by ATX headings (`## Fleet core:`): a section runs from its
heading to the next heading of the same or a higher level, ignoring `#` lines inside fenced
code and HTML comments, so a section can be removed or rewritten without touching the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from fleetops.errors import UsageError
from fleetops.text import folded

# libyaml's safe loader when PyYAML has it (about ten times faster), else the pure-Python one.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# GitHub logins: letters, digits and single hyphens, at most 39 characters.
LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
# `#g-software:release`: text, a colon, more text: two labels that lost the comma between them.
GLUED_LABEL = re.compile(r"^(?P<first>[^:\s][^:]*?):(?P<second>[^:\s].*)$")
HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")


class TemplateError(UsageError):
    """The issue template cannot be used (missing, unreadable, or lacking a needed section)."""


@dataclass(frozen=True)
class Heading:
    level: int
    text: str  # as written, without the hashes
    line: int  # index in the body's lines

    @property
    def key(self) -> str:
        return heading_key(self.text)


@dataclass
class IssueTemplate:
    """One parsed template: what GitHub's "New issue" page would prefill."""

    path: str
    name: str = ""
    about: str = ""
    title: str = ""  # the title prefix as written, e.g. 'Release QA:'
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    body: str = ""
    warnings: list[str] = field(default_factory=list)

    def headings(self) -> list[Heading]:
        return headings(self.body)

    def section(self, title: str) -> str | None:
        return section_text(self.body, title)

    def title_prefix(self) -> str:
        """The title before the version: the template's `title`, else its `name` and a colon."""
        if self.title.strip():
            return self.title.strip()
        return f"{self.name.strip()}:" if self.name.strip() else ""


# --- front matter ---------------------------------------------------------------------------------------
def parse_template(text: str, path: str = "") -> IssueTemplate:
    """Parse a Markdown issue template; oddities become warnings, only unreadable text raises."""
    where = path or "the template"
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    template = IssueTemplate(path=path)
    if not lines or lines[0].strip() != "---":
        template.warnings.append(f"{where} has no front matter: no title, labels or assignees to take from it")
        template.body = text.lstrip("\n")
        return template
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise TemplateError(
            f"{where} starts a front matter block ('---') that never ends.",
            hint="Close it with a '---' line, as GitHub expects.",
        )
    front = _front_matter("\n".join(lines[1:end]), template.warnings, where)
    template.body = "\n".join(lines[end + 1 :]).lstrip("\n")
    template.name = _text(front.get("name"))
    template.about = _text(front.get("about"))
    template.title = _text(front.get("title"))
    template.labels = _labels(front.get("labels"), template.warnings, where)
    template.assignees = _assignees(front.get("assignees"), template.warnings, where)
    return template


def _front_matter(block: str, warnings: list[str], where: str) -> dict[str, Any]:
    try:
        data = yaml.load(block, Loader=_SAFE_LOADER) if block.strip() else {}  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" (line {mark.line + 2})" if mark is not None else ""
        warnings.append(f"{where}: the front matter is not valid YAML{at}; read it line by line instead")
        return _front_matter_lines(block)
    if data is None:
        return {}
    if not isinstance(data, dict):
        warnings.append(f"{where}: the front matter is not a set of 'key: value' lines; ignored")
        return {}
    return {str(k): v for k, v in data.items()}


def _front_matter_lines(block: str) -> dict[str, Any]:
    """`key: value` lines, quotes removed: what GitHub itself tolerates."""
    out: dict[str, Any] = {}
    for line in block.split("\n"):
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t", "#")):
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            out[key.strip()] = value
    return out


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def split_list(value: Any) -> list[str]:
    """A comma-separated string or a YAML list → stripped, non-empty, de-duplicated items."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    out: list[str] = []
    for item in items:
        text = str(item).strip() if item is not None else ""
        if text and text not in out:
            out.append(text)
    return out


def _labels(value: Any, warnings: list[str], where: str) -> list[str]:
    labels = split_list(value)
    for label in labels:
        glued = GLUED_LABEL.match(label)
        if glued:
            warnings.append(
                f"{where}: label {label!r} looks like two labels without a comma between them "
                f"({glued['first']!r} and {':' + glued['second']!r})"
            )
    return labels


def _assignees(value: Any, warnings: list[str], where: str) -> list[str]:
    out = []
    for item in split_list(value):
        login = item.removeprefix("@")
        if LOGIN.match(login):
            out.append(login)
        else:
            warnings.append(f"{where}: assignee {item!r} is not a GitHub login; left out")
    return out


def glued_parts(label: str) -> tuple[str, str] | None:
    """`'#g-software:release'` → `('#g-software', ':release')`; None for an ordinary label."""
    glued = GLUED_LABEL.match(label)
    return (glued["first"], ":" + glued["second"]) if glued else None


# --- sections -----------------------------------------------------------------------------------------------
def heading_key(text: str) -> str:
    """How headings are compared: no backticks, emphasis or trailing colon; spaces folded; lower case."""
    return folded(re.sub(r"[`*_]", "", text).strip().rstrip(":").strip())


def headings(body: str) -> list[Heading]:
    """ATX headings of the body, skipping fenced code and HTML comments."""
    found: list[Heading] = []
    fence: str | None = None
    in_comment = False
    for index, line in enumerate(body.split("\n")):
        if in_comment:
            in_comment = "-->" not in line
            continue
        opened = FENCE.match(line)
        if fence is not None:
            if opened and opened["fence"][0] == fence[0] and len(opened["fence"]) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened["fence"]
            continue
        if line.lstrip().startswith("<!--") and "-->" not in line:
            in_comment = True
            continue
        match = HEADING.match(line)
        if match and match["text"].strip():
            found.append(Heading(level=len(match["hashes"]), text=match["text"].strip(), line=index))
    return found


def section_span(body: str, title: str) -> tuple[int, int, Heading] | None:
    """Line range [start, end) of the first section whose heading reads `title`, and its heading."""
    wanted = heading_key(title)
    all_headings = headings(body)
    for position, heading in enumerate(all_headings):
        if heading.key != wanted:
            continue
        end = len(body.split("\n"))
        for later in all_headings[position + 1 :]:
            if later.level <= heading.level:
                end = later.line
                break
        return heading.line, end, heading
    return None


def section_text(body: str, title: str) -> str | None:
    span = section_span(body, title)
    if span is None:
        return None
    start, end, _ = span
    return "\n".join(body.split("\n")[start:end])


def replace_section(body: str, title: str, new_text: str | None) -> str:
    """The body with the section `title` replaced by `new_text` (None removes it); the rest untouched."""
    span = section_span(body, title)
    if span is None:
        raise KeyError(title)
    start, end, _ = span
    lines = body.split("\n")
    before, after = lines[:start], lines[end:]
    middle = [] if new_text is None else new_text.split("\n")
    if not middle:
        # Where a section was cut out, keep a single blank line between its neighbours.
        while before and not before[-1].strip() and after and not after[0].strip():
            after = after[1:]
    return "\n".join(before + middle + after)


def remove_section(body: str, title: str) -> str:
    return replace_section(body, title, None)
