"""Docker Hub's tags API (../apis/dockerhub.md): does an image tag exist, and what is near it.

A tag is looked up by its exact name (`/v2/repositories/{ns}/{repo}/tags/{tag}`), never by
scanning: the list endpoint's `name=` filter is a substring match and anonymous deep paging is
refused. Only when the tag is missing does fleetops list the newest tags (100 per page, a few
pages at most) to suggest the nearest existing ones.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict

from fleetops.clients.answers import read_answer
from fleetops.clients.http import HttpService, build_client
from fleetops.errors import NotFound, ServiceError, UsageError
from fleetops.settings import Settings

PAGE_SIZE = 100  # Docker Hub's maximum
MAX_PAGES = 3  # the 300 newest tags; anonymous paging stops at 10 pages anyway


class _Image(BaseModel):
    model_config = ConfigDict(extra="ignore")
    os: str | None = None
    architecture: str | None = None
    variant: str | None = None


class _TagAnswer(BaseModel):
    """The fields of Docker Hub's tag answer that fleetops shows (../apis/dockerhub.md)."""

    model_config = ConfigDict(extra="ignore")
    name: str | None = None
    digest: str | None = None
    last_updated: str | None = None
    media_type: str | None = None
    images: list[_Image] | None = None


@dataclass(frozen=True)
class ImageTag:
    """One tag of a repository on Docker Hub."""

    repository: str  # namespace/name, e.g. fleetdm/fleet
    name: str
    digest: str | None
    last_updated: str | None
    media_type: str | None = None
    platforms: list[str] = field(default_factory=list)

    @property
    def image(self) -> str:
        return f"{self.repository}:{self.name}"

    @classmethod
    def from_json(cls, repository: str, data: Any) -> ImageTag:
        """The tag in Docker Hub's answer; ServiceError naming the field of an unexpected shape."""
        answer = read_answer(_TagAnswer, data, service="Docker Hub", what=f"the lookup of a tag of {repository}")
        platforms = ["/".join(p for p in (img.os, img.architecture, img.variant) if p) for img in answer.images or []]
        return cls(
            repository=repository,
            name=answer.name or "",
            digest=answer.digest or None,
            last_updated=answer.last_updated,
            media_type=answer.media_type,
            platforms=[p for p in platforms if p],
        )


def split_repository(repository: str) -> tuple[str, str]:
    """`fleetdm/fleet` → (fleetdm, fleet); an official image `nginx` → (library, nginx)."""
    namespace, _, name = repository.rpartition("/")
    if not name:
        raise UsageError(f"{repository!r} is not a Docker Hub repository name.", hint="Use namespace/name, e.g. fleetdm/fleet.")
    return namespace or "library", name


def nearest(wanted: str, names: list[str], limit: int = 5) -> list[str]:
    """The names most like `wanted` (typos, neighbouring versions, hash prefixes), best first."""
    prefixed = [n for n in names if n != wanted and (n.startswith(wanted) or wanted.startswith(n)) and len(n) >= 4]
    close = difflib.get_close_matches(wanted, names, n=limit, cutoff=0.6)
    return list(dict.fromkeys([*prefixed, *close]))[:limit]


class DockerHubClient(HttpService):
    service = "Docker Hub"
    token_var = None  # public repositories need no token

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        super().__init__(client or build_client(settings, settings.dockerhub_url))

    def _tags_path(self, repository: str) -> str:
        namespace, name = split_repository(repository)
        return f"/v2/repositories/{quote(namespace, safe='')}/{quote(name, safe='')}/tags"

    def tag(self, repository: str, tag: str) -> ImageTag | None:
        """The tag named exactly `tag`, or None when Docker Hub has no such tag."""
        try:
            data = self.request("GET", f"{self._tags_path(repository)}/{quote(tag, safe='')}")
        except NotFound:
            return None
        if not isinstance(data, dict) or data.get("name") != tag:
            raise ServiceError(f"Docker Hub answered the lookup of {repository}:{tag} with something that is not that tag.")
        return ImageTag.from_json(repository, data)

    def recent_tags(self, repository: str, *, max_pages: int = MAX_PAGES, enough: int | None = None, wanted: str | None = None) -> list[str]:
        """Names of the newest tags, 100 per page, at most `max_pages` pages.

        Stops early when a page has no `next`, when Docker Hub refuses deeper anonymous
        paging, or once `enough` names close to `wanted` have been seen.
        """
        names: list[str] = []
        params: dict[str, Any] = {"page_size": PAGE_SIZE, "ordering": "last_updated", "page": 1}
        for page in range(1, max_pages + 1):
            params["page"] = page
            answer = self.request("GET", self._tags_path(repository), params=params, ok_statuses=(403, 404))
            if isinstance(answer, httpx.Response):
                # 404: a page past the end; 403: anonymous paging refused this deep. Keep what we have.
                if answer.status_code == 403 and not names:
                    self.check(answer)
                break
            data = answer
            results = data.get("results") if isinstance(data, dict) else None
            if not isinstance(results, list):
                raise ServiceError(f"Docker Hub answered the tag list of {repository} without results.")
            names.extend(str(r["name"]) for r in results if isinstance(r, dict) and r.get("name"))
            if not data.get("next"):
                break
            if enough and wanted and len(nearest(wanted, names, limit=enough)) >= enough:
                break
        return names

    def suggestions(self, repository: str, tag: str, limit: int = 5) -> list[str]:
        """Existing tags nearest to a missing `tag`; empty when Docker Hub cannot list them."""
        try:
            names = self.recent_tags(repository, enough=limit, wanted=tag)
        except ServiceError:
            return []  # suggestions are a courtesy: the missing tag is the error that matters
        return nearest(tag, names, limit)
