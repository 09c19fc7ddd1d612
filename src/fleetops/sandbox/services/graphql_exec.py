"""What the sandbox's two GraphQL services (ZenHub, GitHub Projects) share: the subset schema they
execute on, and root fields dispatched by (type, field)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLError, GraphQLSchema, build_schema, execute, parse, validate


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


@lru_cache(maxsize=512)
def prepared(schema: GraphQLSchema, query: str) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    """The query parsed and validated once per process: (document, errors); no document for a syntax error.

    A client sends the same few documents again and again; parsing and validating one costs the
    sandbox 5 to 20 ms of CPU, which a rehearsal or a benchmark would count as GitHub's latency.
    `execute` only reads the document, so one parsed copy serves every request.
    """
    try:
        document = parse(query)
    except GraphQLError as err:
        return None, (err,)
    return document, tuple(validate(schema, document))


def run(
    schema: GraphQLSchema,
    query: str,
    *,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    context: Any,
    field_resolver: Callable[..., Any],
) -> ExecutionResult:
    """`graphql_sync`, with the parsing and validation of `prepared`: the same result for every query."""
    document, errors = prepared(schema, query)
    if document is None or errors:
        return ExecutionResult(data=None, errors=list(errors))
    result = execute(
        schema, document, variable_values=variables, operation_name=operation_name,
        context_value=context, field_resolver=field_resolver,
    )
    if not isinstance(result, ExecutionResult):  # an async resolver: none of the sandbox's are
        raise TypeError("the sandbox's GraphQL resolvers must be synchronous")
    return result
