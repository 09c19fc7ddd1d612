"""Fixtures of the reliability tests: a pinned clock, the released world, and fleetops as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_conclude import NOW, released

SRC = Path(__file__).resolve().parents[2] / "src"


def flat(text: str) -> str:
    """Rich wraps long lines at the terminal's width: compare messages with their spaces joined."""
    return " ".join(text.split())


@pytest.fixture(autouse=True)
def release_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """The day after 4.58.0 shipped, as the released world says (markers carry this time)."""
    from fleetops.app import App

    monkeypatch.setattr(App, "now", lambda self: NOW)


@pytest.fixture
def world(make_sandbox: Callable[..., Any]) -> Callable[..., Any]:
    """The released world (conclude-milestone's), with the clock above."""
    return lambda **overrides: released(make_sandbox, **overrides)


def real_now() -> datetime:
    """The time a child process sees: FLEETOPS_TEST_NOW moves this process's clock, not a child's."""
    env = {k: v for k, v in os.environ.items() if k != "FLEETOPS_TEST_NOW"}
    out = subprocess.run([sys.executable, "-c", "import time; print(time.time())"], env=env, capture_output=True, text=True, check=True)
    return datetime.fromtimestamp(int(float(out.stdout)), UTC)


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start `python -m fleetops ARGS` as a real process on the test's environment; killed at the end."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
        full = {k: v for k, v in {**os.environ, **env, "PYTHONPATH": str(SRC), "CI": "true", "COLUMNS": "400"}.items() if k != "FLEETOPS_TEST_NOW"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "fleetops", *args], env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)
