"""A sandbox repository backed by a real bare git repository (the `release` world).

The dict model (`repo["commits"]`, `repo["refs"]`; services/github/) stays what the sandbox's GitHub
API serves. A repository with `repo["git_dir"]` also lives in a real bare repository, which a
person clones (`fleetops sandbox clone DIR`, a `file://` remote whose path names owner/name) and
pushes to with their own git. Before every GitHub request the server calls `sync`: commits new in
the bare repository are imported (real SHAs, their changed files and contents) and every ref change
goes through `set_ref`, the one function that moves a ref in the dict model; a ref that is new is
handed to the server's `created` callback, which is GitHub's one door for a new ref
(services/github/release_workflow.py `ref_created`: a pushed `fleet-*` tag starts the release
workflow's run, as one created through `POST /git/refs` does). The API's own ref creation writes the
ref into the bare repository first (`write_ref`), so the next sync finds nothing new. Every function
here that can move a ref (`set_ref`, `write_ref`, `sync`, `sync_all`, `squash_merge`, `merge_pull`)
takes `created` as a required argument: no caller can change a ref without saying who hears of it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

JSON = dict[str, Any]
# No user or system configuration: a global config path that does not exist (git reads none; it is not
# /dev/null, which a shared machine may have turned into a regular file that others write into).
NO_CONFIG = {"GIT_CONFIG_GLOBAL": str(Path(tempfile.gettempdir()) / "fleetops-no-git-config" / "config"), "GIT_CONFIG_NOSYSTEM": "1"}
IDENTITY = {"GIT_AUTHOR_NAME": "Fleet Sandbox", "GIT_AUTHOR_EMAIL": "sandbox@fleetdm.invalid",
            "GIT_COMMITTER_NAME": "Fleet Sandbox", "GIT_COMMITTER_EMAIL": "sandbox@fleetdm.invalid"}

Created = Callable[[JSON, str, str], object]  # (repo, "tags/fleet-v4.60.1", sha): a ref that did not exist


def run(cwd: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> bytes:  # noqa: A002
    """git in `cwd` with the sandbox's identity and no user or system configuration."""
    full = {**os.environ, **IDENTITY, **NO_CONFIG, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    done = subprocess.run(["git", *args], cwd=cwd, env=full, input=input, capture_output=True, check=False)  # noqa: S603, S607
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args[:3])} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def at(when: datetime) -> dict[str, str]:
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}


def set_ref(repo: JSON, name: str, sha: str | None, created: Created) -> bool:
    """Move (or, with None, delete) a ref of the dict model; a new ref goes to `created`. True when it changed."""
    refs = repo.setdefault("refs", {})
    old = refs.get(name)
    if old == sha:
        return False
    if sha is None:
        refs.pop(name, None)
    else:
        refs[name] = sha
    if old is None and sha is not None:
        created(repo, name, sha)
    return True


def write_ref(repo: JSON, name: str, sha: str, *, created: Created) -> None:
    """A ref created through the API: into the bare repository first (when there is one), then the model and `created`."""
    if repo.get("git_dir"):
        run(Path(repo["git_dir"]), "update-ref", f"refs/{name}", sha)
    set_ref(repo, name, sha, created)


def _git_refs(bare: Path) -> dict[str, tuple[str, str | None]]:
    """name (heads/x, tags/y) → (object, the commit an annotated tag points at)."""
    out = {}
    text = run(bare, "for-each-ref", "--format=%(refname) %(objectname) %(*objectname)").decode()
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0].startswith("refs/"):
            out[parts[0].removeprefix("refs/")] = (parts[1], parts[2] if len(parts) > 2 else None)
    return out


def _import_commits(repo: JSON, bare: Path, tips: list[str]) -> None:
    from fleetops.sandbox.services.github.common import iso  # here: services/github/git.py imports this module

    known = repo.setdefault("commits", {})
    listed = run(bare, "rev-list", "--reverse", "--topo-order", *tips).decode().split()
    new = [sha for sha in listed if sha not in known]
    if not new:
        return
    meta = run(bare, "show", "-s", "--format=%H%x00%P%x00%cI%x00%an%x00%B%x1e", *new).decode()
    seq = len(known)
    for record in meta.split("\x1e"):
        record = record.lstrip("\n")
        if not record:
            continue
        sha, parents, date, author, message = record.split("\x00", 4)
        seq += 1
        known[sha] = {
            "sha": sha, "seq": seq, "parents": parents.split(), "message": message.rstrip("\n"),
            "date": iso(datetime.fromisoformat(date)),
            "author": author, "files": _changed_files(bare, sha, parents.split()),
        }


def _changed_files(bare: Path, sha: str, parents: list[str]) -> dict[str, str | None]:
    """path → new content (None: deleted) against the first parent (a root commit: every file)."""
    args = ["diff-tree", "-r", "-z", "--no-renames", "--no-commit-id"]
    raw = run(bare, *args, parents[0], sha) if parents else run(bare, *args, "--root", sha)
    fields = raw.decode(errors="replace").split("\x00")
    changes: list[tuple[str, str, str]] = []
    for i in range(0, len(fields) - 1, 2):
        header, path = fields[i], fields[i + 1]
        if header.startswith(":"):
            parts = header[1:].split()
            changes.append((path, parts[3], parts[4]))
    blobs = [blob for _, blob, status in changes if status != "D"]
    contents = _blobs(bare, blobs)
    return {path: (None if status == "D" else contents[blob]) for path, blob, status in changes}


def _blobs(bare: Path, shas: list[str]) -> dict[str, str]:
    if not shas:
        return {}
    data = run(bare, "cat-file", "--batch", input=("\n".join(shas) + "\n").encode())
    out, pos = {}, 0
    for sha in shas:
        end = data.index(b"\n", pos)
        size = int(data[pos:end].split()[2])
        out[sha] = data[end + 1 : end + 1 + size].decode(errors="replace")
        pos = end + 1 + size + 1
    return out


def sync(repo: JSON, *, created: Created) -> bool:
    """Bring the dict model up to the bare repository: new commits, then every ref through `set_ref`. True when anything changed."""
    bare = Path(repo["git_dir"])
    refs = _git_refs(bare)
    model = repo.setdefault("refs", {})
    if all(model.get(name) == obj for name, (obj, _) in refs.items()) and all(
        name in refs for name in model if name.startswith(("heads/", "tags/"))
    ):
        return False
    _import_commits(repo, bare, sorted({peeled or obj for obj, peeled in refs.values()}))
    tags = repo.setdefault("tag_objects", {})
    for name, (obj, peeled) in refs.items():
        if peeled:  # an annotated tag: the model keeps its object
            tags.setdefault(obj, {"tag": name.removeprefix("tags/"), "object": peeled, "message": f"Release {name}",
                                  "date": repo["commits"][peeled]["date"]})
    for name, (obj, _) in sorted(refs.items()):
        set_ref(repo, name, obj, created)
    for name in [n for n in model if n.startswith(("heads/", "tags/")) and n not in refs]:
        set_ref(repo, name, None, created)
    return True


def sync_all(state: JSON, *, created: Created) -> bool:
    """`sync` every git-backed repository of the state; True when anything changed."""
    changed = False
    for repo in (state.get("github") or {}).get("repos", {}).values():
        if repo.get("git_dir") and Path(repo["git_dir"]).is_dir():
            changed = sync(repo, created=created) or changed
    return changed


def squash_merge(repo: JSON, head: str, base: str, message: str, when: datetime, *, created: Created) -> str:
    """Merge `head` into `base` as Fleet does (one squashed commit on `base`), in the bare repository; returns its sha."""
    bare = Path(repo["git_dir"])
    base_sha = run(bare, "rev-parse", f"refs/heads/{base}").decode().strip()
    head_sha = run(bare, "rev-parse", f"refs/heads/{head}").decode().strip()
    done = subprocess.run(["git", "merge-tree", "--write-tree", base_sha, head_sha], cwd=bare, capture_output=True, text=True, check=False,  # noqa: S603, S607
                          env={**os.environ, **NO_CONFIG})
    if done.returncode != 0:
        raise ValueError(f"{head} does not merge cleanly into {base}")
    tree = done.stdout.split()[0]
    sha = run(bare, "commit-tree", tree, "-p", base_sha, "-m", message, env=at(when)).decode().strip()
    run(bare, "update-ref", f"refs/heads/{base}", sha, base_sha)
    sync(repo, created=created)
    return sha


def merge_pull(state: JSON, full: str, number: int, when: datetime, *, created: Created) -> JSON:
    """Merge pull request `number` of `full` as a person would on GitHub (squash), then mark it merged."""
    from fleetops.sandbox.routing import HTTPError
    from fleetops.sandbox.services.github.common import iso  # here: services/github/git.py imports this module

    repo = ((state.get("github") or {}).get("repos") or {}).get(full)
    pull = next((i for i in (repo or {}).get("issues", []) if i["number"] == number and i.get("pull_request")), None)
    if repo is None or pull is None:
        raise HTTPError(404, {"message": f"{full} has no pull request #{number}"})
    if not repo.get("git_dir"):
        raise HTTPError(422, {"message": f"{full} is not a git repository in this world (reset to the release world)"})
    pr = pull["pull_request"]
    if pr.get("merged_at") or pull["state"] != "open":
        raise HTTPError(422, {"message": f"#{number} is not open"})
    sync(repo, created=created)  # what was pushed since the last GitHub request, through the same door
    try:
        sha = squash_merge(repo, pr["head"], pr["base"], f"{pull['title']} (#{number})", when, created=created)
    except (ValueError, RuntimeError) as err:
        raise HTTPError(422, {"message": str(err)}) from None
    stamp = iso(when)
    pr.update(merged_at=stamp, merged_by="fleet-release", merge_commit_sha=sha)
    pull.update(state="closed", state_reason="completed", closed_at=stamp, updated_at=stamp)
    return {"number": number, "merge_commit_sha": sha, "base": pr["base"]}
