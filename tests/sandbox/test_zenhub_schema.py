"""The sandbox's ZenHub schema is a true subset of ZenHub's, and every document fleetops sends is valid in both."""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
    parse,
    validate,
)

from fleetops.clients.zenhub_documents import all_documents
from fleetops.sandbox.services.zenhub import schema as subset_schema
from tests.conftest import DATA


@pytest.fixture(scope="module")
def real_schema():
    return build_schema((DATA / "zenhub-schema.graphql").read_text())


def test_subset_types_fields_and_arguments_exist_in_the_real_schema(real_schema):
    problems = []
    for name, sub in subset_schema().type_map.items():
        if name.startswith("__"):
            continue
        real = real_schema.type_map.get(name)
        if real is None:
            problems.append(f"type {name} is not in ZenHub's schema")
            continue
        if type(real) is not type(sub):
            problems.append(f"{name} is a {type(real).__name__} in ZenHub's schema")
            continue
        if isinstance(sub, GraphQLEnumType):
            problems += [f"{name}.{v} is not a value in ZenHub's schema" for v in sub.values if v not in real.values]
        if isinstance(sub, (GraphQLObjectType, GraphQLInputObjectType)):
            for field_name, field in sub.fields.items():
                real_field = real.fields.get(field_name)
                if real_field is None:
                    problems.append(f"{name}.{field_name} is not in ZenHub's schema")
                elif str(real_field.type) != str(field.type):
                    problems.append(f"{name}.{field_name} is {real_field.type} in ZenHub's schema, {field.type} here")
                for arg_name, arg in getattr(field, "args", {}).items():
                    real_arg = real_field.args.get(arg_name) if real_field else None
                    if real_field and real_arg is None:
                        problems.append(f"{name}.{field_name}({arg_name}) is not in ZenHub's schema")
                    elif real_arg and str(real_arg.type) != str(arg.type):
                        problems.append(f"{name}.{field_name}({arg_name}) is {real_arg.type} in ZenHub's schema")
        if isinstance(sub, GraphQLInputObjectType):
            # an input the sandbox accepts must not lack a field ZenHub requires
            for field_name, field in real.fields.items():
                if str(field.type).endswith("!") and field_name not in sub.fields:
                    problems.append(f"{name}.{field_name} is required by ZenHub but missing here")
        if isinstance(sub, GraphQLScalarType) and not isinstance(real, GraphQLScalarType):
            problems.append(f"{name} is not a scalar in ZenHub's schema")
    assert problems == []


@pytest.mark.parametrize("name", sorted(all_documents()))
def test_every_document_is_valid_against_zenhubs_real_schema(real_schema, name):
    errors = validate(real_schema, parse(all_documents()[name]))
    assert [e.message for e in errors] == []


@pytest.mark.parametrize("name", sorted(all_documents()))
def test_every_document_is_valid_against_the_sandbox_subset(name):
    errors = validate(subset_schema(), parse(all_documents()[name]))
    assert [e.message for e in errors] == []


def test_a_document_zenhub_would_reject_is_caught(real_schema):
    # closeIssues takes an input object, not a bare list; ZenHub answers this with an error
    bad = "mutation { closeIssues(issueIds: [\"x\"]) { successCount } }"
    assert validate(real_schema, parse(bad))
    assert validate(subset_schema(), parse(bad))
