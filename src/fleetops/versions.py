"""Release versions and the names made from them: the one place that knows what X.Y.Z looks like.

- `parse_release` reads `4.58.0` or `v4.58.0` (nothing else, ASCII digits only) into a `Release`;
  `require_release` is the same for a version a person gives: anything else is exit 2;
- `next_patch` / `Release.next_minor` give the default next versions;
- `release_name` fills a naming pattern of the rituals file (`fleet-v{version}` → `fleet-v4.58.0`);
- `pattern_regex` turns such a pattern into a regex that captures the version back.

Comparisons use `packaging.version.Version` (SPEC: "packaging (versions)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import Version

from fleetops import text
from fleetops.errors import UsageError

# X.Y.Z as written, ASCII digits only (`\d` would take ٤.٥٨.٠); leading zeros allowed, parse_release drops them.
RELEASE_PATTERN = r"[0-9]+\.[0-9]+\.[0-9]+"
_RELEASE = re.compile(r"v?(" + RELEASE_PATTERN + ")")


@dataclass(frozen=True, order=True)
class Release:
    """MAJOR.MINOR.PATCH of a Fleet release."""

    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def version(self) -> Version:
        return Version(str(self))

    def next_patch(self) -> Release:
        return Release(self.major, self.minor, self.patch + 1)

    def next_minor(self) -> Release:
        return Release(self.major, self.minor + 1, 0)


def release_text(value: str) -> str | None:
    """The X.Y.Z of `X.Y.Z` or `vX.Y.Z` exactly, as written; None for anything else."""
    match = _RELEASE.fullmatch(value)
    return match[1] if match else None


def parse_release(value: str) -> Release | None:
    """`4.58.0`, `v4.58.0` (surrounding spaces ignored) → Release; None for anything else."""
    found = release_text(value.strip())
    if found is None:
        return None
    major, minor, patch = (int(part) for part in found.split("."))
    return Release(major, minor, patch)


def require_release(value: str, what: str = "VERSION") -> Release:
    """The one parser of a version a person gives, for every command: X.Y.Z or vX.Y.Z, else exit 2."""
    release = parse_release(value)
    if release is None:
        raise UsageError(f"{what} {value!r} is not a release version.", hint="Use MAJOR.MINOR.PATCH, e.g. 4.58.0.")
    return release


def next_patch(version: Version | Release | str) -> str:
    """1.34.0 → '1.34.1'; a shorter version counts its missing parts as 0 (1.34 → 1.34.1)."""
    if isinstance(version, str):
        version = Version(version)
    if isinstance(version, Version):
        major, minor, patch = (version.release + (0, 0))[:3]
        version = Release(major, minor, patch)
    return str(version.next_patch())


def release_name(pattern: str, version: str | Release) -> str:
    """A naming pattern of the rituals file filled with a version: `fleet-v{version}` → `fleet-v4.58.0`."""
    return text.fill(pattern, {"version": str(version)})


def pattern_regex(pattern: str, version: str = RELEASE_PATTERN) -> re.Pattern[str]:
    """`fleet-v{version}` → a regex matching the whole name and capturing `version`.

    Every other character of the pattern matches itself; a second `{version}` must repeat the first.
    """
    parts: list[str] = []
    seen = False
    for literal, placeholder in text.pieces(pattern):  # the same parser that fills
        parts.append(re.escape(literal))
        if placeholder is not None:
            parts.append("(?P=version)" if seen else f"(?P<version>{version})")
            seen = True
    return re.compile("^" + "".join(parts) + "$")


def version_in(value: str, patterns: tuple[str, ...] | list[str]) -> str | None:
    """The X.Y.Z of `value` when it is a name made by one of `patterns` (as written), else None."""
    for pattern in patterns:
        match = pattern_regex(pattern).fullmatch(value)
        if match:
            return match["version"]
    return None
