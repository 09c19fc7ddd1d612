"""The command surface: help on every command (the runbook), version, start-up cost, usage errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer

from fleetops import __version__
from fleetops.cli import app
from tests.helpers import runbook


def all_commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths = [[]]
    for name, group in root.commands.items():  # type: ignore[attr-defined]
        paths.append([name])
        for sub in getattr(group, "commands", {}):
            paths.append([name, sub])
    return paths


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "fleetops")
def test_every_command_has_help_that_fits_80_columns(cli, path):
    result = cli(*path, "--help", env={"COLUMNS": "80"})
    assert result.code == 0
    assert "Usage: fleetops" in result.stdout
    long = [line for line in result.stdout.splitlines() if len(line) > 80]
    assert long == []
    numbers = [n for n, _ in runbook(result.stdout)]
    assert numbers == list(range(1, len(numbers) + 1)), f"the runbook's numbers skip or repeat: {numbers}"
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert (command.help or "").strip(), f"{' '.join(path)} has no help text"


def test_version(cli):
    result = cli("--version")
    assert result.code == 0
    assert result.stdout.strip() == f"fleetops {__version__}"


def test_help_does_not_import_pygithub_or_httpx():
    code = "import sys; from fleetops.cli import run; run(['--help']); print(sorted(m for m in ('github', 'httpx', 'fleetops.sandbox.server') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_python_dash_m_is_the_same_command():
    out = subprocess.run([sys.executable, "-m", "fleetops", "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == f"fleetops {__version__}"


def test_unknown_option_is_a_usage_error(cli):
    result = cli("freeze", "begin", "--frozen")
    assert result.code == 2
    assert "No such option" in result.stderr


def test_no_arguments_is_a_usage_error_that_shows_help(cli):
    result = cli()
    assert result.code == 2  # no command given: bad input (SPEC: exit codes)
    assert result.stdout == ""  # help for people goes to stderr; stdout is data
    assert "Usage: fleetops" in result.stderr and "Commands" in result.stderr


def test_an_unexpected_error_is_one_line_without_traceback_unless_debug(sandbox, cli, monkeypatch):
    from fleetops.ops.freeze import window as freeze

    def boom(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(freeze, "status", boom)
    plain = cli("freeze", "status", env=sandbox.env())
    assert plain.code == 1
    assert "Traceback" not in plain.output
    assert plain.stderr.strip().splitlines()[-1].startswith("error: unexpected KeyError")
    debug = cli("--debug", "freeze", "status", env=sandbox.env())
    assert debug.code == 1 and "Traceback" in debug.stderr
