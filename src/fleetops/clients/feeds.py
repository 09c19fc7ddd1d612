"""The vulnerability data feeds Fleet depends on (NVD, CISA): reachable, and how old they say they are.

Each feed is one GET of a JSON document whose own date (a dotted field path from the rituals
file, e.g. NVD's `timestamp`, CISA's `dateReleased`) tells its age. Dates without a time zone
are UTC (NVD writes "2024-06-10T14:46:28.773").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from fleetops.clients.http import HttpService, build_client
from fleetops.errors import ServiceError
from fleetops.settings import Settings


@dataclass(frozen=True)
class FeedReading:
    """A feed that answered: where, and the date it carries."""

    name: str
    url: str
    date: datetime  # aware, UTC


def parse_feed_date(value: Any) -> datetime | None:
    """An ISO-8601 date or time ('2024-06-10', '…T15:00:53.1524Z', naive = UTC) → aware datetime."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def field_at(data: Any, dotted: str) -> Any:
    """`data["a"]["b"]` for "a.b"; None when any part is missing."""
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


class FeedsClient(HttpService):
    service = "vulnerability feed"  # messages name the feed's URL, which says which one

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        # Feeds are absolute URLs on different hosts: no base URL.
        super().__init__(client or build_client(settings, ""))

    def read(self, name: str, url: str, date_field: str) -> FeedReading:
        """GET the feed and return its own date; ServiceError when it cannot say how old it is."""
        data = self.request("GET", url, headers={"Accept": "application/json"})
        raw = field_at(data, date_field)
        date = parse_feed_date(raw)
        if date is None:
            shown = "missing" if raw is None else repr(raw)[:40]
            raise ServiceError(
                f"the {name.upper()} feed at {url.split('?')[0]} has no usable date in `{date_field}` ({shown}).",
                hint=f"Check dependencies.feeds.{name}.date_field in the rituals file.",
            )
        return FeedReading(name=name, url=url, date=date)
