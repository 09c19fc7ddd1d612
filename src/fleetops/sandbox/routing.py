"""The sandbox's HTTP vocabulary: a request, a response, a router of one service, an injected fault, a handler's context.

The services (services/) build on it, and the server (server.py) runs them: apart from the server,
so that no service imports the module that imports every service.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

if TYPE_CHECKING:
    from fleetops.sandbox.server import SandboxServer

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Request:
    """One incoming request, parsed just enough for a handler."""

    method: str
    path: str  # path below the router's prefix, percent-decoded per segment by the route
    raw_path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        if not self.body:
            return {}
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        """Form fields (`a=1&b=2`); a JSON body is accepted too, as real Merge Freeze does."""
        ctype = self.headers.get("content-type", "")
        if "json" in ctype:
            data = self.json()
            return {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
        parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        return {k: v[-1] for k, v in parsed.items()}

    def bearer(self) -> str | None:
        """The token of an `Authorization: Bearer|token X` header."""
        value = self.headers.get("authorization", "")
        parts = value.split(None, 1)
        if len(parts) == 2 and parts[0].lower() in ("bearer", "token"):
            return parts[1].strip()
        return None


@dataclass
class Response:
    """What a handler returns: a JSON body (or text), a status and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None  # a non-JSON body (Slack answers "ok")
    write: bool | None = None  # whether the request changed state; None = by method


class HTTPError(Exception):
    """Raised by a handler to answer with an error status and body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}


Handler = Callable[["Context", Request], Response]


class _Injected(Exception):
    """An injected fault's answer, raised before or after the handler ran."""

    def __init__(self, fault: Fault) -> None:
        super().__init__("injected fault")
        self.fault = fault

    def answer(self, headers: dict[str, str]) -> tuple[int, bytes]:
        fault = self.fault
        if fault.drop:
            return 0, b""
        headers.update(fault.headers)
        body = fault.body if fault.body is not None else {"message": "injected fault"}
        if isinstance(body, str):
            headers["Content-Type"] = fault.content_type or "text/plain; charset=utf-8"
            return fault.status, body.encode()
        if fault.content_type:
            headers["Content-Type"] = fault.content_type
        return fault.status, json.dumps(body).encode()


@dataclass
class Route:
    method: str
    template: str  # e.g. /repos/{owner}/{repo}/milestones (the OpenAPI path for GitHub)
    regex: re.Pattern[str]
    handler: Handler
    # The handler's Response says whether it wrote (`write`): the state is then not compared
    # before and after (a GraphQL POST that only reads costs no copy of a large world).
    says_write: bool = False


def _compile(template: str) -> re.Pattern[str]:
    # `{name}` matches one segment, `{name+}` matches the rest of the path (contents paths, refs).
    pattern = ""
    for part in re.split(r"(\{[a-z_]+\+?\})", template):
        if part.startswith("{") and part.endswith("+}"):
            pattern += f"(?P<{part[1:-2]}>.+)"
        elif part.startswith("{"):
            pattern += f"(?P<{part[1:-1]}>[^/]+)"
        else:
            pattern += re.escape(part)
    return re.compile(f"^{pattern}/?$")


class Router:
    """The routes of one service under one path prefix."""

    def __init__(self, service: str, prefix: str) -> None:
        self.service = service
        self.prefix = prefix
        self.routes: list[Route] = []

    def route(self, method: str, template: str, *, says_write: bool = False) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, template, _compile(template), handler, says_write))
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, params, path_known): path_known tells 405 from 404."""
        known = False
        for route in self.routes:
            m = route.regex.match(path)
            if m:
                known = True
                if route.method == method or (method == "HEAD" and route.method == "GET"):
                    return route, {k: unquote(v) for k, v in m.groupdict().items()}, True
        return None, {}, known


@dataclass
class Fault:
    """An injected failure: the next `times` requests matching method, path (and request body) fail."""

    method: str
    path: str  # a regex searched in the full path (with prefix)
    status: int = 500
    body: Any = None
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    skip: int = 0  # let this many matching requests through first (to fail "the second one")
    after: bool = False  # fail after the handler ran: the change is made but its answer is lost
    drop: bool = False  # answer nothing and close the connection (a reset); with `after`, once applied
    # Seconds to wait before answering (beyond a client's timeout: a timeout). Without `after` the
    # request is handled normally and only its answer is late, as when a server is slow.
    delay: float = 0.0
    content_type: str | None = None  # e.g. "text/html" for a proxy's error page or a login page
    # A regex searched in the request body: one GraphQL mutation among the POSTs to one endpoint.
    request: str | None = None

    def matches(self, method: str, path: str, body: bytes = b"") -> bool:
        if self.times <= 0 or self.method not in (method, "*") or re.search(self.path, path) is None:
            return False
        return self.request is None or re.search(self.request, body.decode("utf-8", "replace")) is not None


@dataclass
class Context:
    """What a handler sees: the state, the server's own base URL, and the clock."""

    server: SandboxServer
    state: dict[str, Any]
    base_url: str
    service: str
    prefix: str
    # Set by a read that still changes the world (time passing: a workflow run that progresses
    # as it is polled). The state is then saved, but the request is not counted as a write.
    advanced: bool = False

    @property
    def url(self) -> str:
        """Absolute base URL of this service (GitHub's `url` fields must be absolute)."""
        return f"{self.base_url}{self.prefix}"

    def now(self) -> datetime:
        return datetime.now(UTC)


# Validators get (service, route template, method, status, body) and return problems found.
ResponseValidator = Callable[[str, str, str, int, Any], list[str]]
