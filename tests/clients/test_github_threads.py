"""Concurrent GitHub reads through one PyGithub requester each get their own answer (issue 19, item 3).

PyGithub's connection object keeps a request's verb, URL and body between `request()` and
`getresponse()`, and a Requester shares one connection among threads. These tests send reads of
distinct resources from several threads and check every answer against its request.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fleetops.clients.github import build_github
from fleetops.settings import Settings


class _Echo(BaseHTTPRequestHandler):
    """Answers `GET /echo/N` with `{"n": N}` and a GraphQL-like POST with its own variables."""

    def _answer(self, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._answer({"n": int(self.path.rsplit("/", 1)[1])})

    def do_POST(self) -> None:  # noqa: N802
        sent = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self._answer({"data": {"n": sent["variables"]["n"]}})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _requester(url: str):  # noqa: ANN202
    settings = Settings.from_env({"GITHUB_API_URL": url, "GH_TOKEN": "ghp_" + "x" * 36}, retry_backoff=0.0)
    return build_github(settings).requester


def test_two_reads_whose_requests_interleave_each_get_their_own_answer(echo):
    """Both threads have handed their request to the connection before either sends: the old
    connection sent the last one twice, and one thread got the other's answer."""
    requester = _requester(echo)
    requester.requestJsonAndCheck("GET", "/echo/0")  # the requester's one connection now exists
    connection = requester._Requester__connection
    both_handed = threading.Barrier(2, timeout=10)
    real_request = type(connection).request

    def request_then_wait(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        real_request(self, *args, **kwargs)
        both_handed.wait()

    type(connection).request = request_then_wait  # this test's class only: _meter builds one per requester
    try:
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda n: requester.requestJsonAndCheck("GET", f"/echo/{n}")[1]["n"], [1, 2]))
    finally:
        type(connection).request = real_request
    assert answers == [1, 2]


def test_many_concurrent_reads_and_graphql_queries_each_get_the_answer_to_their_own_request(echo):
    """A stress test: 600 reads (REST and GraphQL) from six threads switching as often as they can."""
    requester = _requester(echo)

    def read(n: int) -> tuple[int, int]:
        if n % 2:
            _, body = requester.requestJsonAndCheck("POST", f"{echo}/graphql", input={"query": "q", "variables": {"n": n}})
            return n, body["data"]["n"]
        _, body = requester.requestJsonAndCheck("GET", f"/echo/{n}")
        return n, body["n"]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(read, range(600)))
    finally:
        sys.setswitchinterval(interval)
    swapped = [(asked, got) for asked, got in answers if asked != got]
    assert swapped == []
