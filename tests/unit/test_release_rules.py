"""The rules of `release tag` and `release publish` that need no server: the rituals file's `publishing:`
section, npm's dist-tag, the changelog section, and the migration rule."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from fleetops.ops.release.guards import BranchState, violations
from fleetops.clients.github_trees import RefFiles
from fleetops.ops.release.migrations import by_line, rule, timestamps
from fleetops.ops.release.notes import changelog_section
from fleetops.ops.release.publish import dist_tag
from fleetops.errors import UsageError
from fleetops.rituals.publishing import Publishing
from fleetops.versions import Release


@pytest.mark.parametrize(
    ("version", "npm_latest", "expected"),
    [
        (Release(4, 58, 1), "4.58.0", "latest"),
        (Release(4, 57, 1), "4.58.0", "last-patched-version"),
        (Release(4, 58, 10), "4.58.9", "latest"),  # by version, not as text
        (Release(4, 9, 1), "4.10.0", "last-patched-version"),
        (Release(4, 58, 1), None, "latest"),
        (Release(4, 58, 1), "v4.59.0", "last-patched-version"),
        (Release(4, 58, 1), "not-a-version", "latest"),
    ],
)
def test_npm_dist_tag_compares_versions(version, npm_latest, expected):
    assert dist_tag(version, npm_latest, "last-patched-version") == expected


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"notes_template": "{changelog}\n{checksum}"}, "checksum"),
        ({"notes_template": "{changelog} only"}, "checksums"),
        ({"osquery_topic": "Fleet {release}"}, "release"),
        ({"announcements": [{"key": "a", "channel": "#a", "text": "x"}, {"key": "a", "channel": "#b", "text": "y"}]}, "unique"),
        ({"announcements": [{"key": "a", "channel": "#a", "text": "{milestone}"}]}, "milestone"),
        ({"announcements": [{"key": "a", "channel": "#a", "text": "x", "webhook_variable": "slack-hook"}]}, "webhook_variable"),
        ({"npm": {"package": "fleetctl", "dist": "x"}}, "dist"),
    ],
)
def test_a_bad_publishing_section_is_refused_naming_what(change, complaint):
    with pytest.raises(ValidationError, match=complaint):
        Publishing.model_validate(change)


def test_the_changelog_section_is_the_versions_only_without_its_heading():
    changelog = "## Fleet 4.58.1 (Dec 01, 2026)\n\n### Bug fixes\n\n- A fix.\n\n## Fleet 4.58.0 (Nov 10, 2026)\n\n- Older.\n"
    assert changelog_section(changelog, "4.58.1") == "### Bug fixes\n\n- A fix."
    assert changelog_section(changelog, "4.58.0") == "- Older."
    with pytest.raises(UsageError, match="no `## Fleet 4.58.2` section"):
        changelog_section(changelog, "4.58.2")


def test_the_migration_rule_flags_only_older_missing_migrations():
    """tag's guard gives migrations.py's rule (the one of check-migrations and prepare) the release branch's R and M."""
    state = BranchState(branch="patch-fleet-v4.58.1", sha="a" * 40, tag="fleet-v4.58.1", tag_commit=None, changelog=None)
    state.release_migrations = {"20240901090000": "t/20240901090000_A.go", "20240801000000": "t/20240801000000_B.go"}
    state.other_migrations = {"main": {"20240801000000": "b", "20240830000000": "t/20240830000000_Late.go", "20240905100000": "n"}}
    found = violations(state)
    assert [m for m, _ in found] == ["20240830000000"]
    assert found[0][1].endswith("renumber 20240830000000_Late.go to 20240901090001")
    pattern = r"^(\d{14})_([A-Za-z0-9_]+?)\.go$"
    assert set(timestamps(["20240830000000_Late.go", "20240830000000_Late_test.go", "README.md", "2024_Bad.go"], pattern)) == {"20240830000000"}


def test_the_rule_reads_each_later_lines_tree_by_the_pattern():
    """The one reading of "R's paths, each later line's tree, then the rule" that check-migrations, prepare and tag's guard share."""
    pattern = r"^(\d{14})_([A-Za-z0-9_]+?)\.go$"
    release = ["s/m/20240901090000_A.go", "s/m/20240801000000_B.go"]
    later = {
        "main": RefFiles("main", "b" * 40, {"s/m": ["20240830000000_Late.go", "20240830000000_Late_test.go", "20240905100000_New.go"]}),
        "minor-fleet-v4.59.0": RefFiles("minor-fleet-v4.59.0", "c" * 40, {"s/m": ["20240830000000_Late.go"], "s/other": None}),
    }
    r, m = by_line(release, later, pattern)
    assert r == {"20240901090000": "s/m/20240901090000_A.go", "20240801000000": "s/m/20240801000000_B.go"}
    assert m == {"main": {"20240830000000": "s/m/20240830000000_Late.go", "20240905100000": "s/m/20240905100000_New.go"},
                 "minor-fleet-v4.59.0": {"20240830000000": "s/m/20240830000000_Late.go"}}
    [found] = rule(release, later, pattern)
    assert (found.timestamp, found.proposed, found.branches) == ("20240830000000", "20240901090001", ("main", "minor-fleet-v4.59.0"))
    assert rule(["s/m/20240905100000_New.go", *release], later, pattern)[0].proposed == "20240905100001"
