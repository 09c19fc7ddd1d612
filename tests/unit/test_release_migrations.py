"""The migrations rule (ops/release/migrations.py), on Fleet's real shapes of file names."""

from __future__ import annotations

from fleetops.ops.release.migrations import timestamps, violations
from fleetops.rituals.releasing import Migrations

PATTERN = Migrations().pattern
T = "server/datastore/mysql/migrations/tables/"


def test_timestamps_keep_migrations_only():
    found = timestamps([
        T + "20250609112613_AddChallengesTable.go",
        T + "20250609112613_AddChallengesTable_test.go",
        T + "migration.go",
        T + "20220915165115_AppleMDMTables_nanodep.sql",
        T + "20191010101639_AddHostExpiryToAppConfig.go.go",
    ], PATTERN)
    assert found == {"20250609112613": T + "20250609112613_AddChallengesTable.go"}


def test_an_older_migration_not_in_the_release_is_a_violation_with_consecutive_proposals():
    release = {"20260723181400": "a", "20260723181359": "b"}
    main = {"20260723181400": "a", "20260723181359": "b", "20260701000000": T + "20260701000000_Late.go",
            "20260601000000": T + "20260601000000_Later.go", "20260801000000": T + "20260801000000_Fine.go"}
    rc = {"20260601000000": T + "20260601000000_Later.go"}
    found = violations(release, {"main": main, "rc-minor-fleet-v4.91.0": rc})
    assert [(v.timestamp, v.proposed) for v in found] == [("20260601000000", "20260723181401"), ("20260701000000", "20260723181402")]
    assert found[0].branches == ("main", "rc-minor-fleet-v4.91.0")


def test_proposals_cross_minute_boundaries_and_skip_taken_timestamps():
    release = {"20260702013059": "x"}
    later = {"main": {"20260101000000": "old", "20260702013100": "taken", "20260702013059": "x"}}
    assert [v.proposed for v in violations(release, later)] == ["20260702013101"]


def test_no_violation_when_every_later_migration_is_newer_or_released():
    release = {"20250101000000": "a"}
    assert violations(release, {"main": {"20250101000000": "a", "20250102000000": "b"}}) == []
    assert violations({}, {"main": {"20200101000000": "a"}}) == []
