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


# The shape every world has, two levels deep: a section of the wrong type (a hand edit, a world of
# another version) is refused when the world is loaded, not met later as a server error.
WORLD_SHAPE: dict[str, tuple[type, dict[str, type]]] = {
    "world": (str, {}),
    "tokens": (dict, {"github": str, "mergefreeze": str, "zenhub": str, "slack": str, "dogfood": str}),
    "github": (dict, {"users": dict, "tokens": dict, "next_id": int, "repos": dict}),
    "mergefreeze": (dict, {"branches": dict}),
    "zenhub": (dict, {"repos": dict, "workspaces": dict, "issues": dict}),
    "dockerhub": (dict, {"repositories": dict}),
    "dogfood": (dict, {"version": str}),
    "godev": (dict, {"releases": list}),
    "feeds": (dict, {"nvd": dict, "cisa": dict}),
    "slack": (dict, {"messages": list}),
}
RESET_HINT = "Run `fleetops sandbox reset` to start from a fresh world (add --world NAME for another one)."


def world_problem(state: object) -> str | None:
    """What is wrong with a loaded world's shape (None when nothing is)."""
    if not isinstance(state, dict):
        return f"it holds a JSON {type(state).__name__}, not an object"
    for key, (kind, fields) in WORLD_SHAPE.items():
        section = state.get(key)
        if not isinstance(section, kind):
            return f"its {key!r} section is {'missing' if section is None else 'a ' + type(section).__name__}, not a {kind.__name__}"
        for name, inner in fields.items():
            value = section.get(name)
            if not isinstance(value, inner) or (inner is int and isinstance(value, bool)):
                return f"{key}.{name} is {'missing' if value is None else 'a ' + type(value).__name__}, not a {inner.__name__}"
    return None


def ensure_sandbox_dir(state_dir: Path) -> Path:
    """The sandbox's folder, created; exit 2 naming FLEETOPS_STATE_DIR when it cannot be written."""
    from fleetops.files import folder_problem

    folder = sandbox_dir(state_dir)
    problem = folder_problem(folder)
    if problem is not None:
        raise UsageError(
            f"FLEETOPS_STATE_DIR {state_dir} is not a writable directory ({problem}): the sandbox's world goes to {folder}.",
            hint="Set FLEETOPS_STATE_DIR to a directory fleetops can write (or remove what is in the way), then re-run; nothing was changed.",
        )
    return folder


def load_state(state_dir: Path, *, world: str = "default") -> dict[str, Any]:
    """The persisted world, seeded from `world` on first use; a corrupt one is exit 2 saying to reset."""
    from fleetops.sandbox.world import build_world

    path = ensure_sandbox_dir(state_dir) / "state.json"
    if path.exists() or path.is_symlink():
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            problem = world_problem(state)
        except json.JSONDecodeError as err:
            problem = f"it is not valid JSON ({err})"
        except UnicodeDecodeError:
            problem = "it is not UTF-8 text"
        except OSError as err:
            problem = f"it cannot be read ({err.strerror or type(err).__name__})"
        if problem is not None:
            raise UsageError(f"the sandbox world {path} is damaged: {problem}.", hint=RESET_HINT)
        return state
    state = build_world(world, **world_options(state_dir, world))
    save_state(state_dir, state)
    return state


def world_options(state_dir: Path, world: str) -> dict[str, Any]:
    """What a world needs from the state dir: the release world's real git repositories go under `sandbox/git`
    (any earlier ones there are the sandbox's own and are removed first)."""
    import shutil
    from datetime import UTC, datetime

    from fleetops.sandbox.world import WORLDS

    if not WORLDS[world](datetime.now(UTC)).release:
        return {}

    folder = sandbox_dir(state_dir) / "git"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UsageError(f"{folder} is not a directory fleetops made: it will not remove it.", hint="Move it away, then reset the sandbox.")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return {"git_dir": str(folder)}


def git_url(state: dict[str, Any], repo: str) -> str | None:
    """The `file://` URL of a sandbox repository backed by real git, or None."""
    git_dir = ((state.get("github") or {}).get("repos", {}).get(repo) or {}).get("git_dir")
    return Path(git_dir).as_uri() if git_dir else None


def save_state(state_dir: Path, state: dict[str, Any]) -> Path:
    """A reset's world into the state dir; it replaces a damaged world, even a folder in place of state.json."""
    from fleetops.sandbox.server import unwritable_state, write_state

    path = ensure_sandbox_dir(state_dir) / "state.json"
    if path.is_dir() and not path.is_symlink():
        import shutil

        try:
            shutil.rmtree(path)
        except OSError as err:
            raise unwritable_state(path, err) from None
    write_state(path, state)
    return path


@dataclass
class SandboxHandle:
    """A sandbox to talk to: its URL, its tokens, and how to let go of it."""

    url: str
    tokens: dict[str, str]
    server: Any = None  # the in-process SandboxServer, when we started one
    world: str = "default"  # the world's name and the process it rehearses (`process` of a rituals file)
    process: str = "merge-freeze"

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

        health = httpx.get(f"{info['url']}/_sandbox/health", timeout=1.0)
        health.raise_for_status()
        return {**info, **health.json()}
    except Exception:  # a stale file from a server that is gone
        return None


def attach(state_dir: Path, *, latency: float = 0.0) -> SandboxHandle:
    """Use the running `sandbox serve` if there is one, else start a server in this process."""
    from fleetops.sandbox.world import world_process

    info = _running_server(state_dir)
    if info is not None:
        return SandboxHandle(url=info["url"], tokens=info["tokens"], world=str(info.get("world")), process=str(info.get("process", "merge-freeze")))
    server = make_server(state_dir, latency=latency).start()
    return SandboxHandle(url=server.url, tokens=server.tokens, server=server, world=str(server.state.get("world")), process=world_process(server.state))


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


def clone(state_dir: Path, repo: str, target: Path) -> str:
    """`git clone` the sandbox's real repository into `target` (a new or empty directory); returns the URL."""
    import subprocess

    url = git_url(load_state(state_dir), repo)
    if url is None:
        raise UsageError(f"the sandbox's {repo} is not a git repository in this world.",
                         hint="Reset to the release world first: fleetops sandbox reset --world release")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} exists and is not an empty directory: nothing was written.", hint="Give a new directory.")
    done = subprocess.run(["git", "clone", "--quiet", url, str(target)], capture_output=True, text=True, check=False)  # noqa: S603, S607
    if done.returncode != 0:
        raise FleetopsError(f"git clone failed: {done.stderr.strip()}")
    return url


def merge_pull(state_dir: Path, repo: str, number: int) -> dict[str, Any]:
    """Merge a sandbox pull request (a person clicking "Squash and merge"), in the running or an in-process server."""
    import httpx

    handle = attach(state_dir)
    try:
        answer = httpx.post(f"{handle.url}/_sandbox/merge-pr", json={"repo": repo, "number": number}, timeout=30)
    finally:
        handle.close()
    if answer.status_code != 200:
        raise UsageError(f"the sandbox could not merge #{number}: {answer.json().get('message', answer.text)}")
    return answer.json()
