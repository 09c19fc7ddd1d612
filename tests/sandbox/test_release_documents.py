"""clients/github_trees.py's and github_links.py's documents validate against GitHub's real schema and the sandbox's subset."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from fleetops.clients import github_links, github_trees
from fleetops.sandbox.services.github_graphql import schema as subset_schema


def all_documents():
    return {**github_trees.all_documents(), **github_links.all_documents()}


@pytest.mark.parametrize("name", sorted(all_documents()))
def test_valid_against_githubs_real_schema(github_graphql_schema, name):
    assert [e.message for e in validate(github_graphql_schema, parse(all_documents()[name]))] == []


@pytest.mark.parametrize("name", sorted(all_documents()))
def test_valid_against_the_sandbox_subset(name):
    assert [e.message for e in validate(subset_schema(), parse(all_documents()[name]))] == []
