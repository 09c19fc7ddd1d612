"""The sandbox's server answers like a real service does: a response leaves in full, at once.

Headers and body go out in two writes; with Nagle's algorithm the body would wait for the
client's delayed ACK of the headers (~40 ms on Linux) on every keep-alive response, a delay no
real service has and that the request-economy and bench numbers would charge to fleetops.
"""

from __future__ import annotations

import httpx


def test_the_server_sends_without_waiting_for_acks(make_sandbox):
    server = make_sandbox()
    assert server._handler_class().disable_nagle_algorithm is True  # TCP_NODELAY on every accepted socket
    with httpx.Client(base_url=server.env()["GITHUB_API_URL"], headers={"Authorization": f"token {server.env()['GH_TOKEN']}"}) as api:
        for _ in range(3):  # keep-alive: the same connection answers again
            assert api.get("/repos/fleetdm/fleet").status_code == 200
