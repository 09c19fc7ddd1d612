"""Pure parsers for `check-deps`: go.mod, the osquery targets workflow, Go and module versions, tags.

Nothing here talks to a service; every function takes text or values and returns values, so
the unit tests run them over every real go.mod and workflow in tests/data/fleet.

Versions are compared with `packaging` (SPEC), after translating each ecosystem's spelling:
- Go releases: strip "go" ("go1.22.3" → 1.22.3; "go1.23rc1" → 1.23rc1, a pre-release; the
  two-part "go1.20" and a go.mod `go 1.21` equal 1.20.0 / 1.21.0).
- Go module versions (semver): "v1.3.0-beta1" → 1.3.0b1. A pseudo-version names a commit, not
  a release: "v1.1.3-0.20240530154548-05bb97403086" is a commit after v1.1.2 and before v1.1.3,
  so it sorts as 1.1.3.dev20240530154548 (packaging's "development release of 1.1.3").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml
from packaging.version import InvalidVersion, Version

from fleetops.versions import next_patch  # noqa: F401 - re-exported: check-deps and its tests use it here


class ParseError(ValueError):
    """The text does not contain what we look for; the message says what and where."""


# --- Go versions ---------------------------------------------------------------------------------------
_GO_VERSION = re.compile(r"^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?((?:rc|beta)\d+)?$")


def go_version(text: str) -> Version:
    """'go1.22.3', '1.22.3', '1.21', 'go1.23rc1' → a comparable Version; ParseError otherwise."""
    value = text.strip()
    if not _GO_VERSION.match(value):
        raise ParseError(f"{text!r} is not a Go version (like 1.22.3 or go1.22.3)")
    return Version(value.removeprefix("go"))


def go_minor(version: Version) -> tuple[int, int]:
    """The Go release line (what Go calls the major version): 1.22.3 → (1, 22)."""
    return (version.release + (0,))[:2]  # type: ignore[return-value]


@dataclass(frozen=True)
class GoLatest:
    """What go.dev offers relative to Fleet's Go: the newest patch of its line and the newest of all."""

    patch: Version | None  # newest stable release of Fleet's minor line (None: the line is not listed)
    newest: Version | None  # newest stable release of any line


def latest_go(current: Version, releases: Iterable[tuple[str, bool]]) -> GoLatest:
    """Pick from go.dev's (version, stable) list; unparseable and unstable entries are ignored."""
    stable: list[Version] = []
    for name, is_stable in releases:
        try:
            version = go_version(name)
        except ParseError:
            continue
        # go.dev marks beta and rc as unstable; check the version too, in case a list disagrees.
        if is_stable and not version.is_prerelease:
            stable.append(version)
    line = go_minor(current)
    same_line = [v for v in stable if go_minor(v) == line]
    return GoLatest(patch=max(same_line, default=None), newest=max(stable, default=None))


# --- go.mod -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GoMod:
    """The parts of a go.mod that check-deps reads."""

    go: str | None  # the `go` line as written: "1.22.3" or "1.21"
    toolchain: str | None  # the `toolchain` line without "go": "1.22.5" (None when absent or "default")
    requires: dict[str, str] = field(default_factory=dict)  # module path → version
    replaces: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # path → (new path, version)

    def go_version(self) -> Version:
        """The Go Fleet builds with: the `go` line, or the `toolchain` line when that is newer.

        `toolchain go1.22.5` makes the go command use at least that toolchain, so it is the
        version that matters when present; a `go` line newer than the toolchain wins (Go does
        the same).
        """
        if self.go is None:
            raise ParseError("go.mod has no `go` line")
        version = go_version(self.go)
        if self.toolchain:
            try:
                version = max(version, go_version(self.toolchain))
            except ParseError:
                pass  # a custom toolchain name (e.g. "go1.22.5+auto") says nothing comparable
        return version

    def module_version(self, path: str) -> str | None:
        """The version of module `path`: its require line, unless a replace pins another version."""
        replaced = self.replaces.get(path)
        if replaced is not None and replaced[1] is not None and replaced[0] == path:
            return replaced[1]
        return self.requires.get(path)


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\S+')


def _tokens(line: str) -> list[str]:
    """Split a go.mod line into tokens, dropping a `//` comment and unquoting quoted paths."""
    out: list[str] = []
    for token in _TOKEN.findall(line):
        if token.startswith("//"):
            break
        if "//" in token and not token.startswith(('"', "`")):
            out.append(token.split("//", 1)[0])
            break
        out.append(token[1:-1] if token[:1] in ('"', "`") else token)
    return [t for t in out if t]


def parse_gomod(text: str) -> GoMod:
    """Parse go.mod text (LF or CRLF, with or without a BOM): go, toolchain, require, replace."""
    go = toolchain = None
    requires: dict[str, str] = {}
    replaces: dict[str, tuple[str, str | None]] = {}
    block: str | None = None

    def directive(verb: str, args: list[str]) -> None:
        nonlocal go, toolchain
        if verb == "go" and args:
            go = args[0]
        elif verb == "toolchain" and args:
            toolchain = None if args[0] == "default" else args[0].removeprefix("go")
        elif verb == "require" and len(args) >= 2:
            requires[args[0]] = args[1]
        elif verb == "replace" and "=>" in args:
            arrow = args.index("=>")
            old, new = args[:arrow], args[arrow + 1 :]
            if old and new:
                replaces[old[0]] = (new[0], new[1] if len(new) > 1 else None)

    for raw in text.lstrip("\ufeff").splitlines():  # splitlines also drops the \r of CRLF
        tokens = _tokens(raw)
        if not tokens:
            continue
        if block is not None:
            if tokens == [")"]:
                block = None
            else:
                directive(block, tokens)
            continue
        if len(tokens) == 2 and tokens[1] == "(":
            block = tokens[0]
            continue
        directive(tokens[0], tokens[1:])
    return GoMod(go=go, toolchain=toolchain, requires=requires, replaces=replaces)


# --- Go module versions (semver and pseudo-versions) ----------------------------------------------------------
# golang.org/x/mod/module's three pseudo-version forms:
#   vX.0.0-yyyymmddhhmmss-abcdef123456        no earlier tag
#   vX.Y.Z-pre.0.yyyymmddhhmmss-abcdef123456  after the pre-release vX.Y.Z-pre
#   vX.Y.Z-0.yyyymmddhhmmss-abcdef123456      after the release vX.Y.(Z-1)
_PSEUDO = re.compile(
    r"^v(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)-"
    r"(?:(?P<pre>[0-9A-Za-z.-]*?)\.0\.|0\.|)"
    r"(?P<time>\d{14})-(?P<rev>[0-9a-f]{12,40})(?:\+[0-9A-Za-z.-]+)?$"
)


@dataclass(frozen=True)
class ModuleVersion:
    """A Go module version as written in go.mod, and how it compares with releases."""

    raw: str
    key: Version | None  # None: not comparable (unknown spelling)
    pseudo: bool = False
    base: str | None = None  # for a pseudo-version: the release it builds on ("v1.1.2"), if any
    commit: str | None = None  # for a pseudo-version: the 12-hex commit prefix

    def describe(self) -> str:
        """'v1.2.1', or 'v1.1.3-0.2024…-05bb97403086 (commit 05bb974 after v1.1.2)' for people."""
        if not self.pseudo:
            return self.raw
        after = f" after {self.base}" if self.base else ""
        return f"{self.raw} (commit {(self.commit or '')[:7]}{after})"


def parse_module_version(raw: str) -> ModuleVersion:
    """A semver tag or a pseudo-version → ModuleVersion with a packaging key (None when unknown)."""
    value = raw.strip()
    match = _PSEUDO.match(value)
    if match:
        major, minor, patch = int(match["major"]), int(match["minor"]), int(match["patch"])
        stamp, rev = match["time"], match["rev"]
        pre = match["pre"]
        if pre:  # after the pre-release vX.Y.Z-pre: just above it
            base = f"v{major}.{minor}.{patch}-{pre}"
            try:
                key = Version(f"{Version(base[1:])}.post0.dev{stamp}")
            except InvalidVersion:
                key = Version(f"{major}.{minor}.{patch}.dev{stamp}")
        elif f"-0.{stamp}" in value and patch > 0:  # after vX.Y.(Z-1): before vX.Y.Z
            base = f"v{major}.{minor}.{patch - 1}"
            key = Version(f"{major}.{minor}.{patch}.dev{stamp}")
        else:  # no tag before this commit
            base = None
            key = Version(f"{major}.{minor}.{patch}.dev{stamp}")
        return ModuleVersion(raw=value, key=key, pseudo=True, base=base, commit=rev[:12])
    try:
        return ModuleVersion(raw=value, key=Version(value))
    except InvalidVersion:
        return ModuleVersion(raw=value, key=None)


def release_version(tag: str) -> Version | None:
    """A release tag ('v1.2.3', '5.13.1', 'v1.3.0-beta1') → Version, or None when it is not one."""
    try:
        return Version(tag.strip())
    except InvalidVersion:
        return None


# --- the osquery targets workflow ----------------------------------------------------------------------------
_ENV_LINE = r"^\s*{name}\s*:\s*['\"]?(?P<value>[^'\"\s#]+)"


def osquery_version(text: str, variable: str = "OSQUERY_VERSION") -> str:
    """The value of `variable` in the workflow's `env:` (top level first, then any job's).

    YAML is read with the base loader, so every value stays a string ("5.10" is not 5.1).
    A file YAML cannot read falls back to the first `OSQUERY_VERSION: x` line.
    """
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CBaseLoader", yaml.BaseLoader))  # noqa: S506 - only str/list/dict; libyaml when built in
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict):
        envs = [data.get("env")]
        jobs = data.get("jobs")
        if isinstance(jobs, dict):
            envs += [job.get("env") for job in jobs.values() if isinstance(job, dict)]
        for env in envs:
            if isinstance(env, dict) and isinstance(env.get(variable), str) and env[variable].strip():
                return env[variable].strip()
    match = re.search(_ENV_LINE.format(name=re.escape(variable)), text, re.MULTILINE)
    if match:
        return match["value"]
    raise ParseError(f"no {variable} in the workflow's env")


# --- tags --------------------------------------------------------------------------------------------------
def regular_tag_version(name: str, prefix: str) -> Version | None:
    """`<prefix>X.Y.Z` exactly → Version; anything else (-1337, -beta, .2, test-build) → None."""
    match = re.fullmatch(re.escape(prefix) + r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", name)
    return Version(".".join(match.groups())) if match else None


def latest_regular_tag(names: Iterable[str], prefix: str) -> tuple[str, Version] | None:
    """The regular tag with the highest version (not the newest by date or by list order)."""
    found = [(version, name) for name in names if (version := regular_tag_version(name, prefix)) is not None]
    if not found:
        return None
    version, name = max(found)
    return name, version
