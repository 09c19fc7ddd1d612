"""The sandbox's ZenHub schema is a true subset of ZenHub's, and every document fleetops sends is valid in both."""

from __future__ import annotations

import pytest
from graphql import build_schema, parse, validate

from fleetops.clients.zenhub_documents import all_documents
from fleetops.sandbox.services.zenhub import schema as subset_schema
from tests.conftest import DATA
from tests.helpers import subset_problems


@pytest.fixture(scope="module")
def real_schema():
    return build_schema((DATA / "zenhub-schema.graphql").read_text())


def test_subset_types_fields_and_arguments_exist_in_the_real_schema(real_schema):
    assert subset_problems(subset_schema(), real_schema, "ZenHub") == []


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
