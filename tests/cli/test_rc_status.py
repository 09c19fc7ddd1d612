"""`fleetops release rc-status` (FLEETOPS_RITUALS=fleet-rc) on the rc world over real sockets, and the
commands that belong to one process only (freeze under fleet-rc; cut-rc itself: tests/cli/test_cut_rc.py;
conclude-milestone under fleet-rc: tests/cli/test_conclude_projects.py)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from fleetops.sandbox.world.git import GitBuilder
from fleetops.sandbox.world.rc import BRANCH, REPO

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
RC = {"FLEETOPS_RITUALS": "fleet-rc"}


@pytest.fixture
def rc(clock, make_sandbox):
    clock.set(NOW)
    return make_sandbox("rc")


def pull(server, number):
    return next(i for i in server.state["github"]["repos"][REPO]["issues"] if i["number"] == number)


def gets(server):
    return [r["path"] for r in server.requests if r["method"] == "GET"]


def test_one_fix_missing_is_exit_3_with_the_exact_list(rc, cli):
    result = cli("release", "rc-status", "4.59.0", "--json", env={**rc.env(), **RC})
    assert result.code == 3, result.stderr
    data = result.json()
    assert data["command"] == "release rc-status" and data["steps"] == []
    assert data["branch"] == BRANCH
    merge_commit = pull(rc, 24102)["pull_request"]["merge_commit_sha"]
    assert data["missing"] == [
        {"pr": 24102, "title": "Scripts: reset the timeout per script", "merge_commit": merge_commit, "issues": [24010]}
    ]
    assert data["open_into_rc"] == [{"pr": 24104, "title": "Fleet Desktop: do not crash when the tray opens twice"}]
    # the cut: the merge base, PR 24100's merge commit on main
    repo = rc.state["github"]["repos"][REPO]
    cut = repo["commits"][pull(rc, 24100)["pull_request"]["merge_commit_sha"]]["date"]
    assert data["cut_at"] == cut
    assert rc.writes() == []
    assert [p for p, n in Counter(gets(rc)).items() if n > 1] == []
    assert data["requests"]["github"]["rest"] == len(gets(rc))


def test_the_page_for_people_names_the_missing_fix(rc, cli):
    result = cli("release", "rc-status", "v4.59.0", env={**rc.env(), **RC})
    assert result.code == 3, result.stderr
    text = " ".join(result.stderr.split())
    assert "#24102 Scripts: reset the timeout per script" in text and "fixes #24010" in text
    assert "#24104 Fleet Desktop: do not crash when the tray opens twice" in text
    assert "#24101" not in text and "#24103" not in text  # picked with -x, and by (#N)
    assert result.stdout == ""


@pytest.mark.parametrize("title", ["Scripts: reset the timeout per script", "Scripts: reset the timeout per script (#24102)"])
def test_after_the_fix_is_picked_it_is_exit_0(clock, make_sandbox, cli, title):
    import fleetops.sandbox.world as worlds

    clock.set(NOW)
    state = worlds.build_world("rc")
    repo = state["github"]["repos"][REPO]
    sha = next(i for i in repo["issues"] if i["number"] == 24102)["pull_request"]["merge_commit_sha"]
    # -x names the original commit; the second case also has the PR number (each alone suffices:
    # the first title has no number, so only the -x line ties it)
    line = "" if "(#" in title else f"\n\n(cherry picked from commit {sha})"
    GitBuilder(repo).commit(title + line, NOW - timedelta(hours=2), {"server/service/scripts.go": "x\n"}, branch=BRANCH)
    server = make_sandbox("rc", state=state)
    result = cli("release", "rc-status", "4.59.0", "--json", env={**server.env(), **RC})
    assert result.code == 0, result.stderr
    assert result.json()["missing"] == []
    assert server.writes() == []


def test_a_fix_of_a_bug_not_labelled_unreleased_is_not_needed(clock, make_sandbox, cli):
    import fleetops.sandbox.world as worlds

    clock.set(NOW)
    state = worlds.build_world("rc")
    issue = next(i for i in state["github"]["repos"][REPO]["issues"] if i["number"] == 24010)
    issue["labels"].remove("~unreleased bug")
    server = make_sandbox("rc", state=state)
    result = cli("release", "rc-status", "4.59.0", "--json", env={**server.env(), **RC})
    assert result.code == 0, result.stderr
    assert result.json()["missing"] == []


def test_a_branch_that_does_not_exist_is_exit_2_naming_it(rc, cli):
    result = cli("release", "rc-status", "4.60.0", env={**rc.env(), **RC})
    assert result.code == 2
    assert "rc-minor-fleet-v4.60.0" in result.stderr and "Traceback" not in result.stderr
    assert rc.writes() == []


def test_a_bad_version_is_exit_2(rc, cli):
    result = cli("release", "rc-status", "four", env={**rc.env(), **RC})
    assert result.code == 2 and "not a release version" in result.stderr


def test_rc_status_under_the_2024_process_is_exit_2(rc, cli):
    result = cli("release", "rc-status", "4.59.0", env=rc.env())
    assert result.code == 2
    assert "release-candidate" in result.stderr and "FLEETOPS_RITUALS=fleet-rc" in " ".join(result.stderr.split())
    assert rc.requests == []


@pytest.mark.parametrize("args", [["freeze", "begin"], ["freeze", "end"], ["freeze", "status"], ["freeze", "allow-pr", "24104"]])
def test_freeze_under_fleet_rc_is_exit_2_naming_what_replaces_it(rc, cli, args):
    result = cli(*args, env={**rc.env(), **RC})
    assert result.code == 2, result.stderr
    text = " ".join(result.stderr.split())
    assert "has no merge freeze" in text
    assert "release cut-rc" in text and "release rc-status" in text
    assert rc.requests == []


def test_cut_rc_under_the_2024_process_is_exit_2(rc, cli):
    result = cli("release", "cut-rc", "4.59.0", env=rc.env())
    assert result.code == 2 and "belongs to the release-candidate process" in " ".join(result.stderr.split())


def test_rc_status_help_is_a_runbook(cli):
    result = cli("release", "rc-status", "--help")
    assert result.code == 0
    assert "Merge unreleased bug fixes into the release candidate" in " ".join(result.stdout.split())
    for step in ("1.", "2.", "3.", "4.", "5."):
        assert f"\n  {step}" in result.stdout or f" {step} " in result.stdout


def test_a_commit_no_listed_pull_request_merged_is_asked_about_once(clock, make_sandbox, cli):
    import fleetops.sandbox.world as worlds

    clock.set(NOW)
    state = worlds.build_world("rc")
    repo = state["github"]["repos"][REPO]
    direct = GitBuilder(repo).commit("Bump the version file", NOW - timedelta(hours=1), {"VERSION": "4.59.0\n"})
    server = make_sandbox("rc", state=state)
    result = cli("release", "rc-status", "4.59.0", "--json", env={**server.env(), **RC})
    assert result.code == 3, result.stderr
    assert [m["pr"] for m in result.json()["missing"]] == [24102]
    asked = [p for p in gets(server) if "/pulls" in p and "/commits/" in p]
    assert len(asked) == 1 and direct in asked[0]  # only the commit no pull request listed merged
    lists = [p for p in gets(server) if p.split("?")[0].endswith("/pulls")]
    assert lists and all("per_page=100" in p for p in lists)


def test_a_branch_of_more_than_100_commits_is_read_in_pages_of_100(clock, make_sandbox, cli):
    import fleetops.sandbox.world as worlds

    clock.set(NOW)
    state = worlds.build_world("rc")
    git = GitBuilder(state["github"]["repos"][REPO])
    for n in range(150):
        git.commit(f"Candidate-only change {n}", NOW - timedelta(hours=3, minutes=n), {f"notes/{n}.md": "x\n"}, branch=BRANCH)
    server = make_sandbox("rc", state=state)
    result = cli("release", "rc-status", "4.59.0", "--json", env={**server.env(), **RC})
    assert result.code == 3, result.stderr
    assert [m["pr"] for m in result.json()["missing"]] == [24102]
    compares = [p for p in gets(server) if "/compare/" in p and f"main...{BRANCH}" in p]
    assert len(compares) == 2 and all("per_page=100" in p for p in compares) and any("page=2" in p for p in compares)
    assert [p for p, n in Counter(gets(server)).items() if n > 1] == []
