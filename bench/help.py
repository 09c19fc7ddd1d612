"""Benchmark `fleetops --help` against `python -c "import typer, rich"` (no sandbox, no requests).

    python bench/help.py [--runs 5] [--json]

Target: `fleetops --help` within 1.1x of importing typer and rich. The two alternate, so that the
load of a shared machine weighs on both; medians are printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from _common import MAX_RUNS, ROOT, TIMEOUT, _clean_env, machine


def timed(argv: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True, env=_clean_env(), cwd=ROOT, timeout=TIMEOUT)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    base, helps = [], []
    for _ in range(max(1, min(args.runs, MAX_RUNS))):
        base.append(timed([sys.executable, "-c", "import typer, rich"]))
        helps.append(timed([sys.executable, "-m", "fleetops", "--help"]))
    result = {
        "command": "fleetops --help",
        "wall": round(statistics.median(helps), 3),
        "baseline": round(statistics.median(base), 3),
        "ratio": round(statistics.median(helps) / statistics.median(base), 2),
        "machine": machine(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"fleetops --help: {result['wall']:.3f} s; import typer, rich: {result['baseline']:.3f} s; "
              f"ratio {result['ratio']:.2f} (target <= 1.1); load {result['machine']['load']}")


if __name__ == "__main__":
    main()
