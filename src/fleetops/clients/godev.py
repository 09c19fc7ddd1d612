"""go.dev's download list (../apis/go-dl.md): every Go release, with whether it is stable.

`GET {base}/dl/?mode=json&include=all`. Plain `mode=json` lists only the newest patch of the two
newest minor lines, so a Fleet one minor behind would have no "latest patch of its line": the
full list is asked for instead. No token, no paging; one request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from fleetops.clients.http import HttpService, build_client
from fleetops.errors import ServiceError
from fleetops.settings import Settings


@dataclass(frozen=True)
class GoRelease:
    """One entry of the list: "go1.22.3" and whether go.dev calls it stable (not beta or rc)."""

    version: str
    stable: bool


class GoDevClient(HttpService):
    service = "go.dev"

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        super().__init__(client or build_client(settings, settings.godev_url))
        self.base_url = settings.godev_url

    @property
    def downloads_url(self) -> str:
        """The page people open to download Go (linked from the issues fleetops files)."""
        return f"{self.base_url}/dl/"

    def releases(self) -> list[GoRelease]:
        """Every published Go release, newest first as go.dev sorts them."""
        data = self.request("GET", "/dl/", params={"mode": "json", "include": "all"})
        return self._releases(data)

    def _releases(self, data: Any) -> list[GoRelease]:
        if not isinstance(data, list):
            raise ServiceError(f"go.dev's release list is not a JSON array (got {type(data).__name__}).", hint="Check FLEETOPS_GODEV_URL.")
        out = []
        for entry in data:
            if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
                raise ServiceError("go.dev's release list has an entry without a version string.", hint="Check FLEETOPS_GODEV_URL.")
            out.append(GoRelease(version=entry["version"], stable=entry.get("stable") is True))
        if not out:
            raise ServiceError("go.dev's release list is empty.", hint="Check FLEETOPS_GODEV_URL.")
        return out
