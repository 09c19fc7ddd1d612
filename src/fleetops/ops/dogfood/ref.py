"""deploy-dogfood's input: what REF means (a release or a commit, never a branch), --timeout, and
what dogfood runs, as a version that compares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from packaging.version import InvalidVersion, Version

from fleetops.errors import PolicyRefusal, UsageError
from fleetops.versions import release_name, release_text, version_in

if TYPE_CHECKING:
    from fleetops.rituals.models import Rituals

SHORT_HASH = 7  # the length of Fleet's per-commit image tags (`git rev-parse --short` in CI)
HASH = re.compile(r"[0-9a-f]{7,40}")
BRANCHY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


# --- input ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeployOptions:
    """What the user asked for; built by the CLI from its arguments."""

    ref: str
    current: str | None = None
    watch: bool = False
    poll_interval: float = 10.0
    timeout: float = 30 * 60.0


@dataclass(frozen=True)
class Ref:
    """A deployable REF: a release or a commit, with its git ref and its image tag."""

    text: str
    kind: Literal["release", "commit"]
    git_ref: str  # fleet-v4.58.0, or the hash as given
    image_tag: str  # v4.58.0, or the 7-digit hash
    version: Version | None = None

    @property
    def label(self) -> str:
        return str(self.version) if self.version is not None else self.git_ref[:SHORT_HASH]


def parse_duration(text: str) -> float:
    """`90`, `90s`, `30m`, `1.5h` → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text or "")
    if not match or float(match[1]) <= 0:
        raise UsageError(f"--timeout {text!r} is not a duration.", hint="Use seconds or a unit: 90, 90s, 30m, 1h.")
    return float(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[match[2]]


def duration_text(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


def _release_version(text: str, rituals: Rituals) -> str | None:
    """The X.Y.Z of `v4.58.0`, `4.58.0`, or the rituals' release tag / image tag forms."""
    return release_text(text) or version_in(text, (rituals.naming.release_tag, rituals.naming.docker_tag))


def parse_ref(text: str, rituals: Rituals, *, option: str = "REF") -> Ref:
    """Validate a REF before anything is read; a branch name is refused with the handbook's reason."""
    image = rituals.dogfood.image
    raw = text.strip()
    if raw.startswith(image + ":"):  # a pasted image name: fleetdm/fleet:v4.58.0
        raw = raw[len(image) + 1 :]
    if not raw:
        raise UsageError(f"{option} is empty.", hint="Give a release (v4.58.0) or a commit hash.")
    version = _release_version(raw, rituals)
    if version is not None:
        return Ref(
            text=text,
            kind="release",
            git_ref=release_name(rituals.naming.release_tag, version),
            image_tag=release_name(rituals.naming.docker_tag, version),
            version=Version(version),
        )
    if HASH.fullmatch(raw.lower()):
        sha = raw.lower()
        return Ref(text=text, kind="commit", git_ref=sha, image_tag=sha[:SHORT_HASH])
    if re.fullmatch(r"[0-9][0-9a-f]{0,5}", raw.lower()) and not raw.isdigit():  # `abc12` may be a branch: below
        raise UsageError(
            f"{option} {text!r} looks like a commit hash, but {len(raw)} hex digits are too few to be unique.",
            hint=f"Give at least {SHORT_HASH}, e.g. `git rev-parse --short <commit>`.",
        )
    if re.match(r"v?\d", raw):
        raise UsageError(
            f"{option} {text!r} is not a release version.",
            hint="Releases are X.Y.Z, e.g. v4.58.0 or 4.58.0.",
        )
    if BRANCHY.fullmatch(raw) and ".." not in raw:
        raise PolicyRefusal(
            f'{image}:{raw} is not an image name; use the commit hash instead (handbook: "Deploy a new release '
            f'to dogfood": a branch tag moves, so it does not say what would run).',
            hint=f"Deploy a release (e.g. v4.58.0) or the commit's hash, e.g. `git rev-parse --short origin/{raw}`.",
        )
    raise UsageError(f"{option} {text!r} is neither a release (v4.58.0) nor a commit hash (7 to 40 hex digits).")


# --- what runs ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Running:
    """What dogfood runs now, from its version endpoint or from --current."""

    source: str  # "dogfood" or "--current"
    version_text: str | None
    revision: str | None
    version: Version | None = None  # only when it is a release build (X.Y.Z)

    @property
    def label(self) -> str:
        if self.version is not None:
            return str(self.version)
        short = self.revision[:SHORT_HASH] if self.revision else None
        if self.version_text and short:
            return f"{self.version_text} ({short})"
        return self.version_text or short or "an unknown build"

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "version": self.version_text, "revision": self.revision}


def release_of(version_text: str | None) -> Version | None:
    """The version of a release build (4.57.0, v4.57.0); None for a build of a commit."""
    if not version_text:
        return None
    found = release_text(version_text.strip().removeprefix("fleet-"))
    if not found:
        return None
    try:
        return Version(found)
    except InvalidVersion:  # pragma: no cover - the pattern only admits valid versions
        return None
