"""`fleetops freeze allow-pr N` against the sandbox over real sockets.

The clock (the `clock` fixture: App.now and the sandbox) is pinned to a Thursday noon in Los
Angeles, and each world's release milestone is due on the date that puts that moment in the phase
a test needs. The pull requests
are the sandbox's (world/pulls.py): 23101 fixes a bug, 23102 is docs only, 23103 fixes a
~release blocker, 23104-23106 are feature work, 23107 is merged, 23108 targets an RC branch,
23109 is labelled bug itself, 23110 changes 150 website files, 23111 fixes an ~unreleased bug.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest

from fleetops.sandbox.server import Fault

NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # Thursday 12:00 in Los Angeles
RELEASE = {
    "freeze": datetime(2026, 12, 1, 12, tzinfo=UTC),  # Tuesday: the freeze began Tuesday 11-24 at 11:00
    "deep-freeze": datetime(2026, 11, 27, 12, tzinfo=UTC),  # Friday 11:00 in Los Angeles: 23 hours away
    "open": datetime(2026, 12, 15, 12, tzinfo=UTC),  # the freeze starts Tuesday 12-08
}
MAIN = "fleetdm/fleet/main"


@pytest.fixture(autouse=True)
def pinned(clock):
    clock.set(NOW)
    return clock


@pytest.fixture
def world(make_sandbox):
    def start(phase="freeze", *, frozen=True, unblocked=(), **overrides):
        server = make_sandbox(now=NOW, release_date=RELEASE[phase], frozen=frozen, **overrides)
        server.state["mergefreeze"]["branches"][MAIN]["unblocked_prs"] = list(unblocked)
        return server

    return start


@pytest.fixture
def posts(monkeypatch):
    """The form bodies of every POST to Merge Freeze that reached the server (faults included)."""

    def capture(server):
        seen: list[dict[str, str]] = []
        original = server.dispatch

        def dispatch(method, raw_path, headers, body):
            if method == "POST" and raw_path.startswith("/mergefreeze/"):
                seen.append({k: v[-1] for k, v in parse_qs(body.decode()).items()})
            return original(method, raw_path, headers, body)

        monkeypatch.setattr(server, "dispatch", dispatch)
        return seen

    return capture


def branch(server, name=MAIN):
    return server.state["mergefreeze"]["branches"][name]


def record(server, number):
    """The sandbox's issue or pull request record #number."""
    return next(i for i in server.state["github"]["repos"]["fleetdm/fleet"]["issues"] if i["number"] == number)


def mf_writes(server):
    return server.writes("mergefreeze")


def allow(cli, server, number, *args, env=None):
    return cli("freeze", "allow-pr", str(number), *args, env={**server.env(), **(env or {})})


# --- the happy path, idempotence, the whole list ------------------------------------------------------------
def test_a_bug_fix_is_unblocked_once_and_the_branch_stays_frozen(world, cli, posts):
    server = world("freeze")
    sent = posts(server)
    first = allow(cli, server, 23101, "--yes", "--json")
    assert first.code == 0, first.stderr
    data = first.json()
    assert data["command"] == "freeze allow-pr" and data["dry_run"] is False
    assert data["pr"]["number"] == 23101 and data["pr"]["title"] == "Keep the profile retry count across reboots"
    assert data["pr"]["url"].endswith("/fleetdm/fleet/pull/23101")
    assert (data["phase"], data["rules"], data["rule"], data["allowed"]) == ("freeze", "freeze", "bug-fix", True)
    assert data["reason"] == "it closes #23001, labelled bug"
    assert data["issues"] == [
        {"number": 23001, "url": data["issues"][0]["url"], "title": "Profiles: retry count resets after a host reboots",
         "labels": ["bug", "#g-mdm", ":release"]},
    ]
    assert data["unblocked_prs"] == [23101] and data["frozen"] is True
    assert [s["status"] for s in data["steps"]] == ["done"]
    assert (branch(server)["frozen"], branch(server)["unblocked_prs"]) == (True, [23101])
    assert sent == [{"frozen": "true", "user_name": "fleet-release", "unblocked_prs": "[23101]", "note": "Release freeze"}]

    second = allow(cli, server, 23101, "--yes", "--json")
    assert second.code == 0
    step = second.json()["steps"][0]
    assert step["status"] == "skipped" and step["detail"].startswith("already unblocked")
    assert len(mf_writes(server)) == 1 and len(sent) == 1


def test_the_whole_list_is_sent_again_with_frozen_true(world, cli, posts):
    server = world("freeze", unblocked=[23103, 111])
    branch(server)["note"] = "Release freeze for 4.58.0"
    sent = posts(server)
    result = allow(cli, server, 23102, "--yes", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["rule"] == "docs-only" and result.json()["unblocked_prs"] == [111, 23102, 23103]
    assert sent == [{"frozen": "true", "user_name": "fleet-release", "unblocked_prs": "[111,23102,23103]",
                     "note": "Release freeze for 4.58.0"}]
    state = branch(server)
    assert (state["frozen"], state["unblocked_prs"], state["note"]) == (True, [111, 23102, 23103], "Release freeze for 4.58.0")


def test_several_prs_in_a_row_keep_every_one_unblocked(world, cli, posts):
    server = world("freeze")
    sent = posts(server)
    for number in (23109, 23101, 23110):
        assert allow(cli, server, number, "--yes").code == 0
    assert branch(server)["unblocked_prs"] == [23101, 23109, 23110] and branch(server)["frozen"] is True
    assert [body["unblocked_prs"] for body in sent] == ["[23109]", "[23101,23109]", "[23101,23109,23110]"]
    assert all(body["frozen"] == "true" for body in sent)


def test_human_output_shows_what_was_read_and_the_verdict(world, cli):
    server = world("freeze")
    result = allow(cli, server, 23103, "--yes")
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    err = result.stderr
    assert "Merge #23103 during the freeze" in err
    assert "#23002 Fleet Desktop crashes when the tray menu opens twice [bug, ~release blocker, #g-endpoint-ops]" in " ".join(err.split())
    assert "allowed (bug-fix): it closes #23002, labelled bug" in " ".join(err.split())
    assert "done" in err and "main still frozen" in err


# --- the rules in each phase --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "number, rule",
    [(23101, "bug-fix"), (23102, "docs-only"), (23103, "bug-fix"), (23109, "bug-fix"), (23110, "docs-only"), (23111, "bug-fix")],
)
def test_freeze_allows_bug_fixes_and_documentation(world, cli, number, rule):
    server = world("freeze")
    result = allow(cli, server, number, "--yes", "--json")
    assert result.code == 0, result.stderr
    assert (result.json()["rule"], result.json()["phase"]) == (rule, "freeze")
    assert branch(server)["unblocked_prs"] == [number]


@pytest.mark.parametrize("number", [23104, 23105, 23106])
def test_freeze_refuses_feature_work_with_exit_2_and_no_write(world, cli, number):
    server = world("freeze")
    result = allow(cli, server, number, "--yes", "--json")
    assert result.code == 2
    assert "freeze-no-feature-work" in result.stderr and "phase freeze" in result.stderr
    assert "only bug fixes and documentation or website changes merge" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
    data = result.json()
    assert (data["allowed"], data["rule"], data["phase"]) == (False, "freeze-no-feature-work", "freeze")
    assert data["pr"]["number"] == number and data["error"]["exit_code"] == 2 and data["steps"] == []
    assert server.writes() == [] and branch(server)["unblocked_prs"] == []


@pytest.mark.parametrize("number, rule", [(23103, "deep-freeze-fix"), (23111, "deep-freeze-fix")])
def test_deep_freeze_allows_release_blocker_and_unreleased_bug_fixes(world, cli, number, rule):
    server = world("deep-freeze")
    result = allow(cli, server, number, "--yes", "--json")
    assert result.code == 0, result.stderr
    assert (result.json()["phase"], result.json()["rule"]) == ("deep-freeze", rule)
    assert branch(server)["unblocked_prs"] == [number]


@pytest.mark.parametrize("number", [23101, 23102, 23104, 23109, 23110])
def test_deep_freeze_refuses_everything_else(world, cli, number):
    server = world("deep-freeze")
    result = allow(cli, server, number, "--yes")
    assert result.code == 2
    assert "deep-freeze-fixes-only" in result.stderr and "phase deep-freeze" in result.stderr
    assert "~release blocker or ~unreleased bug" in " ".join(result.stderr.split())
    assert server.writes() == []


def test_deep_freeze_says_a_label_on_the_pr_does_not_count(world, cli):
    server = world("deep-freeze")
    record(server, 23109)["labels"].append("~release blocker")
    result = allow(cli, server, 23109, "--yes")
    assert result.code == 2 and "does not count" in result.stderr and server.writes() == []


def test_unknown_schedule_applies_the_deep_freeze_rules(world, cli):
    server = world("freeze")
    server.state["github"]["repos"]["fleetdm/fleet"]["milestones"][1]["due_on"] = None
    refused = allow(cli, server, 23101, "--yes", "--json")
    assert refused.code == 2 and (refused.json()["phase"], refused.json()["rules"]) == ("unknown", "deep-freeze")
    allowed = allow(cli, server, 23103, "--yes", "--json")
    assert allowed.code == 0 and allowed.json()["rule"] == "deep-freeze-fix"


def test_a_branch_frozen_before_the_freeze_period_uses_the_freeze_rules(world, cli):
    server = world("open")
    result = allow(cli, server, 23101, "--yes", "--json")
    assert result.code == 0, result.stderr
    assert (result.json()["phase"], result.json()["rules"], result.json()["rule"]) == ("open", "freeze", "bug-fix")
    assert "the freeze's rules apply" in " ".join(result.stderr.split())


# --- the exception process ------------------------------------------------------------------------------------
def test_exception_without_approvals_names_who_is_missing(world, cli):
    server = world("freeze")
    result = allow(cli, server, 23104, "--exception", "--yes", "--json")
    assert result.code == 2
    text = " ".join(result.stderr.split())
    for who in ("engineering manager of Endpoint ops (@sharon-fdm)", "QA lead of Endpoint ops (@sabrinabuckets)", "release DRI (@lukeheath)"):
        assert who in text
    data = result.json()
    assert data["rule"] == "exception-approvals" and len(data["approvals"]["missing"]) == 3
    assert server.writes() == []


def test_exception_names_the_one_whose_approval_was_withdrawn(world, cli):
    server = world("freeze")
    result = allow(cli, server, 23106, "--exception", "--yes", "--json")
    assert result.code == 2
    assert result.json()["approvals"]["missing"] == ["the QA lead of MDM (@xpkoala)"]
    assert result.json()["approvals"]["approved_by"] == ["georgekarrv", "lukeheath"]
    assert "is missing the QA lead of MDM (@xpkoala)" in " ".join(result.stderr.split())
    assert server.writes() == []


def test_exception_with_the_three_approvals_is_unblocked(world, cli, posts):
    server = world("deep-freeze")
    sent = posts(server)
    result = allow(cli, server, 23105, "--exception", "--yes", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert (data["rule"], data["groups"], data["approvals"]["missing"]) == ("exception", ["Endpoint ops"], [])
    assert branch(server)["unblocked_prs"] == [23105] and sent[0]["frozen"] == "true"


def test_exception_needs_a_group_label(world, cli):
    server = world("freeze")
    record(server, 23105)["labels"] = []
    result = allow(cli, server, 23105, "--exception", "--yes")
    assert result.code == 2 and "group label" in result.stderr and server.writes() == []


# --- nothing to do, dry run, confirmation ---------------------------------------------------------------------------
def test_a_branch_that_is_not_frozen_is_skipped(world, cli):
    server = world("freeze", frozen=False)
    result = allow(cli, server, 23104, "--yes", "--json")  # even feature work: nothing is blocked
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["frozen"] is False and data["steps"][0]["status"] == "skipped"
    assert data["steps"][0]["detail"] == "nothing to unblock: main is not frozen in Merge Freeze"
    assert server.writes() == []


def test_dry_run_reads_everything_and_writes_nothing(world, cli):
    server = world("freeze", unblocked=[23103])
    result = allow(cli, server, 23102, "--dry-run", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["dry_run"] is True and data["steps"][0]["status"] == "pending"
    assert data["steps"][0]["detail"].startswith("unblocked: [#23103] → [#23102, #23103]")
    assert data["unblocked_prs"] == [23103]
    assert server.writes() == [] and branch(server)["unblocked_prs"] == [23103]
    assert "dry run" in result.stderr


def test_without_a_terminal_it_needs_yes(world, cli):
    server = world("freeze")
    result = allow(cli, server, 23101, env={"CI": "true"})
    assert result.code == 2 and "--yes" in result.stderr and server.writes() == []


def test_already_unblocked_but_refused_now_is_skipped_with_a_warning(world, cli):
    server = world("deep-freeze", unblocked=[23101])
    result = allow(cli, server, 23101, "--yes", "--json")
    assert result.code == 0
    assert result.json()["steps"][0]["status"] == "skipped" and result.json()["allowed"] is False
    assert "does not block it again" in " ".join(result.stderr.split())
    assert server.writes() == []


# --- requests ---------------------------------------------------------------------------------------------------
def test_reads_are_each_made_once(world, cli):
    server = world("freeze")
    assert allow(cli, server, 23110, "--yes").code == 0
    paths = [f"{r['method']} {r['path'].split('?')[0]}" for r in server.requests]
    gh = "GET /github/repos/fleetdm/fleet"
    assert sorted(paths) == sorted(
        [
            "GET /mergefreeze/api/branches/fleetdm/fleet/main",  # the plan
            f"{gh}/milestones", "GET /github/user", f"{gh}/pulls/23110", f"{gh}/pulls/23110/reviews",
            f"{gh}/pulls/23110/files", f"{gh}/pulls/23110/files",  # 150 files: two pages of 100
            "GET /mergefreeze/api/branches/fleetdm/fleet/main",  # again just before the write (see docs)
            "POST /mergefreeze/api/branches/fleetdm/fleet/main",
        ]
    )
    assert all("per_page=100" in r["path"] for r in server.requests if "/files" in r["path"])


# --- a failure, then a re-run ---------------------------------------------------------------------------------------
def test_a_failed_write_is_exit_1_and_a_rerun_finishes_like_a_clean_run(world, cli, make_sandbox):
    clean = world("freeze", unblocked=[23103])
    assert allow(cli, clean, 23101, "--yes").code == 0

    server = world("freeze", unblocked=[23103])
    server.inject(Fault("POST", "/mergefreeze/", status=502))
    failed = allow(cli, server, 23101, "--yes", "--json")
    assert failed.code == 1
    assert failed.json()["steps"][0]["status"] == "failed" and "HTTP 502" in failed.json()["steps"][0]["detail"]
    assert branch(server)["unblocked_prs"] == [23103] and branch(server)["frozen"] is True
    rerun = allow(cli, server, 23101, "--yes")
    assert rerun.code == 0, rerun.stderr
    for key in ("frozen", "unblocked_prs", "note", "frozen_by"):
        assert branch(server)[key] == branch(clean)[key]


def test_a_lost_answer_then_a_rerun_does_not_write_again(world, cli):
    server = world("freeze", unblocked=[23103])
    server.inject(Fault("POST", "/mergefreeze/", status=504, after=True))  # applied, but the answer is lost
    assert allow(cli, server, 23101, "--yes").code == 1
    assert branch(server)["unblocked_prs"] == [23101, 23103]
    rerun = allow(cli, server, 23101, "--yes", "--json")
    assert rerun.code == 0 and rerun.json()["steps"][0]["status"] == "skipped"
    assert len(mf_writes(server)) == 1 and branch(server)["unblocked_prs"] == [23101, 23103]


def test_the_list_is_read_again_after_the_prompt(world, cli, monkeypatch):
    """Someone unblocks another PR while the prompt waits: it stays unblocked."""
    from fleetops.ui import UI

    server = world("freeze")

    def confirm(self, question):
        branch(server)["unblocked_prs"] = [555]
        return True

    monkeypatch.setattr(UI, "confirm", confirm)
    result = cli("freeze", "allow-pr", "23101", env=server.env(), input="y\n", tty=True)
    assert result.code == 0, result.stderr
    assert branch(server)["unblocked_prs"] == [555, 23101]


def test_a_branch_unfrozen_while_the_prompt_waits_is_not_frozen_again(world, cli, monkeypatch, clean_env):
    from fleetops.ui import UI

    server = world("freeze")

    def confirm(self, question):
        branch(server).update(frozen=False, frozen_by=None)
        return True

    monkeypatch.setattr(UI, "confirm", confirm)
    result = cli("freeze", "allow-pr", "23101", env=server.env(), input="y\n", tty=True)
    assert result.code == 0
    entry = json.loads((clean_env / "journal.jsonl").read_text())  # the terminal's progress bar hides the line
    assert (entry["status"], entry["detail"]) == ("skipped", "nothing to unblock: main was unfrozen since the plan was made")
    assert branch(server)["frozen"] is False and mf_writes(server) == []


def test_an_answer_that_says_unfrozen_fails_the_step(world, cli):
    server = world("freeze")
    server.inject(Fault("POST", "/mergefreeze/", status=200, body={"frozen": False, "unblocked_prs": []}))
    result = allow(cli, server, 23101, "--yes")
    text = " ".join(result.stderr.split())
    assert result.code == 1 and "not frozen any more" in text and "`fleetops freeze begin` freezes it again" in text


# --- bad input and credentials -------------------------------------------------------------------------------------
def test_missing_mergefreeze_token_is_exit_4_before_any_request(world, cli):
    server = world("freeze")
    env = server.env()
    del env["MERGEFREEZE_TOKEN"]
    result = cli("freeze", "allow-pr", "23101", "--yes", env=env)
    assert result.code == 4 and "MERGEFREEZE_TOKEN is not set" in result.stderr
    assert server.requests == []


@pytest.mark.parametrize(
    "number, message",
    [
        (99999, "fleetdm/fleet has no pull request #99999."),
        (23001, "fleetdm/fleet has no pull request #23001."),  # an issue
        (23107, "pull request #23107 is merged already"),
        (23108, "merges into rc-minor-fleet-v4.58.0, not into main"),
        (0, "N '0' is not a pull request of fleetdm/fleet"),
    ],
)
def test_bad_pull_requests_are_exit_2_with_one_line(world, cli, number, message):
    server = world("freeze")
    result = allow(cli, server, number, "--yes")
    assert result.code == 2
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
    assert server.writes() == []


def test_a_closed_pull_request_is_refused(world, cli):
    server = world("freeze")
    record(server, 23101)["state"] = "closed"
    result = allow(cli, server, 23101, "--yes")
    assert result.code == 2 and "is closed" in result.stderr and server.writes() == []


def test_branch_option_unblocks_on_that_branch_only(world, cli):
    server = world("freeze")
    server.state["mergefreeze"]["branches"]["fleetdm/fleet/rc-minor-fleet-v4.58.0"] = {
        "frozen": True, "frozen_by": "lukeheath", "note": "RC", "unblocked_prs": [],
    }
    result = allow(cli, server, 23108, "--branch", "rc-minor-fleet-v4.58.0", "--yes", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["branch"] == "rc-minor-fleet-v4.58.0"
    assert branch(server, "fleetdm/fleet/rc-minor-fleet-v4.58.0")["unblocked_prs"] == [23108]
    assert branch(server)["unblocked_prs"] == []


@pytest.mark.parametrize("debug", [False, True])
def test_tokens_never_appear(world, cli, clean_env, debug):
    server = world("freeze")
    env = server.env()
    args = ["--debug"] if debug else []
    outputs = [cli(*args, "freeze", "allow-pr", "23101", "--yes", "--json", env=env).output]
    outputs.append(cli(*args, "freeze", "allow-pr", "23104", "--yes", env=env).output)  # a refusal
    server.inject(Fault("POST", "/mergefreeze/", status=500))
    outputs.append(cli(*args, "freeze", "allow-pr", "23102", "--yes", env=env).output)  # a failure
    everything = "\n".join(outputs) + (clean_env / "journal.jsonl").read_text()
    for secret in (env["MERGEFREEZE_TOKEN"], env["GH_TOKEN"]):
        assert secret not in everything
    if debug:  # the requests were logged, with the token masked
        assert "/mergefreeze/api/branches" in everything and "access_token=***" in everything


def test_journal_records_the_unblock(world, cli, clean_env):
    server = world("freeze")
    allow(cli, server, 23101, "--yes")
    allow(cli, server, 23101, "--yes")  # skipped: not journaled
    entries = [json.loads(line) for line in (clean_env / "journal.jsonl").read_text().splitlines()]
    assert [(e["command"], e["step"], e["status"]) for e in entries] == [("freeze allow-pr", "unblock", "done")]
    assert "unblocked: [#23101]" in entries[0]["detail"]
