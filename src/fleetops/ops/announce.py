"""The Slack announcement, at most once: its attempt and its outcome are lines in a text fleetops can read back.

A Slack incoming webhook cannot be asked what it posted. So the attempt is written, before posting,
into a text that can be read back (the milestone's description for conclude-milestone, the Release
QA issue's body for cut-rc, the pull request into the release branch for release prepare), and replaced by the outcome after posting; a re-run that finds an
attempt without an outcome holds the post until `--resend-announcement` (docs/reliability.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fleetops.errors import FleetopsError
from fleetops.plan import Hold, Skip

if TYPE_CHECKING:
    from datetime import datetime

    from fleetops.clients.slack import SlackClient
    from fleetops.plan import Step


@dataclass(frozen=True)
class Markers:
    """The two marker lines of one kind of text: `ANNOUNCING (#channel) on STAMP END`, and ANNOUNCED alike."""

    announcing: str
    announced: str
    end: str = ""

    def line(self, text: str, prefix: str) -> str | None:
        """The first line of `text` that starts with `prefix` (a marker's line, as written)."""
        return next((line for line in text.splitlines() if line.startswith(prefix)), None)

    def announced_in(self, text: str) -> str | None:
        """The outcome line, as a person reads it (a hidden comment shown without its brackets)."""
        line = self.line(text, self.announced)
        if line is None or not self.end:
            return line
        return line.removesuffix(self.end)[len("<!-- ") :] if line.startswith("<!-- ") else line.removesuffix(self.end)

    def attempt_time(self, text: str) -> str | None:
        """When an announcement was attempted without a confirmation."""
        if self.line(text, self.announced) is not None:
            return None
        line = self.line(text, self.announcing)
        return None if line is None else line.removesuffix(self.end).rsplit(" on ", 1)[-1]

    def with_line(self, text: str, line: str) -> str:
        """The text without any earlier attempt line, with `line` at its end."""
        return append_line("\n".join(x for x in text.splitlines() if not x.startswith(self.announcing)), line)

    def attempt(self, channel: str, stamp: str) -> str:
        return f"{self.announcing} ({channel}) on {stamp}{self.end}"

    def done(self, channel: str, stamp: str) -> str:
        return f"{self.announced} ({channel}) on {stamp}{self.end}"


# The hidden markers (HTML comments) of the rituals whose text is a GitHub body a person reads: the
# Release QA issue's (cut-rc) and the pull request into the release branch (release prepare).
# conclude-milestone keeps visible lines in the milestone's description (ops/conclude/rules.py).
ANNOUNCING = "<!-- fleetops: announcing in Slack"
ANNOUNCED = "<!-- fleetops: announced in Slack"
END = " -->"
MARKERS = Markers(ANNOUNCING, ANNOUNCED, END)


def append_line(text: str, line: str) -> str:
    """`text` with `line` as its last paragraph (a blank line before it unless `text` is empty)."""
    return (text.rstrip() + "\n\n" + line).lstrip()


@dataclass(frozen=True)
class Record:
    """Where the markers are kept, and how to read that text again and write it."""

    markers: Markers
    where: str  # "milestone 4.58.0", "the Release QA issue #24107"
    says: str  # how a skip names it: "the milestone", "the Release QA issue"
    read: Callable[[], str]
    write: Callable[[str], None]
    by_hand: Callable[[str], str]  # the hint for recording the outcome line by hand


def stamp(when: datetime) -> str:
    """How a marker line dates itself: UTC to the second, as GitHub writes times."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def post_once(step: Step, slack: SlackClient, record: Record, *, channel: str, text: str, now: Callable[[], datetime]) -> str:
    """Re-read the record, note the attempt there, post, then note the post (or take the attempt back)."""
    markers = record.markers
    try:
        # Re-read just before sending: another run (on another machine) may have announced since the plan.
        before = record.read()
        if (line := markers.announced_in(before)) is not None:
            raise Skip(f"announced by another run meanwhile: {record.says} says {line!r}")
        if (when := markers.attempt_time(before)) is not None and step.attempted is None:
            raise Hold(f"another run attempted it at {when} (not confirmed): check {channel}, and re-run with {step.once} to send it again")
        record.write(markers.with_line(before, markers.attempt(channel, stamp(now()))))
    except FleetopsError as err:
        err.not_sent = True  # type: ignore[attr-defined] - nothing was posted
        raise
    try:
        slack.post(text)
    except FleetopsError as err:
        if getattr(err, "not_sent", False):  # Slack said no: take the attempt back, a re-run posts
            try:
                record.write(before)
            except FleetopsError:
                err.not_sent = False  # type: ignore[attr-defined] - the record still says "announcing"
            raise
        raise FleetopsError(
            f"Slack may have posted the announcement in {channel} ({err}); the attempt is noted in {record.where}.",
            hint=f"Look in {channel}: a re-run does not post again unless given {step.once}.",
        ) from None
    line = markers.done(channel, stamp(now()))
    try:
        record.write(markers.with_line(before, line))
    except FleetopsError as err:
        raise FleetopsError(
            f"posted in {channel}, but recording that in {record.where} failed ({err}).",
            hint=record.by_hand(line),
        ) from None
    return f"posted in {channel}; recorded in {record.where}"
