"""Read a handbook rituals file into `Ritual`s, keeping each value's line from the YAML marks.

The text is composed into a node tree (yaml's SafeLoader), never into Python objects first,
so every problem can name the line of the value it is about. The loader is defensive, as the
file comes from a pull request: at most `MAX_BYTES` of text and `MAX_NODES` nodes, and no
anchors or aliases (a handbook file has no use for them; an alias bomb is refused before it
expands).

`parse` returns the rituals it could read and the problems it found (the lint shows them all);
`load` is the strict form for commands that schedule: it raises `HandbookError` (exit 2) when
the file as a whole cannot be read, and leaves out, with a problem each, rituals it cannot use.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from fleetops.errors import UsageError
from fleetops.handbook.calendar import parse_frequency
from fleetops.handbook.models import AUTO_ISSUE_REPOS, KNOWN_KEYS, REQUIRED, AutoIssue, Problem, Ritual

MAX_BYTES = 1_000_000
MAX_NODES = 50_000
MAX_DEPTH = 50  # a ritual is three levels deep; yaml's composer recurses once per level
LOGIN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$"


class HandbookError(UsageError):
    """A handbook rituals file that cannot be read at all (exit 2); `problem` says where."""

    def __init__(self, message: str, *, hint: str | None = None, file: str = "", line: int = 1) -> None:
        super().__init__(message, hint=hint)
        prefix = f"{file}:{line}: "
        self.problem = Problem(file, line, message.removeprefix(prefix).rstrip("."))


@dataclass
class Parsed:
    file: str
    rituals: list[Ritual] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that counts nodes, bounds nesting, and refuses anchors and aliases."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.nodes = 0
        self.depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001, ANN201 - yaml's signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused("anchors and aliases (& and *) are not allowed in a rituals file", event.start_mark.line + 1)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Refused(f"more than {MAX_NODES} YAML nodes: not a rituals file", event.start_mark.line + 1)
        if self.depth >= MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep: not a rituals file", event.start_mark.line + 1)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _code(character: object) -> str:
    value = ord(character) if isinstance(character, str) else int(character)  # type: ignore[call-overload]
    return f"U+{value:04X}"


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def compose(text: str, file: str) -> Node | None:
    """The YAML node tree of `text`; HandbookError (naming file and line) when it is not YAML."""
    if len(text) > MAX_BYTES:
        raise HandbookError(f"{file}:1: {len(text)} characters, more than the {MAX_BYTES} a rituals file may have.", file=file)
    try:
        loader = _BoundedLoader(text)  # the reader refuses control characters right away
    except yaml.reader.ReaderError as err:
        line = text[: err.position].count("\n") + 1
        raise HandbookError(f"{file}:{line}: not valid YAML (control character {_code(err.character)} is not allowed).", file=file, line=line) from None
    try:
        return loader.get_single_node()
    except _Refused as err:
        raise HandbookError(f"{file}:{err.line}: {err}.", file=file, line=err.line) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        raise HandbookError(
            f"{file}:{line}: not valid YAML ({err.problem or err.context}).", file=file, line=line
        ) from None
    except yaml.reader.ReaderError as err:
        line = text[: err.position].count("\n") + 1
        raise HandbookError(f"{file}:{line}: not valid YAML (control character {_code(err.character)} is not allowed).", file=file, line=line) from None
    except yaml.YAMLError as err:
        raise HandbookError(f"{file}:1: not valid YAML ({str(err).splitlines()[0] if str(err) else type(err).__name__}).", file=file) from None
    finally:
        loader.dispose()


def _scalar(node: Node) -> object:
    """A scalar's Python value (str, int, date, ...) by YAML's own resolution; never raises."""
    if not isinstance(node, ScalarNode):
        return node
    if node.tag == "tag:yaml.org,2002:str":
        return node.value
    try:
        return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
    except Exception:  # noqa: BLE001 - a timestamp such as 2023-02-30 that is no date
        return node.value


def parse(text: str, file: str) -> Parsed:
    """Every ritual that can be read, and every problem found (with its line)."""
    root = compose(text, file)
    out = Parsed(file)
    if root is None:
        return out
    if not isinstance(root, SequenceNode):
        kind = "a mapping" if isinstance(root, MappingNode) else "a single value"
        raise HandbookError(f"{file}:{_line(root)}: expected a list of rituals (`- task: ...`), found {kind}.", file=file, line=_line(root))
    tasks: Counter[str] = Counter()
    first_line: dict[str, int] = {}
    for item in root.value:
        task = _task_of(item)
        if task is not None:
            tasks[task] += 1
            if tasks[task] > 1:
                out.problems.append(Problem(file, _line(item), f"duplicate task {task!r} (first at line {first_line[task]})", task))
            else:
                first_line[task] = _line(item)
        ritual = _ritual(item, file, out.problems)
        if ritual is not None and (task is None or tasks[task] == 1):
            out.rituals.append(ritual)
    return out


def _task_of(node: Node) -> str | None:
    """The task name of a ritual's mapping, as the duplicate check compares them."""
    if not isinstance(node, MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == "task":
            value = _scalar(value_node)
            return value.strip() if isinstance(value, str) and value.strip() else None
    return None


def _ritual(node: Node, file: str, problems: list[Problem]) -> Ritual | None:
    line = _line(node)
    if not isinstance(node, MappingNode):
        problems.append(Problem(file, line, "a ritual must be a mapping of task, startedOn, frequency, description, dri"))
        return None
    values: dict[str, Node] = {}
    keys: dict[str, Node] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node)
        if not isinstance(key, str):
            problems.append(Problem(file, _line(key_node), f"unexpected key {key!r}"))
            continue
        if key in values:
            problems.append(Problem(file, _line(key_node), f"{key} is given twice (lines {_line(keys[key])} and {_line(key_node)})"))
        values[key] = value_node
        keys[key] = key_node
    task_value = _scalar(values["task"]) if "task" in values else None
    task = task_value.strip() if isinstance(task_value, str) and task_value.strip() else None
    before = len(problems)

    def problem(at: Node | int, message: str) -> None:
        problems.append(Problem(file, at if isinstance(at, int) else _line(at), message, task))

    for key, value_node in values.items():
        if key not in KNOWN_KEYS:
            problem(value_node, f"unknown field {key!r} (known: {', '.join(KNOWN_KEYS)})")
    text: dict[str, str] = {}
    for key in REQUIRED:
        if key not in values:
            problem(line, f"{key} is missing" + (f" in {task!r}" if task and key != "task" else ""))
            continue
        value = _scalar(values[key])
        if key == "startedOn":
            continue
        if not isinstance(value, str) or not value.strip():
            problem(values[key], f"{key} must be a non-empty string, not {_shown(value)}")
            continue
        text[key] = value.strip()
    started = None
    if "startedOn" in values:
        started = _date(values["startedOn"])
        if started is None:
            problem(values["startedOn"], f"startedOn {_shown(_scalar(values['startedOn']))} is not a date (use YYYY-MM-DD)")
    if "dri" in text and not _is_login(text["dri"]):
        problem(values["dri"], f"dri {text['dri']!r} is not a GitHub login")
    more = _scalar(values["moreInfoUrl"]) if "moreInfoUrl" in values else None
    if more is not None and not isinstance(more, str):
        problem(values["moreInfoUrl"], f"moreInfoUrl must be a URL or empty, not {_shown(more)}")
        more = None
    auto = _auto_issue(values.get("autoIssue"), keys.get("autoIssue"), text.get("frequency"), values.get("frequency"), problem) if "autoIssue" in values else None
    if len(problems) > before or started is None or len(text) < len(REQUIRED) - 1:
        return None
    return Ritual(
        file=file, line=line, task=text["task"], started_on=started, frequency=text["frequency"],
        description=text["description"], more_info_url=(more or "").strip(), dri=text["dri"], auto_issue=auto,
        lines={key: _line(value) for key, value in values.items()}
        | ({"labels": _line(dict((str(_scalar(k)), v) for k, v in values["autoIssue"].value)["labels"])} if auto else {}),
    )


def _auto_issue(node: Node | None, key: Node | None, frequency: str | None, frequency_node: Node | None, problem) -> AutoIssue | None:  # noqa: ANN001
    """`autoIssue`'s labels and repo; problems about the whole of it name the line of its key."""
    assert node is not None and key is not None
    if isinstance(node, ScalarNode) and _scalar(node) is None:
        problem(key, "autoIssue is empty: give it labels and repo, or remove it")
        return None
    if not isinstance(node, MappingNode):
        problem(node, "autoIssue must be a mapping with labels and repo")
        return None
    fields: dict[str, Node] = {}
    for key_node, value_node in node.value:
        name = _scalar(key_node)
        if name not in ("labels", "repo"):
            problem(key_node, f"unknown autoIssue field {name!r} (known: labels, repo)")
            continue
        fields[str(name)] = value_node
    ok = True
    if frequency is not None and not parse_frequency(frequency).scheduled:
        problem(frequency_node or node, f"autoIssue needs a frequency the scheduler supports, not {frequency!r} ({parse_frequency(frequency).reason})")
        ok = False
    labels: list[str] = []
    label_node = fields.get("labels")
    if label_node is None:
        problem(key, "autoIssue.labels is missing (a list of label names)")
        ok = False
    elif not isinstance(label_node, SequenceNode):
        problem(label_node, f"autoIssue.labels must be a list of strings, not {_shown(_scalar(label_node))}")
        ok = False
    else:
        for item in label_node.value:
            value = _scalar(item)
            if not isinstance(value, str) or not value.strip():
                problem(item, f"autoIssue.labels: {_shown(value)} is not a label name")
                ok = False
            else:
                labels.append(value.strip())
    repo = "fleet"
    if "repo" not in fields:
        problem(key, f"autoIssue.repo is missing: add `repo: fleet` or `repo: confidential` (one of {', '.join(AUTO_ISSUE_REPOS)})")
        ok = False
    else:
        value = _scalar(fields["repo"])
        if value not in AUTO_ISSUE_REPOS:
            problem(fields["repo"], f"autoIssue.repo {_shown(value)} is not one of {', '.join(AUTO_ISSUE_REPOS)}")
            ok = False
        else:
            repo = str(value)
    return AutoIssue(labels=tuple(dict.fromkeys(labels)), repo=repo) if ok else None


def _date(node: Node) -> date | None:
    value = _scalar(node)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()) if len(value.strip()) == 10 else None
        except ValueError:
            return None
    return None


def _is_login(value: str) -> bool:
    import re

    return re.fullmatch(LOGIN, value) is not None and "--" not in value and not value.endswith("-")


def _shown(value: object) -> str:
    if isinstance(value, Node):
        return "a list" if isinstance(value, SequenceNode) else "a mapping"
    if value is None:
        return "empty"
    text = repr(value) if isinstance(value, str) else f"{value!r} ({type(value).__name__})"
    return text if len(text) <= 60 else text[:57] + "..."


def load(text: str, file: str) -> tuple[list[Ritual], list[Problem]]:
    """The rituals a command can schedule, and the problems of the ones it leaves out."""
    parsed = parse(text, file)
    return parsed.rituals, parsed.problems
