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


COLLECTIONS = """
import gc, sys
import fleetops.__main__ as process
process.START_UP = float(sys.argv[1])
collections = []
gc.callbacks.append(lambda phase, info: phase == "stop" and collections.append(info["generation"]))
sys.argv = ["fleetops", "--sandbox", "freeze", "status", "--json"]
try:
    process.entry()
except SystemExit as done:
    print("exit", done.code, "collections", len(collections), "enabled", gc.isenabled(), "frozen", gc.get_freeze_count() > 0, file=sys.stderr)
"""


def test_a_fleetops_process_collects_no_garbage_during_start_up_and_as_usual_after_it(clean_env):
    import os
    import subprocess
    import sys

    def run(start_up: float) -> str:
        result = subprocess.run([sys.executable, "-c", COLLECTIONS, str(start_up)], env=dict(os.environ), capture_output=True, text=True, timeout=120)
        return result.stderr.strip().splitlines()[-1]

    assert run(60.0) == "exit 0 collections 0 enabled False frozen True"
    after = run(0.001).split()  # start-up is over at once: the collector runs as usual, on what is new
    assert after[1] == "0" and int(after[3]) > 0 and after[5] == "True", after


QUIET = """
import sys
from fleetops.cli import run
code = run(sys.argv[1:])
print("exit", code, "rich", any(m == "rich" or m.startswith("rich.") for m in sys.modules), file=sys.stderr)
"""


def test_a_json_run_with_nothing_for_people_never_imports_rich(clean_env, sandbox):
    """The console on stderr is built on first use: `freeze status --json` (a CI job) has nothing to say there."""
    import os
    import subprocess
    import sys

    def run(*args: str) -> list[str]:
        result = subprocess.run([sys.executable, "-c", QUIET, *args], env={**os.environ, **sandbox.env()}, capture_output=True, text=True, timeout=120)
        return result.stderr.strip().splitlines()

    assert run("freeze", "status", "--json") == ["exit 0 rich False"]
    people = run("freeze", "status")  # the same read for people: drawn with Rich, on stderr
    assert people[-1] == "exit 0 rich True" and any("main" in line for line in people[:-1]), people


def test_importing_from_the_github_client_leaves_its_result_types_for_later():
    """`from fleetops.clients.github import x` asks the module for `__path__`; its lazy `__getattr__` must
    not answer that by importing github_types (13 ms before the first request of `release tag`)."""
    import subprocess
    import sys

    probe = ("import sys\nfrom fleetops.clients.github import build_github\nimport fleetops.clients.github_projects\n"
             "print('fleetops.clients.github_types' in sys.modules)\n"
             "from fleetops.clients.github import TagRef\nprint(TagRef.__module__)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["False", "fleetops.clients.github_types"], result.stderr
