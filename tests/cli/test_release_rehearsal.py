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


FAST = ("--poll-interval", "0.01")
TABLES = "server/datastore/mysql/migrations/tables"


def _writes(cli) -> list[dict]:
    return cli("sandbox", "requests", "--writes", "--json").json()["requests"]


def _remote_refs(clean_env) -> str:
    """Every ref of the sandbox's bare repository: git pushes are not HTTP requests, so they are compared here."""
    bare = clean_env / "sandbox" / "git" / "fleetdm" / "fleet.git"
    return git(bare, "for-each-ref", "--format=%(objectname) %(refname)")


def test_the_whole_release_rehearsal_and_every_rerun_writes_nothing(clock, cli, clean_env, monkeypatch, tmp_path):
    """README's tour to the end: prepare (conflict, resolve, re-run) → merge both pulls → renumber the late migration
    → tag (follows the release workflow's run) → publish (dogfood too) → conclude-milestone; then each again: zero writes."""
    clock.set(NOW)
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    assert cli("sandbox", "reset", "--world", "release").code == 0
    work = tmp_path / "fleet"
    assert cli("sandbox", "clone", str(work)).code == 0
    prepare = ("--sandbox", "release", "prepare", "4.60.1", "--repo-dir", str(work), "--yes", "--json")
    assert cli(*prepare).code == 1
    resolve_conflict(work)
    prepared = cli(*prepare)
    assert prepared.code == 3, prepared.stderr  # 3: the migrations rule, a checklist item for a person
    for pull in prepared.json()["pulls"]:
        assert cli("sandbox", "merge-pr", str(pull["number"])).code == 0

    refused = cli("--sandbox", "release", "tag", "4.60.1", "--yes", *FAST)
    assert refused.code == 2, "tag's guard is check-migrations' rule: main's DeviceHealth would be skipped after 4.60.1"
    assert "renumber 20261020000000_DeviceHealth.go to 20261025000001" in " ".join(refused.stderr.split())
    git(work, "fetch", "-q", "origin")
    git(work, "checkout", "-q", "-B", "main", "origin/main")
    for suffix in (".go", "_test.go"):
        git(work, "mv", f"{TABLES}/20261020000000_DeviceHealth{suffix}", f"{TABLES}/20261025000001_DeviceHealth{suffix}")
    git(work, "commit", "-q", "-m", "Renumber DeviceHealth after 4.60.1's newest migration")
    git(work, "push", "-q", "origin", "main")
    assert cli("--sandbox", "release", "check-migrations", "4.60.1").code == 0

    tagged = cli("--sandbox", "release", "tag", "4.60.1", "--yes", *FAST, "--json")
    assert tagged.code == 0, tagged.stderr
    assert tagged.json()["run"]["conclusion"] == "success"
    published = cli("--sandbox", "release", "publish", "4.60.1", "--yes", "--json")
    assert published.code == 0, published.stderr  # npm and the osquery topic are checklist items for a person
    assert published.json()["release"]["latest"] is True
    assert [s["status"] for s in published.json()["steps"] if s["id"].startswith("dogfood")][:1] == ["done"]
    dogfood = published.json()["dogfood"]  # dogfood runs 4.60.0 at its tag, a commit of this repository: a real compare
    assert (dogfood["current"]["version"], dogfood["compare"]["status"]) == ("4.60.0", "ahead")
    concluded = cli("--sandbox", "release", "conclude-milestone", "4.60.1", "--yes", "--json")
    assert concluded.code == 0, concluded.stderr
    assert "refs/heads/patch-fleet-v4.60.2" in _remote_refs(clean_env)

    writes, refs = len(_writes(cli)), _remote_refs(clean_env)
    for args in (prepare, ("--sandbox", "release", "tag", "4.60.1", "--yes", *FAST, "--json"),
                 ("--sandbox", "release", "publish", "4.60.1", "--yes", "--json"),
                 ("--sandbox", "release", "conclude-milestone", "4.60.1", "--yes", "--json")):
        again = cli(*args)
        assert again.code in (0, 3), f"{args[2]}: {again.stderr}"
        done = [s["id"] for s in again.json()["steps"] if s["status"] == "done"]
        # prepare checks the release branch out again (the working copy was left on main): local, not a write
        assert done == (["branch"] if args is prepare else []), f"{args[2]} did something again: {done}"
        assert (len(_writes(cli)), _remote_refs(clean_env)) == (writes, refs), f"{args[2]} wrote on its re-run"
