"""The journal's rule on its own (issue 19, item 9): an attempt that nothing confirmed, or a failure
whose send outcome is unknown, is unconfirmed; a failure that certainly sent nothing is not."""

from __future__ import annotations

import pytest

from fleetops.journal import Journal


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
    assert (journal.unconfirmed("announce") is not None) is unconfirmed


def test_another_subjects_or_commands_attempt_does_not_count(tmp_path):
    path = tmp_path / "journal.jsonl"
    Journal(path, command="release cut-rc", subject="4.58.0").record("announce", "attempted", "posting")
    Journal(path, command="release conclude-milestone", subject="4.59.0").record("announce", "failed", "lost")
    assert Journal(path, command="release cut-rc", subject="4.59.0").unconfirmed("announce") is None
