"""Ctrl-C ends a run within a second, whatever its reader threads are doing (issue 19, item 8).

A read that GitHub answers `429 Retry-After: 600` sleeps in a reader thread until GitHub's time
is up (PyGithub's GithubRetry, through urllib3); an interrupt must not wait it out.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from fleetops.sandbox.server import Fault
from tests.helpers import default_sigint
from tests.reliability.conftest import SRC
from tests.reliability.test_lock import wait_for


def test_ctrl_c_ends_the_run_while_reader_threads_wait_on_retry_after(world):
    server = world()
    # every GitHub read answers "come back in 10 minutes": the first reads run at once, in reader threads
    server.inject(Fault("GET", r"^/github/repos/", status=429, headers={"Retry-After": "600"}, times=1000))
    env = {k: v for k, v in {**os.environ, **server.env(), "PYTHONPATH": str(SRC), "CI": "true"}.items() if k != "FLEETOPS_TEST_NOW"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fleetops", "release", "conclude-milestone", "4.58.0", "--dry-run"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,  # noqa: PLW1509
    )
    try:
        wait_for(lambda: sum(r["status"] == 429 for r in server.requests) >= 2, timeout=60)  # two readers now wait
        time.sleep(0.2)  # well inside their 600 s waits
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)  # the bound only tells "ended early" from "waited 600 s"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
