"""The journal: one JSON line per applied step in FLEETOPS_STATE_DIR/journal.jsonl (SPEC §2).

It is the audit log of what fleetops changed, by whom and with which command; it never holds a
secret (every field is redacted before it is written). A record cut short by a crash is left as it
is and the next one starts on a new line. A run interrupted (Ctrl-C, SIGTERM) records `interrupted`
with the steps it had not recorded; the re-run records each of those it finds already done as
`found` (done, but not applied by that run), so that nothing applied goes unrecorded. It is also the record of attempts at writes
that cannot be read back (status `attempted`, written before the write): `unconfirmed` finds the
last one that no `done` (or a failure that certainly sent nothing, `"sent": false`) followed.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from fleetops.redaction import redact_obj


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


class Journal:
    """Appends entries to a JSONL file, creating its folder on first write."""

    def __init__(
        self, path: Path, *, command: str, sandbox: bool = False, subject: str | None = None, warn: Callable[[str], None] | None = None
    ) -> None:
        self.path = path
        self.command = command
        self.sandbox = sandbox
        self.subject = subject  # what the run is about (a version, a branch), when the command has one
        self.warn = warn  # says once that an earlier record was found cut short
        self._warned = False

    def _line_start(self, fh: IO[bytes]) -> bytes:
        """A line break to write first when the file's last record was cut short (a crash mid-write)."""
        if fh.seek(0, 2) == 0:
            return b""
        fh.seek(-1, 2)
        if fh.read(1) == b"\n":
            return b""
        if not self._warned and self.warn is not None:
            self.warn(f"the last record of the journal {self.path} was cut short (an earlier run ended while writing it); new records start on a new line.")
            self._warned = True
        return b"\n"

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
        line = (json.dumps(redact_obj(entry)) + "\n").encode("utf-8")
        with self.path.open("a+b") as fh:
            fh.write(self._line_start(fh) + line)  # appended at the end, whatever the position read

    def _mine(self, entry: dict[str, Any]) -> bool:
        return (
            entry.get("command") == self.command
            and entry.get("subject") == self.subject
            and bool(entry.get("sandbox")) == self.sandbox
        )

    def past(self) -> Past:
        """This command's (and subject's) entries, read and parsed once for what a run asks before it writes."""
        try:
            return Past([e for e in self.entries() if self._mine(e)])
        except OSError:  # unreadable: no earlier run to finish or confirm
            return Past([])

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:  # a line cut short by a crash: the others still count
                continue
        return out



@dataclass(frozen=True)
class Past:
    """One command's (and subject's) journal entries, oldest first (Journal.past)."""

    entries: list[dict[str, Any]]

    def unfinished(self) -> list[str]:
        """The steps an interrupted last run of this command (and subject) left unrecorded; else none."""
        if not self.entries or self.entries[-1].get("status") != "interrupted":
            return []
        return [str(step) for step in self.entries[-1].get("unfinished", [])]

    def unconfirmed(self, step: str) -> str | None:
        """The time of the last attempt at `step` if nothing confirmed it (an `interrupted` record names
        the first step it left, which may be this attempt's: it confirms nothing)."""
        last = next((e for e in reversed(self.entries) if e.get("step") == step and e.get("status") != "interrupted"), None)
        if last is None:
            return None
        if last.get("status") == "attempted" or (last.get("status") == "failed" and last.get("sent") is not False):
            return str(last.get("time"))
        return None
