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


def graphql(server):
    return [r for r in server.requests if r["service"] == "github-graphql"]


def test_a_fix_linked_to_its_bug_by_hand_only_is_found(rc, cli):
    """PR 24102's description names no issue: #24010 is linked in its "Development" sidebar (closingIssuesReferences)."""
    from fleetops.ops.freeze.allow_rules import closing_references

    assert closing_references(pull(rc, 24102)["body"], REPO) == ([], [])  # no closing keyword to read
    result = cli("release", "rc-status", "4.59.0", "--json", env={**rc.env(), **RC})
    assert result.code == 3, result.stderr
    assert [(m["pr"], m["issues"]) for m in result.json()["missing"]] == [(24102, [24010])]
    # one GraphQL query for the four pull requests merged since the cut, and no REST read per issue
    assert len(graphql(rc)) == 1 and not [p for p in gets(rc) if "/issues/" in p]
    github = result.json()["requests"]["github"]
    assert github["graphql"] == 1 and github["graphql_points"] == rc.state["github"]["graphql_rate"]["used"] == 1


def test_a_token_without_the_project_scope_reads_closing_issues(rc, cli):
    env = {**rc.env(), **RC, "GH_TOKEN": rc.tokens["github_no_project"]}  # `repo` is what these queries need
    result = cli("release", "rc-status", "4.59.0", "--json", env=env)
    assert result.code == 3, result.stderr
    assert [m["pr"] for m in result.json()["missing"]] == [24102]


def _merged_pr(repo, git, number, body, when, linked=()):
    sha = git.commit(f"Change {number} (#{number})", when, {f"changes/{number}": "x\n"})
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    repo["issues"].append({
        "id": 700000 + number, "number": number, "title": f"Change {number}", "body": body, "state": "closed",
        "state_reason": None, "labels": [], "assignees": [], "milestone": None, "user": "mna", "created_at": stamp,
        "updated_at": stamp, "closed_at": stamp, "comments": [],
        "pull_request": {"head": f"mna/{number}", "base": "main", "draft": False, "files": [], "reviews": [], "merged_at": stamp,
                         "merged_by": "lukeheath", "merge_commit_sha": sha, "linked_issues": list(linked)},
    })


def test_sixty_more_merged_pull_requests_are_read_50_per_query_and_a_long_list_of_issues_is_paged(clock, make_sandbox, cli):
    import fleetops.sandbox.world as worlds

    clock.set(NOW)
    state = worlds.build_world("rc")
    repo = state["github"]["repos"][REPO]
    git = GitBuilder(repo)
    bugs = list(range(40001, 40013))  # twelve ~unreleased bugs, more than the 10 a query asks per pull request
    stamp = (NOW - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for n in bugs:
        repo["issues"].append({
            "id": 700000 + n, "number": n, "title": f"Bug {n}", "body": "", "state": "open", "state_reason": None,
            "labels": ["bug", "~unreleased bug"], "assignees": [], "milestone": None, "user": "lukeheath",
            "created_at": stamp, "updated_at": stamp, "closed_at": None, "comments": [],
        })
    _merged_pr(repo, git, 25000, "Fixes #40001, fixes #40002 and #40003", NOW - timedelta(hours=90), linked=bugs[2:])
    for k in range(1, 60):
        _merged_pr(repo, git, 25000 + k, "Fixes #24011" if k % 2 else "Cleanup.", NOW - timedelta(hours=90 - k))
    server = make_sandbox("rc", state=state)
    result = cli("release", "rc-status", "4.59.0", "--json", env={**server.env(), **RC})
    assert result.code == 3, result.stderr
    missing = {m["pr"]: m["issues"] for m in result.json()["missing"]}
    assert missing[25000] == [40001, 40002, *bugs[2:]]  # two by keyword ("and #40003" is not one), the rest by hand
    assert sorted(missing) == [24102, 25000, *range(25001, 25060, 2)]
    # 64 pull requests merged since the cut: 50 + 14 per query, and one more page for the twelve issues
    assert len(graphql(server)) == 3
    # GitHub's formula: (50 + 50×10)/100 → 6; (14 + 14×10)/100 → 2; (1 + 100)/100 → 1
    github = result.json()["requests"]["github"]
    assert github["graphql_points"] == server.state["github"]["graphql_rate"]["used"] == 9


def test_a_pull_request_closing_an_issue_of_another_repository_with_the_label_is_no_fix(clock, make_sandbox, cli):
    """Only this repository's unreleased bugs count (issue 19, item 9): the same number and label in
    another repository, closed by PR 24102 instead of #24010, do not make it a fix the candidate needs."""
    import copy

    import fleetops.sandbox.world as worlds
    from fleetops.sandbox.world.rc import CONFIDENTIAL

    clock.set(NOW)
    state = worlds.build_world("rc")
    repos = state["github"]["repos"]
    bug = copy.deepcopy(next(i for i in repos[REPO]["issues"] if i["number"] == 24010))
    repos[CONFIDENTIAL]["issues"].append({**bug, "id": bug["id"] + 900000, "milestone": None})
    pull_request = next(i for i in repos[REPO]["issues"] if i["number"] == 24102)["pull_request"]
    pull_request["linked_issues"] = [f"{CONFIDENTIAL}#24010"]
    server = make_sandbox("rc", state=state)
    result = cli("release", "rc-status", "4.59.0", "--json", env={**server.env(), **RC})
    assert result.code == 0, result.stderr
    assert result.json()["missing"] == []
