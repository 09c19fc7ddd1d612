"""The application object: one per invocation, owning the UI, settings, rituals and clients.

The CLI creates it from the global flags, commands use it, and the single error handler asks it
to report a failure (as one line on stderr and, with `--json`, as the JSON object). Everything
expensive (settings, the sandbox server, the rituals file, clients) is built on first use.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from fleetops.concurrency import forget_meanwhile, meanwhile, start_run
from fleetops.errors import ExitCode, FleetopsError
from fleetops.plan import Outcome, Plan, Runner, outcome_of
from fleetops.redaction import RedactingStream, redact
from fleetops.ui import UI

if TYPE_CHECKING:
    from fleetops.boards import Boards
    from fleetops.boards.github_projects import GitHubProjectsBoards
    from fleetops.clients import Clients
    from fleetops.clients.network import Costs
    from fleetops.journal import Journal
    from fleetops.lock import RunLock
    from fleetops.rituals.models import Rituals
    from fleetops.sandbox.runtime import SandboxHandle
    from fleetops.settings import Settings


class App:
    """State of one fleetops run."""

    def __init__(self, *, sandbox: bool = False, debug: bool = False, env: Mapping[str, str] | None = None) -> None:
        start_run()  # a new run: retries may wait again (after an interrupted one in this process, as in the tests)
        self.ui = UI(debug=debug)
        self.debug = debug
        self.sandbox_requested = sandbox
        self._env = env
        self.command = "fleetops"
        self.dry_run = False
        self.plan: Plan | None = None  # the plan being run, for the error report
        self._sandbox: SandboxHandle | None = None
        self.lock_subject: str | None = None  # set for acting commands: one run at a time (lock.py)
        self._lock: RunLock | None = None
        if debug:
            logging.basicConfig(
                level=logging.DEBUG,
                stream=RedactingStream("stderr"),  # type: ignore[arg-type]
                format="debug: %(name)s: %(message)s",
                force=True,
            )

    # -- command metadata ---------------------------------------------------------------------------------
    def start(self, command: str, *, json: bool = False, dry_run: bool = False, lock: str | None = None) -> App:
        """Record which command runs and how it reports; returns self for chaining.

        `lock` (the run's subject, "" for none) makes an acting command take the run lock before
        its first read, unless it is a dry run (reads only: never blocked, never blocking).
        """
        self.command = command
        self.ui.json_mode = json
        self.dry_run = dry_run
        self.lock_subject = lock
        if lock is not None or not json:  # a plan to draw on stderr (in every mode), or a report for people
            meanwhile(*self.ui.preparations())
        return self

    @property
    def json_mode(self) -> bool:
        return self.ui.json_mode

    # -- lazily built context ------------------------------------------------------------------------------
    @cached_property
    def base_settings(self) -> Settings:
        """Settings from the environment, before any sandbox swap (state dir, flags)."""
        from fleetops.settings import Settings

        return Settings.from_env(self._env, debug=self.debug or None, sandbox=self.sandbox_requested or None)

    @cached_property
    def settings(self) -> Settings:
        """The settings the clients use: the sandbox's endpoints when --sandbox is on."""
        base = self.base_settings
        if not base.sandbox:
            return base
        from fleetops.lock import require_writable
        from fleetops.sandbox.runtime import attach

        require_writable(base.state_dir)  # the sandbox's world lives there: a clear exit 2, not an OSError
        self._sandbox = attach(base.state_dir)
        self._refuse_other_process(self._sandbox)
        self.ui.print(f"sandbox: rehearsing against {self._sandbox.url} (world in {base.state_dir / 'sandbox'}); nothing real is touched.", style="cyan")
        return base.for_sandbox(self._sandbox.url, self._sandbox.tokens)

    def _refuse_other_process(self, sandbox: SandboxHandle) -> None:
        """A world seeded for one process rehearsed under the other's rituals file plans nonsense: exit 2."""
        process = self.rituals.process
        if sandbox.process == process:
            return
        from fleetops.errors import UsageError

        given = self.base_settings.rituals_path
        rituals = "FLEETOPS_RITUALS=fleet-rc" if sandbox.process == "release-candidate" else "FLEETOPS_RITUALS=fleet"
        world = "rc" if process == "release-candidate" else "default"
        raise UsageError(
            f"the sandbox's world {sandbox.world!r} rehearses the {sandbox.process} process, but FLEETOPS_RITUALS "
            f"({given if given is not None else 'unset: fleet'}) is a {process} rituals file.",
            hint=f"Set {rituals} for this world, or run `fleetops sandbox reset --world {world}` for this rituals file; nothing was changed.",
        )

    @cached_property
    def rituals(self) -> Rituals:
        from fleetops.rituals import load_rituals

        settings = self.base_settings  # the same file with or without --sandbox: reading it starts no sandbox
        return load_rituals(
            settings.rituals_path,
            overrides={
                "repository": settings.repo,
                "people.release_dri": settings.release_dri,
                "people.oncall": settings.oncall,
            },
        )

    @cached_property
    def boards(self) -> Boards:
        """The product groups' boards, on the backend the rituals file names (`boards.backend`)."""
        rituals = self.rituals
        if rituals.boards.backend == "github-projects":
            from fleetops.boards.github_projects import GitHubProjectsBoards

            projects = rituals.boards.github_projects
            assert projects is not None  # noqa: S101 - the model requires it for this backend
            return GitHubProjectsBoards(
                self.clients.github_projects, projects.org, today=self.now().date(), status_field=projects.status_field,
                sprint_field=projects.sprint_field, closed_column=projects.closed_column,
            )
        from fleetops.boards.zenhub import ZenHubBoards

        return ZenHubBoards(self.clients.zenhub)

    @property
    def project_boards(self) -> GitHubProjectsBoards:
        """`boards` with the Projects backend's own API (whole-board reads, batched changes), for the code that runs on it only."""
        from fleetops.boards.github_projects import GitHubProjectsBoards
        from fleetops.errors import RitualsError

        boards = self.boards
        if not isinstance(boards, GitHubProjectsBoards):
            raise RitualsError(f"this needs boards.backend: github-projects in the rituals file (it is {boards.backend}).")
        return boards

    @property
    def repo(self) -> str:
        return self.rituals.repository

    @cached_property
    def costs(self) -> Costs:
        """Requests made so far per service, and GitHub's rate limit: `"requests"` in `--json`."""
        from fleetops.clients.network import Costs

        return Costs()

    @cached_property
    def clients(self) -> Clients:
        from fleetops.clients import Clients

        self.hold_lock()  # before the first read: the plan is built from what is read
        return Clients(self.settings, self.repo, costs=self.costs)

    def hold_lock(self) -> None:
        """Take the run lock of (command, repository, subject) for an acting, non-dry run; once."""
        if self.lock_subject is None or self.dry_run or self._lock is not None:
            return
        from fleetops.lock import RunLock

        lock = RunLock(self.base_settings.state_dir, self.command, self.repo, self.lock_subject)
        notice = lock.acquire()
        self._lock = lock
        if notice:
            self.ui.warn(notice)

    def journal(self) -> Journal:
        from fleetops.journal import Journal

        return Journal(
            self.settings.journal_path, command=self.command, sandbox=self.settings.sandbox, subject=self.lock_subject or None, warn=self.ui.warn
        )

    def now(self):  # noqa: ANN201 - datetime
        from datetime import UTC, datetime

        return datetime.now(UTC)

    # -- running and reporting ----------------------------------------------------------------------------
    def execute(self, plan: Plan, *, yes: bool = False, dry_run: bool = False, resend: bool = False) -> int:
        """Show, confirm and apply a plan; print `--json`; return the exit code.

        An unwritable state dir is refused (exit 2) before the first write: the journal goes there.
        `resend` sends again a write that cannot be read back after an unconfirmed attempt.
        """
        self.plan = plan
        journal = None
        if not dry_run:
            from fleetops.lock import require_writable

            self.hold_lock()
            require_writable(self.settings.state_dir)
            journal = self.journal()
        outcome = Runner(self.ui, journal, yes=yes, dry_run=dry_run, resend=resend).run(plan)
        return self.finish(outcome)

    def report(self, plan: Plan) -> int:
        """For read-only commands: print `--json` and return the exit code of the plan's findings.

        A step that failed (a read that could not be done) makes it exit 1, as in `execute`.
        """
        self.plan = plan
        return self.finish(outcome_of(self.ui, plan, dry_run=False))

    def finish(self, outcome: Outcome) -> int:
        if self.json_mode:
            self.ui.emit_json({**outcome.as_json(), "requests": self.costs.as_json()})
        return int(outcome.exit_code)

    def fail(self, err: BaseException) -> int:
        """The one place an error becomes output: one line (plus a traceback with --debug)."""
        if isinstance(err, FleetopsError):
            code = err.exit_code
            message = str(err)
        else:
            code = ExitCode.FAILED
            message = f"unexpected {type(err).__name__}: {err}. This is a bug in fleetops; run with --debug and report it."
        message = redact(message)
        if self.debug:
            import traceback

            self.ui.print(redact("".join(traceback.format_exception(err))), style="dim")
        self.ui.error(message)
        if self.json_mode:
            payload: dict[str, Any] = {
                "command": self.command,
                "dry_run": self.dry_run,
                "steps": [s.as_json() for s in self.plan.steps] if self.plan else [],
            }
            if self.plan:
                payload.update(self.plan.extra)
            payload["error"] = {"message": message, "exit_code": int(code)}
            payload["requests"] = self.costs.as_json()
            self.ui.emit_json(payload)
        return int(code)

    def close(self) -> None:
        forget_meanwhile()
        if "clients" in self.__dict__:
            self.clients.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
