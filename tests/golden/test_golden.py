"""Every command's whole output (stderr and --json stdout) on the sandbox worlds, byte for byte.

The cases and what is normalised are in capture.py. After an intended change of output:
    FLEETOPS_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/golden
and review the diff of tests/golden/cases/.
"""

from __future__ import annotations

import os

import pytest

from tests.golden.capture import CASES, CASES_DIR, run_case


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_output_is_unchanged(case, tmp_path):
    got = run_case(case, tmp_path / "state")
    path = CASES_DIR / f"{case.name}.txt"
    if os.environ.get("FLEETOPS_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
    assert path.exists(), f"no golden file {path}: run with FLEETOPS_UPDATE_GOLDEN=1 to create it"
    assert got == path.read_text()
