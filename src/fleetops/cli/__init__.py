"""The `fleetops` command: global flags, command groups, and the one error handler.

Modules here only parse arguments and call `fleetops.ops`; nothing heavy is imported until a
command runs, so `fleetops --help` is quick and never imports PyGithub.

Start-up: a run builds the click command of the one group and command it names (`_app_for`),
not all of them: typer inspects every parameter of every command it converts, which costs more
than the rest of the parsing. Anything else (no command, `--help` of the root, an unknown name,
shell completion) gets the whole tree, `app`.
"""

from __future__ import annotations

import copy
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from fleetops import __version__

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

# The command groups, by name: each module's `app`, imported when the group is used.
GROUPS = {
    "freeze": "fleetops.cli.freeze",
    "release": "fleetops.cli.release",
    "rituals": "fleetops.cli.rituals",
    "sandbox": "fleetops.cli.sandbox",
}
# Options of the root that take no value (so that the group's name is the next word).
ROOT_FLAGS = frozenset({"--sandbox", "--debug"})


def _usage_name(self: typer.core.TyperArgument) -> str:
    """An argument in the usage line as the help texts write it: VERSION, N, [FILE]..., FILE...

    typer 0.29 writes a required argument in braces (`{N}`, `{version}`) and doubles the brackets
    of an optional list (`[[FILE]...]...`); one style for every command instead.
    """
    name = (self.metavar or self.name or "").upper()
    name = name if self.required else f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


typer.core.TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign]


def _root() -> typer.Typer:
    root = typer.Typer(
        name="fleetops",
        help=HELP,
        epilog=EPILOG,
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    root.callback()(root_callback)
    return root


def _group(name: str) -> typer.Typer:
    return importlib.import_module(GROUPS[name]).app


def build_app() -> typer.Typer:
    """The whole command tree: every group and command."""
    root = _root()
    for name in GROUPS:
        root.add_typer(_group(name), name=name)
    return root


def _command_name(info) -> str:  # noqa: ANN001 - a typer CommandInfo
    return info.name or typer.main.get_command_name(info.callback.__name__)


def _app_for(argv: Sequence[str]) -> typer.Typer | None:
    """The tree with only the group and command `argv` names; None when it names none exactly."""
    if "_FLEETOPS_COMPLETE" in os.environ:  # shell completion needs every name
        return None
    words = list(argv)
    while words and words[0] in ROOT_FLAGS:
        words.pop(0)
    if words in ([], ["--help"]):  # the root's help lists the groups, not their commands
        root = _root()
        for name in GROUPS:
            empty = copy.copy(_group(name))
            empty.registered_commands = []
            root.add_typer(empty, name=name)
        return root
    if len(words) < 2 or words[0] not in GROUPS:
        return None
    group = _group(words[0])
    chosen = [info for info in group.registered_commands if _command_name(info) == words[1]]
    if len(chosen) != 1:
        return None
    pruned = copy.copy(group)
    pruned.registered_commands = chosen
    root = _root()
    root.add_typer(pruned, name=words[0])
    return root


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fleetops {__version__}")
        raise typer.Exit(0)


def root_callback(
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


INTERRUPTED = "interrupted: re-run to finish; the steps already done are skipped."


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _on_sigterm() -> object:
    """SIGTERM (a CI job cancelled, `kill`) ends a run as Ctrl-C does: said, journaled, exit 130.

    Returns the handler it replaced (None when it could not replace it: not the main thread).
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)


def run(argv: Sequence[str] | None = None) -> int:
    """Run fleetops with `argv`; return the exit code. Every error ends here, as one line."""
    import signal

    args = list(argv) if argv is not None else sys.argv[1:]
    command = typer.main.get_command(_app_for(args) or build_app())
    _current.clear()
    previous = _on_sigterm()
    try:
        result = command.main(args=args, prog_name="fleetops", standalone_mode=False)
        if result == 130:  # typer turns Ctrl-C (and SIGTERM, above) into a silent Exit(130)
            typer.echo(INTERRUPTED, err=True)
        return result if isinstance(result, int) else 0
    except typer.TyperException as err:  # bad options or arguments: typer's (vendored click's) usage errors
        err.show()  # type: ignore[attr-defined]  # every one typer raises is a ClickException, which shows itself
        return 2
    except (typer.Abort, KeyboardInterrupt):  # Ctrl-C outside typer's own handling (while the app is built); Abort: EOF at a prompt
        typer.echo(INTERRUPTED, err=True)
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
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]


def __getattr__(name: str) -> typer.Typer:
    """`app`, the whole tree, built on first use (tests and tools that inspect every command)."""
    if name == "app":
        globals()["app"] = tree = build_app()
        return tree
    raise AttributeError(name)


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
