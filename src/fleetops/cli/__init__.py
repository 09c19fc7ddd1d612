"""The `fleetops` command: global flags, command groups, and the one error handler.

Modules here only parse arguments and call `fleetops.ops`; nothing heavy is imported until a
command runs, so `fleetops --help` is quick and never imports PyGithub.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from fleetops import __version__
from fleetops.cli import freeze, release, rituals, sandbox

HELP = """Release rituals of Fleet's engineering handbook, as commands.

Every command that changes something reads first, shows its plan, asks (or needs --yes
without a terminal), applies, and journals; a re-run after any failure finishes the job
without doing anything twice. --dry-run only reads. --json prints one JSON object on stdout.

Rehearse anything with --sandbox: a local world that speaks the same APIs.

Exit codes: 0 success or nothing to do; 1 a step or a service failed; 2 bad input, refused
by policy, or confirmation needed; 3 a check found something that needs action; 4 a token is
missing or rejected.
"""

EPILOG = (
    "Environment: GH_TOKEN/GITHUB_TOKEN, GITHUB_API_URL, FLEETOPS_REPO, MERGEFREEZE_TOKEN, "
    "FLEETOPS_MERGEFREEZE_URL, ZENHUB_TOKEN, FLEETOPS_ZENHUB_URL, FLEETOPS_DOCKERHUB_URL, "
    "FLEETOPS_GODEV_URL, SLACK_WEBHOOK_URL, FLEETOPS_DOGFOOD_URL, FLEETOPS_DOGFOOD_TOKEN, "
    "FLEETOPS_NVD_FEED_URL, FLEETOPS_CISA_FEED_URL, FLEETOPS_RITUALS, FLEETOPS_RELEASE_DRI, "
    "FLEETOPS_ONCALL, FLEETOPS_STATE_DIR, FLEETOPS_SANDBOX, FLEETOPS_DEBUG, CI, NO_COLOR, COLUMNS."
)

app = typer.Typer(
    name="fleetops",
    help=HELP,
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(freeze.app, name="freeze")
app.add_typer(release.app, name="release")
app.add_typer(rituals.app, name="rituals")
app.add_typer(sandbox.app, name="sandbox")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fleetops {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    ctx: typer.Context,
    sandbox_flag: Annotated[
        bool,
        typer.Option("--sandbox", envvar="FLEETOPS_SANDBOX", help="Rehearse against the local sandbox world instead of the real services."),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", envvar="FLEETOPS_DEBUG", help="Show tracebacks and every HTTP request (secrets stay masked)."),
    ] = False,
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    from fleetops.app import App

    fleet = App(sandbox=sandbox_flag, debug=debug)
    ctx.obj = fleet
    _current.append(fleet)


# The App of the running invocation, for the error handler (the click context is gone by then).
_current: list[object] = []


def run(argv: Sequence[str] | None = None) -> int:
    """Run fleetops with `argv`; return the exit code. Every error ends here, as one line."""
    command = typer.main.get_command(app)
    _current.clear()
    try:
        result = command.main(args=list(argv) if argv is not None else None, prog_name="fleetops", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except typer.TyperException as err:  # bad options or arguments: typer's (vendored click's) usage errors
        err.show()  # type: ignore[attr-defined]  # every one typer raises is a ClickException, which shows itself
        return 2
    except typer.Abort:
        typer.echo("Aborted: nothing more was changed.", err=True)
        return 130
    except KeyboardInterrupt:
        typer.echo("Interrupted: re-run the command to finish; finished steps are skipped.", err=True)
        return 130
    except Exception as err:  # the one handler: FleetopsErrors and bugs alike
        fleet = _current[-1] if _current else None
        if fleet is None:
            from fleetops.app import App

            fleet = App(debug="--debug" in (argv or sys.argv))
        return fleet.fail(err)  # type: ignore[attr-defined]
    finally:
        for fleet in _current:
            fleet.close()  # type: ignore[attr-defined]


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
