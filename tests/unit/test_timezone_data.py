"""America/Los_Angeles resolves without a system time-zone database (tzdata is a dependency everywhere; issue 9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import zoneinfo
zoneinfo.reset_tzpath([])  # no system database in reach: only the tzdata package can answer
from datetime import datetime, UTC
from fleetops.rituals import load_rituals
from fleetops.schedule import compute_schedule
rituals = load_rituals()
s = compute_schedule("m", "4.58.0", datetime(2024, 8, 13, 7, tzinfo=UTC), rituals.freeze, datetime(2024, 8, 1, tzinfo=UTC))
print(s.freeze_starts.isoformat())
"""


def test_the_freeze_zone_resolves_with_no_system_tz_database(tmp_path):
    empty = tmp_path / "no-zoneinfo"
    empty.mkdir()
    env = {**os.environ, "PYTHONTZPATH": str(empty)}
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2024-08-06T11:00:00-07:00"


CLI = """
import sys, zoneinfo
zoneinfo.reset_tzpath([])
from fleetops.cli import main
sys.argv = ["fleetops", "--sandbox", "freeze", "status", "--json"]
main()
"""


def test_sandbox_runs_with_no_system_tz_database(clean_env):
    """`--sandbox` builds a world on Pacific time: it crashed on such a machine before tzdata was required."""
    result = subprocess.run([sys.executable, "-c", CLI], env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["schedule"]["freeze_starts"].endswith(("-07:00", "-08:00"))
