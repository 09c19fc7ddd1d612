"""The dogfood Fleet server: which version and commit it runs (`GET /api/v1/fleet/version`).

Fleet answers with the build's `version` (4.57.0 for a release, a snapshot string for a build
of a commit) and `revision` (the full commit hash). Any API token of a Fleet user works; it
travels as a Bearer header and is redacted everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from fleetops.clients.http import HttpService, build_client
from fleetops.errors import ServiceError
from fleetops.settings import Settings

VERSION_PATH = "/api/v1/fleet/version"


class DogfoodNotConfigured(ServiceError):
    """FLEETOPS_DOGFOOD_URL is not set: fleetops cannot ask dogfood what it runs."""


@dataclass(frozen=True)
class FleetVersion:
    """What a Fleet server says it runs."""

    version: str
    revision: str | None
    branch: str | None = None
    build_date: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> FleetVersion:
        if not isinstance(data, dict) or not isinstance(data.get("version"), str) or not data["version"].strip():
            raise ServiceError("the dogfood Fleet server answered its version endpoint without a version.")
        revision = data.get("revision")
        return cls(
            version=data["version"].strip(),
            revision=revision.strip() if isinstance(revision, str) and revision.strip() else None,
            branch=data.get("branch") if isinstance(data.get("branch"), str) else None,
            build_date=data.get("build_date") if isinstance(data.get("build_date"), str) else None,
        )


class DogfoodClient(HttpService):
    service = "the dogfood Fleet server"
    token_var = "FLEETOPS_DOGFOOD_TOKEN"

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        if not settings.dogfood_url:
            raise DogfoodNotConfigured(
                "FLEETOPS_DOGFOOD_URL is not set, so fleetops cannot ask dogfood which version it runs.",
                hint="Export FLEETOPS_DOGFOOD_URL=https://<dogfood host> and FLEETOPS_DOGFOOD_TOKEN.",
            )
        token = settings.require("dogfood_token", "FLEETOPS_DOGFOOD_TOKEN", "ask the dogfood Fleet server which version it runs")
        super().__init__(client or build_client(settings, settings.dogfood_url, headers={"Authorization": f"Bearer {token}"}))

    def version(self) -> FleetVersion:
        """The version and revision the server runs now."""
        return FleetVersion.from_json(self.request("GET", VERSION_PATH))
