"""The journal's rule on its own (issue 19, item 9): an attempt that nothing confirmed, or a failure
whose send outcome is unknown, is unconfirmed; a failure that certainly sent nothing is not."""

from __future__ import annotations

import pytest

from fleetops.journal import Journal
from fleetops.plan import Plan, Runner, Status, Step
from fleetops.ui import UI


@pytest.mark.parametrize(
    ("last", "extra", "unconfirmed"),
    [
        ("attempted", {}, True),
        ("failed", {}, True),  # the outcome of the send is unknown: it may have gone out
        ("failed", {"sent": None}, True),
        ("failed", {"sent": True}, True),
        ("failed", {"sent": False}, False),  # certainly nothing sent
        ("done", {}, False),
    ],
)
def test_the_last_entry_of_a_step_decides_whether_it_is_unconfirmed(tmp_path, last, extra, unconfirmed):
    journal = Journal(tmp_path / "journal.jsonl", command="release cut-rc", subject="4.59.0")
    journal.record("announce", "attempted", "posting")
    if last != "attempted":
        journal.record("announce", last, "the answer", **extra)
    assert (journal.past().unconfirmed("announce") is not None) is unconfirmed


def test_another_subjects_or_commands_attempt_does_not_count(tmp_path):
    path = tmp_path / "journal.jsonl"
    Journal(path, command="release cut-rc", subject="4.58.0").record("announce", "attempted", "posting")
    Journal(path, command="release conclude-milestone", subject="4.59.0").record("announce", "failed", "lost")
    assert Journal(path, command="release cut-rc", subject="4.59.0").past().unconfirmed("announce") is None


def test_a_run_reads_the_journal_once_for_what_an_earlier_run_left(tmp_path, monkeypatch):
    """An interrupted run's unrecorded steps and two once-steps' attempts: one read of the file answers all three."""
    journal = Journal(tmp_path / "journal.jsonl", command="release cut-rc", subject="4.59.0")
    journal.record("announce", "attempted", "posting")
    journal.record("branch", "interrupted", "interrupted: re-run to finish", unfinished=["branch"])
    reads = []
    entries = Journal.entries
    monkeypatch.setattr(Journal, "entries", lambda self: reads.append(self.path) or entries(self))
    plan = Plan("release cut-rc", steps=[
        Step.skip("branch", "Create the branch", "already there"),
        Step.todo("announce", "Announce", "post", lambda step: "posted", once="--resend-announcement"),
        Step.todo("notify", "Notify", "post", lambda step: "notified", once="--resend-announcement"),
    ])
    Runner(UI(), journal, yes=True, dry_run=False).run(plan)
    assert len(reads) == 1
    steps = {s.id: s for s in plan.steps}
    assert steps["announce"].status is Status.SKIPPED and "may have been sent at" in steps["announce"].detail  # held
    assert steps["notify"].status is Status.DONE
    written = [(e["step"], e["status"]) for e in entries(journal)[2:]]
    assert written == [("branch", "found"), ("notify", "attempted"), ("notify", "done")]


def test_an_attempt_cut_short_by_ctrl_c_keeps_holding_on_every_re_run(tmp_path):
    """Ctrl-C while posting: the runner's `interrupted` record names the step, and the re-run, finding the
    step held, must not record it as found: either would hide the attempt and the next run would post again."""
    journal = Journal(tmp_path / "journal.jsonl", command="release cut-rc", subject="4.59.0")
    sent = []

    def interrupted(step):
        raise KeyboardInterrupt

    def post(step):
        sent.append(step.id)
        return "posted"

    with pytest.raises(KeyboardInterrupt):
        Runner(UI(), journal, yes=True, dry_run=False).run(Plan("release cut-rc", steps=[
            Step.todo("announce", "Announce", "post", interrupted, once="--resend-announcement")]))
    for _ in range(2):
        plan = Plan("release cut-rc", steps=[Step.todo("announce", "Announce", "post", post, once="--resend-announcement")])
        Runner(UI(), journal, yes=True, dry_run=False).run(plan)
        assert plan.steps[0].status is Status.SKIPPED and "may have been sent at" in plan.steps[0].detail
    assert sent == []
    assert [e["status"] for e in journal.entries()] == ["attempted", "interrupted"]
