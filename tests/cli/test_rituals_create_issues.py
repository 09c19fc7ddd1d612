"""`fleetops rituals create-issues`: the nightly job, idempotent per ritual and date, on the sandbox.

Clock pinned to Monday 2026-12-07 in Chicago. Due that day with autoIssue (sandbox/world/handbook.py):
"Check the website's pull requests" (daily), "Vulnerability alerts (fleetdm.com)" and "Review
customer requests" (Mondays), all three into fleetdm/fleet.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fleetops.sandbox.server import Fault

NOW = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
MONDAY = {"Check the website's pull requests", "Vulnerability alerts (fleetdm.com)", "Review customer requests"}


@pytest.fixture(autouse=True)
def pinned(clock):
    """The suite's clock (App.now, the sandbox's stamps and its worlds) at NOW."""
    clock.set(NOW)


@pytest.fixture
def world(make_sandbox):
    return make_sandbox(now=NOW)


def ritual_issues(server):
    """(repo, title, labels, assignees, body) of every issue filed with a ritual marker, in order."""
    out = []
    for name, repo in server.state["github"]["repos"].items():
        for issue in repo.get("issues", []):
            if "<!-- fleetops-ritual:" in (issue.get("body") or ""):
                out.append((name, issue["title"], tuple(issue["labels"]), tuple(issue["assignees"]), issue["body"]))
    return out


def run(cli, server, *args):
    return cli("rituals", "create-issues", "--yes", "--json", *args, env={**server.env(), "COLUMNS": "200"})


def test_files_each_due_ritual_once_with_its_labels_dri_and_marker(world, cli):
    result = run(cli, world)
    assert result.code == 0, result.stderr
    data = result.json()
    assert {(i["task"], i["date"], i["repo"], i["status"]) for i in data["issues"]} == {
        (task, "2026-12-07", "fleetdm/fleet", "done") for task in MONDAY
    }
    assert all(isinstance(i["number"], int) for i in data["issues"])
    filed = {title: (repo, labels, assignees, body) for repo, title, labels, assignees, body in ritual_issues(world)}
    assert filed["Review customer requests"] == (
        "fleetdm/fleet", (":help-customers",), ("zayhanlon",),
        "Triage the week's customer requests into bugs, stories and answers.\n\n"
        "Read more at https://fleetdm.com/handbook/customer-success#respond-to-messages-and-alerts\n\n"
        "<!-- fleetops-ritual: customer-success.rituals.yml#Review customer requests @ 2026-12-07 -->\n",
    )
    searches = [r for r in world.requests if r["path"].startswith("/github/search/issues")]
    assert len(searches) == 1  # one search per run, not one per ritual


def test_a_second_run_on_the_same_day_files_nothing_and_the_next_day_only_its_own(world, cli):
    assert run(cli, world).code == 0
    first = ritual_issues(world)
    world.reset_log()
    again = run(cli, world)
    assert again.code == 0, again.stderr
    assert {i["status"] for i in again.json()["issues"]} == {"skipped"}
    assert world.writes() == [] and ritual_issues(world) == first

    tuesday = run(cli, world, "--date", "2026-12-08")
    assert tuesday.code == 0, tuesday.stderr
    new = ritual_issues(world)[len(first):]
    # daily, and "Prioritize for next sprint" (every 21 days from Tuesday 2024-01-02)
    assert sorted(title for _, title, *_ in new) == ["Check the website's pull requests", "Prioritize for next sprint"]
    assert all("@ 2026-12-08 -->" in body for *_, body in new)


def test_issues_into_confidential_go_to_fleetdm_confidential(world, cli):
    result = run(cli, world, "--date", "2026-12-04")  # Friday: Salesforce review, and the daily one
    assert result.code == 0, result.stderr
    assert sorted((repo, title, labels, assignees) for repo, title, labels, assignees, _ in ritual_issues(world)) == [
        ("fleetdm/confidential", "Review Salesforce opportunities", ("#g-sales",), ("alexmitchelliii",)),
        ("fleetdm/fleet", "Check the website's pull requests", ("#g-digital-experience",), ("eashaw",)),
    ]
    [search] = [r for r in world.requests if r["path"].startswith("/github/search/issues")]
    assert "repo%3Afleetdm%2Fconfidential" in search["path"] and "repo%3Afleetdm%2Ffleet" in search["path"]


def test_dry_run_makes_zero_writes(world, cli):
    result = run(cli, world, "--dry-run")
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["dry_run"] is True
    assert {s["status"] for s in data["steps"]} == {"pending"} and len(data["steps"]) == 3
    assert world.writes() == [] and ritual_issues(world) == []


def test_a_missing_label_is_exit_2_before_any_write(world, cli):
    repo = world.state["github"]["repos"]["fleetdm/fleet"]
    repo["labels"] = [lb for lb in repo["labels"] if lb["name"] != "#g-website"]
    result = run(cli, world)
    assert result.code == 2
    assert "labels missing, so nothing was filed: '#g-website' in fleetdm/fleet (handbook/digital-experience/digital-experience.rituals.yml:19)" in result.stderr
    assert world.writes() == [] and ritual_issues(world) == []


def test_a_failure_mid_run_then_a_rerun_ends_as_a_clean_run(make_sandbox, cli):
    clean = make_sandbox(now=NOW)
    assert run(cli, clean).code == 0

    server = make_sandbox(now=NOW)
    server.inject(Fault("POST", r"^/github/repos/fleetdm/fleet/issues$", status=502, skip=1, times=1))
    failed = run(cli, server)
    assert failed.code == 1
    statuses = sorted(i["status"] for i in failed.json()["issues"])
    assert statuses == ["done", "done", "failed"]  # the steps after the failed one still ran
    rerun = run(cli, server)
    assert rerun.code == 0, rerun.stderr
    assert sorted(i["status"] for i in rerun.json()["issues"]) == ["done", "skipped", "skipped"]

    def shape(s):
        return sorted((repo, title, labels, assignees, body) for repo, title, labels, assignees, body in ritual_issues(s))

    assert shape(server) == shape(clean) and len(shape(server)) == 3


def test_an_issue_not_yet_searchable_is_still_found(world, cli):
    assert run(cli, world).code == 0
    world.inject(Fault("GET", r"^/github/search/issues", status=200, body={"total_count": 0, "incomplete_results": False, "items": []}, times=5))
    again = run(cli, world)
    assert again.code == 0 and {i["status"] for i in again.json()["issues"]} == {"skipped"}
    assert len(ritual_issues(world)) == 3


def test_nothing_due_is_exit_0_without_a_search(world, cli):
    # Saturday 2024-01-06: before the daily ritual started, and no weekly one falls on a Saturday
    result = run(cli, world, "--date", "2024-01-06")
    assert result.code == 0, result.stderr
    assert result.json()["issues"] == [] and result.json()["steps"] == []
    assert "No ritual with autoIssue is due on 2024-01-06." in result.stderr
    assert not [r for r in world.requests if "/search/" in r["path"]] and world.writes() == []


def test_without_a_terminal_and_without_yes_nothing_is_filed(world, cli):
    result = cli("rituals", "create-issues", env={**world.env(), "CI": "true"})
    assert result.code == 2 and "--yes" in result.stderr
    assert world.writes() == []


def test_one_run_per_date_at_a_time_and_a_dry_run_takes_no_lock(world, cli, clean_env):
    """The run lock of (rituals create-issues, fleetdm/fleet, date): a second run exits 1 naming the holder."""
    from fleetops.lock import RunLock

    other = RunLock(clean_env, "rituals create-issues", "fleetdm/fleet", "2026-12-07")  # today in Chicago: NOW
    other.acquire()
    try:
        result = run(cli, world)
        assert result.code == 1
        text = " ".join(result.stderr.split())
        assert f"another run of rituals create-issues 2026-12-07 holds the lock since {other.holder()['since']} (pid " in text
        assert result.json()["error"]["exit_code"] == 1
        assert world.requests == []  # before the first read
        dry = run(cli, world, "--dry-run")  # reads only: neither blocked nor blocking
        assert dry.code == 0, dry.stderr
        assert world.writes() == []
        other_day = run(cli, world, "--date", "2026-12-08")  # another date is another lock
        assert other_day.code == 0, other_day.stderr
        assert run(cli, world, "--date", "2026-12-07").code == 1  # the same date given explicitly is the same lock
    finally:
        other.release()
    assert run(cli, world).code == 0 and len(ritual_issues(world)) == 2 + 3  # Tuesday's two, then Monday's three
    assert not list((clean_env / "locks").glob("*.json"))  # released at the end of each run


def test_a_bad_date_is_exit_2_before_the_lock_and_any_request(world, cli, clean_env):
    result = run(cli, world, "--date", "2026-13-01")
    assert result.code == 2 and "--date '2026-13-01' is not a date" in result.stderr
    assert world.requests == [] and not (clean_env / "locks").exists()
