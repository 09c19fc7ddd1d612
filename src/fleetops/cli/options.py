"""Options shared by every acting command, and the way a command reaches the App."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from fleetops.app import App

Yes = Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking. Required without a terminal (CI).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Do every read and show the plan; change nothing.")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout; messages stay on stderr.")]
ResendAnnouncement = Annotated[
    bool,
    typer.Option("--resend-announcement", help="Post the Slack announcement again although an earlier attempt may have posted it."),
]


def app_of(ctx: typer.Context, command: str, *, json: bool = False, dry_run: bool = False, lock: str | None = None) -> App:
    """The run's App, told which command runs and how it reports.

    An acting command passes `lock`, what its run is about ("" for nothing more than the command):
    one run per (command, repository, lock) at a time (see fleetops.lock).
    """
    app: App = ctx.find_root().obj
    return app.start(command, json=json, dry_run=dry_run, lock=lock)


def done(code: int) -> NoReturn:
    raise typer.Exit(code)
