"""`fleetops release cut-rc` (FLEETOPS_RITUALS=fleet-rc) on the sandbox's rc world over real sockets.

The rc world has 4.59.0's candidate already cut (QAWOLF_DEPLOY_TAG names it); these tests cut
4.60.0's, at main's head.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from fleetops.sandbox.server import Fault
from fleetops.sandbox.world.files import RELEASE_QA_TEMPLATE
from fleetops.sandbox.world.rc import BRANCH as OLD_BRANCH
from fleetops.sandbox.world.rc import CONFIDENTIAL, REPO
from tests.helpers import failed_run_steps

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
STAMP = "2026-11-25T18:00:00Z"
RC = {"FLEETOPS_RITUALS": "fleet-rc"}
VERSION = "4.60.0"
BRANCH = "rc-minor-fleet-v4.60.0"
TITLE = "Release QA: 4.60.0"
STEP_IDS = ["branch", "issue", "variable", "announce"]
ANNOUNCED = f"<!-- fleetops: announced in Slack (#help-engineering) on {STAMP} -->"
ANNOUNCING = f"<!-- fleetops: announcing in Slack (#help-engineering) on {STAMP} -->"


@pytest.fixture(autouse=True)
def pinned(clock):
    clock.set(NOW)
    return clock


@pytest.fixture
def world(make_sandbox):
    return lambda: make_sandbox("rc")


def cut(cli, server, *args: str, env: dict[str, str] | None = None):
    return cli("release", "cut-rc", VERSION, *args, env=env if env is not None else {**server.env(), **RC})


def fleet(server) -> dict[str, Any]:
    return server.state["github"]["repos"][REPO]


def qa_issues(server) -> list[dict[str, Any]]:
    return [i for i in fleet(server)["issues"] if i["title"] == TITLE]


def messages(server) -> list[str]:
    return [m["text"] for m in server.state["slack"]["messages"]]


def variable(server) -> str:
    return server.state["github"]["repos"][CONFIDENTIAL]["variables"]["QAWOLF_DEPLOY_TAG"]["value"]


def snapshot(server) -> dict[str, Any]:
    """Everything cut-rc may change, without the server's port."""

    def clean(text: str | None) -> str:
        return (text or "").replace(server.url, "<sandbox>")

    return {
        "refs": dict(fleet(server)["refs"]),
        "issues": [(i["number"], i["title"], i["state"], sorted(i["labels"]), i["assignees"], clean(i["body"])) for i in qa_issues(server)],
        "variable": variable(server),
        "slack": [clean(m) for m in messages(server)],
    }


def statuses(result) -> dict[str, str]:
    return {s["id"]: s["status"] for s in result.json()["steps"]}


def template_labels() -> list[str]:
    line = next(x for x in RELEASE_QA_TEMPLATE.splitlines() if x.startswith("labels:"))
    return sorted(line.split(":", 1)[1].strip().strip("'").split(","))


# --- the whole ritual -------------------------------------------------------------------------------------------
def test_a_clean_run_cuts_the_candidate_as_the_handbook_describes(world, cli):
    server = world()
    head = fleet(server)["refs"]["heads/main"]
    old_cut = fleet(server)["refs"][f"heads/{OLD_BRANCH}"]
    assert variable(server) == OLD_BRANCH and qa_issues(server) == []

    result = cut(cli, server, "--yes", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert [(s["id"], s["status"]) for s in data["steps"]] == [(i, "done") for i in STEP_IDS]

    # 1: the branch at main's head; the old candidate untouched
    assert fleet(server)["refs"][f"heads/{BRANCH}"] == head
    assert fleet(server)["refs"][f"heads/{OLD_BRANCH}"] == old_cut
    # 2: one issue, the template's labels, fleet-rc's QA members
    [issue] = qa_issues(server)
    assert issue["state"] == "open"
    assert sorted(issue["labels"]) == template_labels()
    assert issue["assignees"] == ["PezHub", "AndreyKizimenko", "xpkoala", "jmwatts"]
    assert "# Goal: a checklist anyone can follow" in issue["body"]
    # the durable record of the announcement: the confirmed line only, as the body's last line
    assert issue["body"].rstrip().splitlines()[-1] == ANNOUNCED
    assert "announcing in Slack" not in issue["body"]
    # 3: QA Wolf tests the new branch
    assert variable(server) == BRANCH
    # 4: one message, with the issue's URL
    url = f"{server.url}/web/{REPO}/issues/{issue['number']}"
    assert messages(server) == [
        f"The release candidate {BRANCH} for {VERSION} is cut from main ({head[:7]}); QA Wolf tests it (QAWOLF_DEPLOY_TAG). Release QA: {url}"
    ]
    # --json
    assert data["branch"] == BRANCH and data["sha"] == head
    assert data["issue"] == {"number": issue["number"], "url": url, "title": TITLE}
    # one write per step (the announcement: attempt marker, post, confirmation), no GET twice
    assert [(w["method"], w["service"]) for w in server.writes()] == [
        ("POST", "github"), ("POST", "github"), ("PATCH", "github"), ("PATCH", "github"), ("POST", "slack"), ("PATCH", "github"),
    ]
    gets = Counter(r["path"] for r in server.requests if r["method"] == "GET")
    # read twice on purpose: the newest open issues, in the look right before the Release QA issue is
    # created, so that an issue opened since the plan is not opened again (the search is not repeated:
    # a new issue is not searchable yet)
    again = {p: n for p, n in gets.items() if n > 1}
    assert list(again.values()) == [2] and all(p.startswith("/github/repos/fleetdm/fleet/issues?") for p in again), again
    assert sum(n for p, n in gets.items() if "/search/issues" in p) == 1


def test_the_page_for_people_lists_the_steps_and_their_results(world, cli):
    server = world()
    result = cut(cli, server, "--yes")
    assert result.code == 0, result.stderr
    text = " ".join(result.stderr.split())
    assert f"created {BRANCH} at" in text
    assert "opened #" in text
    assert f"QAWOLF_DEPLOY_TAG: {OLD_BRANCH} → {BRANCH}" in text
    assert "posted in #help-engineering" in text
    assert result.stdout == ""


def test_a_second_run_skips_every_step_and_writes_nothing(world, cli):
    server = world()
    assert cut(cli, server, "--yes").code == 0
    before = snapshot(server)
    server.reset_log()
    again = cut(cli, server, "--yes", "--json")
    assert again.code == 0, again.stderr
    assert statuses(again) == dict.fromkeys(STEP_IDS, "skipped")
    steps = {s["id"]: s for s in again.json()["steps"]}
    assert steps["branch"]["detail"].startswith("exists at ")
    assert steps["issue"]["detail"].startswith("already open: #")
    assert steps["variable"]["detail"] == f"already {BRANCH}"
    assert steps["announce"]["detail"].startswith("already announced")
    assert again.json()["sha"] == fleet(server)["refs"]["heads/main"]
    assert again.json()["issue"]["number"] == qa_issues(server)[0]["number"]
    assert "Nothing to change." in again.stderr
    assert server.writes() == []
    assert snapshot(server) == before


def test_dry_run_shows_every_step_and_makes_zero_writes(world, cli):
    server = world()
    before = snapshot(server)
    result = cut(cli, server, "--dry-run", "--json", env={**server.env(), **RC, "COLUMNS": "300"})
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["dry_run"] is True
    assert [(s["id"], s["status"]) for s in data["steps"]] == [(i, "pending") for i in STEP_IDS]
    assert "Plan (dry run: nothing will change)" in result.stderr
    for step in data["steps"]:
        assert step["title"] in result.stderr
    assert server.writes() == []
    assert snapshot(server) == before


def test_without_a_terminal_and_without_yes_nothing_is_written(world, cli):
    server = world()
    result = cut(cli, server, env={**server.env(), **RC, "CI": "true"})
    assert result.code == 2
    assert "--yes" in result.stderr
    assert server.writes() == []


# --- failures in the middle, and the re-run that finishes the job -------------------------------------------------
FAULTS = {
    # (the fault, the step that fails, the steps that wait for it)
    "branch": (Fault("POST", "/git/refs$", status=500), "branch", ["variable", "announce"]),
    "issue": (Fault("POST", f"/repos/{REPO}/issues$", status=500), "issue", ["announce"]),
    # 422 is not retried (a 5xx PATCH would be)
    "variable": (Fault("PATCH", "/actions/variables/QAWOLF_DEPLOY_TAG$", status=422), "variable", ["announce"]),
    # a refusal that certainly posted nothing (a 5xx may come after the post: see the ambiguous test)
    "slack": (Fault("POST", "/slack/", status=400, body="invalid_payload"), "announce", []),
    # the attempt cannot be noted in the issue: nothing is posted
    "marker": (Fault("PATCH", r"/issues/\d+$", status=422, request="announcing in Slack"), "announce", []),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_a_failure_at_each_step_then_a_rerun_ends_like_a_clean_run(world, cli, name):
    clean = world()
    assert cut(cli, clean, "--yes").code == 0

    server = world()
    fault, failed, blocked = FAULTS[name]
    server.inject(fault)
    first = cut(cli, server, "--yes", "--json")
    assert f"1 step(s) failed: {failed}." in first.stderr
    failed_run_steps(first, failed, blocked, STEP_IDS)
    assert messages(server) == []  # nothing posted in any of these cases

    server.clear_faults()
    second = cut(cli, server, "--yes", "--json")
    assert second.code == 0, second.stderr
    done = {i for i, s in statuses(second).items() if s == "done"}
    assert done == {failed, *blocked}
    assert {s for i, s in statuses(second).items() if i not in done} == {"skipped"}
    assert snapshot(server) == snapshot(clean)  # one branch, one issue, one variable write, one message


# --- at most once: an ambiguous Slack answer ------------------------------------------------------------------
def test_an_ambiguous_post_then_reruns_leave_one_message_and_say_may_have_been_sent(world, cli):
    server = world()
    server.inject(Fault("POST", "/slack/", status=502, body="bad gateway", after=True))
    first = cut(cli, server, "--yes", "--json")
    assert first.code == 1
    announce = {s["id"]: s for s in first.json()["steps"]}["announce"]
    assert announce["status"] == "failed"
    assert "may have posted the announcement in #help-engineering" in announce["detail"]
    assert len(messages(server)) == 1  # Slack did post it
    [issue] = qa_issues(server)
    assert ANNOUNCING in issue["body"] and "announced in Slack" not in issue["body"]

    for _ in range(2):
        server.reset_log()
        again = cut(cli, server, "--yes", "--json")
        assert again.code == 3, again.stderr
        step = {s["id"]: s for s in again.json()["steps"]}["announce"]
        assert step["status"] == "skipped"
        assert step["detail"].startswith(f"may have been sent at {STAMP} (not confirmed)")
        assert "--resend-announcement" in step["detail"]
        assert server.writes() == []
    assert len(messages(server)) == 1

    resent = cut(cli, server, "--yes", "--resend-announcement", "--json")
    assert resent.code == 0, resent.stderr
    assert statuses(resent)["announce"] == "done"
    assert len(messages(server)) == 2
    body = qa_issues(server)[0]["body"]
    assert ANNOUNCED in body and "announcing in Slack" not in body
    after = cut(cli, server, "--yes")
    assert after.code == 0 and len(messages(server)) == 2


def test_the_marker_in_the_issue_holds_the_post_on_another_machine(world, cli, tmp_path):
    """Another machine's journal knows nothing: the issue's body is the record that holds the post."""
    server = world()
    server.inject(Fault("POST", "/slack/", status=502, body="bad gateway", after=True))
    assert cut(cli, server, "--yes").code == 1
    other = cut(cli, server, "--yes", "--json", env={**server.env(), **RC, "FLEETOPS_STATE_DIR": str(tmp_path / "other")})
    assert other.code == 3, other.stderr
    assert {s["id"]: s for s in other.json()["steps"]}["announce"]["detail"].startswith(f"may have been sent at {STAMP}")
    assert len(messages(server)) == 1


@pytest.mark.parametrize("line,held", [
    ("<!-- fleetops: announcing in Slack (#help-engineering) on 2026-11-25T17:59:00Z -->", "another run attempted it at 2026-11-25T17:59:00Z (not confirmed)"),
    ("<!-- fleetops: announced in Slack (#help-engineering) on 2026-11-25T17:59:00Z -->", "announced by another run meanwhile"),
])
def test_another_runs_marker_written_after_the_plan_holds_the_post(world, cli, monkeypatch, line, held):
    """Two machines: the issue is re-read just before posting, and the other run's marker wins."""
    server = world()
    original = server.dispatch

    def dispatch(method, raw_path, headers, body):
        if method == "PATCH" and "/actions/variables/" in raw_path:  # the variable step: after the plan, before announce
            issue = qa_issues(server)[0]
            issue["body"] += "\n\n" + line
        return original(method, raw_path, headers, body)

    monkeypatch.setattr(server, "dispatch", dispatch)
    result = cut(cli, server, "--yes", "--json")
    step = {s["id"]: s for s in result.json()["steps"]}["announce"]
    assert step["status"] == "skipped"
    assert step["detail"].startswith(held)
    assert result.code == (3 if "announcing" in line else 0), result.stderr
    assert messages(server) == []


def test_without_a_slack_webhook_the_announcement_is_a_checklist_item(world, cli):
    server = world()
    env = {k: v for k, v in server.env().items() if k != "SLACK_WEBHOOK_URL"}
    result = cut(cli, server, "--yes", "--json", env={**env, **RC})
    assert result.code == 0, result.stderr
    step = {s["id"]: s for s in result.json()["steps"]}["announce"]
    assert step["status"] == "skipped" and step.get("manual") is True
    assert step["detail"].startswith("SLACK_WEBHOOK_URL is not set: post this in #help-engineering yourself: The release candidate")
    assert messages(server) == []
    assert "fleetops: announc" not in qa_issues(server)[0]["body"]


# --- refusals before any request ---------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["4.60", "next", "4.60.0.1"])
def test_a_bad_version_is_exit_2_before_any_request(world, cli, version):
    server = world()
    result = cli("release", "cut-rc", version, "--yes", env={**server.env(), **RC})
    assert result.code == 2, result.stderr
    assert "is not a release version" in result.stderr
    assert server.requests == []


def test_under_the_2024_process_it_names_the_merge_freeze(world, cli):
    server = world()
    result = cli("release", "cut-rc", VERSION, "--yes", env=server.env())
    assert result.code == 2, result.stderr
    text = " ".join(result.stderr.split())
    assert "belongs to the release-candidate process" in text and "fleetops freeze begin" in text
    assert server.requests == []


def test_a_missing_token_is_exit_4_naming_it(world, cli, monkeypatch):
    server = world()
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    env = {k: v for k, v in server.env().items() if k != "GH_TOKEN"}
    result = cut(cli, server, "--yes", env={**env, **RC})
    assert result.code == 4, result.stderr
    assert "GH_TOKEN" in result.stderr
    assert server.requests == []


def test_an_existing_branch_is_reported_with_its_sha_and_not_moved(world, cli):
    server = world()
    main = fleet(server)["refs"]["heads/main"]
    older = fleet(server)["refs"][f"heads/{OLD_BRANCH}"]
    fleet(server)["refs"][f"heads/{BRANCH}"] = older  # cut by hand earlier, from an older commit
    result = cut(cli, server, "--yes", "--json")
    assert result.code == 0, result.stderr
    step = {s["id"]: s for s in result.json()["steps"]}["branch"]
    assert step["status"] == "skipped"
    assert step["detail"] == f"exists at {older[:7]} (main is at {main[:7]} now)"
    assert result.json()["sha"] == older
    assert fleet(server)["refs"][f"heads/{BRANCH}"] == older
    assert f"({older[:7]})" in messages(server)[0]


def test_help_is_the_numbered_runbook(cli):
    result = cli("release", "cut-rc", "--help")
    assert result.code == 0
    text = " ".join(result.stdout.split())
    assert "Create a release candidate" in text and "NOT BUILT" not in text
    for step in ("1. creates branch", "2. opens the Release QA issue", "3. sets the Actions variable", "4. announces the candidate"):
        assert step in text
    assert "--resend-announcement" in text


def test_the_marker_line_is_hidden_markdown():
    from fleetops.ops.announce import MARKERS

    body = MARKERS.with_line("Body\n", ANNOUNCING)
    assert body == f"Body\n\n{ANNOUNCING}"
    assert MARKERS.attempt_time(body) == STAMP
    assert MARKERS.attempt_time(MARKERS.with_line(body, ANNOUNCED)) is None
    assert re.fullmatch(r"<!-- .* -->", ANNOUNCED)


def test_a_run_lock_held_elsewhere_stops_the_run_before_any_request(world, cli, clean_env):
    from fleetops.lock import RunLock

    server = world()
    other = RunLock(clean_env, "release cut-rc", REPO, VERSION)
    other.acquire()
    try:
        result = cut(cli, server, "--yes")
        assert result.code == 1
        assert "another run of cut-rc 4.60.0 holds the lock since " in " ".join(result.stderr.split())
        assert server.requests == []
        assert cut(cli, server, "--dry-run").code == 0  # reads only: not blocked
        assert server.writes() == []
    finally:
        other.release()


@pytest.mark.parametrize(
    ("version", "said"),
    [
        ("4.58.0", "4.58.0 is already released (fleet-v4.58.0)"),
        ("4.57.0", "4.57.0 is already released (fleet-v4.57.0)"),
        ("4.57.5", "4.57.5 is older than the newest release, 4.59.0"),
        ("4.59.0-as-another-branch", None),
    ],
)
def test_a_version_already_released_or_older_is_exit_2_and_nothing_is_written(world, cli, version, said):
    """Issue 20 item 8: cut-rc 4.58.0 when fleet-v4.58.0 exists would point QA Wolf at the past."""
    server = world()
    if said is None:  # 4.59.0 is tagged, but QAWOLF_DEPLOY_TAG names another branch than its candidate's
        version, said = "4.59.0", "4.59.0 is already released (fleet-v4.59.0)"
        fleet_vars = server.state["github"]["repos"][CONFIDENTIAL]["variables"]
        fleet_vars["QAWOLF_DEPLOY_TAG"]["value"] = "main"
    for extra in ([], ["--dry-run"]):
        result = cli("release", "cut-rc", version, "--yes", *extra, env={**server.env(), **RC})
        assert result.code == 2, result.output
        assert said in " ".join(result.stderr.split()) and "Give a version after 4.59.0, e.g. 4.60.0." in " ".join(result.stderr.split())
    assert server.writes() == []


# --- one release, one writer at a time (issue 19, item 7) ---------------------------------------------------------
def test_cut_rc_and_create_qa_issue_share_one_lock_per_repository_and_release(world, cli, clean_env):
    from fleetops.lock import RunLock

    server = world()
    holder = RunLock(clean_env, "release cut-rc", REPO, VERSION)
    holder.acquire()
    try:
        result = cli("release", "create-qa-issue", VERSION, "--yes", env={**server.env(), **RC})
    finally:
        holder.release()
    assert result.code == 1, result.stderr
    assert f"another run of cut-rc {VERSION} holds the lock since" in " ".join(result.stderr.split())
    assert server.requests == [] and qa_issues(server) == []
    # another release is another lock
    other = RunLock(clean_env, "release conclude-milestone", REPO, "4.58.0")
    assert other.path != holder.path and RunLock(clean_env, "release create-qa-issue", REPO, VERSION).path == holder.path


def test_a_release_qa_issue_opened_after_the_plan_read_the_issues_is_not_opened_again(world, cli, monkeypatch):
    """The look right before the create finds an issue another run (another machine) opened meanwhile."""
    import httpx

    from fleetops.clients.github import GitHubClient

    server = world()
    real = GitHubClient.open_issues_titled
    calls = []

    def open_issues_titled(self, titles, **kwargs):
        found = real(self, titles, **kwargs)
        calls.append(kwargs)
        if len(calls) == 1:  # the plan has read: someone else opens the issue now
            env = server.env()
            httpx.post(f"{env['GITHUB_API_URL']}/repos/{REPO}/issues", json={"title": TITLE, "body": "opened elsewhere"},
                       headers={"Authorization": f"token {env['GH_TOKEN']}"}).raise_for_status()
        return found

    monkeypatch.setattr(GitHubClient, "open_issues_titled", open_issues_titled)
    result = cut(cli, server, "--yes", "--json")
    assert result.code == 0, result.stderr
    [issue] = qa_issues(server)
    assert issue["body"].startswith("opened elsewhere")  # the one opened elsewhere (it then carries the announcement's marker)
    steps = {s["id"]: s for s in result.json()["steps"]}
    assert "opened since the plan was made; not created again" in steps["issue"]["detail"]
