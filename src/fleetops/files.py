"""Writing a file at a path a user gave, as a careful tool does (SPEC §1: never destroy what is not a file).

`-` is standard output. A symbolic link is followed: its target is written, not the link replaced.
Only an absent path or a regular file is written, by an atomic replace (a temporary file beside
it, renamed over it, the old file's permissions kept); anything else (a device, a FIFO, a socket,
a directory) is refused with exit 2 before anything is read or written.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from fleetops.errors import UsageError

STDOUT = "-"

_KINDS = {
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def folder_problem(folder: Path) -> str | None:
    """Why fleetops cannot write in `folder`, created if need be (None when it can): a probe file, written and removed."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as err:
        return err.strerror or type(err).__name__
    return None


def is_stdout(path: Path | str) -> bool:
    return str(path) == STDOUT


def target_of(path: Path, option: str) -> Path:
    """Where writing `path` will land (a symlink's target); exit 2 when that is not absent or a regular file.

    Called before a command's first read, so that a bad path costs nothing; `write_file` checks again.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise UsageError(
                f"{option} {path}: its folder {target.parent} does not exist.",
                hint="Create the folder, or give another path (- for standard output); nothing was written.",
            ) from None
        return target
    except OSError as err:
        raise UsageError(f"{option} {path} cannot be written ({err.strerror or err}); nothing was written.") from None
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise UsageError(
            f"{option} {path} is {kind}, not a regular file: fleetops only writes regular files.",
            hint="Give the path of a file to create or replace, or - for standard output; nothing was written.",
        )
    return target


def write_file(path: Path, data: bytes, option: str) -> str:
    """Write `data` at the user's `path` (`-`: standard output); returns where it went, for messages."""
    if is_stdout(path):
        out = sys.stdout
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            buffer.write(data)
        else:  # a text-only stream (tests): the bytes are UTF-8 text
            out.write(data.decode("utf-8"))
        out.flush()
        return "standard output"
    target = target_of(path, option)
    try:
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else None
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            if mode is not None:
                os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise UsageError(f"{option} {path} cannot be written ({err.strerror or err}); nothing was written.") from None
    return str(path)
