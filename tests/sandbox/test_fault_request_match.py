"""A fault can target one GraphQL mutation among the POSTs to one endpoint, by the request body."""

from __future__ import annotations

import httpx

from fleetops.sandbox.server import Fault


def test_fault_matches_the_request_body_only_when_asked():
    fault = Fault("POST", "/zenhub/public/graphql", request=r"mutation CloseIssues")
    assert fault.matches("POST", "/zenhub/public/graphql", b'{"query": "mutation CloseIssues($issueIds: [ID!]!) {}"}')
    assert not fault.matches("POST", "/zenhub/public/graphql", b'{"query": "query WorkspaceBoard {}"}')
    assert Fault("POST", "/zenhub/").matches("POST", "/zenhub/public/graphql", b"anything")


def test_an_injected_body_fault_fails_only_that_request(make_sandbox):
    server = make_sandbox()
    server.inject(Fault("POST", "/slack/", status=500, body="rollup_error", request="second"))
    hook = server.env()["SLACK_WEBHOOK_URL"]
    assert httpx.post(hook, json={"text": "first"}).status_code == 200
    assert httpx.post(hook, json={"text": "second"}).status_code == 500
    assert httpx.post(hook, json={"text": "second"}).status_code == 200  # times=1: used up
    assert [m["text"] for m in server.state["slack"]["messages"]] == ["first", "second"]
