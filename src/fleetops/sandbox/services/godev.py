"""go.dev's download list (../apis/go-dl.md): `GET /dl/?mode=json[&include=all]`.

`mode=json` lists only the stable releases go.dev shows on its page: the newest patch of the
two newest minor lines. `include=all` lists every release (beta and rc too), newest first in
`go/version.Compare` order. Without `mode=json` it is the HTML download page.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from fleetops.sandbox.routing import Context, HTTPError, Request, Response, Router

router = Router("godev", "/godev")

_VERSION = re.compile(r"^go(\d+)\.(\d+)(?:\.(\d+)|(beta|rc)(\d+))?$")
_FILES = [  # (suffix, os, arch, kind): a few of the real ones, enough to look like go.dev
    ("src.tar.gz", "", "", "source"),
    ("darwin-amd64.tar.gz", "darwin", "amd64", "archive"),
    ("darwin-arm64.pkg", "darwin", "arm64", "installer"),
    ("linux-amd64.tar.gz", "linux", "amd64", "archive"),
    ("linux-arm64.tar.gz", "linux", "arm64", "archive"),
    ("windows-amd64.msi", "windows", "amd64", "installer"),
]


def compare_key(version: str) -> tuple[int, ...]:
    """go/version.Compare as a sort key: go1.21 < go1.21beta1 < go1.21rc1 < go1.21.0 < go1.21.1."""
    match = _VERSION.match(version)
    if not match:
        return (-1,)
    major, minor, patch, kind, number = match.groups()
    if patch is not None:
        return (int(major), int(minor), 3, int(patch))
    if kind is not None:
        return (int(major), int(minor), 1 if kind == "beta" else 2, int(number))
    return (int(major), int(minor), 0, 0)


def _files(version: str) -> list[dict[str, Any]]:
    out = []
    for suffix, os_name, arch, kind in _FILES:
        filename = f"{version}.{suffix}"
        digest = hashlib.sha256(filename.encode()).hexdigest()
        out.append(
            {
                "filename": filename, "os": os_name, "arch": arch, "version": version,
                "sha256": digest, "size": 60_000_000 + int(digest[:6], 16), "kind": kind,
            }
        )
    return sorted(out, key=lambda f: (f["os"], f["arch"], f["kind"], f["filename"]))


def _releases(ctx: Context) -> list[dict[str, Any]]:
    godev = ctx.state.get("godev")
    if godev is None:
        raise HTTPError(404, "This sandbox world predates go.dev: run `fleetops sandbox reset`")
    return sorted(godev["releases"], key=lambda r: compare_key(r["version"]), reverse=True)


@router.route("GET", "/dl")
def download_list(ctx: Context, req: Request) -> Response:
    releases = _releases(ctx)
    if req.arg("mode") != "json":
        return Response(text="<!DOCTYPE html><title>All releases - The Go Programming Language</title>\n")
    if req.arg("include") != "all":
        stable: list[dict[str, Any]] = []
        lines: set[tuple[int, ...]] = set()
        for release in releases:  # newest first: the first of each line is its newest patch
            line = compare_key(release["version"])[:2]
            if release["stable"] and line not in lines and len(lines) < 2:
                lines.add(line)
                stable.append(release)
        releases = stable
    return Response(
        body=[{"version": r["version"], "stable": r["stable"], "files": _files(r["version"])} for r in releases],
        headers={"Access-Control-Allow-Origin": "*"},
    )
