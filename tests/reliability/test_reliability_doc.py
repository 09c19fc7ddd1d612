"""docs/reliability.md's fault matrix is complete, and every test it names exists (issue 9, item 7)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

from tests.reliability import test_fault_matrix as matrix

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
NODE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[([^\]]+)\])?`")


def table() -> tuple[list[str], dict[str, list[str]]]:
    """The matrix's columns and its rows (first cell → the other cells)."""
    text = DOC.read_text()
    lines = text[text.index("## The fault matrix"):].splitlines()
    rows = [line for line in lines if line.startswith("|")]
    split = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in rows]
    header, body = split[0], split[2:]
    return [c.strip("`") for c in header[1:]], {r[0]: r[1:] for r in body}


def param_ids(function: Any) -> set[str]:
    """The ids pytest gives a test's parametrizations (one parametrize mark, as these tests use)."""
    ids: set[str] = set()
    for mark in getattr(function, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        given = mark.kwargs.get("ids")
        for i, value in enumerate(mark.args[1]):
            if hasattr(value, "id") and hasattr(value, "values"):
                ids.add(value.id or "-".join(map(str, value.values)))
            elif given:
                ids.add(given[i])
            elif isinstance(value, tuple):
                ids.add("-".join(map(str, value)))
            else:
                ids.add(str(value))
    return ids


def exists(path: str, name: str, param: str | None) -> bool:
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    function = getattr(module, name, None)
    if function is None:
        return False
    return param is None or param in param_ids(function)


def test_every_fault_and_every_acting_command_has_a_cell():
    columns, rows = table()
    assert columns == list(matrix.COMMANDS)
    assert list(rows) == list(matrix.ROWS)
    for row, cells in rows.items():
        assert len(cells) == len(columns), row
        for command, cell in zip(columns, cells, strict=True):
            reason = matrix.na(row, command)
            if reason is not None:
                assert cell == f"n/a: {reason}", (row, command)
                continue
            # the cell names its own matrix test, and only tests that exist
            assert f"test_cell[{matrix.cell_id(row, command)}]" in cell, (row, command)
            named = NODE.findall(cell)
            assert named, (row, command)
            for path, name, param in named:
                assert exists(path, name, param or None), f"{row} / {command}: {path}::{name}[{param}] does not exist"


def test_the_checker_notices_a_missing_test():
    """The existence check can fail: a name or a parameter that is not there is caught."""
    assert exists("tests/reliability/test_fault_matrix.py", "test_cell", "timeout:freeze-end")
    assert not exists("tests/reliability/test_fault_matrix.py", "test_cell", "timeout:freeze-middle")
    assert not exists("tests/reliability/test_lock.py", "test_that_was_never_written", None)
    assert exists("tests/reliability/test_at_most_once.py", "test_on_a_terminal_the_question_is_asked_and_only_yes_resends", "y-2")


def test_every_test_named_for_the_faults_of_input_exists():
    """The table of faults of input and of the machine (issue 20) names tests that exist, one row per fault."""
    text = DOC.read_text()
    section = text[text.index("## Faults of input and of the machine"):text.index("## Exit codes after a fault")]
    rows = {line.strip("|").split(" | ")[0].strip(): line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| fault")}
    assert list(rows) == ["secrets in malformed values", "files at user-given paths", "corrupt sandbox world", "interrupted runs"]
    for fault, line in rows.items():
        named = NODE.findall(line)
        assert named, fault
        for path, name, param in named:
            assert exists(path, name, param or None), f"{fault}: {path}::{name} does not exist"
