"""Slack webhook client: success, Slack's error codes, no retry, and the URL never shown."""

from __future__ import annotations

import httpx
import pytest
import respx

from fleetops.clients.slack import SlackClient
from fleetops.errors import AuthError, ServiceError
from fleetops.settings import Settings

HOOK = "https://hooks.slack.com/services/T0TEST/B0TEST/s3cr3tWebhookPart"


def client(tmp_path, url: str | None = HOOK) -> SlackClient:
    env = {"FLEETOPS_STATE_DIR": str(tmp_path)}
    if url:
        env["SLACK_WEBHOOK_URL"] = url
    return SlackClient(Settings.from_env(env, retry_backoff=0.0))


def test_missing_webhook_is_exit_4_naming_the_variable(tmp_path):
    with pytest.raises(AuthError, match="SLACK_WEBHOOK_URL is not set"):
        client(tmp_path, None)


@respx.mock
def test_posts_the_text_as_json_once(tmp_path):
    route = respx.post(HOOK).respond(200, text="ok")
    client(tmp_path).post("`main` is unfrozen")
    assert route.call_count == 1
    request = route.calls[0].request
    assert request.headers["content-type"] == "application/json"
    assert request.read() == b'{"text":"`main` is unfrozen"}'


@pytest.mark.parametrize("status,code", [(404, "no_service"), (403, "action_prohibited"), (404, "channel_not_found")])
@respx.mock
def test_a_wrong_or_revoked_webhook_is_an_auth_error_without_the_url(tmp_path, status, code):
    respx.post(HOOK).respond(status, text=code)
    with pytest.raises(AuthError) as err:
        client(tmp_path).post("hi")
    message = str(err.value)
    assert f"HTTP {status} {code}" in message and "SLACK_WEBHOOK_URL" in message
    assert "s3cr3tWebhookPart" not in message and "hooks.slack.com" not in message


@respx.mock
def test_a_server_error_is_not_retried(tmp_path):
    route = respx.post(HOOK).mock(side_effect=[httpx.Response(500, text="rollup_error"), httpx.Response(200, text="ok")])
    with pytest.raises(ServiceError, match="HTTP 500 rollup_error"):
        client(tmp_path).post("hi")
    assert route.call_count == 1


@respx.mock
def test_a_400_names_slacks_code(tmp_path):
    respx.post(HOOK).respond(400, text="invalid_payload")
    with pytest.raises(ServiceError, match="HTTP 400 invalid_payload"):
        client(tmp_path).post("hi")


@respx.mock
def test_a_timeout_says_the_message_may_have_been_posted_and_is_not_retried(tmp_path):
    route = respx.post(HOOK).mock(side_effect=httpx.ReadTimeout("read timed out"))
    with pytest.raises(ServiceError) as err:
        client(tmp_path).post("hi")
    assert "may have been posted" in str(err.value)
    assert "s3cr3tWebhookPart" not in str(err.value)
    assert route.call_count == 1


@respx.mock
def test_an_unreachable_slack_never_shows_the_url(tmp_path):
    respx.post(HOOK).mock(side_effect=httpx.ConnectError(f"connection refused for {HOOK}"))
    with pytest.raises(ServiceError) as err:
        client(tmp_path).post("hi")
    assert "cannot reach Slack" in str(err.value)
    assert "s3cr3tWebhookPart" not in str(err.value)


def test_against_the_sandbox_records_one_message_and_refuses_a_wrong_secret(make_sandbox, tmp_path):
    server = make_sandbox()
    good = server.env()["SLACK_WEBHOOK_URL"]
    client(tmp_path, good).post("released")
    assert [m["text"] for m in server.state["slack"]["messages"]] == ["released"]
    wrong = good.rsplit("/", 1)[0] + "/not-the-secret"
    with pytest.raises(AuthError, match="HTTP 404 no_service"):
        client(tmp_path, wrong).post("again")
    assert len(server.state["slack"]["messages"]) == 1
    assert [r["status"] for r in server.writes("slack")] == [200, 404]
