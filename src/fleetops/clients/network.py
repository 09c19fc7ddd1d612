"""What every client of one run shares: one TLS trust context, one httpx connection pool, one meter.

- `trust_context()`: one `ssl.SSLContext` for httpx and PyGithub alike. It loads the CA bundle on
  its first TLS handshake, once per run, instead of once per client (httpx builds two contexts per
  `RetryTransport`, urllib3 one per connection); a run that only talks plain HTTP (the sandbox)
  never loads it.
- `Network`: owns that context, the one httpx transport every httpx client sends through (httpcore
  keeps one connection pool per host inside it), and the run's `Costs`.
- `Costs`: every HTTP attempt per service (retries included), GitHub GraphQL rate-limit points,
  and GitHub's core rate limit as the last response told it. `App` prints it in `--json`
  (`"requests"`), and `--debug` logs one line per attempt.

Nothing here imports httpx or PyGithub at import time.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import ssl
import sys
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fleetops.redaction import redact

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

log = logging.getLogger("fleetops.http")

# Every service fleetops talks to; each appears in `--json` "requests", 0 when not used.
SERVICES = ("github", "zenhub", "mergefreeze", "dockerhub", "godev", "slack", "dogfood", "feeds", "npm")


def _chain(err: BaseException) -> list[BaseException]:
    """`err` and every exception behind it: causes, contexts, urllib3's `reason`, wrapped arguments."""
    seen: list[BaseException] = []
    todo = [err]
    while todo:
        current = todo.pop(0)
        if current in seen or len(seen) > 20:
            continue
        seen.append(current)
        behind = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        todo.extend(e for e in behind if isinstance(e, BaseException))
    return seen


# How the C library says a name did not resolve (glibc, musl, macOS, Windows), when only the text is left.
_UNRESOLVED = re.compile(r"Name or service not known|nodename nor servname|Temporary failure in name resolution|getaddrinfo failed|Name does not resolve")


def _seconds(value: float) -> str:
    return f"{value:g} s"


def describe(err: BaseException, *, timeout: float | None = None) -> str:
    """What went wrong on the network, in words and whole: refused, name not resolved, timed out after N s.

    Libraries wrap the operating system's error in two or three layers whose text names their
    classes and connection pools; the words come from the innermost error that says what happened.
    """
    chain = _chain(err)
    names = [type(e).__name__ for e in chain]
    if timeout is None:  # urllib3 says it inside its message: "(read timeout=15)"
        found = next((m for e in chain if (m := re.search(r"timeout=([\d.]+)", str(e)))), None)
        timeout = float(found[1]) if found else None
    after = f" after {_seconds(timeout)}" if timeout is not None else ""
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "the connection was refused (nothing listens at that address and port)"
    if any(isinstance(e, socket.gaierror) or "NameResolution" in n or _UNRESOLVED.search(str(e)) for e, n in zip(chain, names, strict=True)):
        return "the host name could not be resolved (check its spelling and the DNS)"
    if any("ConnectTimeout" in n for n in names):
        return f"the connection timed out{after} (no answer from the host)"
    if any(isinstance(e, TimeoutError) or "Timeout" in n for e, n in zip(chain, names, strict=True)):
        return f"it timed out{after} waiting for the answer"
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None:
        return f"the TLS handshake failed ({getattr(tls, 'verify_message', None) or tls.reason or tls.strerror or 'no reason given'})"
    if any(isinstance(e, (ConnectionResetError, BrokenPipeError)) or n in ("RemoteDisconnected", "RemoteProtocolError", "ProtocolError")
           for e, n in zip(chain, names, strict=True)):
        return "the connection was closed before the answer came"
    innermost = chain[-1]
    text = getattr(innermost, "strerror", None) or str(innermost) or type(innermost).__name__
    return redact(" ".join(str(text).split()))


class TrustContext(ssl.SSLContext):
    """A client TLS context (certificate and host name verified) that loads its CAs on first use.

    The CAs are the ones httpx trusts: `SSL_CERT_FILE` or `SSL_CERT_DIR` when set, else certifi's
    bundle. Loading them costs tens of milliseconds; a run makes no TLS handshake at all against
    the sandbox, and at most one load otherwise.
    """

    def __new__(cls) -> TrustContext:
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self) -> None:
        # PROTOCOL_TLS_CLIENT already means CERT_REQUIRED and check_hostname, as create_default_context.
        self._load_lock = threading.Lock()
        self._loaded = False
        self.loads = 0  # how many times the CAs were loaded (tests: at most once)
        keylog = os.environ.get("SSLKEYLOGFILE")
        if keylog and not sys.flags.ignore_environment:
            self.keylog_filename = keylog

    def _load_cas(self) -> None:
        if self._loaded:
            return
        with self._load_lock:
            if self._loaded:
                return
            if os.environ.get("SSL_CERT_FILE"):
                self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
            elif os.environ.get("SSL_CERT_DIR"):
                self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
            else:
                import certifi

                self.load_verify_locations(cafile=certifi.where())
            self.loads += 1
            self._loaded = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:  # httpcore, urllib3
        self._load_cas()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:  # TLS through a proxy tunnel
        self._load_cas()
        return super().wrap_bio(*args, **kwargs)


class Costs:
    """What one run cost, as the services would bill it; thread-safe (reads run concurrently).

    `count` is called once per HTTP attempt that reached the wire (a retry is another attempt).
    GitHub is split: REST calls, GraphQL calls (requests to `.../graphql`) and GraphQL points,
    which a GraphQL client adds with `add_graphql_points` (GitHub's `rateLimit { cost }`, at
    least 1 per query). GitHub's core rate limit is kept from the `X-RateLimit-*` headers of
    REST responses (`X-RateLimit-Resource: core`; search and GraphQL have limits of their own).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: dict[str, int] = dict.fromkeys(SERVICES, 0)
        self.github_graphql_requests = 0
        self.graphql_points = 0
        self.rate_limit: dict[str, Any] | None = None

    def count(
        self,
        service: str,
        method: str,
        url: str,
        status: int | str,
        ms: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Record one attempt and log it (`--debug`): service, method, redacted URL, status, time."""
        graphql = service == "github" and url.split("?", 1)[0].rstrip("/").endswith("/graphql")
        with self._lock:
            self.counts[service] = self.counts.get(service, 0) + 1
            if graphql:
                self.github_graphql_requests += 1
        if service == "github" and headers is not None:
            self.observe_github_headers(headers)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s %s -> %s (%.0f ms)", service, method, redact(url), status, ms)

    def add_graphql_points(self, points: int) -> None:
        """For a GitHub GraphQL client: the rate-limit points a query cost."""
        with self._lock:
            self.graphql_points += int(points)

    def observe_github_headers(self, headers: Mapping[str, str]) -> None:
        """Keep GitHub's core rate limit from a response's headers (lowest remaining of the newest window)."""
        get = {k.lower(): v for k, v in headers.items()}.get
        if get("x-ratelimit-resource", "core") != "core":
            return
        try:
            remaining, limit = int(float(get("x-ratelimit-remaining", ""))), int(float(get("x-ratelimit-limit", "")))
        except ValueError:
            return
        try:
            reset = int(float(get("x-ratelimit-reset", "")))
        except ValueError:
            reset = None
        with self._lock:
            seen = self.rate_limit
            # Concurrent responses arrive in any order: the newest window wins, and within one
            # window the lowest count is the newest.
            newer = seen is None or (reset or 0) > (seen["_reset"] or 0)
            if newer or ((reset or 0) == (seen["_reset"] or 0) and remaining < seen["remaining"]):
                self.rate_limit = {"remaining": remaining, "limit": limit, "_reset": reset}

    def total(self) -> int:
        with self._lock:
            return sum(self.counts.values())

    def as_json(self) -> dict[str, Any]:
        """The `"requests"` object of `--json` (docs/costs.md): every service, 0 when unused."""
        with self._lock:
            out: dict[str, Any] = {}
            for service in (*SERVICES, *sorted(set(self.counts) - set(SERVICES))):
                n = self.counts[service]
                if service != "github":
                    out[service] = n
                    continue
                rate = None
                if self.rate_limit is not None:
                    reset = self.rate_limit["_reset"]
                    rate = {
                        "remaining": self.rate_limit["remaining"],
                        "limit": self.rate_limit["limit"],
                        "reset": datetime.fromtimestamp(reset, UTC).isoformat() if reset is not None else None,
                    }
                out["github"] = {
                    "rest": n - self.github_graphql_requests,
                    "graphql": self.github_graphql_requests,
                    "graphql_points": self.graphql_points,
                    "rate_limit": rate,
                }
            return out


class Network:
    """The plumbing one run's clients share; `Clients` owns one and closes it at the end."""

    def __init__(self, costs: Costs | None = None) -> None:
        self.costs = costs if costs is not None else Costs()
        self._lock = threading.Lock()
        self._ssl: TrustContext | None = None
        self._transport: httpx.HTTPTransport | None = None

    @property
    def ssl_context(self) -> TrustContext:
        with self._lock:
            if self._ssl is None:
                self._ssl = TrustContext()
            return self._ssl

    def transport(self) -> httpx.HTTPTransport:
        """The one httpx transport (connection pool per host) under every httpx client of the run."""
        context = self.ssl_context
        with self._lock:
            if self._transport is None:
                import httpx

                self._transport = httpx.HTTPTransport(verify=context)
            return self._transport

    def close(self) -> None:
        with self._lock:
            transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
