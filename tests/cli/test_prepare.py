"""`fleetops release prepare` on the release world: a real clone, the sandbox over real sockets."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import pytest

from fleetops.sandbox.world.prepare import REPO
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


def prepare(cli, world, clone, *args, **extra):
    return cli("release", "prepare", "4.60.1", "--repo-dir", str(clone), "--yes", "--json", *args, env=env(world, **extra))


def resolve_conflict(clone):
    """A person resolves the planned conflict (#25105 on top of #25104's lines) and continues the cherry-pick."""
    (clone / "server/service/scripts.go").write_text(
        'package service\n\n// scripts\nfunc runScript() string {\n\treturn truncate("{}", 10000)\n}\n')
    git(clone, "add", "server/service/scripts.go")
    subprocess.run(["git", "cherry-pick", "--continue"], cwd=clone, env={**ENV, "GIT_EDITOR": "true"}, check=True, capture_output=True)


def remote_refs(world):
    bare = world.state["github"]["repos"][REPO]["git_dir"]
    return dict(line.split()[::-1] for line in git_in(bare, "for-each-ref", "--format=%(objectname) %(refname)").splitlines())


def git_in(path, *args):
    return subprocess.run(["git", *args], cwd=path, env=ENV, capture_output=True, text=True, check=True).stdout.strip()


def new_pulls(world):
    repo = world.state["github"]["repos"][REPO]
    return sorted((i["pull_request"]["head"], i["pull_request"]["base"]) for i in repo["issues"] if i.get("pull_request") and i["number"] > 25200)


def final_state(world, clone):
    refs = remote_refs(world)
    branch = "refs/heads/patch-fleet-v4.60.1"
    prepared = "refs/heads/update-changelog-prepare-4.60.1"
    return {
        "pulls": new_pulls(world),
        "picked": git_in(clone, "log", "--format=%s", f"refs/tags/fleet-v4.60.0..{refs[branch]}").splitlines(),
        "changelog_commits": git_in(clone, "log", "--format=%s", f"{refs[branch]}..{refs[prepared]}").splitlines(),
        "main_commits": git_in(clone, "log", "--format=%s", f"refs/heads/main..{refs['refs/heads/update-changelog-4.60.1']}").splitlines(),
        "posts": len(world.state["slack"]["messages"]) if "messages" in world.state.get("slack", {}) else None,
    }


CLEAN = {
    "pulls": [("update-changelog-4.60.1", "main"), ("update-changelog-prepare-4.60.1", "patch-fleet-v4.60.1")],
    "picked": ["Fix script output truncation (#25105)", "Fix profile redelivery (#25103)", "Fix script timeouts (#25101)"],
    "changelog_commits": ["Adding changes for Fleet v4.60.1"],
    "main_commits": ["Adding changes for Fleet v4.60.1"],
}


def test_the_patch_release_with_its_conflict_resolved_by_hand(world, clone, cli):
    first = prepare(cli, world, clone)
    assert first.code == 1, first.stderr
    data = first.json()
    assert [(p["pr"], p["status"]) for p in data["picks"]] == [(25101, "picked"), (25103, "picked"), (25105, "conflict")]
    assert "git cherry-pick --continue" in " ".join(first.stderr.split())
    assert world.writes() == []  # nothing reached GitHub before the picks are whole
    resolve_conflict(clone)
    second = prepare(cli, world, clone)
    assert second.code == 3, second.stderr  # mentioned and unfixed issues stay listed for a person
    data = second.json()
    assert [(p["pr"], p["status"]) for p in data["picks"]] == [(25101, "already"), (25103, "already"), (25105, "already")]
    assert {s["id"]: s["status"] for s in data["steps"]}["announce"] == "done"
    state = final_state(world, clone)
    assert {k: state[k] for k in CLEAN} == CLEAN
    # every pick carries its -x line; the release branch's changelog and versions are in the prepare commit only
    body = git_in(clone, "log", "-1", "--format=%B", "refs/heads/patch-fleet-v4.60.1")
    assert "(cherry picked from commit " in body
    changelog = git_in(clone, "show", "refs/heads/update-changelog-prepare-4.60.1:CHANGELOG.md")
    assert changelog.startswith(
        "## Fleet 4.60.1 (Dec 03, 2026)\n\n### Bug fixes\n\n- Fixed script timeouts that reset on every host.\n"
        "- Fixed profiles that were redelivered\n  after every check-in.\n- Fixed script output cut at 1,000 characters.\n\n## Fleet 4.60.0 ")
    assert "null" not in changelog.split("## Fleet 4.60.0")[0]
    # a third run has nothing left to do: no commit, branch, pull request or message twice
    writes = len(world.writes())
    third = prepare(cli, world, clone)
    assert third.code == 3
    assert [s["status"] for s in third.json()["steps"] if s["id"] != "migrations"] == ["skipped"] * (len(third.json()["steps"]) - 1)
    assert len(world.writes()) == writes
    assert final_state(world, clone) == state


def test_a_rejected_push_is_exit_1_naming_the_branch_and_the_rerun_pushes_the_kept_commit(world, clone, cli):
    resolve = prepare(cli, world, clone)
    resolve_conflict(clone)
    bare = world.state["github"]["repos"][REPO]["git_dir"]
    hook = __import__("pathlib").Path(bare) / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nwhile read old new ref; do case $ref in *update-changelog-prepare*) echo 'protected branch hook declined'; exit 1;; esac; done\n")
    hook.chmod(0o755)
    rejected = prepare(cli, world, clone)
    assert rejected.code == 1 and resolve.code == 1
    text = " ".join(rejected.stderr.split())
    assert "the push of update-changelog-prepare-4.60.1 to origin was rejected" in text
    kept = git(clone, "rev-parse", "refs/heads/update-changelog-prepare-4.60.1")
    hook.unlink()
    done = prepare(cli, world, clone)
    assert done.code == 3, done.stderr
    assert git(clone, "rev-parse", "refs/heads/update-changelog-prepare-4.60.1") == kept  # the same commit, pushed
    assert {k: final_state(world, clone)[k] for k in CLEAN} == CLEAN


def test_a_pull_request_whose_answer_was_lost_is_found_not_opened_twice(world, clone, cli):
    from fleetops.sandbox.server import Fault

    prepare(cli, world, clone)
    resolve_conflict(clone)
    world.inject(Fault("POST", r"/repos/fleetdm/fleet/pulls$", status=502, after=True))
    lost = prepare(cli, world, clone)
    assert lost.code == 1
    done = prepare(cli, world, clone)
    assert done.code == 3, done.stderr
    assert {k: final_state(world, clone)[k] for k in CLEAN} == CLEAN


@pytest.mark.parametrize(("version", "rituals", "says"), [
    ("4.60", "fleet", "is not a release version"),
    ("4.59.5", "fleet", "no tag fleet-v4.59.* below it"),
    ("4.60.2", "fleet", "has no milestone 4.60.2"),
    ("4.62.0", "fleet-rc", "fleetops release cut-rc 4.62.0"),
])
def test_bad_input_is_exit_2_and_nothing_is_written(world, clone, cli, version, rituals, says):
    before = state_of(clone)
    refs = remote_refs(world)
    result = cli("release", "prepare", version, "--repo-dir", str(clone), "--yes", env=env(world, FLEETOPS_RITUALS=rituals))
    assert result.code == 2, result.stderr
    assert says in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
    assert world.writes() == [] and state_of(clone) == before and remote_refs(world) == refs


def test_a_dirty_working_copy_or_no_working_copy_is_refused(world, clone, cli, tmp_path):
    (clone / "README.md").write_text("my work\n")
    result = cli("release", "prepare", "4.60.1", "--repo-dir", str(clone), "--yes", env=env(world))
    assert result.code == 2 and "uncommitted changes (README.md)" in " ".join(result.stderr.split())
    assert (clone / "README.md").read_text() == "my work\n"
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    result = cli("release", "prepare", "4.60.1", "--repo-dir", str(elsewhere), "--yes", env=env(world))
    assert result.code == 2 and "is not a git working copy" in " ".join(result.stderr.split())
    assert world.writes() == []


def test_the_current_handbooks_names(world, clone, cli):
    result = cli("release", "prepare", "4.60.1", "--repo-dir", str(clone), "--dry-run", "--json", env=env(world, FLEETOPS_RITUALS="fleet-rc"))
    assert result.code == 3
    assert result.json()["branch"] == "rc-patch-fleet-v4.60.1"
    minor = cli("release", "prepare", "4.61.0", "--repo-dir", str(clone), "--dry-run", "--json", env=env(world, FLEETOPS_RITUALS="fleet-rc"))
    data = minor.json()
    assert data["kind"] == "minor" and data["branch"] == "rc-minor-fleet-v4.61.0" and data["picks"] == []
    assert len(data["changelog"]["entries"]) == 4  # every change file on the candidate
    assert world.writes() == []


def test_edit_opens_the_editor_on_the_section_and_commits_what_was_saved(world, clone, cli, tmp_path):
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/^- Fixed script timeouts.*/- Fixed script timeouts (reworded by the DRI)./' \"$1\"\n")
    editor.chmod(0o755)
    first = prepare(cli, world, clone, "--edit", EDITOR=str(editor), VISUAL="")
    assert first.code == 1
    resolve_conflict(clone)
    second = prepare(cli, world, clone, "--edit", EDITOR=str(editor), VISUAL="")
    assert second.code == 3, second.stderr
    changelog = git(clone, "show", "refs/heads/update-changelog-prepare-4.60.1:CHANGELOG.md")
    assert "- Fixed script timeouts (reworded by the DRI).\n" in changelog
    assert git(clone, "show", "refs/heads/update-changelog-4.60.1:CHANGELOG.md").startswith(changelog.split("## Fleet 4.60.0")[0])


def test_an_edit_that_drops_the_heading_writes_nothing(world, clone, cli, tmp_path):
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\necho 'oops' > \"$1\"\n")
    editor.chmod(0o755)
    before = state_of(clone)
    result = cli("release", "prepare", "4.60.1", "--repo-dir", str(clone), "--yes", "--edit", env=env(world, EDITOR=str(editor), VISUAL=""))
    assert result.code == 2 and "must start with the heading of 4.60.1" in " ".join(result.stderr.split())
    assert world.writes() == [] and state_of(clone) == before


def test_a_minor_under_the_2024_process_finds_its_tentative_milestone_and_starts_from_main(world, clone, cli):
    repo = world.state["github"]["repos"][REPO]
    next(m for m in repo["milestones"] if m["title"] == "4.61.0")["title"] = "4.61.0-tentative"
    result = cli("release", "prepare", "4.61.0", "--repo-dir", str(clone), "--dry-run", "--json", env=env(world))
    assert result.code == 0, result.stderr
    data = result.json()
    assert (data["kind"], data["branch"], data["picks"], data["mentioned"], data["unfixed"]) == ("minor", "prepare-fleet-v4.61.0", [], [], [])
    main = git(clone, "rev-parse", "origin/main")
    assert next(s for s in data["steps"] if s["id"] == "branch")["sha"] == main
    assert world.writes() == []


def test_every_files_diff_is_shown_before_the_confirmation(world, clone, cli):
    result = cli("release", "prepare", "4.60.1", "--repo-dir", str(clone), env=env(world, COLUMNS="200"), input="n\n", tty=True)
    assert result.code == 2, result.stderr  # declined: nothing changed
    shown = result.stderr
    asked = shown.index("Apply ")
    for line in ('-  "version": "v4.60.0",', '+  "version": "v4.60.1",', "-version: v6.6.5", "+version: v6.6.6",
                 "+## Fleet 4.60.1 (Dec 03, 2026)", '+  default     = "fleetdm/fleet:v4.60.1"', "--- a/changes/25010-script-timeouts"):
        assert -1 < shown.index(line) < asked, line
    assert world.writes() == [] and git(clone, "status", "--porcelain") == ""


def test_a_token_in_the_remote_url_never_shows(world, clone, cli):
    secret = "ghp_" + "S3cr3tT0k3n" * 3
    git(clone, "remote", "set-url", "origin", f"https://x-access-token:{secret}@127.0.0.1:9/fleetdm/fleet.git")
    result = cli("--debug", "release", "prepare", "4.60.1", "--repo-dir", str(clone), "--yes", "--json", env=env(world))
    assert result.code == 1, result.stderr
    assert "127.0.0.1:9" in result.stderr
    assert secret not in result.stderr + result.stdout
    assert world.writes() == []
