"""Load and validate a rituals file; every problem names the file, the field path and the reason."""

from __future__ import annotations

import difflib
import types
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from fleetops.errors import RitualsError
from fleetops.rituals.models import Rituals
from fleetops.text import TemplateError


# The processes that ship with fleetops, by the name FLEETOPS_RITUALS may give instead of a path.
BUNDLED = {"fleet": "fleet.yml", "fleet-rc": "fleet-rc.yml"}


def bundled_path(name: str = "fleet") -> Path:
    """A rituals file that ships with fleetops (in a checkout: the top-level rituals/).

    `fleet`: the 2024 handbook (merge freeze, ZenHub), the default; `fleet-rc`: the current
    handbook (release candidates, GitHub Projects).
    """
    file = BUNDLED[name]
    packaged = resources.files("fleetops") / "_bundled" / file
    if packaged.is_file():
        return Path(str(packaged))
    # An editable install runs from the source tree, where the file sits at the top.
    return Path(__file__).resolve().parents[3] / "rituals" / file


def resolve_source(value: Path | str | None) -> Path:
    """FLEETOPS_RITUALS's value as a file: a bundled process's name (`fleet`, `fleet-rc`) or a path.

    A bare name is a bundled process; to use a file of that name in the current directory,
    write `./fleet-rc`.
    """
    if value is None or str(value) == "":
        return bundled_path()
    if str(value) in BUNDLED:
        return bundled_path(str(value))
    return Path(value)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


MAX_BYTES = 256_000  # the bundled file is about 7 kB
MAX_NODES = 20_000  # YAML nodes after expanding every alias (the bundled file has 276)
# libyaml's parser when PyYAML has it (about ten times faster), else the pure-Python one.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The environment variables that override fields of the file (SPEC §1), by field path.
OVERRIDE_VARIABLES = {
    "repository": "FLEETOPS_REPO",
    "people.release_dri": "FLEETOPS_RELEASE_DRI",
    "people.oncall": "FLEETOPS_ONCALL",
}


class _TooBig(Exception):
    """The document expands to more nodes than a rituals file can reasonably have."""


class _Duplicate(Exception):
    """A mapping gives one key twice: YAML would keep the last silently."""


class _Loader(_SAFE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader that refuses a document whose aliases expand it beyond MAX_NODES, or a key given twice.

    An alias is a reference, so "billion laughs" composes quickly but is a huge tree to the
    constructor and to pydantic; the expanded size is counted on the composed graph, each node
    once (memoized), before anything is constructed. A node that contains itself is refused too.
    """

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        _expanded_size(node, {}, set())
        return self.construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _Duplicate(f"the key {key!r} is given twice, at lines {seen[key]} and {line} (YAML would keep only the last)")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _count_nodes(text: str) -> None:
    """Refuse a document of more than MAX_NODES nodes while parsing, before any is built."""
    count = 0
    for event in yaml.parse(text, Loader=_SAFE_LOADER):
        if isinstance(event, yaml.NodeEvent):
            count += 1
            if count > MAX_NODES:
                raise _TooBig(f"it has more than {MAX_NODES:,} YAML nodes")


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise _TooBig("an alias refers to a node that contains it")
    open_nodes.add(key)
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, sizes, open_nodes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, sizes, open_nodes) + _expanded_size(v, sizes, open_nodes) for k, v in node.value)
    open_nodes.discard(key)
    if size > MAX_NODES:
        raise _TooBig(f"its aliases expand it to more than {MAX_NODES:,} YAML nodes")
    sizes[key] = size
    return size


def _unwrap(annotation: Any) -> Any:
    """`X | None` and `Annotated[X, ...]` → X."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """A section's keys → what each holds (`rituals:` has one key per registered ritual)."""
    known = getattr(model, "field_models", None)
    return known() if known is not None else {name: info.annotation for name, info in model.model_fields.items()}


def _section_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The section model that `loc` points into (`("boards",)` → Boards), or None."""
    node: Any = Rituals
    for part in loc:
        node = _unwrap(node)
        if get_origin(node) is list and isinstance(part, int):
            node = get_args(node)[0]
        elif get_origin(node) is dict:
            node = get_args(node)[1]
        elif isinstance(node, type) and issubclass(node, BaseModel) and part in _fields(node):
            node = _fields(node)[part]
        else:
            return None
    node = _unwrap(node)
    return node if isinstance(node, type) and issubclass(node, BaseModel) else None


def _unknown_field(loc: tuple[Any, ...]) -> str:
    """A misspelt field: `unknown field (did you mean github_projects?)` when one is close."""
    section = _section_at(loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), list(_fields(section)), n=1, cutoff=0.6) if section else []
    return f"unknown field (did you mean {close[0]}?)" if close else "unknown field"


def _problem(error: Any) -> str:
    """`path: reason`; a template's problem reads as a sentence: `slack.announcement uses {x}, but ...`.

    A check across fields names its own field paths (`boards.backend is zenhub, so
    zenhub.workspaces is required`): it is said as it is, without pydantic's "Value error" prefix.
    """
    cause = (error.get("ctx") or {}).get("error")
    path = _field_path(error["loc"])
    if isinstance(cause, TemplateError):
        return f"{path} {cause}"
    if error.get("type") == "extra_forbidden":
        return f"{path}: {_unknown_field(error['loc'])}"
    if error.get("type") == "string_pattern_mismatch" and "A-Za-z0-9-" in str((error.get("ctx") or {}).get("pattern", "")):
        given = error.get("input")
        at = " (without the @)" if isinstance(given, str) and given.startswith("@") else ""
        return f"{path}: {given!r} is not a GitHub login{at}: letters, digits and hyphens, up to 39"
    if error.get("type") == "value_error":
        message = str(error["msg"]).removeprefix("Value error, ")
        return message if not error["loc"] or message.startswith(path) else f"{path}: {message}"
    return f"{path}: {error['msg']}"


def _problems(err: ValidationError) -> str:
    problems = [_problem(e) for e in err.errors()]
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return f"{'; '.join(problems[:3])}{more}"


def _read(source: Path) -> str:
    try:
        size = source.stat().st_size
        if size > MAX_BYTES:
            raise RitualsError(
                f"rituals file {source} is {size:,} bytes, more than the {MAX_BYTES:,} a rituals file may have.",
                hint="Check FLEETOPS_RITUALS.",
            )
        with source.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # the file may grow between stat and read
        if len(raw) > MAX_BYTES:
            raise RitualsError(f"rituals file {source} is more than the {MAX_BYTES:,} bytes a rituals file may have.")
        return raw.decode("utf-8")
    except FileNotFoundError as err:
        raise RitualsError(f"rituals file {source} does not exist.", hint="Check FLEETOPS_RITUALS.") from err
    except UnicodeDecodeError as err:
        raise RitualsError(f"rituals file {source} is not UTF-8 text (byte {err.start}).") from err
    except OSError as err:
        raise RitualsError(f"rituals file {source} cannot be read: {err.strerror or err}.") from err


def _parse(source: Path, text: str) -> Any:
    try:
        _count_nodes(text)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = " ".join(str(getattr(err, "problem", None) or err).split())  # one line: PyYAML's reader errors span two
        raise RitualsError(f"rituals file {source}:{where} invalid YAML ({problem}).") from err
    except _TooBig as err:
        raise RitualsError(f"rituals file {source} is refused: {err}.") from None
    except _Duplicate as err:
        raise RitualsError(f"rituals file {source}: {err}.", hint="Keep one of them.") from None
    except RecursionError:
        raise RitualsError(f"rituals file {source} is refused: it is nested too deeply.") from None
    except (ValueError, OverflowError) as err:  # a scalar YAML resolves but Python cannot hold: 2024-02-30
        raise RitualsError(f"rituals file {source}: invalid YAML value ({err}).") from None


def load_rituals(path: Path | None = None, *, overrides: dict[str, Any] | None = None) -> Rituals:
    """Read, parse and validate a rituals file, then apply `overrides` (dotted field path → value).

    Overrides (the environment's, see OVERRIDE_VARIABLES) are set on the validated model and the
    result is validated again, so a broken file is reported as the file's problem whatever the
    environment says, and a bad override names its variable.
    """
    source = resolve_source(path)
    data = _parse(source, _read(source))
    if data is None:
        raise RitualsError(f"rituals file {source} is empty.", hint="Start from a copy of rituals/fleet.yml, or unset FLEETOPS_RITUALS for Fleet's own.")
    if not isinstance(data, dict):
        kinds = {"list": "a list", "str": "a single text", "int": "a number", "float": "a number", "bool": "true or false"}
        raise RitualsError(
            f"rituals file {source} holds {kinds.get(type(data).__name__, 'a single value')}, not the fields of a rituals file (version:, repository:, ...).",
            hint="Start from a copy of rituals/fleet.yml.",
        )
    try:
        rituals = Rituals.model_validate(data)
    except ValidationError as err:
        raise RitualsError(f"rituals file {source}: {_problems(err)}.") from None
    except RecursionError:
        raise RitualsError(f"rituals file {source} is refused: it is nested too deeply.") from None
    wanted = {dotted: value for dotted, value in (overrides or {}).items() if value is not None}
    if not wanted:
        return rituals
    merged = rituals.model_dump()
    for dotted, value in wanted.items():
        node = merged
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    try:
        return Rituals.model_validate(merged)
    except ValidationError as err:
        paths = [_field_path(e["loc"]) for e in err.errors()]
        culprits = [d for d in wanted if any(p == d or p.startswith(d + ".") for p in paths)] or list(wanted)
        names = ", ".join(OVERRIDE_VARIABLES.get(d, d) for d in culprits)
        raise RitualsError(
            f"rituals file {source} with the environment's overrides ({names}): {_problems(err)}.",
            hint="Fix the variable's value.",
        ) from None
