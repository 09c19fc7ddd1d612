"""Secrets are masked everywhere; output fits an 80-column CI log without truncation."""

from __future__ import annotations

import io
import json

from rich.table import Table

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


def test_80_columns_wrap_and_never_truncate(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    ui = UI()
    url = "https://github.com/fleetdm/fleet/issues/22345-with-a-long-suffix-that-does-not-fit-anywhere-in-eighty-columns"
    table = Table("status", "step", "detail", box=None)
    table.add_row("pending", "Create issue 'Upgrade Go to 1.22.12'", f"labels bug, :reproduce, ~release blocker; {url}")
    from fleetops.plan import Plan, Step
    from fleetops.render.plan import checklist

    checklist(ui, Plan("x", steps=[Step.todo("s", "Create issue 'Upgrade Go to 1.22.12' with a long title", url, lambda s: None)]), heading="Plan")
    ui.warn(f"a long warning that mentions {url} and keeps going")
    text = err.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    assert url.replace("-", "") in text.replace("\n", "").replace(" ", "").replace("-", "")
    assert "\x1b[" not in text  # not a terminal: no colour codes


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
