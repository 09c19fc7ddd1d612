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


def test_the_latency_of_concurrent_requests_is_waited_at_the_same_time(make_sandbox):
    """The bench's latency is slept outside the server's lock: two requests in flight wait once, not one after the other.

    Read from each request's own time in the sandbox's log (from arrival to answer), not with a stopwatch.
    """
    import threading

    latency = 0.3
    server = make_sandbox(latency=latency)
    env = server.env()
    headers = {"Authorization": f"token {env['GH_TOKEN']}"}
    barrier = threading.Barrier(3)

    def get(path: str) -> None:
        with httpx.Client(base_url=env["GITHUB_API_URL"], headers=headers) as api:
            barrier.wait(timeout=30)
            assert api.get(path).status_code == 200

    threads = [threading.Thread(target=get, args=(path,)) for path in ("/repos/fleetdm/fleet", "/repos/fleetdm/fleet/milestones", "/repos/fleetdm/fleet/labels")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    times = [r["ms"] for r in server.requests if r["service"] == "github"]
    assert len(times) == 3
    assert all(latency * 1000 <= ms < latency * 1000 * 1.8 for ms in times), times  # under the lock, one would wait 2-3 x


def test_a_world_the_server_cannot_save_answers_what_a_reset_would_say(make_sandbox, tmp_path):
    """The server saves state.json through write_state, as a reset does: one message for a world that cannot be written."""
    server = make_sandbox()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    server.state_file = blocker / "state.json"
    env = server.env()
    answer = httpx.post(f"{env['GITHUB_API_URL']}/repos/fleetdm/fleet/labels", json={"name": "kind:x", "color": "ffffff"},
                        headers={"Authorization": f"token {env['GH_TOKEN']}"})
    assert answer.status_code == 500
    assert f"the sandbox world {server.state_file} cannot be written (Not a directory)" in answer.json()["message"]
    assert blocker.read_text() == ""
