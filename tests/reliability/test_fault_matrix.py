"""The fault matrix of docs/reliability.md: every fault against every acting command, on the sandbox.

Each cell injects one fault through the sandbox's fault injection and checks the outcome the
document promises: retried and then the same end state as a clean run (the request log shows the
retry); exit 1 naming the service; exit 4 naming the variable; or a re-run that ends exactly like
a clean run (no duplicates). A cell the fault cannot reach is "n/a" in the document, with why.
"""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fleetops.lock import RunLock
from fleetops.sandbox.server import Fault
from tests.reliability.conftest import flat, real_now

CONCLUDE_NOW = datetime(2025, 6, 18, 17, 0, tzinfo=UTC)  # the day after 4.58.0 shipped
DEFAULT_NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # a Tuesday of a freeze week
REPO = "fleetdm/fleet"


@dataclass(frozen=True)
class Command:
    """How one acting command is run in the matrix, and which of its requests each fault hits."""

    args: tuple[str, ...]
    world: str
    overrides: Callable[[datetime], dict[str, Any]]
    read: tuple[str, str]  # a read of the command's main service (retried faults, HTML)
    github_read: tuple[str, str]  # a GitHub read (rate limits)
    write: tuple[str, str]  # a write whose answer gets lost (ambiguous write, SIGKILL)
    token: str  # the variable whose token the command cannot work without
    lock: tuple[str, str] | None  # (command, subject) of its run lock; None: it only reads
    graphql: tuple[str, str] | None = None
    services: frozenset[str] = field(default_factory=frozenset)
    env: dict[str, str] = field(default_factory=dict)  # e.g. the rituals of the process it belongs to
    scope: str | None = None  # for GitHub's GraphQL: the scope the hint of INSUFFICIENT_SCOPES names
    # A regex of the write's request body, when `write` is an endpoint shared with reads (GitHub's
    # GraphQL: a mutation document among the queries); its hits are then the logged writes.
    write_request: str | None = None


COMMANDS: dict[str, Command] = {
    "freeze begin": Command(
        ("freeze", "begin", "--yes"), "default", lambda now: {"frozen": False},
        read=("GET", r"^/mergefreeze/api/branches/"), github_read=("GET", r"/milestones$"),
        write=("POST", r"^/mergefreeze/api/branches/"), token="MERGEFREEZE_TOKEN", lock=("freeze begin", ""),
    ),
    "freeze end": Command(
        ("freeze", "end", "--yes"), "default", lambda now: {"frozen": True},
        read=("GET", r"^/mergefreeze/api/branches/"), github_read=("GET", r"/milestones$"),
        write=("POST", r"^/mergefreeze/api/branches/"), token="MERGEFREEZE_TOKEN", lock=("freeze end", ""),
    ),
    "freeze allow-pr": Command(
        # 23103 fixes a ~release blocker: allowed in the freeze and in the deep freeze (20 hours before the release)
        ("freeze", "allow-pr", "23103", "--yes"), "default", lambda now: {"frozen": True, "release_date": now + timedelta(hours=20)},
        read=("GET", r"^/mergefreeze/api/branches/"), github_read=("GET", r"/pulls/23103$"),
        write=("POST", r"^/mergefreeze/api/branches/"), token="MERGEFREEZE_TOKEN", lock=("freeze allow-pr", ""),
    ),
    "release check-deps --file-issues": Command(
        ("release", "check-deps", "--file-issues", "--yes"), "default", lambda now: {},
        read=("GET", r"^/godev/"), github_read=("GET", r"/releases/latest$"),
        write=("POST", r"/repos/fleetdm/fleet/issues$"), token="GH_TOKEN", lock=("release check-deps", ""),
    ),
    "release create-qa-issue": Command(
        ("release", "create-qa-issue", "4.58.0", "--yes"), "default", lambda now: {},
        read=("GET", r"/contents/"), github_read=("GET", r"/contents/"),
        write=("POST", r"/repos/fleetdm/fleet/issues$"), token="GH_TOKEN", lock=("release create-qa-issue", "4.58.0"),
    ),
    "release conclude-milestone": Command(
        ("release", "conclude-milestone", "4.58.0", "--yes"), "released", lambda now: {"release_date": now - timedelta(days=1)},
        read=("GET", r"^/mergefreeze/api/branches/"), github_read=("GET", r"/milestones$"),
        write=("POST", r"/repos/fleetdm/fleet/milestones$"), token="ZENHUB_TOKEN", lock=("release conclude-milestone", "4.58.0"),
        graphql=("POST", r"^/zenhub/public/graphql"),
    ),
    # conclude-milestone of the current handbook: GitHub Projects over GraphQL, no Merge Freeze.
    "release conclude-milestone (fleet-rc)": Command(
        ("release", "conclude-milestone", "4.59.0", "--yes"), "rc", lambda now: {},
        read=("GET", r"/actions/variables/QAWOLF_DEPLOY_TAG$"), github_read=("GET", r"/milestones$"),
        write=("POST", r"^/github/graphql"), write_request=r'"query": "mutation Batch', token="GH_TOKEN",
        lock=("release conclude-milestone", "4.59.0"), graphql=("POST", r"^/github/graphql"),
        env={"FLEETOPS_RITUALS": "fleet-rc"}, scope="the `project` scope",
    ),
    "release deploy-dogfood": Command(
        ("release", "deploy-dogfood", "v4.58.0", "--yes"), "default", lambda now: {},
        read=("GET", r"^/dockerhub/"), github_read=("GET", r"/actions/workflows/"),
        write=("POST", r"/dispatches$"), token="FLEETOPS_DOGFOOD_TOKEN", lock=("release deploy-dogfood", ""),
    ),
    # Release day (issue 22): the tag at the release branch's head, and the publish of the built draft.
    "release tag": Command(
        # its read: the guards' GraphQL query (the branch's head and the migrations directories of every line)
        ("release", "tag", "4.58.1", "--yes", "--poll-interval", "0.01"), "release-day", lambda now: {},
        read=("POST", r"^/github/graphql"), github_read=("GET", r"/contents/CHANGELOG\.md$"),
        write=("POST", r"/repos/fleetdm/fleet/git/refs$"), token="GH_TOKEN", lock=("release tag", "4.58.1"),
        graphql=("POST", r"^/github/graphql"), scope="the `repo` scope",
    ),
    "release publish": Command(
        ("release", "publish", "4.58.1", "--yes"), "release-built", lambda now: {"deploy_polls": 0},
        read=("GET", r"/repos/fleetdm/fleet/releases$"), github_read=("GET", r"/contents/CHANGELOG\.md$"),
        write=("PATCH", r"/repos/fleetdm/fleet/releases/\d+$"), token="GH_TOKEN", lock=("release publish", "4.58.1"),
    ),
    # The current handbook's commands (FLEETOPS_RITUALS=fleet-rc, the rc world), and the nightly rituals job.
    "release cut-rc": Command(
        ("release", "cut-rc", "4.60.0", "--yes"), "rc", lambda now: {},
        read=("GET", r"/repos/fleetdm/confidential/actions/variables/"), github_read=("GET", r"/git/ref/heads/"),
        write=("POST", r"/repos/fleetdm/fleet/git/refs$"), token="GH_TOKEN", lock=("release cut-rc", "4.60.0"),
        env={"FLEETOPS_RITUALS": "fleet-rc"},
    ),
    "rituals create-issues": Command(
        ("rituals", "create-issues", "--date", "2026-12-07", "--yes"), "default", lambda now: {},
        read=("GET", r"/contents/handbook/"), github_read=("GET", r"/repos/fleetdm/fleet/labels$"),
        write=("POST", r"/repos/fleetdm/fleet/issues$"), token="GH_TOKEN", lock=("rituals create-issues", "2026-12-07"),
    ),
    # Read-only, but they speak GitHub's GraphQL API: the rows a read can meet.
    "release readiness (fleet-rc)": Command(
        # its GraphQL documents go out at once (each group's project, by node id), to one path: the
        # retried and rate-limit rows hit its one search, which the log tells apart
        ("release", "readiness", "4.59.0"), "rc", lambda now: {},
        read=("GET", r"^/github/search/issues"), github_read=("GET", r"^/github/search/issues"),
        write=("POST", r"^$"), token="GH_TOKEN", lock=None, graphql=("POST", r"^/github/graphql"),
        env={"FLEETOPS_RITUALS": "fleet-rc"}, scope="the `project` scope (`read:project` to read only)",
    ),
    "release rc-status": Command(
        ("release", "rc-status", "4.59.0"), "rc", lambda now: {},
        read=("GET", r"/compare/"), github_read=("POST", r"^/github/graphql"),
        write=("POST", r"^$"), token="GH_TOKEN", lock=None, graphql=("POST", r"^/github/graphql"),
        env={"FLEETOPS_RITUALS": "fleet-rc"}, scope="the `repo` scope",
    ),
}

SERVICE_OF = {"mergefreeze": "Merge Freeze", "godev": "go.dev", "dockerhub": "Docker Hub", "github": "GitHub", "zenhub": "ZenHub"}

ROWS = (
    "transient 5xx",
    "429 with Retry-After",
    "secondary rate limit",
    "primary limit exhausted",
    "connection reset",
    "timeout",
    "HTML or malformed body",
    "GraphQL 200 with errors",
    "ambiguous write",
    "SIGKILL mid-apply",
    "two runs at once",
    "rejected token",
)


WRITE_ROWS = ("ambiguous write", "SIGKILL mid-apply")


def na(row: str, command: str) -> str | None:
    """Why a fault cannot reach a command (the document's "n/a"), or None when a test covers it."""
    cmd = COMMANDS[command]
    if row == "GraphQL 200 with errors" and cmd.graphql is None:
        return "no GraphQL: this command speaks REST only"
    if row in WRITE_ROWS and cmd.lock is None:
        return "reads only: there is no write to lose or interrupt (a re-run reads again)"
    if row == "two runs at once" and cmd.lock is None:
        return "reads only: it takes no run lock (two reads at once change nothing)"
    return None


def cell_id(row: str, command: str) -> str:
    return f"{slug(row)}:{slug(command)}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# Cells that show a gap not fixed yet: they run, and fail the day the gap closes (strict).
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def _param(row: str, command: str) -> Any:
    gap = KNOWN_GAPS.get((row, command))
    marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
    return pytest.param(row, command, id=cell_id(row, command), marks=marks)


CELLS = [_param(row, command) for row in ROWS for command in COMMANDS if na(row, command) is None]


# --- running and comparing ---------------------------------------------------------------------------------------
def start_world(make_sandbox: Callable[..., Any], command: str, now: datetime) -> Any:
    cmd = COMMANDS[command]
    return make_sandbox(cmd.world, now=now, **cmd.overrides(now))


def world_now(command: str) -> datetime:
    return CONCLUDE_NOW if COMMANDS[command].world == "released" else DEFAULT_NOW


def error_lines(stderr: str) -> list[str]:
    """The `error:` lines of a run (printed 1000 columns wide: one error is one line)."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def snapshot(server: Any) -> str:
    """Every service's state, without the tokens, the server's port, the times of day and GitHub's GraphQL
    point meter (a query retried after its answer was lost is charged twice: a budget, not the world)."""
    state = {k: v for k, v in server.state.items() if k != "tokens"}
    state["github"] = {k: v for k, v in state["github"].items() if k != "graphql_rate"}
    text = json.dumps(state, sort_keys=True).replace(server.url, "<sandbox>")
    for token in server.state["tokens"].values():
        text = text.replace(token, "<token>")
    return re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", "<time>", text)


_CLEAN: dict[tuple[str, datetime], tuple[int, str]] = {}


def clean_run(make_sandbox: Callable[..., Any], cli: Callable[..., Any], command: str, now: datetime, state_dir: str) -> tuple[int, str]:
    """The exit code and end state of a run without faults (once per command and clock in a process)."""
    key = (command, now)
    if key not in _CLEAN:
        server = start_world(make_sandbox, command, now)
        cmd = COMMANDS[command]
        result = cli(*cmd.args, env={**server.env(), **cmd.env, "FLEETOPS_STATE_DIR": state_dir})  # its own journal and lock
        assert result.code in (0, 3), result.stderr
        _CLEAN[key] = (result.code, snapshot(server))
    return _CLEAN[key]


def hits(server: Any, target: tuple[str, str], *, writes: bool = False) -> list[dict[str, Any]]:
    method, path = target
    return [r for r in server.requests if r["method"] == method and re.search(path, r["path"].split("?")[0]) and (r["write"] or not writes)]


def write_hits(server: Any, cmd: Command) -> list[dict[str, Any]]:
    return hits(server, cmd.write, writes=cmd.write_request is not None)


@pytest.fixture
def fast_github_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyGithub waits 60 s before retrying a secondary rate limit; the matrix proves the retry, not the wait."""
    import fleetops.clients.github as module

    monkeypatch.setattr(module, "SECONDARY_RATE_WAIT", 0.05)


def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client timeout of one second (PyGithub's least), so that a timeout costs little."""
    from fleetops.settings import Settings

    original = Settings.from_env.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(Settings, "from_env", classmethod(lambda cls, env=None, **kw: original(cls, env, **{"timeout": 1.0, **kw})))


# --- the cells -----------------------------------------------------------------------------------------------------
RETRIED = {
    "transient 5xx": lambda target: Fault(target[0], target[1], status=503, body={"message": "Service Unavailable"}),
    "429 with Retry-After": lambda target: Fault(target[0], target[1], status=429, headers={"Retry-After": "1"}, body={"message": "slow down"}),
    "connection reset": lambda target: Fault(target[0], target[1], drop=True),
    "timeout": lambda target: Fault(target[0], target[1], delay=2.0),
    "secondary rate limit": lambda target: Fault(
        target[0], target[1], status=403,
        body={"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
              "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"},
    ),
}


@pytest.mark.parametrize("row,command", CELLS)
def test_cell(row: str, command: str, make_sandbox, cli, spawn, monkeypatch, clean_env, fast_github_retry) -> None:
    """One cell of the matrix: the fault of `row` against `command` ends as docs/reliability.md says."""
    from fleetops.app import App

    cmd = COMMANDS[command]
    now = world_now(command)
    if row == "SIGKILL mid-apply":
        now = real_now()  # the killed process runs on the real clock
    monkeypatch.setattr(App, "now", lambda self: now)
    clean_code, clean_state = clean_run(make_sandbox, cli, command, now, str(clean_env.parent / "clean-state"))
    monkeypatch.setenv("FLEETOPS_STATE_DIR", str(clean_env))
    server = start_world(make_sandbox, command, now)

    def run(*extra: str, env: dict[str, str] | None = None) -> Any:
        return cli(*cmd.args, *extra, env={**server.env(), **cmd.env, **(env or {})})

    if row in RETRIED:
        target = cmd.github_read if row == "secondary rate limit" else cmd.read
        server.inject(RETRIED[row](target))
        if row == "timeout":
            short_timeout(monkeypatch)
        started = time.monotonic()
        result = run()
        assert result.code == clean_code, result.stderr
        seen = hits(server, target)
        assert len(seen) >= 2, seen  # the fault, then the retry
        if row == "429 with Retry-After":  # the refused request, then the same one again (others may run meanwhile)
            refused = next(r for r in seen if r["status"] == 429)
            again = next(r for r in seen if r["seq"] > refused["seq"] and r["path"] == refused["path"])
            first, retry = (datetime.fromisoformat(r["time"]) for r in (refused, again))
            assert (retry - first).total_seconds() >= 0.9 and time.monotonic() - started >= 1.0
        assert snapshot(server) == clean_state
    elif row == "primary limit exhausted":
        reset = str(int(time.time()) + 3600)
        server.inject(Fault(*cmd.github_read, status=403, times=99, body={"message": "API rate limit exceeded for user ID 1."},
                            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "5000", "X-RateLimit-Reset": reset}))
        result = run("--json")
        assert result.code == 1, result.stderr
        assert "GitHub's rate limit is exhausted" in flat(result.output)
        paths = [r["path"] for r in hits(server, cmd.github_read)]
        assert paths and len(paths) == len(set(paths))  # an hour's wait is not waited: no request is retried
    elif row == "HTML or malformed body":
        server.inject(Fault(*cmd.read, status=200, times=99, content_type="text/html; charset=utf-8",
                            body="<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>"))
        result = run()
        assert result.code == 1, result.stderr
        service = SERVICE_OF[re.search(r"\^?/(\w+)/", cmd.read[1]).group(1)] if cmd.read[1].startswith("^") else "GitHub"
        assert service in flat(result.stderr) and "Traceback" not in result.output
        if service == "GitHub":  # PyGithub reads such a body as `{}`: the client must say what really happened
            assert "GitHub answered with text/html, not JSON" in flat(result.stderr)
    elif row == "GraphQL 200 with errors":
        assert cmd.graphql is not None
        server.inject(Fault(*cmd.graphql, status=200, times=999, body={"data": None, "errors": [{"message": "Something went wrong"}]}))
        result = run(env={"COLUMNS": "1000"})
        assert result.code == 1, result.stderr
        service = "GitHub GraphQL" if cmd.graphql[1].startswith("^/github/") else "ZenHub"
        assert service in flat(result.stderr) and "Something went wrong" in flat(result.stderr)
        assert "Traceback" not in result.output and len(error_lines(result.stderr)) == 1, result.stderr
        if cmd.scope is not None:  # GitHub's answer to a token without the scope: exit 4 naming the variable and the scope
            server.clear_faults()
            denied = {"type": "INSUFFICIENT_SCOPES", "message": "Your token has not been granted the required scopes to execute this query."}
            server.inject(Fault(*cmd.graphql, status=200, times=999, body={"errors": [denied]}))
            result = run(env={"COLUMNS": "1000"})
            assert result.code == 4, result.stderr
            assert "GH_TOKEN" in flat(result.stderr) and cmd.scope in flat(result.stderr)
            assert "Traceback" not in result.output and len(error_lines(result.stderr)) == 1, result.stderr
    elif row == "ambiguous write":
        server.inject(Fault(*cmd.write, status=502, after=True, body={"message": "Bad Gateway"}, request=cmd.write_request))
        first = run()
        assert first.code in (0, 1, 3), first.stderr
        server.clear_faults()
        again = run()
        assert again.code in (0, 2, 3), again.stderr
        assert snapshot(server) == clean_state  # what was applied once is found, not applied again
    elif row == "SIGKILL mid-apply":
        # The write is applied and its answer held back 3 s: the process is killed while it waits.
        server.inject(Fault(*cmd.write, delay=3.0, request=cmd.write_request))
        proc = spawn(*cmd.args, env={**server.env(), **cmd.env})
        deadline = time.monotonic() + 30
        while not write_hits(server, cmd):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1] if proc.poll() is not None else "timed out"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        server.clear_faults()
        again = run()
        if command == "release deploy-dogfood":  # the killed run's deploy runs on: refused, nothing dispatched twice
            assert again.code == 2 and "a deploy run is already in progress" in flat(again.stderr), again.stderr
        else:
            assert again.code == clean_code, again.stderr
        assert "took over the lock" in flat(again.stderr)  # the killed run's lock record, taken over
        assert snapshot(server) == clean_state
    elif row == "two runs at once":
        assert cmd.lock is not None
        other = RunLock(clean_env, cmd.lock[0], REPO, cmd.lock[1])
        other.acquire()
        try:
            result = run()
        finally:
            other.release()
        assert result.code == 1
        what = " ".join(p for p in (cmd.lock[0].removeprefix("release ").removeprefix("freeze "), cmd.lock[1]) if p)
        assert f"another run of {what} holds the lock since " in flat(result.stderr)
        assert server.requests == []
    elif row == "rejected token":
        result = run(env={cmd.token: "not-a-valid-token"})
        assert result.code == 4, result.stderr
        assert cmd.token in flat(result.stderr) and "not-a-valid-token" not in result.output
        assert server.writes() == [] or all(r["status"] >= 400 for r in server.writes())
    else:  # pragma: no cover - a row without a check is a bug of this module
        raise AssertionError(f"no check for {row!r}")


def test_every_registered_ritual_is_in_the_matrix():
    """The matrix is checked against the rituals' declarations (rituals/steps.py): each registered ritual's
    command is a column, so its faults are injected like every other command's."""
    from fleetops.rituals.steps import RITUALS

    columns = {" ".join(cmd.args[:2]) for cmd in COMMANDS.values()}
    assert {ritual.command for ritual in RITUALS.values()} <= columns
