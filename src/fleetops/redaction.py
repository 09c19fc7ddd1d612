"""Secret redaction: when a value is a secret, no byte of it leaves the process unmasked.

Every token is registered here when the settings are built; every stream fleetops writes to
(console, JSON, journal, logs, tracebacks) goes through `redact`.
"""

from __future__ import annotations

import re
import threading

MASK = "***"

_lock = threading.Lock()
_secrets: set[str] = set()

# Belt and braces for secrets we were never told about: query-string tokens (Merge Freeze)
# and Authorization headers that end up in a debug line.
_PATTERNS = [
    (re.compile(r"(access_token=)[^&\s'\"]+", re.IGNORECASE), r"\1" + MASK),
    (re.compile(r"(Authorization:?\s*['\"]?(?:Bearer|token)\s+)[^\s'\"]+", re.IGNORECASE), r"\1" + MASK),
    # A Slack incoming webhook's path is its secret, whatever host serves it.
    (re.compile(r"(/services/)T[A-Z0-9]+/B[A-Z0-9]+/[^\s'\"/?]+"), r"\1" + MASK),
    (re.compile(r"(hooks\.slack\.com/services/)[^\s'\"]+"), r"\1" + MASK),
    # A password inside a URL (`http://user:pw@host`), whichever variable or answer it came from.
    (re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@'\"]*:)[^@\s/'\"]+@"), r"\1" + MASK + "@"),
]


_TRAILING = re.compile(r"[ \t]+\n")
# Where Rich folds a long value over lines: blanks, the line break, then the next line's indent and
# any table border before the value goes on.
_FOLD = r"(?:[ \t]*\n[ \t│┃|]*)?"
_folded: dict[str, re.Pattern[str]] = {}
# The characters a fold can insert: without them, a folded secret reads as the secret (likewise
# stripped). Checking that first spares compiling the folded pattern (~18 ms a secret) for text
# that cannot hold it, which is nearly every text.
_FOLD_CHARS = str.maketrans("", "", " \t\n│┃|")


def _may_hold_folded(text: str, secret: str) -> bool:
    return secret.translate(_FOLD_CHARS) in text.translate(_FOLD_CHARS)


def _folded_pattern(secret: str) -> re.Pattern[str]:
    """The secret with a possible fold between any two characters (a table cell wraps it anywhere)."""
    if secret not in _folded:
        _folded[secret] = re.compile(_FOLD.join(re.escape(ch) for ch in secret))
    return _folded[secret]


def _mask_folded(match: re.Match[str]) -> str:
    """The mask on the first line and blanks for the rest, so the table keeps its layout."""
    pieces = match.group(0).split("\n")
    out = [MASK.ljust(len(pieces[0].rstrip()))]
    for piece in pieces[1:]:
        indent = len(piece) - len(piece.lstrip(" \t│┃|"))
        out.append(piece[:indent] + " " * (len(piece) - indent))
    return "\n".join(out)


def register_secret(value: str | None) -> None:
    """Remember a secret value so that `redact` masks it everywhere."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Mask every registered secret and every token-looking query parameter in `text`."""
    if not text:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
        if "\n" in text and len(secret) >= 8 and _may_hold_folded(text, secret):
            text = _folded_pattern(secret).sub(_mask_folded, text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_obj(value: object) -> object:
    """Redact every string inside a JSON-like structure."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_obj(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_obj(v) for v in value]
    return value


class RedactingStream:
    """A text stream proxy that redacts before writing; resolves its target on every write.

    Resolving lazily matters: tests and `typer.testing` swap `sys.stderr` after import.
    """

    def __init__(self, target: str) -> None:
        self._target = target  # "stdout" or "stderr"

    @property
    def _stream(self):  # noqa: ANN202 - a text stream
        import sys

        return getattr(sys, self._target)

    def write(self, text: str) -> int:
        # Rich pads table cells to the column width; trailing blanks only clutter CI logs.
        self._stream.write(_TRAILING.sub("\n", redact(text)))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except (AttributeError, ValueError):
            return False

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8") or "utf-8"
