"""The go.dev and feed clients over a mocked transport (respx): answers, retries, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx

from fleetops.clients.feeds import FeedsClient, parse_feed_date
from fleetops.clients.godev import GoDevClient, GoRelease
from fleetops.errors import NotFound, ServiceError
from fleetops.settings import Settings
from tests.conftest import DATA

GODEV = "https://go.dev"
NVD = "https://services.nvd.nist.gov/rest/json/cves/2.0?resultsPerPage=1"
CISA = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Real retry count, no waiting between attempts.
    return Settings(state_dir=tmp_path, retries=3, retry_backoff=0.0, timeout=2.0)


# --- go.dev -------------------------------------------------------------------------------------------------
def test_godev_asks_for_every_release_and_keeps_the_stable_flag(settings):
    body = json.loads((DATA / "go-dl-samples.json").read_text())["real_capture_go1_21_5"]
    body = [*body, {"version": "go1.22rc1", "stable": False, "files": []}]
    with respx.mock(assert_all_called=True) as mock:
        route = mock.get(f"{GODEV}/dl/").mock(return_value=httpx.Response(200, json=body))
        client = GoDevClient(settings)
        assert client.releases() == [GoRelease("go1.21.5", True), GoRelease("go1.22rc1", False)]
    assert dict(route.calls.last.request.url.params) == {"mode": "json", "include": "all"}
    assert client.downloads_url == "https://go.dev/dl/"


def test_godev_5xx_is_retried_then_succeeds(settings):
    with respx.mock:
        route = respx.get(f"{GODEV}/dl/").mock(
            side_effect=[httpx.Response(500, text="Could not get download page. Try again in a few minutes."),
                         httpx.Response(200, json=[{"version": "go1.24.4", "stable": True}])]
        )
        assert GoDevClient(settings).releases() == [GoRelease("go1.24.4", True)]
    assert route.call_count == 2


def test_godev_5xx_after_retries_is_a_service_error_with_the_text(settings):
    with respx.mock:
        route = respx.get(f"{GODEV}/dl/").mock(return_value=httpx.Response(500, text="Could not get download page. Try again in a few minutes."))
        with pytest.raises(ServiceError, match=r"go.dev answered HTTP 500 for GET https://go.dev/dl/: Could not get download page"):
            GoDevClient(settings).releases()
    assert route.call_count == 4  # the first try and three retries


def test_godev_timeout_is_a_service_error(settings):
    with respx.mock:
        route = respx.get(f"{GODEV}/dl/").mock(side_effect=httpx.ReadTimeout("slow"))
        with pytest.raises(ServiceError, match="go.dev did not answer in time"):
            GoDevClient(settings).releases()
    assert route.call_count == 2  # an answer that timed out is waited for once more, not three times (issue 20 item 14)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(200, text="<html>captive portal</html>"), "not JSON"),
        (httpx.Response(200, json={"version": "go1.24.4"}), "not a JSON array"),
        (httpx.Response(200, json=[{"stable": True}]), "without a version string"),
        (httpx.Response(200, json=[]), "is empty"),
    ],
)
def test_godev_malformed_answers_are_service_errors(settings, response, message):
    with respx.mock:
        respx.get(f"{GODEV}/dl/").mock(return_value=response)
        with pytest.raises(ServiceError, match=message):
            GoDevClient(settings).releases()


# --- feeds ----------------------------------------------------------------------------------------------------
def test_feeds_read_their_own_dates(settings):
    with respx.mock:
        respx.get(NVD).mock(return_value=httpx.Response(200, json={"format": "NVD_CVE", "timestamp": "2024-06-10T14:46:28.773"}))
        respx.get(CISA).mock(return_value=httpx.Response(200, json={"dateReleased": "2024-06-10T15:00:53.1524Z", "count": 1}))
        client = FeedsClient(settings)
        nvd = client.read("nvd", NVD, "timestamp")
        cisa = client.read("cisa", CISA, "dateReleased")
    assert nvd.date == datetime(2024, 6, 10, 14, 46, 28, 773000, tzinfo=UTC)  # no zone: UTC
    assert cisa.date == datetime(2024, 6, 10, 15, 0, 53, 152400, tzinfo=UTC)


def test_feed_without_its_date_field_names_the_field(settings):
    with respx.mock:
        respx.get(CISA).mock(return_value=httpx.Response(200, json={"catalogVersion": "2024.06.10"}))
        with pytest.raises(ServiceError, match=r"no usable date in `dateReleased` \(missing\).*dependencies.feeds.cisa.date_field"):
            FeedsClient(settings).read("cisa", CISA, "dateReleased")


def test_feed_errors_name_the_url(settings):
    with respx.mock:
        respx.get(CISA).mock(return_value=httpx.Response(503, text="busy"))
        with pytest.raises(ServiceError, match="vulnerability feed answered HTTP 503 for GET https://www.cisa.gov/"):
            FeedsClient(settings).read("cisa", CISA, "dateReleased")
        respx.get(NVD).mock(return_value=httpx.Response(404, json={"message": "gone"}))
        with pytest.raises(NotFound):
            FeedsClient(settings).read("nvd", NVD, "timestamp")


def test_feed_timeout_and_garbage(settings):
    with respx.mock:
        respx.get(NVD).mock(side_effect=httpx.ConnectTimeout("no route"))
        with pytest.raises(ServiceError, match="did not answer in time"):
            FeedsClient(settings).read("nvd", NVD, "timestamp")
    with respx.mock:
        respx.get(NVD).mock(return_value=httpx.Response(200, text="{not json"))
        with pytest.raises(ServiceError, match="not JSON"):
            FeedsClient(settings).read("nvd", NVD, "timestamp")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-06-10", datetime(2024, 6, 10, tzinfo=UTC)),
        ("2024-06-10T10:00:00+02:00", datetime(2024, 6, 10, 8, tzinfo=UTC)),
        ("yesterday", None),
        (1718000000, None),
        (None, None),
    ],
)
def test_parse_feed_date(value, expected):
    assert parse_feed_date(value) == expected
