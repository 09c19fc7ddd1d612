"""The npm registry (`GET {FLEETOPS_NPM_URL}/{package}`): which versions of fleetctl are published, and its dist-tags.

The registry's package document lists every published version under `versions` and the moving
tags under `dist-tags` (`latest`; Fleet's `last-patched-version` for a patch of an older minor).
No token is needed to read. One request; retried (a GET) by httpx-retries like every httpx client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from fleetops.clients.http import HttpService, build_client
from fleetops.errors import ServiceError
from fleetops.settings import Settings


@dataclass(frozen=True)
class NpmPackage:
    """A package as the registry lists it: its versions (without a `v`) and its dist-tags."""

    name: str
    versions: frozenset[str]
    dist_tags: dict[str, str]

    @property
    def latest(self) -> str | None:
        return self.dist_tags.get("latest")


class NpmClient(HttpService):
    service = "the npm registry"

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        super().__init__(client or build_client(settings, settings.npm_url, headers={"Accept": "application/json"}))
        self.base_url = settings.npm_url

    def package(self, name: str) -> NpmPackage:
        """The registry's document of `name` (404: NotFound)."""
        return _package(name, self.request("GET", "/" + quote(name, safe="@")))


def _package(name: str, data: Any) -> NpmPackage:
    hint = "Check FLEETOPS_NPM_URL: it must be an npm registry (default https://registry.npmjs.org)."
    if not isinstance(data, dict):
        raise ServiceError(f"the npm registry's document of {name} is not a JSON object.", hint=hint)
    versions, tags = data.get("versions", {}), data.get("dist-tags", {})
    if not isinstance(versions, dict) or not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise ServiceError(f"the npm registry's document of {name} has no usable versions or dist-tags.", hint=hint)
    return NpmPackage(name=name, versions=frozenset(str(v) for v in versions), dist_tags={str(k): v for k, v in tags.items()})
