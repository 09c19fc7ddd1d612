"""Shared fixtures: a sandbox server per test (real sockets), the CLI runner, the clock, the real-data paths."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import CliResult, openapi_validator, run_cli

# The real contracts and files the tests read travel with the code (tests/data/SOURCES.md says
# where each comes from): a clone in any directory runs every test.
DATA = Path(__file__).resolve().parent / "data"
FLEET = DATA / "fleet"

# Every variable fleetops reads: tests start from none of them, whatever the developer exported.
FLEETOPS_ENV = (
    "GH_TOKEN", "GITHUB_TOKEN", "GITHUB_API_URL", "FLEETOPS_REPO", "MERGEFREEZE_TOKEN",
    "FLEETOPS_MERGEFREEZE_URL", "ZENHUB_TOKEN", "FLEETOPS_ZENHUB_URL", "FLEETOPS_DOCKERHUB_URL",
    "FLEETOPS_GODEV_URL", "SLACK_WEBHOOK_URL", "FLEETOPS_DOGFOOD_URL", "FLEETOPS_DOGFOOD_TOKEN",
    "FLEETOPS_NVD_FEED_URL", "FLEETOPS_CISA_FEED_URL", "FLEETOPS_RITUALS", "FLEETOPS_RELEASE_DRI",
    "FLEETOPS_ONCALL", "FLEETOPS_STATE_DIR", "FLEETOPS_SANDBOX", "FLEETOPS_DEBUG", "CI",
    "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR", "FORCE_COLOR", "COLUMNS", "TERM",
)


# --- the clock ----------------------------------------------------------------------------------------------
# FLEETOPS_TEST_NOW=2026-11-03T18:30:00Z moves the whole test process (and every xdist worker, which
# inherits the variable) to that instant, ticking, with time-machine: datetime.now, time.time and
# everything built on them. A test whose outcome depends on the date must not notice: it sets the
# date it needs with the `clock` fixture. tools/clock_sweep.py runs the suite at many such instants.
TEST_NOW_VAR = "FLEETOPS_TEST_NOW"


def moved_now() -> datetime | None:
    """The instant FLEETOPS_TEST_NOW asks for (an ISO 8601 time with its offset), or None."""
    value = os.environ.get(TEST_NOW_VAR, "").strip()
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise pytest.UsageError(f"{TEST_NOW_VAR}={value!r} is not an ISO 8601 time (e.g. 2026-11-03T18:30:00Z)") from None
    if when.tzinfo is None:
        raise pytest.UsageError(f"{TEST_NOW_VAR}={value!r} needs an offset (Z or +hh:mm)")
    return when


def pytest_configure(config: pytest.Config) -> None:
    when = moved_now()
    if when is not None:
        import time_machine

        travel = time_machine.travel(when, tick=True)
        travel.start()
        config.stash[_TRAVEL] = travel


def pytest_unconfigure(config: pytest.Config) -> None:
    travel = config.stash.get(_TRAVEL, None)
    if travel is not None:
        travel.stop()


_TRAVEL = pytest.StashKey[Any]()

# The instant the `clock` fixture starts at unless a test sets another: a Wednesday 10:00 in Los
# Angeles, in the sandbox default world's freeze week when the world is built at this instant.
CLOCK_START = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


@dataclass
class Clock:
    """The one clock of a test: App.now, the sandbox's worlds and the sandbox's own stamps read it."""

    now: datetime = CLOCK_START

    def set(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self.now = when.astimezone(UTC)
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Pin the date for a test: `clock.set(...)` before building a world, or `clock.advance(...)`.

    It replaces App.now (the application's clock seam), the sandbox's clock (the stamps it puts on
    what it creates) and the default `now` of the sandbox's worlds, those built by `make_sandbox`
    and those that `--sandbox` builds itself, so that the app and its world agree on the instant.
    """
    import fleetops.sandbox.world as worlds
    from fleetops.app import App
    from fleetops.sandbox.server import Context

    pinned = Clock()
    original_build = worlds.build_world

    def build_world(name: str = "default", now: datetime | None = None, **overrides: Any) -> Any:
        return original_build(name, now or pinned.now, **overrides)

    monkeypatch.setattr(App, "now", lambda self: pinned.now)
    monkeypatch.setattr(Context, "now", lambda self: pinned.now)
    monkeypatch.setattr(worlds, "build_world", build_world)
    return pinned


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No inherited configuration; a private state dir; fast retries; a fixed 100-column width."""
    for name in FLEETOPS_ENV:
        monkeypatch.delenv(name, raising=False)
    state = tmp_path / "state"
    monkeypatch.setenv("FLEETOPS_STATE_DIR", str(state))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    return state


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`--debug` configures the process's root logger; undo it so that it does not leak into later tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(autouse=True)
def no_waiting(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Against local servers, the pauses between GitHub writes and the retry backoff only slow the suite.

    Tests that check the real timing opt out with @pytest.mark.real_timing.
    """
    if request.node.get_closest_marker("real_timing"):
        return
    from fleetops.settings import Settings

    original = Settings.from_env.__func__  # type: ignore[attr-defined]

    def from_env(cls, env=None, **overrides):  # noqa: ANN001, ANN202
        return original(cls, env, **{"github_write_interval": 0.0, "github_mutation_interval": 0.0, "retry_backoff": 0.0, **overrides})

    monkeypatch.setattr(Settings, "from_env", classmethod(from_env))


@pytest.fixture(scope="session")
def github_schema_validator() -> Any:
    return openapi_validator(DATA / "github-openapi-subset.json.gz")


@pytest.fixture(scope="session")
def github_graphql_schema() -> Any:
    """GitHub's full public GraphQL schema (tests/data, 1.2 MB), built once per session.

    It repeats two fields of `EnterpriseOwnerInfo`, which graphql-core rejects unless the SDL is
    assumed valid.
    """
    import gzip

    from graphql import build_schema

    with gzip.open(DATA / "apis" / "github-graphql-schema.graphql.gz", "rt", encoding="utf-8") as fh:
        return build_schema(fh.read(), assume_valid_sdl=True)


@pytest.fixture
def make_sandbox(github_schema_validator: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Start sandbox servers on 127.0.0.1 for this test; every GitHub response must match the spec.

    With the `clock` fixture, a world is built at the clock's instant unless `now=` says otherwise.
    """
    import fleetops.sandbox.world as worlds
    from fleetops.sandbox.server import SandboxServer

    servers: list[SandboxServer] = []

    def start(world: str = "default", *, state: dict[str, Any] | None = None, latency: float = 0.0, **overrides: Any) -> SandboxServer:
        if state is None and "now" not in overrides and "clock" in request.fixturenames:
            overrides["now"] = request.getfixturevalue("clock").now
        server = SandboxServer(state or worlds.build_world(world, **overrides), latency=latency, validator=github_schema_validator)
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()
    problems = [v for server in servers for v in server.violations]
    assert not problems, "sandbox responses that break GitHub's OpenAPI description:\n" + "\n".join(problems[:10])


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Any]) -> Any:
    """The default (release-day) world."""
    return make_sandbox()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run fleetops in-process: cli("freeze", "status", env=server.env(), input="y\\n")."""

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None, tty: bool = False) -> CliResult:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        return run_cli(list(args), input=input, tty=tty)

    return invoke


def pytest_report_header(config: pytest.Config) -> list[str]:
    when = moved_now()
    return [f"clock: {'moved to ' + when.isoformat() + ' (' + TEST_NOW_VAR + '), ticking' if when else 'the real time'}"]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    """Shown even with -q: a run at a moved clock must say so."""
    when = moved_now()
    if when is not None:
        terminalreporter.write_line(f"clock moved to {when.isoformat()} ({TEST_NOW_VAR})", yellow=True)
