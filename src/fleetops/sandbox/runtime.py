"""How `--sandbox` finds its world: a running `fleetops sandbox serve`, else one started in-process.

The world lives in `<state dir>/sandbox/state.json` and survives between commands until
`fleetops sandbox reset`. A `sandbox serve` process records its URL in `server.json`, and
commands run with `--sandbox` use it while it answers, so that two processes never write the
same state file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleetops.errors import FleetopsError, UsageError


def sandbox_dir(state_dir: Path) -> Path:
    return state_dir / "sandbox"


def load_state(state_dir: Path, *, world: str = "default") -> dict[str, Any]:
    """The persisted world, seeded from `world` on first use."""
    from fleetops.sandbox.world import build_world

    path = sandbox_dir(state_dir) / "state.json"
    if path.exists():
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise UsageError(
                f"the sandbox state {path} is not valid JSON ({err}).",
                hint="Run `fleetops sandbox reset` to start from a fresh world.",
            ) from err
    state = build_world(world)
    save_state(state_dir, state)
    return state


def save_state(state_dir: Path, state: dict[str, Any]) -> Path:
    folder = sandbox_dir(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "state.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
    tmp.replace(path)
    return path


@dataclass
class SandboxHandle:
    """A sandbox to talk to: its URL, its tokens, and how to let go of it."""

    url: str
    tokens: dict[str, str]
    server: Any = None  # the in-process SandboxServer, when we started one

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def _running_server(state_dir: Path) -> dict[str, Any] | None:
    info_path = sandbox_dir(state_dir) / "server.json"
    if not info_path.exists():
        return None
    try:
        info = json.loads(info_path.read_text())
        import httpx

        httpx.get(f"{info['url']}/_sandbox/health", timeout=1.0).raise_for_status()
        return info
    except Exception:  # a stale file from a server that is gone
        return None


def attach(state_dir: Path, *, latency: float = 0.0) -> SandboxHandle:
    """Use the running `sandbox serve` if there is one, else start a server in this process."""
    info = _running_server(state_dir)
    if info is not None:
        return SandboxHandle(url=info["url"], tokens=info["tokens"])
    server = make_server(state_dir, latency=latency).start()
    return SandboxHandle(url=server.url, tokens=server.tokens, server=server)


def make_server(state_dir: Path, *, port: int = 0, latency: float = 0.0) -> Any:
    """A SandboxServer (not started) on the persisted world, saving changes and logging requests there."""
    from fleetops.sandbox.server import SandboxServer

    folder = sandbox_dir(state_dir)
    return SandboxServer(
        load_state(state_dir),
        state_file=folder / "state.json",
        latency=latency,
        port=port,
        request_log_file=folder / "requests.jsonl",
    )


def write_server_info(state_dir: Path, url: str, tokens: dict[str, str]) -> Path:
    path = sandbox_dir(state_dir) / "server.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": url, "pid": os.getpid(), "tokens": tokens}))
    return path


REQUEST_FIELDS = ("seq", "service", "method", "path", "status", "write")


def read_request_log(state_dir: Path) -> tuple[list[dict[str, Any]], list[int]]:
    """The sandbox's request log: the readable entries, and the numbers of the lines skipped.

    The log is a diagnostic written one line per request; a line cut short by an interrupted
    write, or edited by hand, is skipped (the caller warns) rather than hiding every other line.
    """
    path = sandbox_dir(state_dir) / "requests.jsonl"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], []
    except OSError as err:
        raise FleetopsError(f"cannot read the sandbox's request log {path}: {err.strerror or err}.") from None
    entries: list[dict[str, Any]] = []
    skipped: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if isinstance(entry, dict) and all(key in entry for key in REQUEST_FIELDS):
            entries.append(entry)
        else:
            skipped.append(number)
    return entries, skipped
