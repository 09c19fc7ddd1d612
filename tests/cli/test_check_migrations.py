"""`fleetops release check-migrations` on the sandbox over real sockets: one GraphQL query, read-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import fleetops.sandbox.world as worlds
from fleetops.sandbox.world.git import GitBuilder
from fleetops.sandbox.world.rc import BRANCH, REPO

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
RC = {"FLEETOPS_RITUALS": "fleet-rc"}
T = "server/datastore/mysql/migrations/tables/"
D = "server/datastore/mysql/migrations/data/"


def migration(path: str) -> dict[str, str]:
    return {path: "package tables\n", path.replace(".go", "_test.go"): "package tables\n"}


@pytest.fixture
def lines(clock, make_sandbox):
    """4.59.0 released with migration ..10; main and the open 4.60.0 candidate have older ones it lacks."""
    clock.set(NOW)
    state = worlds.build_world("rc")
    repo = state["github"]["repos"][REPO]
    git = GitBuilder(repo)
    at = NOW - timedelta(days=3)
    git.commit("Add OnRelease migration (#1)", at, migration(T + "20260110000000_OnRelease.go"), branch=BRANCH)
    repo["refs"]["tags/fleet-v4.59.0"] = git.head(BRANCH)
    git.commit("Add MainOnly (#2)", at + timedelta(hours=1), migration(T + "20260105000000_MainOnly.go"))
    git.commit("Add data migration (#3)", at + timedelta(hours=2), {D + "20260106000000_Data.go": "package data\n"})
    git.commit("Add a newer one (#4)", at + timedelta(hours=3), migration(T + "20260120000000_Newer.go"))
    git.branch("rc-minor-fleet-v4.60.0", git.head())
    git.commit("Next minor's own (#5)", at + timedelta(hours=4), migration(T + "20260108000000_NextMinor.go"), branch="rc-minor-fleet-v4.60.0")
    git.branch("rc-minor-fleet-v4.58.0", git.head())  # an older minor: not a later line
    return make_sandbox("rc", state=state)


def test_violations_listed_with_proposals_exit_3_in_one_query(lines, cli):
    result = cli("release", "check-migrations", "4.59.1", "--json", env={**lines.env(), **RC})
    assert result.code == 3, result.stderr
    data = result.json()
    assert data["kind"] == "patch" and data["branch"] == "rc-patch-fleet-v4.59.1"
    assert data["release_from"].startswith("fleet-v4.59.0")
    assert data["later"] == ["main", "rc-minor-fleet-v4.60.0"]
    assert [(v["timestamp"], v["proposed"], v["branches"]) for v in data["migrations"]["violations"]] == [
        ("20260105000000", "20260110000001", ["main", "rc-minor-fleet-v4.60.0"]),
        ("20260106000000", "20260110000002", ["main", "rc-minor-fleet-v4.60.0"]),
        ("20260108000000", "20260110000003", ["rc-minor-fleet-v4.60.0"]),
    ]
    assert data["migrations"]["violations"][1]["file"] == D + "20260106000000_Data.go"
    assert lines.writes() == []
    graphql = [r for r in lines.requests if r["path"].endswith("/graphql")]
    assert len(graphql) == 1 and len(lines.requests) == 1


def test_the_page_names_each_file_and_its_proposal(lines, cli):
    result = cli("release", "check-migrations", "v4.59.1", env={**lines.env(), **RC})
    assert result.code == 3
    text = " ".join(result.stderr.split())
    assert "20260105000000_MainOnly.go" in text and "propose 20260110000001" in text
    assert "_test.go" not in text


def test_once_the_release_branch_has_them_the_rule_holds(lines, cli, clock):
    repo = lines.state["github"]["repos"][REPO]
    git = GitBuilder(repo)
    git.branch("rc-patch-fleet-v4.59.1", repo["refs"]["tags/fleet-v4.59.0"])
    files = {**migration(T + "20260105000000_MainOnly.go"), D + "20260106000000_Data.go": "package data\n", **migration(T + "20260108000000_NextMinor.go")}
    git.commit("Pick them all", NOW - timedelta(hours=1), files, branch="rc-patch-fleet-v4.59.1")
    result = cli("release", "check-migrations", "4.59.1", "--json", env={**lines.env(), **RC})
    assert result.code == 0, result.stderr
    assert result.json()["release_from"] == "rc-patch-fleet-v4.59.1"
    assert result.json()["migrations"]["violations"] == []


@pytest.mark.parametrize(("version", "says"), [("4.59", "is not a release version"), ("4.61.1", "no tag fleet-v4.61.* below it")])
def test_bad_input_is_exit_2_and_one_line(lines, cli, version, says):
    result = cli("release", "check-migrations", version, env={**lines.env(), **RC})
    assert result.code == 2
    assert says in result.stderr and "Traceback" not in result.stderr
    assert lines.writes() == []
