#!/usr/bin/env python3
"""Run the test suite with the whole process moved to chosen instants (FLEETOPS_TEST_NOW).

The suite must not depend on the day it runs. tests/conftest.py moves every test process (xdist
workers too) to the instant in FLEETOPS_TEST_NOW, ticking, with time-machine; this script runs the
suite once per instant and prints one line per run. The default instants are the risky hours of
the fortnight 2026-10-26 .. 2026-11-09 (America/Los_Angeles leaves daylight saving time on
2026-11-01): each freeze boundary (Tuesday and Monday 11:00 Los Angeles) half a minute before it
and on it, on both sides of the switch, the switch itself, midnight UTC and in Los Angeles.

    python tools/clock_sweep.py                      # the whole suite at every default instant
    python tools/clock_sweep.py --at 2026-11-03T18:59:30Z -- tests/cli/test_freeze.py
    python tools/clock_sweep.py --hourly -- tests/unit/test_schedule.py   # every hour of the fortnight

Arguments after `--` go to pytest (default: `-q -n 2`). Each run shuffles the order with a seed of
its own (pytest-randomly, derived from the instant unless the arguments name one), printed on its
line, so that a failed run can be repeated exactly with FLEETOPS_TEST_NOW and `--randomly-seed=N`.
Exit status 1 if any run failed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (instant in UTC, why it is risky); Los Angeles is UTC-7 until 2026-11-01 09:00 UTC, then UTC-8.
INSTANTS: list[tuple[str, str]] = [
    ("2026-10-26T17:59:30Z", "Mon 10:59:30 PDT: deep freeze of a Tuesday release starts at 11:00"),
    ("2026-10-26T18:00:00Z", "Mon 11:00 PDT"),
    ("2026-10-27T17:59:30Z", "Tue 10:59:30 PDT: the freeze starts at 11:00, release day of the week before"),
    ("2026-10-27T18:00:00Z", "Tue 11:00 PDT"),
    ("2026-10-29T23:59:30Z", "Thu 16:59:30 PDT: midnight UTC, the UTC date changes"),
    ("2026-10-30T06:59:30Z", "Thu 23:59:30 PDT: midnight in Los Angeles"),
    ("2026-11-01T08:59:30Z", "Sun 01:59:30 PDT: daylight saving time ends, 01:00-02:00 repeats"),
    ("2026-11-01T09:30:00Z", "Sun 01:30 PST: the second 01:30"),
    ("2026-11-02T18:59:30Z", "Mon 10:59:30 PST: deep freeze of a Tuesday release starts at 11:00"),
    ("2026-11-02T19:00:00Z", "Mon 11:00 PST"),
    ("2026-11-03T18:59:30Z", "Tue 10:59:30 PST: release day, 30 s before the release and the next freeze"),
    ("2026-11-03T19:00:00Z", "Tue 11:00 PST: release"),
    ("2026-11-04T00:00:00Z", "Tue 16:00 PST: midnight UTC"),
    ("2026-11-08T07:59:30Z", "Sat 23:59:30 PST: midnight in Los Angeles, end of the fortnight"),
]
FORTNIGHT = (datetime(2026, 10, 26, tzinfo=UTC), datetime(2026, 11, 9, tzinfo=UTC))
SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|error|errors|xfailed|xpassed)")
SEED = re.compile(r"--randomly-seed=(\d+)")


def hourly() -> list[tuple[str, str]]:
    start, end = FORTNIGHT
    hours = int((end - start) / timedelta(hours=1))
    return [((start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ"), "every hour") for h in range(hours)]


def run(instant: str, pytest_args: list[str], python: str) -> tuple[int, dict[str, int], float, str, str]:
    env = {**os.environ, "FLEETOPS_TEST_NOW": instant}
    if not any("randomly" in arg for arg in pytest_args):  # a different order at each instant, said
        pytest_args = [*pytest_args, "-p", "randomly", f"--randomly-seed={zlib.crc32(instant.encode())}"]
    started = time.monotonic()
    proc = subprocess.run([python, "-m", "pytest", *pytest_args], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    counts = {kind.rstrip("s") if kind == "errors" else kind: int(n) for n, kind in SUMMARY.findall(last)}
    seed = SEED.search(" ".join(pytest_args)) or SEED.search(proc.stdout)
    return proc.returncode, counts, elapsed, proc.stdout + proc.stderr, f"seed {seed[1]}" if seed else "no shuffle"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--at", action="append", default=[], help="an instant (ISO 8601 with offset); repeatable")
    parser.add_argument("--hourly", action="store_true", help="every hour of the fortnight 2026-10-26 .. 2026-11-09 (UTC)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that has fleetops and the test extra")
    parser.add_argument("--keep-going", action="store_true", help="do not stop at the first failed run")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest")
    args = parser.parse_args(argv)

    instants = [(at, "--at") for at in args.at] or (hourly() if args.hourly else INSTANTS)
    pytest_args = args.pytest_args or ["-q", "-n", "2"]
    failed = 0
    total = time.monotonic()
    for instant, why in instants:
        code, counts, elapsed, output, seed = run(instant, pytest_args, args.python)
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "no summary"
        print(f"{instant}  exit {code}  {summary}  {elapsed:5.1f} s  {seed}  {why}", flush=True)
        if code != 0:
            failed += 1
            print("\n".join("    " + line for line in output.splitlines()[-40:]), flush=True)
            if not args.keep_going:
                break
    print(f"{len(instants)} instants, {failed} failed run(s), {time.monotonic() - total:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
