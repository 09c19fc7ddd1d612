"""Golden outputs: every command on the sandbox worlds, run in-process against `--sandbox`.

Each case seeds a fresh sandbox world in a private state dir (clock pinned to NOW, a Thursday
noon in Los Angeles in the freeze week of 4.58.0), runs one or more fleetops commands with
NO_COLOR and a width of 100, and records each command's exit code, stderr and stdout.
tests/golden/test_golden.py compares them byte for byte with tests/golden/cases/*.txt.

Normalised (they vary from run to run and from machine to machine, nothing else does):
- the sandbox's port (`127.0.0.1:PORT`), since each run listens on a free port;
- the private state dir: commands run in its parent with FLEETOPS_STATE_DIR=state (relative), so
  that its length does not move line breaks; an absolute path left in output reads `STATE_DIR`
  (and its parent, where a case's working copy is cloned, `WORK_DIR`);
- the sandbox request log's `ms` and `time` fields in `sandbox requests --json` (durations and
  wall-clock time of the server's request log, which the clock pin does not reach).

Regenerate after an intended change of output:
    FLEETOPS_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/golden
Write every case's output to a directory (for a before/after diff of a refactor):
    .venv/bin/python -m tests.golden.capture /tmp/before
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import chdir, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # Thursday 12:00 in Los Angeles: the freeze week of 4.58.0
CASES_DIR = Path(__file__).parent / "cases"


@dataclass(frozen=True)
class Case:
    name: str
    world: str
    commands: tuple[tuple[str, ...], ...]
    overrides: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # e.g. FLEETOPS_RITUALS=fleet-rc
    working_copy: bool = False  # `sandbox clone fleet` first, outside the transcript (its line wraps with the temp path)


def _case(name: str, world: str, *commands: str, env: dict[str, str] | None = None, working_copy: bool = False, **overrides: Any) -> Case:
    return Case(name, world, tuple(tuple(c.split()) for c in commands), overrides, env or {}, working_copy)


RC = {"FLEETOPS_RITUALS": "fleet-rc"}  # the current handbook: release candidates, GitHub Projects


DRY, APPLY = "--dry-run", "--yes --json"
CASES: list[Case] = [
    # freeze
    _case("freeze-status-default", "default", "freeze status", "freeze status --json"),
    _case("freeze-status-released", "released", "freeze status", "freeze status --json"),
    _case("freeze-begin-default", "default", f"freeze begin {DRY}", f"freeze begin {APPLY}", "freeze begin --yes"),
    _case("freeze-begin-if-due-current", "current", f"freeze begin --if-due {DRY} --json"),
    _case("freeze-begin-released", "released", f"freeze begin {APPLY}"),
    _case("freeze-end-released", "released", f"freeze end {DRY}", f"freeze end {APPLY}", "freeze end --yes"),
    _case("freeze-end-default", "default", f"freeze end {DRY} --json"),
    _case("freeze-allow-pr-bugfix", "released", f"freeze allow-pr 23101 {DRY}", f"freeze allow-pr 23101 {APPLY}"),
    _case("freeze-allow-pr-docs", "released", f"freeze allow-pr 23102 {APPLY}"),
    _case("freeze-allow-pr-feature-refused", "released", "freeze allow-pr 23104 --yes", f"freeze allow-pr 23104 {APPLY}"),
    _case("freeze-allow-pr-unfrozen", "default", f"freeze allow-pr 23101 {DRY}"),
    # release check-deps
    _case("check-deps-default", "default", "release check-deps", "release check-deps --json"),
    _case("check-deps-current", "current", "release check-deps", "release check-deps --json"),
    _case("check-deps-file-issues", "default", f"release check-deps --file-issues {DRY}",
          f"release check-deps --file-issues {APPLY}", "release check-deps --file-issues --yes"),
    # release create-qa-issue
    _case("qa-issue-default", "default", f"release create-qa-issue 4.58.0 {DRY}",
          f"release create-qa-issue 4.58.0 {APPLY}", "release create-qa-issue 4.58.0 --yes"),
    _case("qa-issue-current", "current", f"release create-qa-issue 4.58.0 {DRY} --json"),
    _case("qa-issue-fleetd-only", "default", f"release create-qa-issue 1.30.0 --fleetd-only {DRY}",
          f"release create-qa-issue 1.30.0 --fleetd-only {APPLY}"),
    _case("qa-issue-release-qa", "release-qa", f"release create-qa-issue 4.58.0 {APPLY}"),
    # release readiness
    _case("readiness-default", "default", "release readiness 4.58.0", "release readiness 4.58.0 --json"),
    _case("readiness-release-qa", "release-qa", "release readiness 4.58.0", "release readiness 4.58.0 --json"),
    # release conclude-milestone
    _case("conclude-released", "released", f"release conclude-milestone 4.58.0 {DRY}",
          f"release conclude-milestone 4.58.0 {APPLY}", "release conclude-milestone 4.58.0 --yes"),
    _case("conclude-default", "default", f"release conclude-milestone 4.58.0 {DRY}", f"release conclude-milestone 4.58.0 {APPLY}"),
    _case("conclude-unknown-version", "released", f"release conclude-milestone 4.99.0 {DRY} --json"),
    # release deploy-dogfood
    _case("deploy-dogfood-release", "default", f"release deploy-dogfood v4.58.0 {DRY}",
          f"release deploy-dogfood v4.58.0 --watch --poll-interval 0.01 {APPLY}", "release deploy-dogfood v4.58.0 --yes"),
    _case("deploy-dogfood-no-watch", "current", "release deploy-dogfood 4.58.0 --yes"),
    _case("deploy-dogfood-fails", "default", "release deploy-dogfood v4.58.0 --watch --poll-interval 0.01 --yes",
          deploy_conclusion="failure"),
    _case("deploy-dogfood-refusals", "default", f"release deploy-dogfood main {DRY}",
          f"release deploy-dogfood v4.57.0 {DRY} --json", f"release deploy-dogfood v4.99.0 {DRY}"),
    # the release-candidate process (fleet-rc) on the rc world: GitHub Projects boards
    _case("cut-rc", "rc", f"release cut-rc 4.60.0 {DRY}", f"release cut-rc 4.60.0 {APPLY}", "release cut-rc 4.60.0 --yes", env=RC),
    _case("rc-status", "rc", "release rc-status 4.59.0", "release rc-status 4.59.0 --json", env=RC),
    _case("readiness-projects", "rc", "release readiness 4.59.0", "release readiness 4.59.0 --json", env=RC),
    _case("conclude-projects", "rc", f"release conclude-milestone 4.59.0 {DRY}", f"release conclude-milestone 4.59.0 {APPLY}",
          "release conclude-milestone 4.59.0 --yes", env=RC),
    # rituals: the handbook's own rituals files
    _case("rituals-list", "default", "rituals list", "rituals list --json"),
    _case("rituals-due", "default", "rituals due", "rituals due --json"),
    _case("rituals-create-issues", "default", f"rituals create-issues {DRY}", f"rituals create-issues {APPLY}", "rituals create-issues --yes"),
    _case("rituals-calendar", "default", "rituals calendar --ics fleet.ics --from 2026-11-26 --to 2026-12-31",
          "rituals calendar --ics fleet.ics --from 2026-11-26 --to 2026-12-31 --json"),
    _case("rituals-calendar-rc", "rc", "rituals calendar --ics fleet.ics --from 2026-11-01 --to 2027-01-31 --json", env=RC),
    # release tag and publish: the release-day world's 4.58.1, from its merged changelog to the announced release
    _case("release-tag-publish", "release-day", "release tag 4.58.1 --dry-run", "release tag 4.58.1 --yes --poll-interval 0.01",
          "release publish 4.58.1 --dry-run", "release publish 4.58.1 --yes", "release publish 4.58.1 --yes --json", deploy_polls=0),
    _case("release-tag-refusals", "release-day", "release tag 4.58.2 --yes", "release publish 4.58.1 --yes", "release tag main"),
    # release prepare and check-migrations: the release world's real git; prepare's working copy is cloned the way a person
    # (and tests/cli/test_release_rehearsal.py) makes it, `sandbox clone`, into WORK_DIR/fleet
    _case("release-prepare-dry-run", "release", "release prepare 4.60.1 --repo-dir fleet --dry-run",
          "release prepare 4.60.1 --repo-dir fleet --dry-run --json", working_copy=True),
    _case("release-check-migrations", "release", "release check-migrations 4.60.1", "release check-migrations 4.60.1 --json",
          "release check-migrations 4.61.0 --json"),
    # sandbox requests: what the rituals above sent
    _case("sandbox-requests", "released", "freeze allow-pr 23101 --yes", "release create-qa-issue 4.58.0 --yes",
          "sandbox requests --writes", "sandbox requests --writes --json"),
]

_PORT = re.compile(r"127\.0\.0\.1:\d+")
_LOG_FIELDS = re.compile(r'"(ms|time|reset)": [^,\n]+')  # reset: GitHub's rate-limit window


def normalise(text: str, state_dir: Path) -> str:
    text = text.replace(str(state_dir), "STATE_DIR").replace(str(state_dir.parent), "WORK_DIR")
    text = _PORT.sub("127.0.0.1:PORT", text)
    return _LOG_FIELDS.sub(lambda m: f'"{m.group(1)}": "…"', text)


@contextmanager
def pinned(state_dir: Path, extra: dict[str, str] | None = None) -> Iterator[None]:
    """The environment of a golden run: no inherited configuration, NO_COLOR, 100 columns, NOW (and the case's `extra`)."""
    from fleetops.app import App
    from fleetops.sandbox.server import Context
    from fleetops.settings import Settings
    from tests.conftest import FLEETOPS_ENV
    from tests.git.gitrepo import ENV as GIT_ENV

    env = {k: v for k, v in os.environ.items() if k not in FLEETOPS_ENV}
    env.update({k: v for k, v in GIT_ENV.items() if k.startswith("GIT_")})  # git without the machine's configuration
    env.update({"FLEETOPS_STATE_DIR": state_dir.name, "NO_COLOR": "1", "COLUMNS": "100", **(extra or {})})
    original = Settings.from_env.__func__  # type: ignore[attr-defined]

    def from_env(cls, env=None, **overrides):  # noqa: ANN001, ANN202
        return original(cls, env, **{"github_write_interval": 0.0, "retry_backoff": 0.0, **overrides})

    with (
        chdir(state_dir.parent),
        mock.patch.dict(os.environ, env, clear=True),
        mock.patch.object(Settings, "from_env", classmethod(from_env)),
        mock.patch.object(App, "now", lambda self: NOW),
        mock.patch.object(Context, "now", lambda self: NOW),
    ):
        yield


def run_case(case: Case, state_dir: Path) -> str:
    """Seed the case's world in state_dir (whose name must be `state`), run its commands, return the normalised transcript."""
    from fleetops.sandbox.runtime import save_state, world_options
    from fleetops.sandbox.world import build_world
    from tests.helpers import run_cli

    # world_options: the release world's real git repository under the state dir, as `sandbox reset` puts it
    save_state(state_dir, build_world(case.world, now=NOW, **world_options(state_dir, case.world), **case.overrides))
    parts = []
    with pinned(state_dir, case.env):
        if case.working_copy:
            cloned = run_cli(["sandbox", "clone", "fleet"])
            assert cloned.code == 0, cloned.stderr  # noqa: S101 - a case that cannot start must not write a golden
        for args in case.commands:
            argv = list(args) if args[0] == "sandbox" else ["--sandbox", *args]
            result = run_cli(argv)
            parts.append(f"$ fleetops {' '.join(argv)}\n[exit {result.code}]\n--- stderr\n{result.stderr}--- stdout\n{result.stdout}")
    return normalise("\n".join(parts), state_dir)


def main(argv: list[str]) -> int:
    """Write every case's transcript to the directory argv[0] (default: tests/golden/cases)."""
    out = Path(argv[0]) if argv else CASES_DIR
    out.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            (out / f"{case.name}.txt").write_text(run_case(case, Path(tmp) / "state"))
    print(f"{len(CASES)} cases written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
