"""The one owner of the terminal: people's text on stderr, data (`--json`) on stdout.

Rich already honours NO_COLOR, FORCE_COLOR and COLUMNS and falls back to plain text without a
terminal. Everything written passes through the redactor, so a secret that slipped into a
message is still masked. Dynamic text is printed without markup, so `[bug]` stays `[bug]`.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from fleetops.redaction import RedactingStream, redact, redact_obj

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

    from fleetops.plan import Plan, Step

SYMBOLS = {"done": "✔", "skipped": "–", "pending": "•", "failed": "✘", "manual": "☐"}
STYLES = {"done": "green", "skipped": "dim", "pending": "yellow", "failed": "bold red", "manual": "cyan"}


def _text(*parts: str | tuple[str, str], style: str = "") -> Text:
    """Rich text from plain strings and (string, style) pairs; never markup, so `[bug]` stays `[bug]`."""
    from rich.text import Text

    return Text.assemble(*parts, style=style)


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class UI:
    """Console for people (stderr), a JSON channel (stdout), prompts only on a real terminal."""

    def __init__(self, *, debug: bool = False) -> None:
        self.debug_enabled = debug
        self.json_mode = False
        self._out = RedactingStream("stdout")

    @functools.cached_property
    def err(self) -> Console:
        """The console on stderr, built (and Rich imported) when a run first writes for people.

        A `--json` run that has nothing to say on stderr never imports Rich.
        """
        from rich.console import Console

        return Console(
            file=RedactingStream("stderr"),  # type: ignore[arg-type]
            highlight=False,
            emoji=False,
            soft_wrap=False,
        )

    # -- people ------------------------------------------------------------------------------------
    def print(self, renderable: RenderableType | str = "", *, markup: bool = False, style: str | None = None) -> None:
        """Print a renderable, or a plain string (markup only when asked for)."""
        if isinstance(renderable, str):
            self.err.print(renderable if markup else _text(renderable, style=style or ""), overflow="fold")
        else:
            self.err.print(renderable)

    def info(self, message: str) -> None:
        self.print(message)

    def success(self, message: str) -> None:
        self.err.print(_text(message, style="green"), overflow="fold")

    def warn(self, message: str) -> None:
        self.err.print(_text(("warning: ", "bold yellow"), message), overflow="fold")

    def error(self, message: str) -> None:
        self.err.print(_text(("error: ", "bold red"), message), overflow="fold")

    def debug(self, message: str) -> None:
        if self.debug_enabled:
            self.err.print(_text(("debug: ", "dim"), (message, "dim")), overflow="fold")

    def heading(self, text: str) -> None:
        self.err.print(_text(text, style="bold"), overflow="fold")

    def show(self, data: Any, **context: Any) -> None:
        """Draw data that ops returned (facts, reports, previews) with its renderer (fleetops.render)."""
        from fleetops.render import show

        show(self, data, **context)

    def preparations(self) -> tuple[Callable[[], object], ...]:
        """What drawing a plan needs, in pieces to do while reads are out: the console, then the checklist's renderer (Rich's tables)."""

        def console() -> None:
            _ = self.err

        def checklist() -> None:
            import fleetops.render.plan  # noqa: F401

        return console, checklist

    def plan(self, plan: Plan, *, heading: str) -> None:
        """The plan as a checklist (no output for a plan without steps)."""
        from fleetops.render.plan import checklist

        checklist(self, plan, heading=heading)

    def step_result(self, step: Step) -> None:
        """One applied step: its status, title and detail."""
        from fleetops.render.plan import step_result

        step_result(self, step)

    def status_text(self, status: str) -> Text:
        return _text(f"{SYMBOLS.get(status, '?')} {status}", style=STYLES.get(status, ""))

    # -- data ---------------------------------------------------------------------------------------
    def emit_json(self, payload: dict[str, Any]) -> None:
        """Exactly one JSON object on stdout, secrets masked."""
        self._out.write(json.dumps(redact_obj(payload), indent=2, sort_keys=False, default=str) + "\n")
        self._out.flush()

    # -- interaction --------------------------------------------------------------------------------------
    def can_prompt(self) -> bool:
        """Prompt only when stdin and stdout are terminals, outside CI and outside --json."""
        if self.json_mode or _ci():
            return False
        try:
            return sys.stdin.isatty() and sys.stdout.isatty()
        except (AttributeError, ValueError):
            return False

    def confirm(self, question: str) -> bool:
        """Ask once; only "y"/"yes" is a yes."""
        self.err.print(_text(f"{question} [y/N] ", style="bold"), end="")
        try:
            answer = sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            return False
        return answer.strip().lower() in ("y", "yes")

    @contextmanager
    def progress(self, total: int, description: str) -> Iterator[Any]:
        """A progress bar on a terminal; nothing on a pipe (each step still reports its result)."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.err,
            transient=True,
            disable=not self.err.is_terminal,
            # The console writes to sys.stderr resolved at write time: letting Live swap
            # sys.stderr for its proxy would make the console write into itself.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        with progress:
            task = progress.add_task(description, total=total)

            def advance(label: str | None = None) -> None:
                progress.update(task, advance=1, description=label or description)

            yield advance

    @contextmanager
    def spinner(self, text: str) -> Iterator[Any]:
        """A spinner on a terminal; a plain line otherwise. Yields a function to update the text."""
        if not self.err.is_terminal:
            self.info(text)
            yield lambda new_text: None
            return
        from rich.live import Live
        from rich.markup import escape
        from rich.spinner import Spinner

        spinner = Spinner("dots", text=escape(text))
        with Live(spinner, console=self.err, transient=True, redirect_stdout=False, redirect_stderr=False):
            yield lambda new_text: spinner.update(text=escape(new_text))


def plain(text: str) -> str:
    """Redacted text for places that are not the console (journal, summaries)."""
    return redact(text)
