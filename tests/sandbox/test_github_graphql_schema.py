"""The sandbox's GitHub GraphQL schema is a true subset of GitHub's, and every document fleetops sends is valid in both."""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    parse,
    validate,
)

from fleetops.clients.github_projects_documents import MUTATIONS, all_documents, mutation_document
from fleetops.sandbox.services.github_graphql import schema as subset_schema


def test_subset_types_fields_and_arguments_are_githubs(github_graphql_schema):
    real_schema = github_graphql_schema
    problems = []
    for name, sub in subset_schema().type_map.items():
        if name.startswith("__"):
            continue
        real = real_schema.type_map.get(name)
        if real is None:
            problems.append(f"type {name} is not in GitHub's schema")
            continue
        if type(real) is not type(sub):
            problems.append(f"{name} is a {type(real).__name__} in GitHub's schema")
            continue
        if isinstance(sub, GraphQLEnumType):
            problems += [f"{name}.{v} is not a value in GitHub's schema" for v in sub.values if v not in real.values]
        if isinstance(sub, GraphQLUnionType):
            real_members = {t.name for t in real.types}
            problems += [f"{name} has no member {t.name} in GitHub's schema" for t in sub.types if t.name not in real_members]
        if isinstance(sub, (GraphQLObjectType, GraphQLInterfaceType)):
            real_interfaces = {i.name for i in real.interfaces}
            problems += [f"{name} does not implement {i.name} in GitHub's schema" for i in sub.interfaces if i.name not in real_interfaces]
        if isinstance(sub, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            for field_name, field in sub.fields.items():
                real_field = real.fields.get(field_name)
                if real_field is None:
                    problems.append(f"{name}.{field_name} is not in GitHub's schema")
                    continue
                if str(real_field.type) != str(field.type):
                    problems.append(f"{name}.{field_name} is {real_field.type} in GitHub's schema, {field.type} here")
                for arg_name, arg in getattr(field, "args", {}).items():
                    real_arg = real_field.args.get(arg_name)
                    if real_arg is None:
                        problems.append(f"{name}.{field_name}({arg_name}) is not in GitHub's schema")
                    elif str(real_arg.type) != str(arg.type) or real_arg.default_value != arg.default_value:
                        problems.append(f"{name}.{field_name}({arg_name}) is {real_arg.type} = {real_arg.default_value} in GitHub's schema")
                for arg_name, real_arg in getattr(real_field, "args", {}).items():
                    if str(real_arg.type).endswith("!") and arg_name not in getattr(field, "args", {}):
                        problems.append(f"{name}.{field_name}({arg_name}) is required by GitHub but missing here")
        if isinstance(sub, GraphQLInputObjectType):
            for field_name, field in real.fields.items():
                if str(field.type).endswith("!") and field_name not in sub.fields:
                    problems.append(f"{name}.{field_name} is required by GitHub but missing here")
    assert problems == []


@pytest.mark.parametrize("name", sorted(all_documents()))
def test_every_document_is_valid_against_githubs_real_schema(github_graphql_schema, name):
    assert [e.message for e in validate(github_graphql_schema, parse(all_documents()[name]))] == []


@pytest.mark.parametrize("name", sorted(all_documents()))
def test_every_document_is_valid_against_the_sandbox_subset(name):
    assert [e.message for e in validate(subset_schema(), parse(all_documents()[name]))] == []


def test_a_full_batch_of_mutations_is_valid(github_graphql_schema):
    # the client sends up to 50 aliased mutations, templates in any order
    kinds = [list(MUTATIONS)[i % len(MUTATIONS)] for i in range(50)]
    assert validate(github_graphql_schema, parse(mutation_document(kinds))) == []


def test_a_document_github_would_reject_is_caught(github_graphql_schema):
    # items has no filter argument on GitHub: a query that assumes one fails in both schemas
    bad = 'query { node(id: "x") { ... on ProjectV2 { items(first: 10, query: "milestone:4.59.0") { totalCount } } } }'
    assert validate(github_graphql_schema, parse(bad))
    assert validate(subset_schema(), parse(bad))
