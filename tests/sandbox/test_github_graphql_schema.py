"""The sandbox's GitHub GraphQL schema is a true subset of GitHub's, and every document fleetops sends is valid in both."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from fleetops.clients import github_links, github_trees
from fleetops.clients.github_projects_documents import MUTATIONS, mutation_document
from fleetops.clients.github_projects_documents import all_documents as projects_documents
from fleetops.sandbox.services.github_graphql import schema as subset_schema
from tests.helpers import subset_problems


def all_documents() -> dict[str, str]:
    """Every GitHub GraphQL document fleetops sends: Projects, and the release's links and trees (issue 21)."""
    return {**projects_documents(), **github_links.all_documents(), **github_trees.all_documents()}


def test_subset_types_fields_and_arguments_are_githubs(github_graphql_schema):
    assert subset_problems(subset_schema(), github_graphql_schema, "GitHub") == []


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
