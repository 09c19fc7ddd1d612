"""The plumbing a run's clients share (clients/network.py): one TLS context, one pool, one meter."""

from __future__ import annotations

import ssl

from fleetops.clients import Clients
from fleetops.clients.network import SERVICES, Costs, TrustContext
from fleetops.sandbox.server import Fault
from fleetops.settings import Settings


def _clients(server, tmp_path, **overrides) -> Clients:
    settings = Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), **server.env()}, retry_backoff=0.0, **overrides)
    return Clients(settings, "fleetdm/fleet")


def test_every_httpx_client_of_a_run_sends_through_one_transport_and_one_tls_context(sandbox, tmp_path):
    clients = _clients(sandbox, tmp_path)
    try:
        pools = {id(c._http._transport._sync_transport._inner) for c in (clients.godev, clients.feeds, clients.mergefreeze, clients.dockerhub)}
        assert len(pools) == 1
        assert clients.network.transport()._pool._ssl_context is clients.network.ssl_context
    finally:
        clients.close()


def test_a_client_asked_for_by_two_reader_threads_at_once_is_built_once(sandbox, tmp_path, monkeypatch):
    import threading
    import time

    from fleetops.clients import feeds

    built = []
    real_init = feeds.FeedsClient.__init__

    def slow_init(self, *args, **kwargs):  # wide open for a race
        built.append(self)
        time.sleep(0.2)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(feeds.FeedsClient, "__init__", slow_init)
    clients = _clients(sandbox, tmp_path)
    try:
        seen = []
        threads = [threading.Thread(target=lambda: seen.append(clients.feeds)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(built) == 1 and len(seen) == 3 and all(client is built[0] for client in seen)
        assert clients._built == built
    finally:
        clients.close()


def test_the_ca_bundle_is_not_loaded_for_plain_http_and_is_loaded_once_for_tls():
    context = TrustContext()
    assert context.loads == 0 and context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    for _ in range(3):
        context._load_cas()  # what every wrap_socket does first
    assert context.loads == 1 and context.cert_store_stats()["x509_ca"] > 10


def test_requests_are_counted_per_service_with_retries_and_githubs_rate_limit(sandbox, tmp_path):
    """Each attempt counts: a 502 retried by httpx-retries (Merge Freeze) and by urllib3 (PyGithub)."""
    sandbox.inject(Fault("GET", "/mergefreeze/", status=502, times=1))
    sandbox.inject(Fault("GET", "/github/repos/fleetdm/fleet/milestones", status=502, times=1))
    clients = _clients(sandbox, tmp_path)
    try:
        clients.mergefreeze.status("fleetdm/fleet", "main")
        clients.github.milestones("open")
        costs = clients.costs.as_json()
    finally:
        clients.close()
    assert list(costs) == list(SERVICES)
    assert costs["mergefreeze"] == 2 == sum(r["service"] == "mergefreeze" for r in sandbox.requests)
    github = costs["github"]
    assert github["rest"] == 2 == sum(r["service"] == "github" for r in sandbox.requests)
    assert github["graphql"] == 0 and github["graphql_points"] == 0
    assert github["rate_limit"]["limit"] == 5000 and github["rate_limit"]["remaining"] == 4998
    assert github["rate_limit"]["reset"].endswith("+00:00")
    assert all(costs[s] == 0 for s in SERVICES if s not in ("github", "mergefreeze"))


def test_the_rate_limit_kept_is_the_newest_core_window_whatever_order_answers_arrive_in():
    costs = Costs()
    costs.observe_github_headers({"X-RateLimit-Remaining": "4990", "X-RateLimit-Limit": "5000", "X-RateLimit-Reset": "100", "X-RateLimit-Resource": "core"})
    costs.observe_github_headers({"X-RateLimit-Remaining": "4995", "X-RateLimit-Limit": "5000", "X-RateLimit-Reset": "100"})  # an older answer
    costs.observe_github_headers({"X-RateLimit-Remaining": "29", "X-RateLimit-Limit": "30", "X-RateLimit-Reset": "200", "X-RateLimit-Resource": "search"})
    assert costs.as_json()["github"]["rate_limit"]["remaining"] == 4990
    costs.observe_github_headers({"X-RateLimit-Remaining": "4999", "X-RateLimit-Limit": "5000", "X-RateLimit-Reset": "3700"})  # a new hour
    assert costs.as_json()["github"]["rate_limit"]["remaining"] == 4999


def test_graphql_requests_and_points_are_counted_apart_from_rest():
    costs = Costs()
    costs.count("github", "POST", "https://api.github.com/graphql", 200, 5.0)
    costs.count("github", "GET", "https://api.github.com/repos/o/r", 200, 5.0)
    costs.add_graphql_points(3)
    github = costs.as_json()["github"]
    assert (github["rest"], github["graphql"], github["graphql_points"], github["rate_limit"]) == (1, 1, 3, None)


def test_debug_prints_one_line_per_request_with_the_tokens_masked(sandbox, cli, clean_env):
    env = sandbox.env()
    result = cli("--debug", "freeze", "status", "--json", env=env)
    assert result.code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("debug: fleetops.http: ")]
    assert len(lines) == len(sandbox.requests) == 2
    assert any(line.split()[2:4] == ["mergefreeze", "GET"] and "access_token=***" in line and "-> 200 (" in line for line in lines)
    assert any(line.split()[2:4] == ["github", "GET"] and "/milestones" in line for line in lines)
    assert env["MERGEFREEZE_TOKEN"] not in result.output and env["GH_TOKEN"] not in result.output


def test_the_error_object_of_json_carries_the_requests_too(sandbox, cli):
    sandbox.inject(Fault("GET", "/mergefreeze/", status=503, times=100))
    result = cli("freeze", "status", "--json", env=sandbox.env())
    assert result.code == 1
    payload = result.json()
    assert "error" in payload
    assert payload["requests"]["mergefreeze"] == sum(r["service"] == "mergefreeze" for r in sandbox.requests) > 1


def test_pygithub_shares_the_runs_tls_context_and_loads_no_ca_path_per_connection(sandbox, tmp_path):
    clients = _clients(sandbox, tmp_path)
    try:
        clients.github.milestones("open")
        session = clients.github._gh.requester._Requester__connection.session
        adapter = session.get_adapter(clients.settings.github_api_url)
        assert adapter.poolmanager.connection_pool_kw["ssl_context"] is clients.network.ssl_context

        class Pool:
            cert_reqs = ca_certs = ca_cert_dir = None

        pool = Pool()
        adapter.cert_verify(pool, "https://api.github.com/repos", True, None)
        assert (pool.cert_reqs, pool.ca_certs, pool.ca_cert_dir) == ("CERT_REQUIRED", None, None)
    finally:
        clients.close()
