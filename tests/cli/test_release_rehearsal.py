"""The patch release rehearsed on the sandbox as a person would (`--sandbox`, one persisted world, the README's
tour): reset --world release → sandbox clone → release prepare (stops on the planned conflict) → resolve by hand →
release prepare again → sandbox merge-pr (the changelog pull request) → release check-migrations."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime

from tests.cli.test_prepare import GIT_ENV, resolve_conflict
from tests.git.gitrepo import git

NOW = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


def test_the_patch_release_rehearsal(clock, cli, clean_env, monkeypatch, tmp_path):
    clock.set(NOW)
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    assert cli("sandbox", "reset", "--world", "release").code == 0
    work = tmp_path / "fleet"
    cloned = cli("sandbox", "clone", str(work))
    assert cloned.code == 0, cloned.stderr
    assert git(work, "remote", "get-url", "origin").endswith("/sandbox/git/fleetdm/fleet.git")
    again = cli("sandbox", "clone", str(work))
    assert again.code == 2 and "is not an empty directory" in " ".join(again.stderr.split())

    first = cli("--sandbox", "release", "prepare", "4.60.1", "--repo-dir", str(work), "--yes", "--json")
    assert first.code == 1, first.stderr
    resolve_conflict(work)
    second = cli("--sandbox", "release", "prepare", "4.60.1", "--repo-dir", str(work), "--yes", "--json")
    assert second.code == 3, second.stderr
    pulls = {p["base"]: p["number"] for p in second.json()["pulls"]}

    merged = cli("sandbox", "merge-pr", str(pulls["patch-fleet-v4.60.1"]))
    assert merged.code == 0, merged.stderr
    twice = cli("sandbox", "merge-pr", str(pulls["patch-fleet-v4.60.1"]))
    assert twice.code == 2 and "is not open" in twice.stderr
    subprocess.run(["git", "fetch", "-q", "origin"], cwd=work, check=True)
    head = git(work, "log", "-1", "--format=%s", "origin/patch-fleet-v4.60.1")
    assert head == f"Adding changes for Fleet v4.60.1 (#{pulls['patch-fleet-v4.60.1']})"
    assert git(work, "show", "origin/patch-fleet-v4.60.1:CHANGELOG.md").startswith("## Fleet 4.60.1 (Dec 03, 2026)")

    # the picked ProfileRetries migration is newer than main's DeviceHealth, which the patch lacks
    checked = cli("--sandbox", "release", "check-migrations", "4.60.1", "--json")
    assert checked.code == 3, checked.stderr
    assert checked.json()["release_from"] == "patch-fleet-v4.60.1"
    assert [(v["timestamp"], v["proposed"]) for v in checked.json()["migrations"]["violations"]] == [("20261020000000", "20261025000001")]
    state = json.loads((clean_env / "sandbox" / "state.json").read_text())
    assert len(state["slack"]["messages"]) == 1
