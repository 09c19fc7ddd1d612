"""What the sandbox's two GraphQL services (ZenHub, GitHub Projects) share: the subset schema they
execute on, and root fields dispatched by (type, field)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from graphql import GraphQLSchema, build_schema


@cache
def subset_schema(filename: str) -> GraphQLSchema:
    """A subset schema shipped in the package (fleetops/sandbox/FILENAME), built once per process."""
    text = (resources.files("fleetops.sandbox") / filename).read_text(encoding="utf-8")
    return build_schema(text)


def field_resolver(roots: Mapping[tuple[str, str], Callable[..., Any]]) -> Callable[..., Any]:
    """Root fields go to `roots`; dict fields may be callables that take the field's arguments."""

    def resolve(source: Any, info: Any, **args: Any) -> Any:
        key = (info.parent_type.name, info.field_name)
        if key in roots:
            return roots[key](info.context, info, **args)
        value = source.get(info.field_name) if isinstance(source, dict) else getattr(source, info.field_name, None)
        return value(info, **args) if callable(value) else value

    return resolve
