"""Slack incoming webhooks (../apis/slack.md): post one message to the channel the webhook belongs to.

The whole webhook URL is the secret (SLACK_WEBHOOK_URL): it is registered with the redactor
and never appears in a message, not even its path. A message is never retried automatically:
Slack may have posted it before the connection broke, and a second copy is worse than an error
that says "check the channel". Slack answers 200 `ok` on success and a plain-text error code
otherwise (`invalid_payload`, `no_service`, `channel_not_found`, `channel_is_archived`, ...).
An error marks `not_sent = True` only when the message certainly was not posted (no connection,
or a 4xx refusal); a timeout, a broken connection or a 5xx may come after Slack posted it.
"""

from __future__ import annotations

import httpx

from fleetops.clients.http import HttpService, build_client
from fleetops.errors import AuthError, FleetopsError, ServiceError
from fleetops.redaction import redact
from fleetops.settings import Settings

VARIABLE = "SLACK_WEBHOOK_URL"


class SlackClient(HttpService):
    service = "Slack"
    token_var = VARIABLE

    def __init__(self, settings: Settings, client: httpx.Client | None = None, *, variable: str = VARIABLE) -> None:
        """The webhook in `variable` (SLACK_WEBHOOK_URL, or the one a channel's announcement names)."""
        self.token_var = variable
        url = settings.webhook(variable)
        if url is None:
            settings.require("slack_webhook_url", variable, "announce in Slack")  # raises AuthError naming `variable`
        self._url = settings.webhook(variable).get_secret_value()  # type: ignore[union-attr]
        # Only GET would be retried, and the client never sends one: a POST goes out once.
        super().__init__(client or build_client(settings, "", retry_methods=("GET",)))

    def post(self, text: str) -> None:
        """Post `text`; raise a FleetopsError that never shows the webhook URL."""
        try:
            response = self._http.post(self._url, json={"text": text})
        except (httpx.ConnectError, httpx.ConnectTimeout) as err:
            raise _not_sent(ServiceError(
                f"cannot reach Slack at {self.token_var}: {redact(str(err)) or type(err).__name__}; nothing was posted.",
                hint="Check the network and the webhook URL.",
            )) from None
        except httpx.TimeoutException:
            raise ServiceError(f"Slack did not answer in time at {self.token_var}: the message may have been posted.") from None
        except httpx.HTTPError as err:
            raise ServiceError(
                f"the connection to Slack at {self.token_var} broke ({redact(str(err)) or type(err).__name__}): the message may have been posted."
            ) from None
        status = response.status_code
        if 200 <= status < 300:
            return
        code = redact(response.text.strip()[:80]) or "no reason given"
        if status in (401, 403, 404):
            # no_service, channel_not_found, action_prohibited: the webhook is wrong or revoked
            raise _not_sent(AuthError(
                f"Slack rejected the webhook in {self.token_var} (HTTP {status} {code}).",
                hint=f"Set {self.token_var} to a current incoming-webhook URL of the channel.",
            ))
        if status < 500:
            raise _not_sent(ServiceError(f"Slack refused the message (HTTP {status} {code})."))
        raise ServiceError(f"Slack answered HTTP {status} {code}: the message may have been posted.")


def _not_sent(err: FleetopsError) -> FleetopsError:
    """Mark an error after which the message certainly is not in the channel."""
    err.not_sent = True  # type: ignore[attr-defined]
    return err
