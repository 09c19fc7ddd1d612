"""fleetops.versions: X.Y.Z releases, next versions, and names made from the rituals file's patterns."""

from __future__ import annotations

import pytest
from packaging.version import Version

from fleetops.versions import Release, next_patch, parse_release, pattern_regex, release_name, release_text, version_in


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.58.0", Release(4, 58, 0)),
        ("v4.58.0", Release(4, 58, 0)),
        ("  4.58.0\n", Release(4, 58, 0)),
        ("4.058.0", Release(4, 58, 0)),  # leading zeros dropped
        ("4.58", None),
        ("4.58.0.1", None),
        ("V4.58.0", None),
        ("fleet-v4.58.0", None),
        ("4.58.0-rc1", None),
        ("", None),
    ],
)
def test_parse_release(text, expected):
    assert parse_release(text) == expected


def test_release_text_keeps_what_was_written():
    assert release_text("v4.058.0") == "4.058.0"
    assert release_text(" 4.58.0") is None  # exact: callers strip


def test_releases_compare_as_versions_and_have_next_versions():
    assert Release(4, 9, 0) < Release(4, 10, 0) < Release(5, 0, 0)
    assert str(Release(4, 58, 3).next_minor()) == "4.59.0"
    assert str(Release(4, 58, 3).next_patch()) == "4.58.4"
    assert Release(4, 58, 0).version == Version("4.58.0")


@pytest.mark.parametrize(("given", "expected"), [(Version("1.34.0"), "1.34.1"), (Version("1.34"), "1.34.1"), ("4.58.9", "4.58.10"), (Release(1, 2, 3), "1.2.4")])
def test_next_patch(given, expected):
    assert next_patch(given) == expected


def test_names_from_patterns():
    assert release_name("fleet-v{version}", "4.58.0") == "fleet-v4.58.0"
    assert release_name("patch-fleet-v{version}", Release(4, 58, 1)) == "patch-fleet-v4.58.1"
    assert release_name("{version}-tentative", "4.59.0") == "4.59.0-tentative"


def test_pattern_regex_captures_the_version_and_escapes_the_rest():
    regex = pattern_regex("{version}-tentative")
    assert regex.match("4.58.0-tentative")["version"] == "4.58.0"
    assert regex.match("4.58.0-tentativeX") is None
    assert pattern_regex("v{version} (a.b)").match("v1.2.3 (a.b)") is not None
    assert pattern_regex("v{version} (a.b)").match("v1.2.3 (aXb)") is None  # "." is literal
    twice = pattern_regex("{version}/{version}")
    assert twice.match("1.2.3/1.2.3") is not None and twice.match("1.2.3/1.2.4") is None


def test_version_in_tries_each_pattern():
    assert version_in("fleet-v4.58.0", ("fleet-v{version}", "v{version}")) == "4.58.0"
    assert version_in("v4.58.0", ("fleet-v{version}", "v{version}")) == "4.58.0"
    assert version_in("fleet-v4.58", ("fleet-v{version}",)) is None
    assert version_in("fleet-v4.58.0\n", ("fleet-v{version}",)) is None
