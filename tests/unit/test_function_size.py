"""Rituals are cut into step-sized functions: none in src/fleetops/ops/ is longer than 60 lines (issue 10), no module\nthere longer than 400 (issue 18)."""

from __future__ import annotations

import ast
from pathlib import Path

import fleetops.ops

OPS = Path(fleetops.ops.__file__).parent
LIMIT = 60
MODULE_LIMIT = 400  # lines of one module in ops/ (issue 18): past it, a ritual's package gets another module


def long_functions(folder: Path, limit: int) -> list[str]:
    """`path:line name (N lines)` for every function or method longer than `limit` lines, decorators excluded."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if length > limit:
                    found.append(f"{path.relative_to(folder.parent)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_in_ops_is_over_60_lines():
    assert long_functions(OPS, LIMIT) == []


def test_the_check_finds_a_long_function(tmp_path):
    """The check itself can fail: a 61-line function is reported, a 60-line one is not."""
    (tmp_path / "ops").mkdir()
    body = "".join(f"    x{i} = {i}\n" for i in range(59))
    (tmp_path / "ops" / "m.py").write_text(f"def fits():\n{body}\n\ndef too_long():\n{body}    y = 0\n")
    assert long_functions(tmp_path / "ops", LIMIT) == ["ops/m.py:63 too_long (61 lines)"]


def long_modules(folder: Path, limit: int) -> list[str]:
    """`path (N lines)` for every module longer than `limit` lines."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        length = len(path.read_text().splitlines())
        if length > limit:
            found.append(f"{path.relative_to(folder.parent)} ({length} lines)")
    return found


def test_no_module_in_ops_is_over_400_lines():
    assert long_modules(OPS, MODULE_LIMIT) == []


def test_the_check_finds_a_long_module(tmp_path):
    """The check itself can fail: a 401-line module is reported, a 400-line one is not."""
    (tmp_path / "ops" / "ritual").mkdir(parents=True)
    (tmp_path / "ops" / "fits.py").write_text("x = 0\n" * 400)
    (tmp_path / "ops" / "ritual" / "long.py").write_text("x = 0\n" * 401)
    assert long_modules(tmp_path / "ops", MODULE_LIMIT) == ["ops/ritual/long.py (401 lines)"]
