"""The journal: one JSON line per applied step in FLEETOPS_STATE_DIR/journal.jsonl (SPEC §2).

It is the audit log of what fleetops changed, by whom and with which command; it never holds a
secret (every field is redacted before it is written). It is also the record of attempts at writes
that cannot be read back (status `attempted`, written before the write): `unconfirmed` finds the
last one that no `done` (or a failure that certainly sent nothing, `"sent": false`) followed.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fleetops.redaction import redact_obj


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


class Journal:
    """Appends entries to a JSONL file, creating its folder on first write."""

    def __init__(self, path: Path, *, command: str, sandbox: bool = False, subject: str | None = None) -> None:
        self.path = path
        self.command = command
        self.sandbox = sandbox
        self.subject = subject  # what the run is about (a version, a branch), when the command has one

    def record(self, step: str, status: str, detail: str, **extra: Any) -> None:
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "user": current_user(),
            "command": self.command,
            "step": step,
            "status": status,
            "detail": detail,
        }
        if self.subject:
            entry["subject"] = self.subject
        if self.sandbox:
            entry["sandbox"] = True
        entry.update(extra)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(redact_obj(entry)) + "\n")

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:  # a line cut short by a crash: the others still count
                continue
        return out

    def unconfirmed(self, step: str) -> str | None:
        """The time of this command's (and subject's) last attempt at `step` if nothing confirmed it."""
        try:
            entries = self.entries()
        except OSError:
            return None
        last = None
        for entry in entries:
            if entry.get("command") != self.command or entry.get("step") != step or entry.get("subject") != self.subject:
                continue
            if bool(entry.get("sandbox")) != self.sandbox:
                continue
            last = entry
        if last is None:
            return None
        if last.get("status") == "attempted" or (last.get("status") == "failed" and last.get("sent") is not False):
            return str(last.get("time"))
        return None
