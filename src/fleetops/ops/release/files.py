"""Writing the changelog commit's files into the working copy: regular files only, nothing else touched."""

from __future__ import annotations

from pathlib import Path

from fleetops.errors import UsageError


def _inside(root: Path, path: str) -> Path:
    target = root / path
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise UsageError(f"{path} in {root} is not a regular file: fleetops does not write over it.",
                         hint="Make it a regular file on the branch (or fix the rituals file's path), then run again.")
    if root.resolve() not in target.resolve().parents:
        raise UsageError(f"{path} is outside the working copy {root}.", hint="Fix the path in the rituals file (releasing).")
    return target


def write_files(root: Path, written: dict[str, str], removed: list[str]) -> None:
    """Write each text and delete each removed file; every path is checked before the first write."""
    targets = {path: _inside(root, path) for path in [*written, *removed]}
    for path, text in written.items():
        targets[path].write_text(text, encoding="utf-8", newline="")
    for path in removed:
        if targets[path].exists():
            targets[path].unlink()
