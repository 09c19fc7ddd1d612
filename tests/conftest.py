"""Shared fixtures: a sandbox server per test (real sockets), the CLI runner, the real-data paths."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import CliResult, openapi_validator, run_cli

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FLEETOPS_SHARED_DIR", REPO_ROOT.parent / "shared"))
FIXTURES = SHARED / "fixtures" / "fleet"
DATA = Path(__file__).resolve().parent / "data"  # copies of real contracts (tests/data/SOURCES.md)

# Every variable fleetops reads: tests start from none of them, whatever the developer exported.
FLEETOPS_ENV = (
    "GH_TOKEN", "GITHUB_TOKEN", "GITHUB_API_URL", "FLEETOPS_REPO", "MERGEFREEZE_TOKEN",
    "FLEETOPS_MERGEFREEZE_URL", "ZENHUB_TOKEN", "FLEETOPS_ZENHUB_URL", "FLEETOPS_DOCKERHUB_URL",
    "FLEETOPS_GODEV_URL", "SLACK_WEBHOOK_URL", "FLEETOPS_DOGFOOD_URL", "FLEETOPS_DOGFOOD_TOKEN",
    "FLEETOPS_NVD_FEED_URL", "FLEETOPS_CISA_FEED_URL", "FLEETOPS_RITUALS", "FLEETOPS_RELEASE_DRI",
    "FLEETOPS_ONCALL", "FLEETOPS_STATE_DIR", "FLEETOPS_SANDBOX", "FLEETOPS_DEBUG", "CI",
    "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR", "FORCE_COLOR", "COLUMNS", "TERM",
)


def fixtures_dir() -> Path:
    """The real fleetdm/fleet files; tests that need them skip, with the reason, when absent."""
    if not FIXTURES.is_dir():
        pytest.skip(f"real fleetdm/fleet fixtures not found at {FIXTURES} (set FLEETOPS_SHARED_DIR)")
    return FIXTURES


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
    """Against local servers, the 1 s between GitHub writes and the retry backoff only slow the suite.

    Tests that check the real timing opt out with @pytest.mark.real_timing.
    """
    if request.node.get_closest_marker("real_timing"):
        return
    from fleetops.settings import Settings

    original = Settings.from_env.__func__  # type: ignore[attr-defined]

    def from_env(cls, env=None, **overrides):  # noqa: ANN001, ANN202
        return original(cls, env, **{"github_write_interval": 0.0, "retry_backoff": 0.0, **overrides})

    monkeypatch.setattr(Settings, "from_env", classmethod(from_env))


@pytest.fixture(scope="session")
def github_schema_validator() -> Any:
    return openapi_validator(SHARED / "apis" / "github-openapi-subset.json")


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
def make_sandbox(github_schema_validator: Any) -> Iterator[Callable[..., Any]]:
    """Start sandbox servers on 127.0.0.1 for this test; every GitHub response must match the spec."""
    from fleetops.sandbox.server import SandboxServer
    from fleetops.sandbox.world import build_world

    servers: list[SandboxServer] = []

    def start(world: str = "default", *, state: dict[str, Any] | None = None, latency: float = 0.0, **overrides: Any) -> SandboxServer:
        server = SandboxServer(state or build_world(world, **overrides), latency=latency, validator=github_schema_validator)
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
    """Say up front whether the real contracts and fixtures are in reach (else those checks skip)."""
    spec = SHARED / "apis" / "github-openapi-subset.json"
    return [
        f"GitHub OpenAPI validation of sandbox responses: {'on' if spec.is_file() else 'OFF, not found'} ({spec})",
        f"real fleetdm/fleet fixtures: {'found' if FIXTURES.is_dir() else 'NOT FOUND, tests that read them skip'} ({FIXTURES})",
    ]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    """Shown even with -q: a run without the real contracts must not look like a full run."""
    for line in pytest_report_header(config):
        if "OFF" in line or "NOT FOUND" in line:
            terminalreporter.write_line(line, yellow=True)
