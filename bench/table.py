"""Run every bench script at 0 and 100 ms of latency and print the Markdown table of bench/README.md.

    python bench/table.py [--runs 5] [--only check_deps,freeze_status]

Each script runs as its own process with `--json`; the machine line is read from the first.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["check_deps", "freeze_status", "create_qa_issue", "deploy_dogfood", "conclude_milestone"]


def run(script: str, latency: float, runs: int) -> dict:
    out = subprocess.run(
        [sys.executable, str(HERE / f"{script}.py"), "--latency", str(latency), "--runs", str(runs), "--json"],
        check=True, capture_output=True, text=True, cwd=HERE, timeout=3600,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated script names")
    args = parser.parse_args()
    scripts = [s for s in SCRIPTS if not args.only or s in args.only.split(",")]
    print("| command | latency | requests (reads/writes) | wall | CPU | import baseline | wall / baseline | CPU / baseline CPU | critical path | (wall − baseline) / critical path | paired | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for script in scripts:
        for latency in ((0.1,) if script == "conclude_milestone" else (0.0, 0.1)):
            r = run(script, latency, args.runs)
            per = r["over_baseline_per_critical_path"]
            print(
                f"| `{r['command'].removeprefix('fleetops ')}` | {r['latency_ms']} ms | {r['requests']} ({r['reads']}/{r['writes']}) "
                f"| {r['wall']:.2f} s | {r['cpu']:.2f} s | {r['baseline']:.2f} s | {r['wall_over_baseline']:.2f} | {r.get('cpu_over_baseline_cpu', '?')} "
                f"| {r['critical_path']:.2f} s ({r['chain']} {r['chain_from']}) | {'—' if per is None else f'{per:.2f}'} "
                f"| {r['paired_wall_over_baseline'] if per is None else r['paired_over_baseline_per_critical_path']} "
                f"| {' '.join(str(x) for x in r['machine']['load'])} |",
                flush=True,
            )
    print(f"\nmachine: {r['machine']['nproc']} x {r['machine']['cpu']}, Python {r['machine']['python']}; {r['date']}; median of {args.runs}")


if __name__ == "__main__":
    main()
