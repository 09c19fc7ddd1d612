"""Slack incoming webhooks as fleetops uses them (../apis/slack.md).

`POST /services/{T}/{B}/{secret}` with a JSON body `{"text": ...}` answers 200 `ok` and
records the message in `state["slack"]["messages"]` (tests count them: exactly one announcement).
Errors are Slack's plain-text codes: 404 `no_service` for a wrong webhook, 400 `invalid_payload`
for a body that is not JSON, 400 `no_text` for a message without text.
"""

from __future__ import annotations

import json

from fleetops.sandbox.routing import Context, HTTPError, Request, Response, Router

router = Router("slack", "/slack")


@router.route("POST", "/services/{team}/{bot}/{secret}")
def post_message(ctx: Context, req: Request) -> Response:
    hook = f"{req.params['team']}/{req.params['bot']}/{req.params['secret']}"
    if hook != ctx.state["tokens"]["slack"]:
        raise HTTPError(404, "no_service")
    try:
        body = json.loads(req.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise HTTPError(400, "invalid_payload") from err
    if not isinstance(body, dict):
        raise HTTPError(400, "invalid_payload")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise HTTPError(400, "no_text")
    ctx.state.setdefault("slack", {"messages": []})["messages"].append(
        {"text": text, "time": ctx.now().isoformat().replace("+00:00", "Z")}
    )
    return Response(text="ok")
