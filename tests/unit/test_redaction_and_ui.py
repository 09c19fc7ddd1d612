"""Secrets are masked everywhere; output fits an 80-column CI log without truncation."""

from __future__ import annotations

import io
import json
import re

import pytest

from fleetops.journal import Journal
from fleetops.redaction import redact, register_secret
from fleetops.ui import UI


def test_registered_secrets_and_token_shapes_are_masked():
    register_secret("s3cr3t-value-xyz")
    text = "GET https://www.mergefreeze.com/api/branches/a/b/main?access_token=abc123&x=1 s3cr3t-value-xyz Authorization: Bearer zh_abc"
    out = redact(text)
    assert "s3cr3t-value-xyz" not in out and "abc123" not in out and "zh_abc" not in out
    assert "access_token=***&x=1" in out
    assert redact("https://hooks.slack.com/services/T1/B2/XYZ") == "https://hooks.slack.com/services/***"


def test_journal_never_holds_a_secret(tmp_path):
    register_secret("ghp_journal_secret_1")
    journal = Journal(tmp_path / "j.jsonl", command="x")
    journal.record("s", "failed", "GitHub said ghp_journal_secret_1 is bad")
    entry = json.loads((tmp_path / "j.jsonl").read_text())
    assert "ghp_journal_secret_1" not in json.dumps(entry)


def test_console_and_json_channels_redact(monkeypatch):
    register_secret("tok_console_secret")
    err, out = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setattr("sys.stdout", out)
    ui = UI()
    ui.error("failed with tok_console_secret")
    ui.emit_json({"detail": "tok_console_secret", "nested": [{"x": "tok_console_secret"}]})
    assert "tok_console_secret" not in err.getvalue() + out.getvalue()
    assert json.loads(out.getvalue())["detail"] == "***"


def render_at_80_columns(monkeypatch, detail: str) -> str:
    """What a plan step with `detail` looks like on stderr at 80 columns (not a terminal)."""
    from fleetops.plan import Plan, Step
    from fleetops.render.plan import checklist

    monkeypatch.setenv("COLUMNS", "80")
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    ui = UI()
    checklist(ui, Plan("x", steps=[Step.todo("s", "Create issue 'Upgrade Go to 1.22.12' with a long title", detail, lambda s: None)]), heading="Plan")
    ui.warn(f"a long warning that mentions {detail} and keeps going")
    return err.getvalue()


URL = "https://github.com/fleetdm/fleet/issues/22345-with-a-long-suffix-that-does-not-fit-anywhere-in-eighty-columns"


def test_80_columns_wrap_never_truncate_and_mask_what_they_render(monkeypatch):
    register_secret("tok_ui_7f3a")
    text = render_at_80_columns(monkeypatch, f"labels bug, :reproduce; token tok_ui_7f3a refused; {URL}")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    table, warning = text.split("warning: ")
    rows = table.splitlines()[1:]
    column = rows[0].index("labels")  # where the detail column starts
    detail = "".join(row[column:].strip() for row in rows)
    assert detail == f"labels bug, :reproduce; token*** refused;{URL}"  # folded over lines, whole, masked
    assert re.sub(r"\s+", "", warning) == re.sub(r"\s+", "", f"a long warning that mentions labels bug, :reproduce; token *** refused; {URL} and keeps going")
    assert "tok_ui_7f3a" not in re.sub(r"\s+", "", text)
    assert "\x1b[" not in text  # not a terminal: no colour codes


def test_a_secret_folded_over_two_lines_is_still_masked(monkeypatch):
    secret = "ghp_" + "A1b2C3d4E5" * 6  # longer than the detail column: Rich folds it
    register_secret(secret)
    text = render_at_80_columns(monkeypatch, f"token {secret} refused")
    flat = re.sub(r"\s+", "", text)
    assert secret not in flat
    assert "A1b2C3" not in flat  # no piece of it either, on any line
    assert "token***" in flat  # masked where it was, the rest of the cell blank
    assert max(len(line) for line in text.splitlines()) <= 80


def test_folding_masks_only_the_secret():
    register_secret("tok_fold_12345678")
    text = "detail: tok_fold_\n        12345678 refused\nnext line tok_fold_ stays"
    assert redact(text) == "detail: ***      \n                 refused\nnext line tok_fold_ stays"


def test_a_slack_webhook_path_is_masked_on_any_host():
    assert redact("POST /slack/services/T0SANDBOX/B0SANDBOX/abcdef123 -> 200") == "POST /slack/services/*** -> 200"
    assert redact("https://hooks.slack.com/services/T019PP37ALW/B0123/XyZ") == "https://hooks.slack.com/services/***"


def test_the_sandbox_request_log_holds_no_token(make_sandbox, cli, clean_env):
    server = make_sandbox()
    env = server.env()
    import httpx

    httpx.post(env["SLACK_WEBHOOK_URL"], json={"text": "hi"})
    httpx.get(env["FLEETOPS_MERGEFREEZE_URL"] + "/api/branches/fleetdm/fleet/main", params={"access_token": env["MERGEFREEZE_TOKEN"]})
    logged = json.dumps(server.requests)
    for token in server.tokens.values():
        for part in [token, *token.split("/")]:
            assert len(part) < 12 or part not in logged


def test_text_that_cannot_hold_a_folded_secret_costs_no_pattern():
    from fleetops import redaction

    register_secret("tok_nofold_87654321")
    text = '{\n  "detail": "nothing secret here",\n  "n": 1\n}'
    assert redact(text) == text
    assert "tok_nofold_87654321" not in redaction._folded  # its folded pattern was never compiled
    folded = redact("a tok_nofold_\n  │ 87654321 b")  # folded over a table border: still masked
    assert folded.startswith("a ***") and "tok_nofold" not in folded and "87654321" not in folded
