"""`fleetops release prepare` on the release world: a real clone, the sandbox over real sockets."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import pytest

from fleetops.sandbox.world.release import REPO
from tests.git.gitrepo import ENV, git

NOW = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
GIT_ENV = {k: v for k, v in ENV.items() if k.startswith("GIT_")}


@pytest.fixture
def world(clock, make_sandbox, tmp_path):
    clock.set(NOW)
    return make_sandbox("release", git_dir=str(tmp_path / "git"))


@pytest.fixture
def clone(world, tmp_path):
    work = tmp_path / "fleet"
    bare = world.state["github"]["repos"][REPO]["git_dir"]
    subprocess.run(["git", "clone", "-q", f"file://{bare}", str(work)], env=ENV, check=True)
    return work


def env(world, **extra):
    return {**world.env(), **GIT_ENV, **extra}


def state_of(work):
    return git(work, "for-each-ref"), git(work, "status", "--porcelain"), git(work, "rev-parse", "HEAD")


def test_dry_run_is_dry(world, clone, cli):
    before = state_of(clone)
    bare = world.state["github"]["repos"][REPO]["git_dir"]
    remote_before = git(clone, "ls-remote", "origin")
    result = cli("release", "prepare", "4.60.1", "--repo-dir", str(clone), "--dry-run", "--json", env=env(world))
    assert result.code == 3, result.stderr
    data = result.json()
    assert data["dry_run"] is True
    assert [(p["pr"], p["status"]) for p in data["picks"]] == [(25101, "pending"), (25103, "pending"), (25105, "pending")]
    assert data["mentioned"] == [{"pr": 25106, "issue": 25013}]
    assert data["unfixed"] == [{"issue": 25013}, {"issue": 25014}]
    assert [v["timestamp"] for v in data["migrations"]["violations"]] == ["20261020000000"]
    assert world.writes() == []
    assert state_of(clone) == before
    assert git(clone, "ls-remote", "origin") == remote_before
    assert bare
