"""Issue 20 items 14, 15: a network error says what failed in words, whole, at the URL the request went to;
a server that accepts and never answers is waited for twice at most."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
import respx

from fleetops.clients.github import GitHubClient
from fleetops.clients.mergefreeze import MergeFreezeClient
from fleetops.clients.network import describe
from fleetops.errors import ServiceError
from fleetops.settings import Settings


def _settings(tmp_path, **env: str) -> Settings:  # noqa: ANN001
    return Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), "MERGEFREEZE_TOKEN": "mf_token_value", "GH_TOKEN": "ghp_" + "x" * 36, **env},
                             timeout=0.3, retry_backoff=0.0)


@pytest.fixture
def refused_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """A server on 127.0.0.1 that accepts connections and never answers; the connections it took."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    taken: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            taken.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], taken
    server.close()
    for conn in taken:
        conn.close()


def _status_error(client: MergeFreezeClient) -> str:
    with pytest.raises(ServiceError) as caught:
        client.status("fleetdm/fleet", "main")
    return str(caught.value)


def test_a_refused_connection_is_said_in_words_at_the_full_url(tmp_path, refused_port) -> None:  # noqa: ANN001
    base = f"http://127.0.0.1:{refused_port}/prefix/mergefreeze"
    message = _status_error(MergeFreezeClient(_settings(tmp_path, FLEETOPS_MERGEFREEZE_URL=base)))
    assert f"cannot reach Merge Freeze at {base}/api/branches/fleetdm/fleet/main: the connection was refused" in message
    assert "Errno" not in message and "Error(" not in message and "ConnectError" not in message


def test_a_server_that_never_answers_is_waited_for_twice_and_said_with_its_timeout(tmp_path, silent_server) -> None:  # noqa: ANN001
    port, taken = silent_server
    base = f"http://127.0.0.1:{port}/mf"
    message = _status_error(MergeFreezeClient(_settings(tmp_path, FLEETOPS_MERGEFREEZE_URL=base)))
    assert f"at {base}/api/branches/fleetdm/fleet/main: it timed out after 0.3 s waiting for the answer" in message
    assert "ReadTimeout" not in message
    assert len(taken) == 2  # the request and one retry, not four


def _github_error(tmp_path, api_url: str) -> str:  # noqa: ANN001
    client = GitHubClient(_settings(tmp_path, GITHUB_API_URL=api_url), "fleetdm/fleet")
    try:
        with pytest.raises(ServiceError) as caught:
            client.milestones("open")
    finally:
        client.close()
    return str(caught.value)


def test_github_that_never_answers_is_waited_for_twice_and_said_whole(tmp_path, silent_server) -> None:  # noqa: ANN001
    port, taken = silent_server
    message = _github_error(tmp_path, f"http://127.0.0.1:{port}/api/v3")
    assert "it timed out after 0.3 s waiting for the answer" in message, message
    assert "MeteredHTTP" not in message and "Caused by" not in message and "Max retries" not in message
    assert len(taken) == 2


def test_github_refused_is_said_in_words(tmp_path, refused_port) -> None:  # noqa: ANN001
    message = _github_error(tmp_path, f"http://127.0.0.1:{refused_port}")
    assert "the connection was refused" in message and "NewConnectionError" not in message


@respx.mock
def test_a_name_that_does_not_resolve_is_said_in_words(tmp_path) -> None:  # noqa: ANN001
    # respx keeps the error's text but not its cause (the socket.gaierror): the words come from the text.
    respx.get(url__startswith="https://mf.example.test/").mock(side_effect=httpx.ConnectError("[Errno -2] Name or service not known"))
    message = _status_error(MergeFreezeClient(_settings(tmp_path, FLEETOPS_MERGEFREEZE_URL="https://mf.example.test")))
    assert "the host name could not be resolved" in message


def test_describe_finds_the_name_error_behind_two_wrappers() -> None:
    try:
        try:
            raise socket.gaierror(-3, "some resolver's own words")
        except socket.gaierror as inner:
            raise OSError("pool wrapper") from inner
    except OSError as outer:
        assert describe(outer).startswith("the host name could not be resolved")


def test_describe_keeps_a_long_unknown_reason_whole() -> None:
    reason = "x" * 300 + " the end"
    assert describe(OSError(reason)) == reason
