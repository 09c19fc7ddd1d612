"""Load and validate a rituals file; every problem names the file, the field path and the reason."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from fleetops.errors import RitualsError
from fleetops.rituals.models import Rituals


def bundled_path() -> Path:
    """The rituals file that ships with fleetops (in a checkout: the top-level rituals/)."""
    packaged = resources.files("fleetops") / "_bundled" / "fleet.yml"
    if packaged.is_file():
        return Path(str(packaged))
    # An editable install runs from the source tree, where the file sits at the top.
    return Path(__file__).resolve().parents[3] / "rituals" / "fleet.yml"


def _field_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def load_rituals(path: Path | None = None, *, overrides: dict[str, Any] | None = None) -> Rituals:
    """Read, parse and validate a rituals file; `overrides` are dotted paths set after reading."""
    source = path or bundled_path()
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise RitualsError(f"rituals file {source} does not exist.", hint="Check FLEETOPS_RITUALS.") from err
    except OSError as err:
        raise RitualsError(f"rituals file {source} cannot be read: {err.strerror}.") from err
    try:
        # libyaml's loader when PyYAML has it: the same safe subset, parsed ~15x faster (start-up).
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise RitualsError(f"rituals file {source}:{where} invalid YAML ({problem}).") from err
    if not isinstance(data, dict):
        raise RitualsError(f"rituals file {source}: expected a mapping at the top level, got {type(data).__name__}.")
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    try:
        return Rituals.model_validate(data)
    except ValidationError as err:
        problems = [f"{_field_path(e['loc'])}: {e['msg']}" for e in err.errors()]
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise RitualsError(f"rituals file {source}: {'; '.join(problems[:3])}{more}.") from err
