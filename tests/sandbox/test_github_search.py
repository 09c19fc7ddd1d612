"""The sandbox's issue search reads qualifiers and quoted phrases as GitHub does."""

from __future__ import annotations

from fleetops.sandbox.services.github.search import _search_terms


def test_a_quoted_phrase_with_a_colon_is_text_not_a_qualifier():
    terms = _search_terms('repo:fleetdm/fleet is:issue in:title "Release QA: 4.58.0" -label:bug')
    assert terms == [
        ("repo", "fleetdm/fleet"),
        ("is", "issue"),
        ("in", "title"),
        ("text", "Release QA: 4.58.0"),
        ("-label", "bug"),
    ]
