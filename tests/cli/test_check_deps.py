"""`fleetops release check-deps` against the sandbox over real sockets."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from fleetops.rituals.loader import bundled_path
from fleetops.sandbox.server import Fault

CMD = ("release", "check-deps")
ISSUES_PATH = r"/github/repos/fleetdm/fleet/issues$"


def by_name(data):
    return {d["name"]: d for d in data["dependencies"]}


def fleet_issues(server):
    """The issues check-deps filed in fleetdm/fleet, comparable across sandboxes (URLs without the port)."""
    out = []
    for issue in server.state["github"]["repos"]["fleetdm/fleet"]["issues"]:
        if issue.get("user") != "fleet-release":  # the world's own issues, filed by people
            continue
        out.append(
            {
                "title": issue["title"],
                "state": issue["state"],
                "labels": issue["labels"],
                "assignees": issue["assignees"],
                "body": (issue["body"] or "").replace(server.url, "SANDBOX"),
            }
        )
    return sorted(out, key=lambda i: i["title"])


def issue_posts(server):
    return [r for r in server.writes("github") if r["method"] == "POST" and r["path"].endswith("/issues")]


def rituals_copy(tmp_path: Path, old: str, new: str) -> str:
    text = bundled_path().read_text()
    assert old in text
    path = tmp_path / "rituals.yml"
    path.write_text(text.replace(old, new))
    return str(path)


# --- reading and judging -------------------------------------------------------------------------------
def test_default_world_verdicts_are_right_exit_3_and_nothing_is_written(sandbox, cli):
    result = cli(*CMD, "--json", env=sandbox.env())
    assert result.code == 3, result.stderr
    data = result.json()
    assert (data["command"], data["dry_run"]) == ("release check-deps", False)
    assert [d["name"] for d in data["dependencies"]] == ["go", "macadmins-extension", "osquery", "vulnerability-feeds"]
    deps = by_name(data)
    assert {k: deps["go"][k] for k in ("current", "latest", "latest_minor", "status", "source")} == {
        "current": "1.22.3", "latest": "1.22.12", "latest_minor": "1.24.4", "status": "outdated", "source": "go.mod on main",
    }
    assert (deps["macadmins-extension"]["current"], deps["macadmins-extension"]["latest"], deps["macadmins-extension"]["status"]) == ("v1.2.1", "v1.2.3", "outdated")
    assert (deps["osquery"]["current"], deps["osquery"]["latest"], deps["osquery"]["status"]) == ("5.12.1", "5.13.1", "outdated")
    assert deps["vulnerability-feeds"]["status"] == "up-to-date"
    assert all(set(d) >= {"name", "current", "latest", "status", "action"} for d in data["dependencies"])
    assert data["fleetd"] == [
        {"component": "orbit", "last_tag": "orbit-v1.34.0", "changed": True, "commits": 3},
        {"component": "desktop", "last_tag": "orbit-v1.34.0", "changed": True, "commits": 1},
        {"component": "fleetd-chrome", "last_tag": "fleetd-chrome-v1.3.1", "changed": False, "commits": 0},
    ]
    steps = {s["id"]: s for s in data["steps"]}
    assert list(steps) == ["issue-go-patch", "issue-go-minor", "issue-macadmins", "issue-osquery", "fleetd-qa-issue"]
    assert all(steps[k]["status"] == "skipped" and "--file-issues" in steps[k]["detail"] for k in steps)
    assert "create-qa-issue 1.34.1 --fleetd-only" in steps["fleetd-qa-issue"]["detail"]
    assert sandbox.writes() == []


def test_reads_are_few_never_repeated_and_use_tag_prefixes(sandbox, cli):
    assert cli(*CMD, "--json", env=sandbox.env()).code == 3
    paths = [r["path"] for r in sandbox.requests]
    assert len(paths) == 13, paths
    assert not [p for p, n in Counter((r["method"], r["path"]) for r in sandbox.requests).items() if n > 1]
    assert "/godev/dl/?mode=json&include=all" in paths
    assert sum("/git/matching-refs/tags%2F" in p for p in paths) == 2
    assert not [p for p in paths if "/repos/fleetdm/fleet/tags" in p]  # never pages every tag
    assert sum("/compare/" in p for p in paths) == 2
    assert sum("/commits?" in p for p in paths) == 2  # orbit and desktop; chrome's compare shows no change


def test_independent_reads_run_concurrently(make_sandbox, cli):
    """Seen in the sandbox's request log, not with a stopwatch, so that a busy machine cannot fail it."""
    server = make_sandbox(latency=0.2)
    assert cli(*CMD, "--json", env=server.env()).code == 3
    spans = sorted(
        (end - timedelta(milliseconds=r["ms"]), end)
        for r in server.requests
        for end in [datetime.fromisoformat(r["time"])]
    )
    in_flight = max(sum(1 for start, end in spans if start <= moment < end) for moment, _ in spans)
    busy, reach = timedelta(0), None  # how long at least one request was in the sandbox
    for start, end in spans:
        if reach is None or start > reach:
            busy += end - start
            reach = end
        elif end > reach:
            busy += end - reach
            reach = end
    total = sum((end - start for start, end in spans), timedelta(0))
    # Requests one after the other keep the sandbox busy for their whole total (ratio 1); measured on
    # 2 cores: 13 requests, up to 7 at a time, busy 1.3 s of 3.3 s (ratio 0.39).
    assert len(spans) >= 13
    assert in_flight >= 3, f"at most {in_flight} request(s) at a time"
    assert busy < total * 0.75, f"the sandbox was busy {busy.total_seconds():.2f} s of {total.total_seconds():.2f} s of requests"


def test_people_see_a_table_on_stderr_and_nothing_on_stdout(sandbox, cli):
    result = cli(*CMD, env=sandbox.env())
    assert result.code == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    go_row = next(line for line in lines if line.startswith(" go "))
    assert "1.22.3" in go_row and "1.22.12" in go_row and "outdated" in go_row
    assert any("1.24.4 (newest)" in line for line in lines)
    assert any(line.split()[:5] == ["orbit", "orbit/", "orbit-v1.34.0", "yes", "3"] for line in lines)
    assert "Next steps" in result.stderr
    assert "warning: some dependencies need action (exit 3)." in result.stderr


def test_current_world_exits_0_with_nothing_to_do(make_sandbox, cli):
    server = make_sandbox("current")
    result = cli(*CMD, "--json", env=server.env())
    assert result.code == 0, result.stderr
    data = result.json()
    assert {d["name"]: d["status"] for d in data["dependencies"]} == {
        "go": "up-to-date", "macadmins-extension": "up-to-date", "osquery": "up-to-date", "vulnerability-feeds": "up-to-date",
    }
    assert by_name(data)["go"]["latest"] == by_name(data)["go"]["current"] == "1.24.4"
    assert [f["changed"] for f in data["fleetd"]] == [False, False, False]
    assert data["steps"] == []
    people = cli(*CMD, env=server.env())
    assert people.code == 0
    assert "All dependencies are current and fleetd has no unreleased changes." in people.stderr
    filing = cli(*CMD, "--file-issues", "--yes", env=server.env())
    assert filing.code == 0
    assert not [r for r in server.requests if "/issues" in r["path"]]  # nothing to file, nothing to look up
    assert server.writes() == []


def test_a_stale_feed_needs_the_oncall_engineer(make_sandbox, cli):
    server = make_sandbox("current", cisa_age_hours=400)
    result = cli(*CMD, "--json", env={**server.env(), "FLEETOPS_ONCALL": "getvictor"})
    assert result.code == 3
    feeds = by_name(result.json())["vulnerability-feeds"]
    assert feeds["status"] == "unknown"
    assert feeds["action"] == "tell @getvictor to investigate (CISA: 400 h old (limit 336 h))"
    (step,) = result.json()["steps"]
    assert (step["id"], step["manual"], step["status"]) == ("notify-oncall", True, "skipped")


def test_an_unreachable_feed_is_unknown_not_a_failure(make_sandbox, cli):
    server = make_sandbox("current")
    server.inject(Fault("GET", "/feeds/nvd", status=404, times=5))
    result = cli(*CMD, "--json", env=server.env())
    assert result.code == 3, result.stderr
    feeds = by_name(result.json())["vulnerability-feeds"]
    assert feeds["status"] == "unknown" and "NVD:" in feeds["action"]
    assert feeds["feeds"][0]["error"].startswith("vulnerability feed has no")
    assert [s["id"] for s in result.json()["steps"]] == ["notify-oncall"]


def test_a_check_that_fails_is_a_failed_step_and_exit_1_the_rest_still_reported(sandbox, cli):
    sandbox.inject(Fault("GET", "/godev/dl", status=200, body="<html>Down for maintenance</html>"))
    result = cli(*CMD, "--json", env=sandbox.env())
    assert result.code == 1
    data = result.json()
    deps = by_name(data)
    assert deps["go"]["status"] == "unknown" and deps["go"]["current"] is None
    assert deps["osquery"]["status"] == "outdated"  # the other checks are still there
    failed = [s for s in data["steps"] if s["status"] == "failed"]
    assert [s["id"] for s in failed] == ["check-go"]
    assert "not JSON" in failed[0]["detail"]
    assert "1 step(s) failed: check-go" in result.stderr
    assert "Traceback" not in result.output
    assert sandbox.writes() == []


# --- filing issues -----------------------------------------------------------------------------------------
def test_file_issues_files_the_right_issues_once(sandbox, cli, clean_env):
    env = {**sandbox.env(), "FLEETOPS_ONCALL": "getvictor"}
    first_number = sandbox.state["github"]["repos"]["fleetdm/fleet"]["next_number"]
    first = cli(*CMD, "--file-issues", "--yes", "--json", env=env)
    assert first.code == 3, first.stderr  # the exit code describes the dependencies, not the filing
    issues = {i["title"]: i for i in fleet_issues(sandbox)}
    assert sorted(issues) == [
        "Release QA: fleetd 1.34.1",  # orbit and desktop changed since orbit-v1.34.0
        "Update macadmins-extension to v1.2.3", "Update osquery to 5.13.1", "Upgrade Go to 1.22.12", "Upgrade Go to 1.24.4",
    ]
    qa = issues.pop("Release QA: fleetd 1.34.1")
    assert qa["labels"] == ["#g-mdm", "#g-endpoint-ops", ":release"] and qa["assignees"] == ["xpkoala", "sabrinabuckets"]
    assert "- Orbit `v1.34.0` > `v1.34.1`" in qa["body"] and "Chrome extension `v" not in qa["body"]
    assert "## Fleet core:" not in qa["body"]
    assert issues["Upgrade Go to 1.22.12"]["labels"] == ["bug", ":reproduce", "~release blocker"]
    assert issues["Upgrade Go to 1.24.4"]["labels"] == ["story", ":product"]
    assert issues["Update macadmins-extension to v1.2.3"]["labels"] == ["bug", ":reproduce", "~release blocker"]
    assert issues["Update osquery to 5.13.1"]["labels"] == ["bug", ":reproduce"]
    assert all(i["assignees"] == ["lukeheath", "getvictor"] for i in issues.values())
    assert all(i["state"] == "open" for i in issues.values())
    assert "Filed by `fleetops release check-deps`" in issues["Upgrade Go to 1.22.12"]["body"]
    steps = {s["id"]: s for s in first.json()["steps"]}
    assert steps["issue-go-patch"]["status"] == "done"
    assert steps["issue-go-patch"]["issue"]["number"] == first_number
    assert len(issue_posts(sandbox)) == 5  # four dependency issues and the fleetd Release QA issue

    second = cli(*CMD, "--file-issues", "--yes", "--json", env=env)
    assert second.code == 3
    assert len(issue_posts(sandbox)) == 5  # nothing new
    for step in second.json()["steps"]:
        assert step["status"] == "skipped" and step["detail"].startswith("already open: #")
    journal = [json.loads(line) for line in (clean_env / "journal.jsonl").read_text().splitlines()]
    assert [(e["command"], e["step"], e["status"]) for e in journal] == [
        ("release check-deps", key, "done") for key in ("issue-go-patch", "issue-go-minor", "issue-macadmins", "issue-osquery", "fleetd-qa-issue")
    ]


def test_without_an_oncall_engineer_the_dri_is_assigned_and_warned(sandbox, cli):
    result = cli(*CMD, "--file-issues", "--yes", env=sandbox.env())
    assert result.code == 3, result.stderr
    assert "the on-call engineer is unknown (set FLEETOPS_ONCALL or people.oncall)" in result.stderr
    dependency_issues = [i for i in fleet_issues(sandbox) if not i["title"].startswith("Release QA")]
    assert {tuple(i["assignees"]) for i in dependency_issues} == {("lukeheath",)}


def test_a_closed_issue_with_the_same_title_is_not_a_duplicate(sandbox, cli):
    env = {**sandbox.env(), "FLEETOPS_ONCALL": "getvictor"}
    assert cli(*CMD, "--file-issues", "--yes", env=env).code == 3
    for issue in sandbox.state["github"]["repos"]["fleetdm/fleet"]["issues"]:
        if issue["title"] == "Update osquery to 5.13.1":
            issue["state"] = "closed"
    again = cli(*CMD, "--file-issues", "--yes", "--json", env=env)
    steps = {s["id"]: s["status"] for s in again.json()["steps"]}
    assert steps["issue-osquery"] == "done"
    assert [s for k, s in steps.items() if k.startswith("issue-") and k != "issue-osquery"] == ["skipped"] * 3


@pytest.mark.parametrize("lost_answer", [False, True], ids=["request-failed", "answer-lost"])
def test_a_failure_mid_filing_then_a_rerun_ends_like_a_clean_run(make_sandbox, cli, lost_answer):
    clean = make_sandbox()
    env_of = lambda server: {**server.env(), "FLEETOPS_ONCALL": "getvictor"}  # noqa: E731
    assert cli(*CMD, "--file-issues", "--yes", env=env_of(clean)).code == 3

    broken = make_sandbox()
    # The second issue fails; with lost_answer GitHub created it but the answer never came back.
    broken.inject(Fault("POST", ISSUES_PATH, status=502, skip=1, after=lost_answer))
    failed = cli(*CMD, "--file-issues", "--yes", "--json", env=env_of(broken))
    assert failed.code == 1
    statuses = [s["status"] for s in failed.json()["steps"] if s["id"].startswith("issue-")]
    assert statuses == ["done", "failed", "done", "done"]  # the others still ran
    assert "issue-go-minor" in failed.stderr and "failed" in failed.stderr

    rerun = cli(*CMD, "--file-issues", "--yes", "--json", env=env_of(broken))
    assert rerun.code == 3, rerun.stderr
    assert fleet_issues(broken) == fleet_issues(clean)
    assert len(issue_posts(broken)) == (5 if lost_answer else 6)  # a lost answer is not re-sent


def test_dry_run_shows_the_filing_and_writes_nothing(sandbox, cli):
    result = cli(*CMD, "--file-issues", "--dry-run", "--json", env=sandbox.env())
    assert result.code == 3
    data = result.json()
    assert data["dry_run"] is True
    assert [s["status"] for s in data["steps"] if s["id"].startswith("issue-")] == ["pending"] * 4
    assert "Plan (dry run: nothing will change)" in result.stderr
    assert sandbox.writes() == []
    assert any(r["path"].startswith("/github/search/issues") for r in sandbox.requests)  # duplicates were looked up


def test_filing_in_ci_without_yes_exits_2_and_writes_nothing(sandbox, cli):
    result = cli(*CMD, "--file-issues", env={**sandbox.env(), "CI": "true"})
    assert result.code == 2
    assert "--yes" in result.stderr
    assert sandbox.writes() == []


def test_filing_on_a_terminal_asks_first(sandbox, cli):
    declined = cli(*CMD, "--file-issues", env=sandbox.env(), input="n\n", tty=True)
    assert declined.code == 2 and "Declined" in declined.stderr
    assert sandbox.writes() == []
    accepted = cli(*CMD, "--file-issues", env=sandbox.env(), input="y\n", tty=True)
    assert accepted.code == 3
    assert len(issue_posts(sandbox)) == 5


# --- configuration, summary, errors, secrets -------------------------------------------------------------------
def test_go_version_from_the_actions_variable(sandbox, cli, tmp_path, monkeypatch):
    rituals = rituals_copy(tmp_path, "source: go.mod", "source: actions_variable")
    repo = sandbox.state["github"]["repos"]["fleetdm/fleet"]
    repo["variables"]["GO_VERSION"] = {"value": "1.24.2", "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"}
    result = cli(*CMD, "--json", env={**sandbox.env(), "FLEETOPS_RITUALS": rituals})
    assert result.code == 3, result.stderr
    go = by_name(result.json())["go"]
    assert (go["current"], go["latest"], go["status"], go["source"]) == ("1.24.2", "1.24.4", "outdated", "the GO_VERSION Actions variable")
    assert any(r["path"].endswith("/actions/variables/GO_VERSION") for r in sandbox.requests)

    monkeypatch.delenv("GH_TOKEN")  # set by the first run
    anonymous = {k: v for k, v in sandbox.env().items() if k != "GH_TOKEN"}
    result = cli(*CMD, env={**anonymous, "FLEETOPS_RITUALS": rituals})
    assert result.code == 4
    assert "GO_VERSION needs a GitHub token" in result.stderr and "GH_TOKEN" in result.stderr


def test_step_summary_for_github_actions(sandbox, cli, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("previous step\n")
    env = {**sandbox.env(), "GITHUB_STEP_SUMMARY": str(summary), "FLEETOPS_ONCALL": "getvictor"}
    first_number = sandbox.state["github"]["repos"]["fleetdm/fleet"]["next_number"]
    assert cli(*CMD, "--file-issues", "--yes", "--json", env=env).code == 3
    text = summary.read_text()
    assert text.startswith("previous step\n## fleetops release check-deps")  # appended, not replaced
    assert "| go | 1.22.3 | 1.22.12 (newest 1.24.4) | **outdated** |" in text
    assert "| orbit | orbit-v1.34.0 | **yes** | 3 |" in text
    assert "| fleetd-chrome | fleetd-chrome-v1.3.1 | no | 0 |" in text
    assert f"[#{first_number}](" in text
    assert "Something needs action (exit 3)." in text


def test_an_invalid_issue_template_is_exit_2_before_anything_is_written(sandbox, cli, tmp_path):
    rituals = rituals_copy(tmp_path, 'title: "Upgrade Go to {latest}"', 'title: "Upgrade Go to {lastest}"')
    result = cli(*CMD, "--file-issues", "--yes", env={**sandbox.env(), "FLEETOPS_RITUALS": rituals})
    assert result.code == 2
    assert "dependencies.go.patch_issue.title uses {lastest}" in result.stderr
    assert "Traceback" not in result.output
    assert sandbox.writes() == []


def test_a_rejected_token_is_exit_4_naming_the_variable(sandbox, cli):
    result = cli(*CMD, env={**sandbox.env(), "GH_TOKEN": "ghp_wrong_token_123456"})
    assert result.code == 4
    assert "GH_TOKEN" in result.stderr
    assert "ghp_wrong_token_123456" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("debug", [False, True])
def test_the_token_never_appears_in_output_journal_or_summary(sandbox, cli, clean_env, tmp_path, debug):
    summary = tmp_path / "summary.md"
    env = {**sandbox.env(), "GITHUB_STEP_SUMMARY": str(summary)}
    sandbox.inject(Fault("POST", ISSUES_PATH, status=500, skip=1))
    args = ["--debug"] if debug else []
    result = cli(*args, *CMD, "--file-issues", "--yes", "--json", env=env)
    assert result.code == 1
    everything = result.output + (clean_env / "journal.jsonl").read_text() + summary.read_text()
    if debug:
        assert "debug:" in everything
    assert env["GH_TOKEN"] not in everything


def test_help_is_the_runbook_and_fits_80_columns(cli):
    result = cli(*CMD, "--help", env={"COLUMNS": "80"})
    assert result.code == 0
    assert "1. Read at once" in result.stdout and "4. If fleetd changed" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


# --- the reusable fleetd function -----------------------------------------------------------------------------
def test_detect_changes_is_reusable_and_reads_little(make_sandbox, clean_env):
    from fleetops.clients.github import GitHubClient
    from fleetops.ops.deps.fleetd import FleetdChange, detect_changes
    from fleetops.rituals import load_rituals
    from fleetops.settings import Settings

    server = make_sandbox(chrome_changed=True, orbit_changed=False)
    client = GitHubClient(Settings.from_env(server.env()), "fleetdm/fleet")
    try:
        changes = detect_changes(client, load_rituals().dependencies.fleetd, "main")
    finally:
        client.close()
    assert all(isinstance(c, FleetdChange) for c in changes)
    assert [(c.component, c.last_tag, str(c.version), c.changed, c.commits) for c in changes] == [
        ("orbit", "orbit-v1.34.0", "1.34.0", False, 0),
        ("desktop", "orbit-v1.34.0", "1.34.0", False, 0),
        ("fleetd-chrome", "fleetd-chrome-v1.3.1", "1.3.1", True, 1),
    ]
    paths = [r["path"] for r in server.requests]
    assert len(paths) == 5, paths  # 2 matching-refs, 2 compares, 1 commit list (chrome)
    assert server.writes() == []


def test_open_issues_titled_matches_exact_titles_among_open_issues(sandbox, cli):
    from fleetops.clients.github import GitHubClient
    from fleetops.settings import Settings

    assert cli(*CMD, "--file-issues", "--yes", env=sandbox.env()).code == 3
    client = GitHubClient(Settings.from_env(sandbox.env()), "fleetdm/fleet")
    try:
        titles = ["Update osquery to 5.13.1", "Update osquery to 5.13", "Upgrade Go to 1.24.4"]
        found = client.open_issues_titled(titles)
        [osquery] = found["Update osquery to 5.13.1"]
        assert osquery.labels == ("bug", ":reproduce")
        assert found["Update osquery to 5.13"] == []  # exact titles only
        assert [i.number for i in found["Upgrade Go to 1.24.4"]] == [osquery.number - 2]
    finally:
        client.close()


def test_no_request_is_made_twice_even_when_filing_the_fleetd_qa_issue(sandbox, cli):
    result = cli(*CMD, "--file-issues", "--dry-run", "--json", env=sandbox.env())
    assert result.code == 3
    gets = [r["path"] for r in sandbox.requests if r["method"] == "GET"]
    assert len(gets) == len(set(gets)), sorted(p for p in gets if gets.count(p) > 1)
    assert sandbox.writes() == []
