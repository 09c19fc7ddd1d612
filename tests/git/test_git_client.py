"""clients/git.py on real repositories made in temporary directories."""

from __future__ import annotations

import pytest

from fleetops.clients.git import MINIMUM, Conflict, Git, GitError, repo_of_url, safe_url
from fleetops.errors import ExitCode, UsageError
from tests.git.gitrepo import commit, git, make_pair


def test_not_a_working_copy_is_bad_input(tmp_path):
    with pytest.raises(UsageError, match="is not a git working copy") as err:
        Git(tmp_path).require_work_tree()
    assert err.value.exit_code is ExitCode.USAGE


def test_missing_directory_is_bad_input(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        Git(tmp_path / "nope").require_work_tree()


def test_uncommitted_and_untracked_changes_are_refused(tmp_path):
    _, work = make_pair(tmp_path)
    Git(work).require_clean()
    (work / "README.md").write_text("changed\n")
    (work / "new.txt").write_text("x\n")
    with pytest.raises(UsageError, match=r"uncommitted changes \(README.md, new.txt\)"):
        Git(work).require_clean()


def test_remote_is_found_by_the_repository_its_url_names(tmp_path):
    _, work = make_pair(tmp_path)
    git(work, "remote", "add", "fork", "git@github.com:someone/fleet.git")
    assert Git(work).remote_for("fleetdm/fleet") == "origin"
    assert Git(work).remote_for("someone/fleet") == "fork"
    with pytest.raises(UsageError, match="no remote of .* names other/repo"):
        Git(work).remote_for("other/repo")
    with pytest.raises(UsageError, match="has no remote 'upstream'"):
        Git(work).remote_for("fleetdm/fleet", "upstream")


def test_a_token_in_a_remote_url_is_never_shown(tmp_path):
    _, work = make_pair(tmp_path)
    git(work, "remote", "add", "tok", "https://x-access-token:ghp_secretsecret@github.com/a/b.git")
    with pytest.raises(UsageError) as err:
        Git(work).remote_for("other/repo")
    assert "ghp_secretsecret" not in str(err.value)
    assert safe_url("https://user:pw@host/a/b.git") == "https://host/a/b.git"


@pytest.mark.parametrize(("url", "repo"), [
    ("https://github.com/fleetdm/fleet.git", "fleetdm/fleet"),
    ("git@github.com:fleetdm/fleet.git", "fleetdm/fleet"),
    ("ssh://git@github.com/fleetdm/fleet", "fleetdm/fleet"),
    ("http://127.0.0.1:8080/git/fleetdm/fleet.git", "fleetdm/fleet"),
    ("nonsense", None),
])
def test_repo_of_url(url, repo):
    assert repo_of_url(url) == repo


def test_missing_git_or_directory_is_bad_input_for_text_and_binary_calls(tmp_path):
    """run and run_bytes (cat-file --batch) start git in one place: the same one-line refusal, the hint from MINIMUM."""
    missing = Git(tmp_path, executable=str(tmp_path / "no-git"))
    for call in (lambda g: g.run("status"), lambda g: g.read_files(["HEAD:README.md"])):
        with pytest.raises(UsageError, match="git is not installed") as caught:
            call(missing)
        assert caught.value.hint == f"Install git {MINIMUM[0]}.{MINIMUM[1]} or newer."
        a_file = tmp_path / "a-file"
        a_file.write_text("not a directory\n")
        with pytest.raises(UsageError, match="is not a directory"):
            call(Git(a_file))


def test_too_old_git_is_refused(tmp_path):
    fake = tmp_path / "git"
    fake.write_text("#!/bin/sh\necho 'git version 2.17.1'\n")
    fake.chmod(0o755)
    with pytest.raises(UsageError, match="git 2.17 is too old: fleetops needs git 2.29"):
        Git(tmp_path, executable=str(fake)).require_version()
    Git(tmp_path).require_version()  # the real one is new enough


def test_git_runs_without_a_terminal_prompt(tmp_path):
    assert Git(tmp_path).env["GIT_TERMINAL_PROMPT"] == "0"


def test_cherry_pick_conflict_is_left_for_a_person(tmp_path):
    _, work = make_pair(tmp_path)
    g = Git(work)
    base = g.rev("HEAD")
    fix = commit(work, "Fix (#5)", {"README.md": "Fleet fixed\n"})
    git(work, "switch", "-q", "-c", "patch", base)
    commit(work, "Other change", {"README.md": "Fleet other\n"})
    with pytest.raises(Conflict):
        g.cherry_pick(fix)
    assert g.in_progress() == "cherry-pick"
    (work / "README.md").write_text("Fleet resolved\n")
    git(work, "add", "README.md")
    git(work, "-c", "core.editor=true", "cherry-pick", "--continue")
    assert g.in_progress() is None
    last = g.commits("HEAD~1..HEAD")[0]
    assert f"(cherry picked from commit {fix})" in last.body


def test_patch_ids_recognise_the_same_change(tmp_path):
    _, work = make_pair(tmp_path)
    g = Git(work)
    base = g.rev("HEAD")
    fix = commit(work, "Fix one (#7)", {"a.txt": "one\n"})
    git(work, "switch", "-q", "-c", "patch", base)
    picked = commit(work, "Cherry-pick: fix one", {"a.txt": "one\n"})
    ids = g.patch_ids([fix, picked])
    assert ids[fix] == ids[picked]


def test_a_rejected_push_names_the_branch_and_keeps_the_commits(tmp_path):
    bare, work = make_pair(tmp_path)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", bare.as_uri(), str(other))
    commit(other, "Someone first", {"b.txt": "b\n"})
    git(other, "push", "-q", "origin", "main")
    mine = commit(work, "Mine", {"c.txt": "c\n"})
    with pytest.raises(GitError, match="push of main to origin was rejected") as err:
        Git(work).push("origin", "main")
    assert "commits are kept" in str(err.value)
    assert Git(work).rev("HEAD") == mine


def test_fetching_objects_moves_no_ref(tmp_path):
    bare, work = make_pair(tmp_path)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", bare.as_uri(), str(other))
    new = commit(other, "Someone", {"x.txt": "x\n"})
    git(other, "tag", "-a", "-m", "t", "fleet-v1.0.0")
    git(other, "push", "-q", "origin", "main", "fleet-v1.0.0")
    before = git(work, "for-each-ref")
    g = Git(work)
    remote = g.ls_remote("origin", "refs/heads/main", "refs/tags/fleet-v1.0.0")
    assert remote == {"refs/heads/main": new, "refs/tags/fleet-v1.0.0": new}
    g.fetch_objects("origin", "refs/heads/main")
    assert g.rev(new) == new
    assert git(work, "for-each-ref") == before
    assert not (work / ".git" / "FETCH_HEAD").exists()
