"""The Slack announcement cannot be read back: it is attempted at most once (issue 9, item 1)."""

from __future__ import annotations

import re

import pytest

from fleetops.sandbox.server import Fault
from tests.cli.test_conclude import REPO, STEP_IDS, conclude

AMBIGUOUS = {  # Slack records the message, then the answer is lost
    "502-after-posting": lambda: Fault("POST", "/slack/", status=502, body="bad gateway", after=True),
    "reset-after-posting": lambda: Fault("POST", "/slack/", drop=True, after=True),
}


def messages(server) -> list[str]:
    return [m["text"] for m in server.state["slack"]["messages"]]


def milestone(server) -> dict:
    return next(m for m in server.state["github"]["repos"][REPO]["milestones"] if m["number"] == 102)


def announce(result) -> dict:
    return result.json()["steps"][STEP_IDS.index("announce")]


@pytest.mark.parametrize("fault", sorted(AMBIGUOUS))
def test_an_ambiguous_post_then_two_reruns_leave_one_message(world, cli, fault):
    server = world()
    server.inject(AMBIGUOUS[fault]())
    first = conclude(cli, server, "--yes", "--json")
    assert first.code == 1
    assert announce(first)["status"] == "failed"
    assert "may have posted the announcement in #help-engineering" in announce(first)["detail"]
    assert messages(server) == [messages(server)[0]]  # Slack did post it
    assert "fleetops: announcing in Slack (#help-engineering) on 2025-06-18T17:00:00Z" in milestone(server)["description"]

    for _ in range(2):
        again = conclude(cli, server, "--yes", "--json")
        assert again.code == 3, again.stderr  # a person must look: not a failure, not success
        step = announce(again)
        assert step["status"] == "skipped"
        assert step["detail"].startswith("may have been sent at 2025-06-18T17:00:00Z (not confirmed)")
        assert "--resend-announcement" in step["detail"]
        assert len(messages(server)) == 1
    assert [w for w in server.writes() if w["service"] == "slack"] == [server.writes("slack")[0]]


def test_resend_announcement_sends_it_again_and_records_it(world, cli):
    server = world()
    server.inject(AMBIGUOUS["502-after-posting"]())
    assert conclude(cli, server, "--yes").code == 1
    resent = conclude(cli, server, "--yes", "--resend-announcement", "--json")
    assert resent.code == 0, resent.stderr
    assert announce(resent)["status"] == "done"
    assert len(messages(server)) == 2
    description = milestone(server)["description"]
    assert "fleetops: announced in Slack" in description and "fleetops: announcing" not in description
    after = conclude(cli, server, "--yes", "--json")  # confirmed now: nothing more, exit 0
    assert after.code == 0 and announce(after)["status"] == "skipped" and len(messages(server)) == 2


@pytest.mark.parametrize("answer,sent", [("y", 2), ("n", 1)])
def test_on_a_terminal_the_question_is_asked_and_only_yes_resends(world, cli, answer, sent):
    server = world()
    server.inject(AMBIGUOUS["reset-after-posting"]())
    assert conclude(cli, server, "--yes").code == 1
    result = cli("release", "conclude-milestone", "4.58.0", env=server.env(), tty=True, input=f"{answer}\ny\n")
    assert "it may have been sent at 2025-06-18T17:00:00Z. Send it again?" in result.stderr
    assert len(messages(server)) == sent
    assert result.code == (0 if answer == "y" else 3), result.stderr


def test_an_attempt_by_another_run_after_the_plan_holds_the_post(world, cli, monkeypatch):
    """Two machines: the milestone is re-read just before posting, and another run's attempt wins."""
    server = world()
    original = server.dispatch

    def dispatch(method, raw_path, headers, body):
        if method == "POST" and raw_path.startswith("/mergefreeze/"):  # unfreeze: after the plan, before announce
            ms = milestone(server)
            ms["description"] += "\n\nfleetops: announcing in Slack (#help-engineering) on 2025-06-18T16:59:00Z"
        return original(method, raw_path, headers, body)

    monkeypatch.setattr(server, "dispatch", dispatch)
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 3, result.stderr
    step = announce(result)
    assert step["status"] == "skipped"
    assert step["detail"].startswith("another run attempted it at 2025-06-18T16:59:00Z (not confirmed)")
    assert messages(server) == []


def test_the_journal_alone_holds_a_once_step(tmp_path):
    """The runner's generic rule: an `attempted` journal line with no outcome holds the step."""
    from fleetops.journal import Journal
    from fleetops.plan import Plan, Runner, Step
    from fleetops.ui import UI

    journal = Journal(tmp_path / "journal.jsonl", command="demo", subject="1.0.0")
    journal.record("post", "attempted", "post it")
    calls: list[str] = []
    plan = Plan("demo")
    plan.add(Step.todo("post", "Post", "post it", lambda step: calls.append("sent"), once="--resend"))
    outcome = Runner(UI(), journal, yes=True, dry_run=False).run(plan)
    assert calls == [] and int(outcome.exit_code) == 3
    assert plan.steps[0].detail.startswith("may have been sent at ")
    other = Journal(tmp_path / "journal.jsonl", command="demo", subject="2.0.0")  # another version: not held
    plan2 = Plan("demo")
    plan2.add(Step.todo("post", "Post", "post it", lambda step: calls.append("sent"), once="--resend"))
    assert int(Runner(UI(), other, yes=True, dry_run=False).run(plan2).exit_code) == 0
    assert calls == ["sent"]
    assert [e["status"] for e in other.entries() if e.get("subject") == "2.0.0"] == ["attempted", "done"]
