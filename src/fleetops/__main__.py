"""`python -m fleetops` and the `fleetops` console script (`entry`): the process around the CLI.

What only a fleetops process decides, not a program that imports fleetops (the tests):

- **No pydantic plugins.** pydantic looks for plugins in every installed package's entry points
  the first time it builds a validator (about 10 ms at start-up); fleetops's models (the settings,
  the rituals file) are its own configuration, not data for an observability plugin, and typer
  already builds its option adapters without plugins. `PYDANTIC_DISABLE_PLUGINS` set in the
  environment (even empty) is kept: `PYDANTIC_DISABLE_PLUGINS= fleetops ...` loads them.
- **No garbage collection during start-up, none at exit.** Nearly everything a run builds lives
  until it exits (modules, classes, models, clients), so the collector's passes over it during
  start-up find nothing to free and cost a tenth of a run's CPU (one full pass alone is 40 to
  70 ms on 2 AMD EPYC cores); the interpreter's last pass at exit costs as much again. The
  collector is off for the first `START_UP` seconds; then what exists is moved out of its
  sight (`gc.freeze`) and it runs as usual, so that a long run (a watch, a big milestone, the
  sandbox server) frees its cycles. At exit, after the run has closed its clients and released
  its lock, `gc.freeze` again: the operating system takes the memory back.
- **Ctrl-C ends the process now.** An interrupted run (exit 130) has written its journal and
  released its lock; a reader thread may still be inside a request (a socket read cannot be
  woken; retries' waits already ended, `concurrency.pause`), and the interpreter would wait for
  it at exit, up to the request's timeout. The process ends without waiting for it.
"""

from __future__ import annotations

import gc
import os
import sys
import threading

START_UP = 2.0  # seconds without garbage collection; a run at 100 ms per request takes about 1 s


def _collect_from_now_on() -> None:
    gc.freeze()
    gc.enable()


def entry() -> None:
    gc.disable()
    timer = threading.Timer(START_UP, _collect_from_now_on)
    timer.daemon = True  # never waited for at exit
    timer.start()
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
    from fleetops.cli import run

    code = run()
    gc.freeze()
    if code == 130 and any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
