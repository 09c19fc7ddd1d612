"""Text templates of the rituals file (`"Upgrade Go to {latest}"`): the one way to fill them.

Not the Release QA issue template (that is `ops/qa/template.py`, a Markdown front-matter parser):
this module fills the rituals file's own short templates, the naming patterns
(`fleet-v{version}`), the dependency issue texts and the Slack announcement.

A template may only use plain `{name}` placeholders (`{{` and `}}` are literal braces): no
attribute or index access, no conversion (`!r`) and no format spec, so filling one never runs
anything but a dictionary lookup. The rituals models call `check` when the file loads, with the
placeholders each template may use, so a typo is exit 2 at load time instead of a crash on
release day; `fill` then cannot fail on a checked template given a value for each of them.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping

_FORMATTER = string.Formatter()


class TemplateError(ValueError):
    """A template that is malformed or uses a placeholder it may not use."""

    def __init__(self, message: str, placeholder: str | None = None) -> None:
        super().__init__(message)
        self.placeholder = placeholder


def pieces(template: str) -> list[tuple[str, str | None]]:
    """(literal text, placeholder name or None) pairs; TemplateError for anything but `{name}`."""
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as err:  # a single `{` or `}`
        raise TemplateError(f"is not a valid template ({err}); double a literal brace: {{{{ or }}}}") from None
    found: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in parsed:
        if name is not None and (not name.isidentifier() or spec or conversion):
            written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise TemplateError(f"uses {written}: only plain {{name}} placeholders are allowed", placeholder=name)
        found.append((literal, name))
    return found


def placeholders(template: str) -> list[str]:
    """The names of the template's placeholders, in order of first use."""
    return list(dict.fromkeys(name for _, name in pieces(template) if name is not None))


def shown(names: Iterable[str]) -> str:
    """`{a} {b}`: placeholders as a person writes them."""
    return " ".join("{" + n + "}" for n in names)


def check(template: str, allowed: Iterable[str], *, required: Iterable[str] = ()) -> str:
    """The template itself when it uses only `allowed` placeholders and every `required` one."""
    allowed = tuple(allowed)
    used = placeholders(template)
    unknown = [n for n in used if n not in allowed]
    if unknown:
        may = f"only {shown(allowed)}" if allowed else "no placeholders"
        raise TemplateError(f"uses {shown(unknown)}, but it may use {may}", placeholder=unknown[0])
    missing = [n for n in required if n not in used]
    if missing:
        raise TemplateError(f"must contain {shown(missing)}", placeholder=missing[0])
    return template


def fill(template: str, values: Mapping[str, object]) -> str:
    """The template with each `{name}` replaced by `str(values[name])`.

    TemplateError names the first placeholder that has no value (for a checked template, only a
    caller that forgot a value can cause that).
    """
    out: list[str] = []
    for literal, name in pieces(template):
        out.append(literal)
        if name is not None:
            if name not in values:
                raise TemplateError(f"uses {{{name}}}, which has no value here", placeholder=name)
            out.append(str(values[name]))
    return "".join(out)


def folded(name: str) -> str:
    """A name as boards and people spell it loosely: case and runs of spaces aside (boards drift)."""
    return " ".join(name.lower().split())


def same_name(a: str | None, b: str) -> bool:
    """Whether `a` names `b` ("Ready  for release" is "ready for release"); None names nothing."""
    return a is not None and folded(a) == folded(b)
