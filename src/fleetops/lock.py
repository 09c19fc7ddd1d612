"""One run per ritual at a time: a lock file per (command, repository, subject) in FLEETOPS_STATE_DIR.

The commands that write to one release (`RELEASE_WRITERS`: cut-rc, create-qa-issue,
conclude-milestone) share one lock per (repository, release): cut-rc and create-qa-issue both
create the Release QA issue, and two of them at once could each find none and open one.

The operating system's lock (`filelock`: `flock` on Unix) decides who holds it, so a process that
dies, even by SIGKILL, lets go of it at once. Beside the lock, a JSON file says who holds it (pid,
host, since, command) for the message the loser prints; a holder that ended without removing it
left a stale record, which the next run takes over and says so. It protects runs that share one
state dir (one machine, one CI runner); runs on two machines are kept apart by the re-read before
each write instead (docs/reliability.md).
"""

from __future__ import annotations

import json
import os
import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fleetops.errors import FleetopsError, UsageError
from fleetops.files import folder_problem


# Commands that write to one release (its QA issue, branch, milestone): one lock per (repository, release).
RELEASE_WRITERS = frozenset({"release cut-rc", "release create-qa-issue", "release conclude-milestone"})


class LockHeld(FleetopsError):
    """Another run of the same ritual holds the lock (exit 1: try again when it has finished)."""


def require_writable(state_dir: Path) -> None:
    """Refuse (exit 2, nothing written anywhere) a state dir where the journal and locks cannot go."""
    problem = folder_problem(state_dir)  # checked before the first write
    if problem is not None:
        raise UsageError(
            f"FLEETOPS_STATE_DIR {state_dir} is not a writable directory ({problem}): the journal and the run lock go there.",
            hint="Set FLEETOPS_STATE_DIR to a directory fleetops can write, then re-run; nothing was changed.",
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


@dataclass
class RunLock:
    """The lock of one ritual run; `acquire()` it before the plan's first read, `release()` at the end."""

    state_dir: Path
    command: str  # e.g. "release conclude-milestone"
    repo: str
    subject: str = ""  # e.g. the version; "" when the command has none

    @property
    def name(self) -> str:
        parts = ["release" if self.command in RELEASE_WRITERS else self.command, self.repo, self.subject]
        return re.sub(r"[^A-Za-z0-9.]+", "-", " ".join(p for p in parts if p)).strip("-")

    @property
    def path(self) -> Path:
        return self.state_dir / "locks" / f"{self.name}.lock"

    @property
    def info_path(self) -> Path:
        return self.path.with_suffix(".json")

    def _what(self, command: str | None = None) -> str:
        """"conclude-milestone 4.58.0": the holder's command (another command of the release's lock), else this one."""
        command = command if isinstance(command, str) and command else self.command
        return " ".join(p for p in (command.removeprefix("release ").removeprefix("freeze "), self.subject) if p)

    def holder(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.info_path.read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def acquire(self) -> str | None:
        """Take the lock or raise LockHeld; returns a notice when a dead run's lock was taken over."""
        from filelock import FileLock, Timeout

        require_writable(self.state_dir)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(self.path, timeout=0, thread_local=False)
        try:
            self._lock.acquire()
        except Timeout:
            held = self.holder() or {}
            raise LockHeld(
                f"another run of {self._what(held.get('command'))} holds the lock since {held.get('since', '?')} "
                f"(pid {held.get('pid', '?')}, host {held.get('host', '?')}).",
                hint=f"Wait for it to finish, then re-run (lock: {self.path}).",
            ) from None
        notice = None
        stale = self.holder()
        if stale is not None:
            pid, host = stale.get("pid"), stale.get("host")
            gone = "no longer running" if host == socket.gethostname() and isinstance(pid, int) and not _alive(pid) else "ended without releasing it"
            notice = f"took over the lock of {self._what(stale.get('command'))} left by pid {pid} on host {host} since {stale.get('since')} ({gone})."
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": self.command,
            "repo": self.repo,
            "subject": self.subject,
        }
        tmp = self.info_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(info))
        tmp.replace(self.info_path)
        return notice

    def release(self) -> None:
        lock = getattr(self, "_lock", None)
        if lock is None or not lock.is_locked:
            return
        try:
            self.info_path.unlink(missing_ok=True)
        finally:
            lock.release()
