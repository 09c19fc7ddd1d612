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


STEPS_MARK = "{steps}"  # where a ritual's help shows the step list of the rituals file in force


class RitualHelp(typer.core.TyperCommand):
    """A command whose `--help` lists the steps of its ritual as the rituals file in force has them.

    The docstring holds the line `{steps}`; the file is FLEETOPS_RITUALS's (bundled `fleet` when
    unset). A file that cannot be read leaves a one-line note there instead, and the error itself
    comes when the command runs.
    """

    ritual = "conclude_milestone"

    @classmethod
    def of(cls, ritual: str) -> type[RitualHelp]:
        """The command class whose help lists `ritual`'s steps (a rituals.* key: conclude_milestone, cut_rc)."""
        return type(f"RitualHelp_{ritual}", (cls,), {"ritual": ritual})

    def format_help(self, ctx, formatter) -> None:  # noqa: ANN001 - click's types
        if self.help and STEPS_MARK in self.help:
            from fleetops.ops.runbook import steps_runbook

            written = self.help
            self.help = written.replace(STEPS_MARK, steps_runbook(self.ritual))
            try:
                super().format_help(ctx, formatter)
            finally:
                self.help = written  # the file in force may differ at the next --help of this process
            return
        super().format_help(ctx, formatter)

