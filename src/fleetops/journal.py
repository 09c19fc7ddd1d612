"""The journal: one JSON line per applied step in FLEETOPS_STATE_DIR/journal.jsonl (SPEC §2).

It is the audit log of what fleetops changed, by whom and with which command; it never holds a
secret (every field is redacted before it is written).
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

    def __init__(self, path: Path, *, command: str, sandbox: bool = False) -> None:
        self.path = path
        self.command = command
        self.sandbox = sandbox

    def record(self, step: str, status: str, detail: str, **extra: Any) -> None:
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "user": current_user(),
            "command": self.command,
            "step": step,
            "status": status,
            "detail": detail,
        }
        if self.sandbox:
            entry["sandbox"] = True
        entry.update(extra)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(redact_obj(entry)) + "\n")

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
