"""Start-up: a run converts only the command it names, and nobody can tell from the output."""

from __future__ import annotations

import typer

from fleetops.cli import _app_for, build_app
from tests.helpers import run_cli


def _help_of_full_tree(args: list[str]) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        typer.main.get_command(build_app()).main(args=args, prog_name="fleetops", standalone_mode=True)
    return out.getvalue()


def test_the_root_help_and_every_commands_help_read_as_with_the_whole_tree():
    commands = [[group, name] for group, sub in ((i.name, i.typer_instance) for i in build_app().registered_groups)
                for name in (c.name or typer.main.get_command_name(c.callback.__name__) for c in sub.registered_commands)]
    assert len(commands) >= 10
    for args in ([], *commands):
        assert run_cli([*args, "--help"]).stdout == _help_of_full_tree([*args, "--help"]), args


def test_a_run_builds_only_the_group_and_command_it_names():
    tree = typer.main.get_command(_app_for(["--sandbox", "release", "check-deps", "--json"]))
    assert list(tree.commands) == ["release"] and list(tree.commands["release"].commands) == ["check-deps"]
    assert _app_for(["release", "check-dep"]) is None  # a typo gets the whole tree, and click's suggestion
    assert _app_for(["release"]) is None


PROCESS = """
import runpy, sys
import pydantic.plugin._loader as plugins
sys.argv = ["fleetops", "--sandbox", "freeze", "status", "--json"]
try:
    runpy.run_module("fleetops", run_name="__main__")
except SystemExit as done:
    print("exit", done.code, "scanned", plugins._plugins is not None, file=sys.stderr)
"""


def test_a_fleetops_process_does_not_scan_for_pydantic_plugins_unless_told_to(clean_env):
    """`python -m fleetops` (and the console script) sets PYDANTIC_DISABLE_PLUGINS unless it is set already."""
    import os
    import subprocess
    import sys

    def scanned(**env: str) -> str:
        environment = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"} | env
        result = subprocess.run([sys.executable, "-c", PROCESS], env=environment, capture_output=True, text=True, timeout=120)
        return result.stderr.strip().splitlines()[-1]

    assert scanned() == "exit 0 scanned False"
    assert scanned(PYDANTIC_DISABLE_PLUGINS="") == "exit 0 scanned True"  # the user's setting wins: plugins load
