"""A builder for the sandbox's tiny git: commits with file changes, branches and tags."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class GitBuilder:
    """Writes commits into a repository dict of the sandbox state (see services/github/)."""

    def __init__(self, repo: dict[str, Any]) -> None:
        self.repo = repo
        repo.setdefault("commits", {})
        repo.setdefault("refs", {})
        repo.setdefault("tag_objects", {})
        self._seq = len(repo["commits"])

    def commit(
        self,
        message: str,
        when: datetime,
        files: dict[str, str | None] | None = None,
        *,
        branch: str = "main",
        author: str = "Fleet Engineer",
    ) -> str:
        """Commit `files` (path → content, None deletes) on top of `branch`; returns the sha."""
        parent = self.repo["refs"].get(f"heads/{branch}")
        self._seq += 1
        sha = hashlib.sha1(f"{self.repo['name']}:{self._seq}:{message}".encode()).hexdigest()
        self.repo["commits"][sha] = {
            "sha": sha,
            "seq": self._seq,
            "parents": [parent] if parent else [],
            "message": message,
            "date": iso(when),
            "author": author,
            "files": dict(files or {}),
        }
        self.repo["refs"][f"heads/{branch}"] = sha
        return sha

    def branch(self, name: str, at: str) -> None:
        self.repo["refs"][f"heads/{name}"] = at

    def tag(self, name: str, at: str | None = None, *, annotated: bool = False, when: datetime | None = None) -> str:
        """Tag a commit (default: the head of main); annotated tags get a tag object."""
        target = at or self.repo["refs"]["heads/main"]
        if not annotated:
            self.repo["refs"][f"tags/{name}"] = target
            return target
        tag_sha = hashlib.sha1(f"tag:{name}:{target}".encode()).hexdigest()
        self.repo["tag_objects"][tag_sha] = {
            "tag": name,
            "object": target,
            "message": f"Release {name}",
            "date": iso(when) if when else self.repo["commits"][target]["date"],
        }
        self.repo["refs"][f"tags/{name}"] = tag_sha
        return tag_sha

    def head(self, branch: str = "main") -> str:
        return self.repo["refs"][f"heads/{branch}"]
