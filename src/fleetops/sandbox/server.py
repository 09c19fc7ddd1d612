"""The sandbox's HTTP server: one real socket on 127.0.0.1 that speaks every service's API.

Each service is a `Router` with a path prefix (`/github`, `/mergefreeze`, ...). The server keeps
the world's state in memory under one lock, persists it after every write when it has a state
file, logs every request (tests read the log to prove "zero writes" and "no duplicates"), can
add a per-request latency (benchmarks) and can inject faults (resumability tests).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fleetops.errors import UsageError
from fleetops.redaction import redact, register_secret
from fleetops.sandbox.gitrepo import Created, merge_pull, sync_all
from fleetops.sandbox.routing import (  # tests also import Fault and Context from here
    Context, Fault, HTTPError, READ_METHODS, Request, Response, ResponseValidator, Router, _Injected,
)


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Save the world as every writer does (reset, the server after each change): a temporary file renamed over `path`."""
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
        tmp.replace(path)
    except OSError as err:
        raise unwritable_state(path, err) from None


def unwritable_state(path: Path, err: OSError) -> UsageError:
    """One message for a world that cannot be saved, whoever saves it."""
    return UsageError(
        f"the sandbox world {path} cannot be written ({err.strerror or type(err).__name__}).",
        hint="Set FLEETOPS_STATE_DIR to a directory fleetops can write, then re-run.",
    )


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
            "FLEETOPS_NPM_URL": f"{base}/npm",
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
        if self.state_file is not None:
            write_state(self.state_file, self.state)

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
                    ctx = Context(self, self.state, self.url, router.service, router.prefix)
                    if service.startswith("github"):
                        self._sync_git(ctx)
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
                    if "Content-Type" not in resp.headers:
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

    def _sync_git(self, ctx: Context) -> None:
        """What was pushed to a git-backed repository (sandbox/gitrepo.py); a new ref goes through GitHub's one door."""
        if sync_all(self.state, created=self._ref_created(ctx)):
            self._persist()

    @staticmethod
    def _ref_created(ctx: Context) -> Created:
        """GitHub's one door for a new ref (a `fleet-*` tag starts the release workflow's run), for every path that moves refs."""
        from fleetops.sandbox.services.github.release_workflow import ref_created

        return lambda repo, name, sha: ref_created(ctx, repo, name, sha)

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
        if method == "POST" and path == "/_sandbox/merge-pr":
            spec = json.loads(body or b"{}")
            ctx = Context(self, self.state, self.url, "github", "/github")  # a merge is a GitHub write, as in env()
            result = merge_pull(self.state, spec.get("repo", ""), int(spec.get("number", 0)), datetime.now(UTC),
                                created=self._ref_created(ctx))
            self._persist()
            return Response(body=result)
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
