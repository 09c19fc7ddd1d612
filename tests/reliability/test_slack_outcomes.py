"""The Slack client tells "certainly not posted" from "may have been posted" (respx, no network)."""

from __future__ import annotations

import httpx
import pytest
import respx

from fleetops.clients.slack import SlackClient
from fleetops.errors import FleetopsError
from fleetops.settings import Settings

HOOK = "https://hooks.slack.com/services/T0TEST/B0TEST/s3cr3tWebhookPart"


@pytest.mark.parametrize(
    "answer,not_sent,words",
    [
        (httpx.ConnectError("connection refused"), True, "nothing was posted"),
        (httpx.Response(400, text="invalid_payload"), True, "Slack refused the message (HTTP 400 invalid_payload)"),
        (httpx.Response(404, text="no_service"), True, "Slack rejected the webhook"),
        (httpx.ReadTimeout("read timed out"), False, "may have been posted"),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), False, "may have been posted"),
        (httpx.Response(502, text="bad gateway"), False, "may have been posted"),
    ],
    ids=["connect-error", "400", "404", "read-timeout", "reset", "502"],
)
@respx.mock
def test_an_error_says_whether_the_message_may_be_in_the_channel(tmp_path, answer, not_sent, words):
    route = respx.post(HOOK).mock(side_effect=[answer] if isinstance(answer, Exception) else None, return_value=answer if not isinstance(answer, Exception) else None)
    client = SlackClient(Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), "SLACK_WEBHOOK_URL": HOOK}))
    with pytest.raises(FleetopsError) as err:
        client.post("hi")
    assert getattr(err.value, "not_sent", False) is not_sent
    assert words in str(err.value)
    assert "s3cr3tWebhookPart" not in str(err.value)
    assert route.call_count == 1  # never retried
