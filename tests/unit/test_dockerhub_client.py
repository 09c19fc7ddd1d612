"""The Docker Hub client against mocked HTTP (respx): exact lookups, suggestions, errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from fleetops.clients.dockerhub import DockerHubClient, nearest
from fleetops.errors import ServiceError
from fleetops.settings import Settings

BASE = "https://hub.test"
TAGS = f"{BASE}/v2/repositories/fleetdm/fleet/tags"


@pytest.fixture
def hub(tmp_path: Path):
    settings = Settings(state_dir=tmp_path, dockerhub_url=BASE, retries=2, retry_backoff=0.0, timeout=2.0)
    client = DockerHubClient(settings)
    yield client
    client.close()


def tag_body(name: str, digest: str = "sha256:" + "ab" * 32) -> dict:
    """A tag object in Docker Hub's real shape (../apis/dockerhub-samples.json)."""
    return {
        "creator": 1, "id": 2, "last_updated": "2024-05-14T11:00:47.871694Z", "name": name, "repository": 3,
        "full_size": 10, "v2": True, "tag_status": "active", "media_type": "application/vnd.oci.image.index.v1+json",
        "content_type": "image", "digest": digest,
        "images": [{"architecture": "amd64", "os": "linux", "variant": None, "digest": "sha256:" + "cd" * 32, "size": 10}],
    }


def page(names: list[str], next_url: str | None) -> dict:
    return {"count": 999, "next": next_url, "previous": None, "results": [tag_body(n) for n in names]}


@respx.mock
def test_exact_tag_found(hub):
    route = respx.get(f"{TAGS}/v4.58.0").respond(json=tag_body("v4.58.0"))
    tag = hub.tag("fleetdm/fleet", "v4.58.0")
    assert route.call_count == 1
    assert tag is not None
    assert tag.image == "fleetdm/fleet:v4.58.0"
    assert tag.digest == "sha256:" + "ab" * 32
    assert tag.platforms == ["linux/amd64"]


@respx.mock
def test_missing_tag_is_none_not_an_error(hub):
    body = {"message": "httperror 404: tag 'v9.9.9' not found", "errinfo": {"namespace": "fleetdm", "repository": "fleet", "tag": "v9.9.9"}}
    route = respx.get(f"{TAGS}/v9.9.9").respond(404, json=body)
    assert hub.tag("fleetdm/fleet", "v9.9.9") is None
    assert route.call_count == 1  # a 404 is an answer, not retried


@respx.mock
def test_server_errors_are_retried_then_reported(hub):
    route = respx.get(f"{TAGS}/v4.58.0").respond(503, json={"message": "down"})
    with pytest.raises(ServiceError, match="Docker Hub answered HTTP 503"):
        hub.tag("fleetdm/fleet", "v4.58.0")
    assert route.call_count == 3  # the first try and two retries


@respx.mock
def test_a_retry_that_succeeds_is_invisible(hub):
    route = respx.get(f"{TAGS}/v4.58.0").mock(side_effect=[httpx.Response(502), httpx.Response(200, json=tag_body("v4.58.0"))])
    assert hub.tag("fleetdm/fleet", "v4.58.0") is not None
    assert route.call_count == 2


@respx.mock
def test_timeouts_become_a_service_error(hub):
    respx.get(f"{TAGS}/v4.58.0").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ServiceError, match="did not answer in time"):
        hub.tag("fleetdm/fleet", "v4.58.0")


@respx.mock
def test_malformed_json_is_a_service_error(hub):
    respx.get(f"{TAGS}/v4.58.0").respond(200, text="<html>maintenance</html>")
    with pytest.raises(ServiceError, match="not JSON"):
        hub.tag("fleetdm/fleet", "v4.58.0")


@respx.mock
def test_an_answer_for_another_tag_is_not_trusted(hub):
    respx.get(f"{TAGS}/v4.58.0").respond(json=tag_body("v4.58.0-rc1"))
    with pytest.raises(ServiceError, match="not that tag"):
        hub.tag("fleetdm/fleet", "v4.58.0")


@respx.mock
def test_listing_pages_at_100_and_stops_early(hub):
    route = respx.get(TAGS).mock(
        side_effect=[
            httpx.Response(200, json=page([f"old{i}" for i in range(100)], f"{TAGS}?page=2")),
            httpx.Response(200, json=page(["v4.58.0", "v4.57.0", "v4.56.0", "v4.55.0", "v4.54.0"], f"{TAGS}?page=3")),
            httpx.Response(200, json=page(["never-read"], None)),
        ]
    )
    suggestions = hub.suggestions("fleetdm/fleet", "v4.58.1", limit=3)
    assert suggestions == ["v4.58.0", "v4.57.0", "v4.56.0"]
    assert route.call_count == 2  # enough close names after page 2: page 3 is never read
    first = route.calls[0].request.url.params
    assert first["page_size"] == "100" and first["ordering"] == "last_updated" and first["page"] == "1"


@respx.mock
def test_listing_reads_at_most_three_pages(hub):
    route = respx.get(TAGS).mock(side_effect=lambda request: httpx.Response(200, json=page(["zzz"], f"{TAGS}?page=9")))
    assert hub.suggestions("fleetdm/fleet", "v4.58.1") == []
    assert route.call_count == 3


@respx.mock
def test_anonymous_paging_limit_keeps_what_was_read(hub):
    limit = {"message": "pagination offset too large for anonymous requests; sign in to page further", "errinfo": {}}
    respx.get(TAGS).mock(side_effect=[httpx.Response(200, json=page(["v4.58.0"], f"{TAGS}?page=2")), httpx.Response(403, json=limit)])
    assert hub.suggestions("fleetdm/fleet", "v4.58.1") == ["v4.58.0"]


@respx.mock
def test_suggestions_are_empty_when_docker_hub_cannot_list(hub):
    respx.get(TAGS).respond(500, json={"message": "boom"})
    assert hub.suggestions("fleetdm/fleet", "v4.58.1") == []


@respx.mock
def test_a_page_past_the_end_ends_the_listing(hub):
    respx.get(TAGS).mock(side_effect=[httpx.Response(200, json=page(["v4.58.0"], f"{TAGS}?page=2")), httpx.Response(404, json={"message": "not found"})])
    assert hub.recent_tags("fleetdm/fleet") == ["v4.58.0"]


def test_nearest_prefers_prefixes_then_similar_names():
    names = ["main", "latest", "v4.58.0", "v4.57.0", "6fd0e37", "6fd0e3a", "a1b2c3d"]
    assert nearest("6fd0e37f", names)[0] == "6fd0e37"  # a longer hash of the same commit
    assert nearest("v4.58.1", names)[:2] == ["v4.58.0", "v4.57.0"]
    assert nearest("v4.58.1", []) == []


def test_the_samples_shape_parses(tmp_path):
    """The real single-tag body (tests/data) parses (a manifest list, images omitted)."""
    from tests.conftest import DATA

    samples = DATA / "dockerhub-samples.json"
    from fleetops.clients.dockerhub import ImageTag

    body = json.loads(samples.read_text())["get_tag_manifest_list"]["body"]
    tag = ImageTag.from_json("makerxau/algorand-indexer-dev", body)
    assert tag.name == "latest" and tag.digest.startswith("sha256:") and tag.platforms == []
