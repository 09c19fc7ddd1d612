"""The sandbox's HTTP server: one real socket on 127.0.0.1 that speaks every service's API.

Each service is a `Router` with a path prefix (`/github`, `/mergefreeze`, ...). The server keeps
the world's state in memory under one lock, persists it after every write when it has a state
file, logs every request (tests read the log to prove "zero writes" and "no duplicates"), can
add a per-request latency (benchmarks) and can inject faults (resumability tests).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from fleetops.redaction import redact, register_secret

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


class SandboxServer:
    """A real HTTP server on 127.0.0.1 serving the sandbox world; start() it, stop() it."""

    def __init__(
        self,
        state: dict[str, Any],
        *,
        state_file: Path | None = None,
        latency: float = 0.0,
        port: int = 0,
        routers: Iterable[Router] | None = None,
        validator: ResponseValidator | None = None,
        request_log_file: Path | None = None,
    ) -> None:
        from fleetops.sandbox.services import all_routers

        self.state = state
        # The world's tokens are secrets like real ones: never in the request log or any output.
        for token in state.get("tokens", {}).values():
            register_secret(token)
        self.state_file = state_file
        self.latency = latency
        self.validator = validator
        self.violations: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.request_log_file = request_log_file
        # Numbering continues across the commands that share one persisted log.
        self._seq_offset = (
            sum(1 for _ in request_log_file.open()) if request_log_file is not None and request_log_file.exists() else 0
        )
        self.faults: list[Fault] = []
        self._rate_used: dict[str, int] = {}
        self._rate_reset = int(time.time()) + 3600
        self.routers = list(routers) if routers is not None else all_routers()
        self._lock = threading.RLock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._httpd.daemon_threads = True
        self._httpd.handle_error = self._handle_error  # type: ignore[method-assign]
        self._thread: threading.Thread | None = None

    @staticmethod
    def _handle_error(request: object, client_address: object) -> None:
        """A client that gave up (a timeout test) is not news; anything else is printed as before."""
        import sys
        import traceback

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        traceback.print_exc()

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=lambda: self._httpd.serve_forever(poll_interval=0.05), name="fleetops-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what clients need --------------------------------------------------------------------
    @property
    def tokens(self) -> dict[str, str]:
        return dict(self.state["tokens"])

    def env(self) -> dict[str, str]:
        """Environment variables that point fleetops (or anything else) at this server."""
        base = self.url
        tokens = self.tokens
        return {
            "GITHUB_API_URL": f"{base}/github",
            "GH_TOKEN": tokens["github"],
            "MERGEFREEZE_TOKEN": tokens["mergefreeze"],
            "FLEETOPS_MERGEFREEZE_URL": f"{base}/mergefreeze",
            "ZENHUB_TOKEN": tokens["zenhub"],
            "FLEETOPS_ZENHUB_URL": f"{base}/zenhub",
            "FLEETOPS_DOCKERHUB_URL": f"{base}/dockerhub",
            "FLEETOPS_GODEV_URL": f"{base}/godev",
            "SLACK_WEBHOOK_URL": f"{base}/slack/services/{tokens['slack']}",
            "FLEETOPS_DOGFOOD_URL": f"{base}/dogfood",
            "FLEETOPS_DOGFOOD_TOKEN": tokens["dogfood"],
            "FLEETOPS_NVD_FEED_URL": f"{base}/feeds/nvd",
            "FLEETOPS_CISA_FEED_URL": f"{base}/feeds/cisa",
        }

    # -- test and bench hooks -------------------------------------------------------------------
    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def writes(self, service: str | None = None) -> list[dict[str, Any]]:
        """Logged requests that changed (or tried to change) something."""
        return [r for r in self.requests if r["write"] and (service is None or r["service"] == service)]

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def replace_state(self, state: dict[str, Any]) -> None:
        with self._lock:
            self.state = state
            self._persist()

    def _persist(self) -> None:
        if self.state_file is None:
            return
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=1, sort_keys=True))
        tmp.replace(self.state_file)

    # -- dispatch ---------------------------------------------------------------------------------
    def dispatch(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Route one request; returns (status, headers, body bytes), status 0 for "drop the connection". Thread-safe."""
        started = time.monotonic()
        fault: Fault | None = None
        if self.latency:
            time.sleep(self.latency)
        split = urlsplit(raw_path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        service, status, write = "unknown", 404, method not in READ_METHODS
        out_headers: dict[str, str] = {"Content-Type": "application/json; charset=utf-8"}
        payload: bytes
        with self._lock:
            try:
                if path.startswith("/_sandbox"):
                    service = "control"
                    resp = self._control(method, path, query, body)
                    write = False
                else:
                    router, sub = self._router_for(path)
                    if router is None:
                        raise HTTPError(404, {"message": f"no sandbox service at {path}"})
                    service = router.service
                    fault = next((f for f in self.faults if f.matches(method, path, body)), None)
                    if fault is not None and fault.skip > 0:
                        fault.skip -= 1
                        fault = None
                    if fault is not None:
                        fault.times -= 1
                        if not fault.after and not fault.delay:
                            raise _Injected(fault)
                    route, params, known = router.match(method, sub)
                    if route is None:
                        raise HTTPError(405 if known else 404, {"message": "Not Found" if not known else "Method Not Allowed"})
                    request = Request(method, sub, raw_path, query, headers, body, params)
                    ctx = Context(self, self.state, self.url, router.service, router.prefix)
                    snapshot = json.dumps(self.state, sort_keys=True) if write and not route.says_write else None
                    resp = route.handler(ctx, request)
                    if resp.write is not None:
                        write = resp.write
                    if route.says_write and write:
                        self._persist()
                    elif snapshot is not None and json.dumps(self.state, sort_keys=True) != snapshot:
                        self._persist()
                    elif ctx.advanced:
                        self._persist()
                    if self.validator is not None and resp.text is None:
                        self.violations.extend(self.validator(service, route.template, method, resp.status, resp.body))
                    if fault is not None and fault.after:
                        raise _Injected(fault)
                status = resp.status
                out_headers.update(resp.headers)
                if resp.text is not None:
                    out_headers["Content-Type"] = "text/plain; charset=utf-8"
                    payload = resp.text.encode()
                elif resp.body is None:
                    payload = b""
                else:
                    payload = json.dumps(resp.body).encode()
            except _Injected as injected:
                status, payload = injected.answer(out_headers)
            except HTTPError as err:
                status = err.status
                out_headers.update(err.headers)
                if isinstance(err.body, str):
                    out_headers["Content-Type"] = "text/plain; charset=utf-8"
                    payload = err.body.encode()
                else:
                    payload = json.dumps(err.body).encode()
            except Exception as err:  # a sandbox bug must look like a server error, not hang
                status = 500
                payload = json.dumps({"message": f"sandbox error: {type(err).__name__}: {err}"}).encode()
            for key, value in self._rate_limit_headers(service, path).items():
                out_headers.setdefault(key, value)  # a handler's or a fault's own headers win
            entry = {
                "seq": self._seq_offset + len(self.requests) + 1,
                "time": datetime.now(UTC).isoformat(),
                "service": service,
                "method": method,
                "path": redact(raw_path),
                "status": status,
                "write": write,
                "ms": round((time.monotonic() - started) * 1000, 1),
            }
            self.requests.append(entry)
            if self.request_log_file is not None:
                with self.request_log_file.open("a") as fh:
                    fh.write(json.dumps(entry) + "\n")
        if fault is not None and fault.delay:
            time.sleep(fault.delay)  # outside the lock: other requests go on meanwhile
        return status, out_headers, payload

    def _rate_limit_headers(self, service: str, path: str) -> dict[str, str]:
        """GitHub's `X-RateLimit-*` headers: 5,000 an hour for REST (core), 30 a minute for search.

        Counted per server from its start (a window of one hour), as GitHub counts per token.
        """
        if service != "github":
            return {}
        resource = "search" if "/search/" in path else "graphql" if path.rstrip("/").endswith("/graphql") else "core"
        limit = {"core": 5000, "search": 30, "graphql": 5000}[resource]
        used = self._rate_used[resource] = self._rate_used.get(resource, 0) + 1
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - used)),
            "X-RateLimit-Reset": str(self._rate_reset),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": resource,
        }

    def _router_for(self, path: str) -> tuple[Router | None, str]:
        for router in self.routers:
            if path == router.prefix or path.startswith(router.prefix + "/"):
                return router, path[len(router.prefix):] or "/"
        return None, path

    def _control(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Response:
        """`/_sandbox/...`: inspect the state and the request log, inject faults, set latency."""
        if method == "GET" and path == "/_sandbox/state":
            return Response(body=self.state)
        if method == "GET" and path == "/_sandbox/requests":
            return Response(body=self.requests)
        if method == "POST" and path == "/_sandbox/faults":
            spec = json.loads(body or b"{}")
            self.faults.append(Fault(**spec))
            return Response(status=201, body={"faults": len(self.faults)})
        if method == "DELETE" and path == "/_sandbox/faults":
            self.faults.clear()
            return Response(status=204)
        if method == "GET" and path == "/_sandbox/health":
            from fleetops.sandbox.world import world_process

            return Response(body={"ok": True, "world": self.state.get("world"), "process": world_process(self.state)})
        raise HTTPError(404, {"message": f"unknown control endpoint {method} {path}"})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "fleetops-sandbox"
            # Headers and body go out in two writes: with Nagle's algorithm the body would wait for
            # the client's delayed ACK of the headers (~40 ms on Linux), on every keep-alive response.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, out_headers, payload = server.dispatch(self.command, self.path, headers, body)
                if status == 0:  # an injected reset: no answer at all
                    self.close_connection = True
                    return
                self.send_response(status)
                for key, value in out_headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD" and payload:
                    self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return  # the request log is ours; stderr stays clean

        return _Handler
