"""The shared httpx plumbing of every non-GitHub client: timeouts, retries, errors, redaction.

Retries belong to a library: `httpx-retries` retries connection errors, timeouts, 429 and
5xx with exponential backoff and honours `Retry-After`, bounded in attempts and in total
sleep. Only idempotent requests are retried unless a client says otherwise (a ZenHub query is
a POST that reads; a Slack message is a POST that must not be sent twice).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import httpx
from httpx_retries import Retry, RetryTransport

from fleetops.clients.network import Costs, Network, describe
from fleetops.concurrency import pause
from fleetops.errors import AuthError, NotFound, ServiceError
from fleetops.redaction import redact

if TYPE_CHECKING:
    from fleetops.settings import Settings

RETRY_STATUSES = (429, 500, 502, 503, 504)


@contextmanager
def building(network: Network, service: str) -> Iterator[None]:
    """Every `build_client` inside sends through `network` and counts under `service`."""
    token = _building.set((network, service))
    try:
        yield
    finally:
        _building.reset(token)


class MeteredTransport(httpx.BaseTransport):
    """Counts and logs every attempt (it sits under the retries) and sends it on the shared pool.

    Closing it does not close the shared transport: the `Network` owns that.
    """

    def __init__(self, inner: httpx.BaseTransport, costs: Costs, service: str, *, owns_inner: bool = False) -> None:
        self._inner = inner
        self._costs = costs
        self._service = service
        self._owns_inner = owns_inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        try:
            response = self._inner.handle_request(request)
        except httpx.HTTPError as err:
            if not isinstance(err, (httpx.ConnectError, httpx.ConnectTimeout)):  # sent, no answer (read timeout, reset)
                self._costs.count(self._service, request.method, str(request.url), type(err).__name__, (time.monotonic() - started) * 1000)
            raise
        self._costs.count(
            self._service, request.method, str(request.url), response.status_code, (time.monotonic() - started) * 1000, response.headers
        )
        return response

    def close(self) -> None:
        if self._owns_inner:
            self._inner.close()


class _Retry(Retry):
    """httpx-retries' policy, with two changes: its waits end at once when the run is interrupted, and
    an answer that timed out is not waited for again after an earlier attempt.

    A read timeout on the first attempt is retried once; on a later attempt (after a timeout, a 5xx or
    a reset) the request gives up. A server that accepts and never answers then costs twice the timeout
    per request, not four times (docs/reliability.md); refused connections and 5xx keep their retries.
    (httpx-retries copies the policy for each attempt and tells it nothing of the earlier answers: the
    attempt count is all it can go by, where PyGithub's policy in clients/github.py reads its history.)
    """

    def sleep(self, response: httpx.Response | Exception) -> None:
        seconds = self._calculate_sleep(response.headers if isinstance(response, httpx.Response) else {})
        pause(seconds)
        self.elapsed_sleep += seconds

    def is_retryable_exception(self, exception: Exception) -> bool:
        if isinstance(exception, httpx.ReadTimeout) and self.attempts_made >= 1:
            return False
        return super().is_retryable_exception(exception)


# The network and service a client is being built for (set by the `Clients` factory around the
# constructor), so that the service modules keep calling `build_client(settings, url)` unchanged.
_building: ContextVar[tuple[Network, str] | None] = ContextVar("fleetops_building", default=None)


def build_client(
    settings: Settings,
    base_url: str,
    *,
    headers: dict[str, str] | None = None,
    retry_methods: tuple[str, ...] = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS"),
    network: Network | None = None,
    service: str | None = None,
) -> httpx.Client:
    """An httpx client with the run's timeout and retry policy, metered, on the run's shared pool.

    Built by the `Clients` factory, it uses the factory's `Network` (one TLS context, one pool);
    built alone (a test), it gets a network of its own.
    """
    retry = _Retry(
        total=settings.retries,
        backoff_factor=settings.retry_backoff,
        respect_retry_after_header=True,
        max_backoff_wait=30.0,
        total_timeout=60.0,
        allowed_methods=retry_methods,
        status_forcelist=RETRY_STATUSES,
    )
    current = _building.get()
    if network is None and current is not None:
        network = current[0]
    service = service or (current[1] if current is not None else "unknown")
    own = network is None
    if network is None:
        network = Network()
    metered = MeteredTransport(network.transport(), network.costs, service, owns_inner=own)
    return httpx.Client(
        base_url=base_url,
        headers={"User-Agent": "fleetops", **(headers or {})},
        timeout=httpx.Timeout(settings.timeout),
        # A proxy from the environment gets transports of its own: they share the TLS context too.
        verify=network.ssl_context,
        transport=RetryTransport(transport=metered, retry=retry),
        follow_redirects=True,
    )


class HttpService:
    """Base of a thin client: one service name, one httpx client, uniform errors."""

    service = "service"  # human name for messages, e.g. "Merge Freeze"
    token_var: str | None = None  # the variable that holds this service's token

    def __init__(self, client: httpx.Client) -> None:
        self._http = client

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, url: str, *, expect_json: bool = True, ok_statuses: tuple[int, ...] = (), **kw: Any) -> Any:
        """Send a request; return decoded JSON (or the response); raise a FleetopsError otherwise."""
        try:
            response = self._http.request(method, url, **kw)
        except httpx.TimeoutException as err:
            raise ServiceError(
                f"{self.service} did not answer in time at {self._where(method, url)}: {describe(err, timeout=self._http.timeout.read)}, retries included.",
                hint="Try again later; check the service's status page.",
            ) from None
        except httpx.HTTPError as err:
            raise ServiceError(
                f"cannot reach {self.service} at {self._where(method, url)}: {describe(err, timeout=self._http.timeout.connect)}.",
                hint="Check the network and the endpoint variable.",
            ) from None
        if response.status_code in ok_statuses:
            return response
        self.check(response)
        if not expect_json:
            return response
        return self.decode(response)

    def _where(self, method: str, url: str) -> str:
        """The URL the request went to, as httpx builds it: the base URL's path prefix kept (`/zenhub/...`)."""
        return redact(str(self._http.build_request(method, url).url).split("?")[0])

    def check(self, response: httpx.Response) -> None:
        """Turn an error status into the matching FleetopsError (401/403 → exit 4)."""
        status = response.status_code
        if status < 400:
            return
        where = redact(str(response.request.url).split("?")[0])
        detail = redact(self._error_text(response))
        if status in (401, 403) and self.token_var:
            raise AuthError(
                f"{self.service} rejected the token in {self.token_var} (HTTP {status}{': ' + detail if detail else ''}).",
                hint=f"Check that {self.token_var} is set to a valid, current token with access.",
            )
        if status == 404:
            raise NotFound(f"{self.service} has no {where} (HTTP 404{': ' + detail if detail else ''}).")
        raise ServiceError(f"{self.service} answered HTTP {status} for {response.request.method} {where}{': ' + detail if detail else ''}.")

    @staticmethod
    def _error_text(response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return response.text.strip()[:200]
        if isinstance(body, dict):
            for key in ("message", "error", "detail", "errors"):
                value = body.get(key)
                if isinstance(value, list):  # GraphQL's errors: [{"message": ...}, ...]
                    value = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in value)
                if value:
                    return str(value)[:200]
        return ""

    def decode(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            where = redact(str(response.request.url).split("?")[0])
            snippet = redact(response.text[:80]).replace("\n", " ")
            raise ServiceError(f"{self.service} answered {where} with something that is not JSON: {snippet!r}.") from None
