"""Test helpers: run the CLI in-process with captured streams; validate against GitHub's OpenAPI."""

from __future__ import annotations

import gzip
import io
import json
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


def default_sigint() -> None:
    """`preexec_fn` of a spawned fleetops: Ctrl-C works as in a terminal, however the suite was started.

    A process started in the background (`cmd &` in a script, some CI runners) inherits SIGINT
    ignored, and Python then keeps it ignored: a SIGINT sent to the child would do nothing.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def failed_run_steps(result: CliResult, failed: str, blocked: list[str], step_ids: list[str], *, not_done: tuple[str, ...] = ()) -> dict[str, Any]:
    """A `--json` run in which step `failed` failed: exit 1 without a traceback, the steps that need it
    not run, every other step of `step_ids` (but `not_done`) done. Returns the steps by id."""
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.output
    steps = {s["id"]: s for s in result.json()["steps"]}
    assert steps[failed]["status"] == "failed"
    for step_id in blocked:
        assert steps[step_id]["status"] == "pending" and steps[step_id]["detail"].startswith("not run: needs "), step_id
    others = [i for i in step_ids if i != failed and i not in blocked and i not in not_done]
    assert all(steps[i]["status"] == "done" for i in others), {i: steps[i]["status"] for i in others}
    return steps


class _Stream(io.StringIO):
    def __init__(self, value: str = "", *, tty: bool = False) -> None:
        super().__init__(value)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def run_cli(args: list[str], *, input: str | None = None, tty: bool = False) -> CliResult:
    """Call fleetops.cli.run(args) with stdin/stdout/stderr replaced; tty=True fakes a terminal."""
    from fleetops.cli import run

    saved = sys.stdin, sys.stdout, sys.stderr
    out, err = _Stream(tty=tty), _Stream(tty=tty)
    sys.stdin = _Stream(input or "", tty=tty)
    sys.stdout, sys.stderr = out, err
    try:
        code = run(args)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return CliResult(code=code, stdout=out.getvalue(), stderr=err.getvalue())


def runbook(help_text: str) -> list[tuple[int, str]]:
    """The numbered entries of a help text: (number, the entry's text with its continuation lines)."""
    entries: list[tuple[int, str]] = []
    continues = False
    for line in help_text.splitlines():
        match = re.match(r"^\s*(\d+)\.\s+(.*)", line)
        if match:
            entries.append((int(match[1]), match[2]))
            continues = True
        elif continues and len(line) - len(line.lstrip()) >= 5 and line.strip():  # an entry's next line
            entries[-1] = (entries[-1][0], entries[-1][1] + " " + line.strip())
        else:
            continues = False
    return entries


def world_time(server: Any) -> datetime:
    """The instant a sandbox world was built at: what a test adds to the world is dated from it, not today."""
    return datetime.fromisoformat(server.state["created_at"].replace("Z", "+00:00"))


def _null_in_nullable_compositions(node: Any) -> Any:
    """Let `null` through where the description says `nullable: true` next to oneOf/anyOf.

    OpenAPI 3.0 means "this value may be null" (GitHub sends `"author": null` for a commit whose
    e-mail belongs to no account), but the validator applies `nullable` only together with
    `type`, so a null fails every branch. Adding a null branch says what the description means.
    """
    if isinstance(node, list):
        return [_null_in_nullable_compositions(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _null_in_nullable_compositions(value) for key, value in node.items()}
    if "array" in (out.get("discriminator") or {}).get("mapping", {}):
        # GET /contents answers a directory with an array, which GitHub's description maps through a
        # discriminator on `type`, a property an array has not: oneOf alone tells the four shapes apart.
        del out["discriminator"]
    if out.get("nullable") is True and "type" not in out:
        for key in ("oneOf", "anyOf"):
            if isinstance(out.get(key), list):
                out[key] = [*out[key], {"type": "string", "nullable": True, "enum": [None]}]
    return out


def openapi_validator(spec_path: Path) -> Any:
    """A sandbox response validator built from GitHub's OpenAPI subset (gzipped JSON)."""
    from openapi_schema_validator import OAS30Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    spec = _null_in_nullable_compositions(json.loads(gzip.decompress(spec_path.read_bytes())))
    registry = Registry().with_resource("urn:gh", Resource.from_contents(spec, default_specification=DRAFT4))
    cache: dict[tuple[str, str, str], Any] = {}

    def schema_for(path: str, method: str, status: str) -> Any:
        key = (path, method, status)
        if key not in cache:
            operation = spec["paths"].get(path, {}).get(method.lower())
            if operation is None:
                cache[key] = "no-operation"
            else:
                response = operation["responses"].get(status)
                if response is None:
                    cache[key] = "no-status" if status.startswith("2") else None
                else:
                    if "$ref" in response:
                        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                    schema = response.get("content", {}).get("application/json", {}).get("schema")
                    if schema is None:
                        cache[key] = None
                    else:
                        text = json.dumps(schema).replace('"#/components', '"urn:gh#/components')
                        cache[key] = OAS30Validator(json.loads(text), registry=registry)
        return cache[key]

    def validate(service: str, template: str, method: str, status: int, body: Any) -> list[str]:
        if service != "github":
            return []
        path = template.replace("+}", "}")
        validator = schema_for(path, method, str(status))
        if validator == "no-operation":
            return [f"{method} {path}: not in GitHub's OpenAPI subset"]
        if validator == "no-status":
            return [f"{method} {path}: status {status} is not a documented response"]
        if validator is None:
            return []
        return [f"{method} {path} -> {status}: {e.message[:200]} at {list(e.absolute_path)[:6]}" for e in validator.iter_errors(body)][:3]

    return validate


def subset_problems(subset: Any, real: Any, service: str) -> list[str]:
    """Where a sandbox's subset GraphQL schema differs from the service's real one (empty: a true subset).

    Every type, enum value, union member, interface, field and argument of the subset must exist in
    the real schema with the same type (and default); what the real schema requires (a non-null
    argument, an input field) must not be missing from the subset.
    """
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLInterfaceType,
        GraphQLObjectType,
        GraphQLUnionType,
    )

    problems: list[str] = []
    for name, sub in subset.type_map.items():
        if name.startswith("__"):
            continue
        found = real.type_map.get(name)
        if found is None:
            problems.append(f"type {name} is not in {service}'s schema")
            continue
        if type(found) is not type(sub):
            problems.append(f"{name} is a {type(found).__name__} in {service}'s schema")
            continue
        if isinstance(sub, GraphQLEnumType):
            problems += [f"{name}.{v} is not a value in {service}'s schema" for v in sub.values if v not in found.values]
        if isinstance(sub, GraphQLUnionType):
            members = {t.name for t in found.types}
            problems += [f"{name} has no member {t.name} in {service}'s schema" for t in sub.types if t.name not in members]
        if isinstance(sub, (GraphQLObjectType, GraphQLInterfaceType)):
            interfaces = {i.name for i in found.interfaces}
            problems += [f"{name} does not implement {i.name} in {service}'s schema" for i in sub.interfaces if i.name not in interfaces]
        if isinstance(sub, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            for field_name, field in sub.fields.items():
                problems += _field_problems(name, field_name, field, found.fields.get(field_name), service)
        if isinstance(sub, GraphQLInputObjectType):
            for field_name, field in found.fields.items():
                if str(field.type).endswith("!") and field_name not in sub.fields:
                    problems.append(f"{name}.{field_name} is required by {service} but missing here")
    return problems


def _field_problems(owner: str, name: str, field: Any, real_field: Any, service: str) -> list[str]:
    if real_field is None:
        return [f"{owner}.{name} is not in {service}'s schema"]
    problems = []
    if str(real_field.type) != str(field.type):
        problems.append(f"{owner}.{name} is {real_field.type} in {service}'s schema, {field.type} here")
    args = getattr(field, "args", {})
    for arg_name, arg in args.items():
        real_arg = real_field.args.get(arg_name)
        if real_arg is None:
            problems.append(f"{owner}.{name}({arg_name}) is not in {service}'s schema")
        elif str(real_arg.type) != str(arg.type) or real_arg.default_value != arg.default_value:
            problems.append(f"{owner}.{name}({arg_name}) is {real_arg.type} = {real_arg.default_value} in {service}'s schema")
    for arg_name, real_arg in getattr(real_field, "args", {}).items():
        if str(real_arg.type).endswith("!") and arg_name not in args:
            problems.append(f"{owner}.{name}({arg_name}) is required by {service} but missing here")
    return problems
