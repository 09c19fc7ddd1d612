"""The user's own `git`, for `release prepare`: one small typed wrapper around the command.

Every call is an argument list (never a shell), runs in the working copy, and has
`GIT_TERMINAL_PROMPT=0` so that a push that needs credentials fails instead of waiting for a
password nobody will type. A failure is a `FleetopsError` that says what is wrong and what to
do: not a working copy, uncommitted changes, no remote naming the repository, a git missing
or too old. The remote URL is redacted wherever it is shown (it may carry a
token, `https://x-access-token:...@github.com/...`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fleetops.errors import FleetopsError, UsageError
from fleetops.redaction import redact

MINIMUM = (2, 29)  # `git switch -c` (2.23), `git fetch --no-write-fetch-head` (2.29)


class GitError(FleetopsError):
    """A git command failed; `stderr` is git's own reason (redacted)."""

    def __init__(self, message: str, *, stderr: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.stderr = stderr


class Conflict(GitError):
    """A cherry-pick stopped on a conflict; the working copy is left in it for a person."""


_URL_USER = re.compile(r"(?<=://)[^/@\s]+@")


def safe_url(url: str) -> str:
    """A remote URL without its user-info part (`https://TOKEN@host/...` → `https://host/...`)."""
    return _URL_USER.sub("", redact(url))


def repo_of_url(url: str) -> str | None:
    """`owner/name` from a remote URL (https, ssh, scp-like or file), or None."""
    match = re.search(r"[/:]([^/:\s]+)/([^/\s]+?)(?:\.git)?/?$", url.strip())
    return f"{match.group(1)}/{match.group(2)}" if match else None


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str
    body: str


class Git:
    """`git` in one working copy."""

    def __init__(self, directory: Path, *, executable: str | None = None) -> None:
        self.directory = Path(directory)
        self.executable = executable or shutil.which("git") or "git"
        self.env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_EDITOR": "true", "GIT_MERGE_AUTOEDIT": "no"}

    # --- the one place a process is started -----------------------------------------------------------------------
    def _start(self, args: tuple[str, ...], input: str | bytes | None, *, text: bool) -> subprocess.CompletedProcess:  # noqa: A002
        """`git ARGS` in the working copy, output captured; no git, or no directory there, is bad input (exit 2), never a traceback."""
        try:
            return subprocess.run(  # noqa: S603 - an argument list, never a shell
                [self.executable, *args], cwd=self.directory, env=self.env, input=input,
                capture_output=True, text=text, check=False,
            )
        except FileNotFoundError:
            raise UsageError(f"git is not installed (looked for {self.executable!r}).",
                             hint=f"Install git {MINIMUM[0]}.{MINIMUM[1]} or newer.") from None
        except NotADirectoryError:
            raise UsageError(f"{self.directory} is not a directory.", hint="Give --repo-dir a git working copy of the repository.") from None

    def run(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:  # noqa: A002
        """Run `git ARGS` in the working copy; a non-zero exit is a GitError with git's reason."""
        done = self._start(args, input, text=True)
        if check and done.returncode != 0:
            reason = safe_url(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")
            raise GitError(f"git {args[0]} failed: {reason}", stderr=safe_url(done.stderr))
        return done

    def run_bytes(self, *args: str, input: bytes) -> bytes:  # noqa: A002
        """`git ARGS` with binary input and output (cat-file --batch)."""
        done = self._start(args, input, text=False)
        if done.returncode != 0:
            raise GitError(f"git {args[0]} failed: {safe_url(done.stderr.decode(errors='replace').strip())}")
        return done.stdout

    def out(self, *args: str) -> str:
        return self.run(*args).stdout.strip()

    # --- checks before anything is written --------------------------------------------------------------------
    def version(self) -> tuple[int, int]:
        text = self.run("--version").stdout
        match = re.search(r"(\d+)\.(\d+)", text)
        return (int(match.group(1)), int(match.group(2))) if match else (0, 0)

    def require_version(self) -> None:
        found = self.version()
        if found < MINIMUM:
            raise UsageError(
                f"git {found[0]}.{found[1]} is too old: fleetops needs git {MINIMUM[0]}.{MINIMUM[1]} or newer.",
                hint="Upgrade git, then run the command again.",
            )

    def require_work_tree(self) -> None:
        if not self.directory.is_dir():
            raise UsageError(f"{self.directory} does not exist.", hint="Give --repo-dir a git working copy of the repository.")
        done = self.run("rev-parse", "--is-inside-work-tree", check=False)
        if done.returncode != 0 or done.stdout.strip() != "true":
            raise UsageError(
                f"{self.directory} is not a git working copy.",
                hint="Run the command in a clone of the repository, or give --repo-dir (on the sandbox: fleetops sandbox clone DIR).",
            )

    def changes(self) -> list[str]:
        """Uncommitted changes (staged, unstaged, untracked), as `git status --porcelain` lines."""
        return [line for line in self.run("status", "--porcelain", "--untracked-files=normal").stdout.splitlines() if line]

    def require_clean(self) -> None:
        changed = self.changes()
        if changed:
            shown = ", ".join(line[3:] for line in changed[:5]) + (" ..." if len(changed) > 5 else "")
            raise UsageError(
                f"{self.directory} has uncommitted changes ({shown}): fleetops never writes over a person's work.",
                hint="Commit or stash them (git stash -u), then run the command again.",
            )

    def remote_for(self, repo: str, name: str | None = None) -> str:
        """The remote whose URL names `repo` (owner/name), or the one called `name`."""
        remotes = {}
        for line in self.run("remote", "-v").stdout.splitlines():
            parts = line.split()
            if len(parts) >= 2:
                remotes[parts[0]] = parts[1]
        if name is not None:
            if name not in remotes:
                raise UsageError(f"{self.directory} has no remote {name!r} (it has: {', '.join(sorted(remotes)) or 'none'}).",
                                 hint="Give --remote one of them, or add it: git remote add NAME URL.")
            return name
        matching = sorted(r for r, url in remotes.items() if (repo_of_url(url) or "").lower() == repo.lower())
        if not matching:
            listed = ", ".join(f"{r} ({safe_url(u)})" for r, u in sorted(remotes.items())) or "none"
            raise UsageError(f"no remote of {self.directory} names {repo} (remotes: {listed}).",
                             hint=f"Add one (git remote add upstream https://github.com/{repo}.git) or give --remote NAME.")
        return "origin" if "origin" in matching else matching[0]

    def current_branch(self) -> str | None:
        """The checked-out branch, or None when HEAD is detached."""
        done = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    def in_progress(self) -> str | None:
        """The operation a person has to finish first (cherry-pick, merge, rebase, revert), or None."""
        git_dir = Path(self.out("rev-parse", "--absolute-git-dir"))
        for marker, name in (("CHERRY_PICK_HEAD", "cherry-pick"), ("MERGE_HEAD", "merge"), ("REVERT_HEAD", "revert"),
                             ("rebase-merge", "rebase"), ("rebase-apply", "rebase")):
            if (git_dir / marker).exists():
                return name
        return None

    # --- reads ------------------------------------------------------------------------------------------------
    def rev(self, ref: str) -> str | None:
        done = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        return done.stdout.strip() or None if done.returncode == 0 else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.run("merge-base", "--is-ancestor", ancestor, descendant, check=False).returncode == 0

    def ls_remote(self, remote: str, *refs: str) -> dict[str, str]:
        """Full ref name → commit sha on the remote (an annotated tag: the commit it points at)."""
        out: dict[str, str] = {}
        patterns = [p for ref in refs for p in ((ref, ref + "^{}") if ref.startswith("refs/tags/") else (ref,))]
        for line in self.out("ls-remote", remote, *patterns).splitlines():
            sha, _, name = line.partition("\t")
            if name.endswith("^{}"):
                out[name[:-3]] = sha  # the peeled commit wins over the tag object
            else:
                out.setdefault(name, sha)
        return out

    def fetch_objects(self, remote: str, *refs: str) -> None:
        """Fetch the commits of `refs` without moving any ref (no remote-tracking ref, no FETCH_HEAD): a dry run stays dry."""
        if refs:
            self.run("fetch", "--quiet", "--no-tags", "--refmap=", "--no-write-fetch-head", remote, *refs)

    def first_parent(self, ref: str) -> list[str]:
        """Commits of `ref`'s first-parent history, oldest first."""
        return self.out("rev-list", "--first-parent", "--reverse", ref).split()

    def commits(self, span: str) -> list[Commit]:
        """The commits in `span` (`A..B`), oldest first, with their messages."""
        text = self.run("log", "--reverse", "--format=%H%x00%s%x00%b%x1e", span).stdout
        out = []
        for record in text.split("\x1e"):
            record = record.strip("\n")
            if record:
                sha, subject, body = (record.split("\x00") + ["", ""])[:3]
                out.append(Commit(sha, subject, body))
        return out

    def patch_ids(self, shas: list[str]) -> dict[str, str]:
        """sha → stable patch-id (merge commits and empty commits have none)."""
        if not shas:
            return {}
        patches = self.run("show", "--no-color", "--pretty=format:commit %H", "--patch", *shas).stdout
        ids = self.run("patch-id", "--stable", input=patches).stdout
        return {commit: pid for pid, commit in (line.split() for line in ids.splitlines() if line.strip())}

    def tree_files(self, ref: str, path: str) -> list[str]:
        """The paths of the files under `path` at `ref` (one `git ls-tree`)."""
        return self.out("ls-tree", "-r", "--name-only", ref, "--", path).splitlines()

    def changed_files(self, sha: str) -> list[tuple[str, str]]:
        """(status letter, path) of one commit against its first parent."""
        return self.changed_files_of([sha]).get(sha, [])

    def changed_files_of(self, shas: list[str]) -> dict[str, list[tuple[str, str]]]:
        """sha → (status letter, path) of each commit against its first parent, in one `git show`."""
        if not shas:
            return {}
        text = self.run("show", "--no-renames", "--name-status", "--first-parent", "--format=%x00%H", *shas).stdout
        out: dict[str, list[tuple[str, str]]] = {}
        for record in text.split("\x00")[1:]:
            lines = record.splitlines()
            out[lines[0].strip()] = [(ln.split("\t")[0][0], ln.split("\t")[-1]) for ln in lines[1:] if "\t" in ln]
        return out

    def read_files(self, specs: list[str]) -> dict[str, bytes | None]:
        """`REF:PATH` → the blob's bytes (None: no such file), all in one `git cat-file --batch`."""
        if not specs:
            return {}
        data = self.run_bytes("cat-file", "--batch", input=("\n".join(specs) + "\n").encode())
        out: dict[str, bytes | None] = {}
        pos = 0
        for spec in specs:
            end = data.index(b"\n", pos)
            header = data[pos:end].split()
            if header[-1] == b"missing" or len(header) < 3 or header[1] != b"blob":
                out[spec], pos = None, end + 1
                continue
            size = int(header[2])
            out[spec] = data[end + 1 : end + 1 + size]
            pos = end + 1 + size + 1
        return out

    def not_reachable(self, tip: str, *others: str) -> set[str]:
        """The commits reachable from `others` but not from `tip` (one `git rev-list`)."""
        return set(self.out("rev-list", *others, f"^{tip}").split())

    # --- writes -----------------------------------------------------------------------------------------------
    def switch(self, branch: str, *, create_at: str | None = None) -> None:
        if create_at is None:
            self.run("switch", "--quiet", branch)
        else:
            self.run("switch", "--quiet", "-c", branch, create_at)

    def cherry_pick(self, sha: str) -> str:
        """`git cherry-pick -x SHA`; a conflict raises Conflict and leaves the cherry-pick in progress."""
        done = self.run("cherry-pick", "-x", "--allow-empty", "--keep-redundant-commits", sha, check=False)
        if done.returncode != 0:
            if self.in_progress() == "cherry-pick":
                raise Conflict(f"cherry-pick of {sha[:10]} stopped on a conflict", stderr=safe_url(done.stderr))
            raise GitError(f"git cherry-pick {sha[:10]} failed: {safe_url(done.stderr.strip())}", stderr=safe_url(done.stderr))
        return self.out("rev-parse", "HEAD")

    def commit_all(self, message: str, paths: list[str], removed: list[str]) -> str:
        """Stage exactly `paths` (written) and `removed` (deleted), commit, return the new sha."""
        if removed:
            self.run("rm", "--quiet", "--cached", "--ignore-unmatch", "--", *removed)
        if paths:
            self.run("add", "--", *paths)
        self.run("commit", "--quiet", "--no-verify", "-m", message)
        return self.out("rev-parse", "HEAD")

    def push(self, remote: str, branch: str) -> None:
        """Push `branch` (never forced); a rejection names the branch and git's reason."""
        done = self.run("push", "--porcelain", remote, f"refs/heads/{branch}:refs/heads/{branch}", check=False)
        if done.returncode != 0:
            lines = [ln for ln in (done.stdout + "\n" + done.stderr).splitlines() if ln.strip() and not ln.startswith("To ")]
            reason = safe_url(next((ln for ln in lines if "rejected" in ln or "error" in ln or "denied" in ln), lines[-1] if lines else "unknown"))
            raise GitError(f"the push of {branch} to {remote} was rejected: {reason.strip()}",
                           stderr=safe_url(done.stderr),
                           hint="The local commits are kept: fix the cause (permission, protection, or pull what someone pushed first) and run the command again.")
