"""npm registry client over respx: the package document, retries, timeouts, refusals and malformed answers."""

from __future__ import annotations

import httpx
import pytest
import respx

from fleetops.clients.npm import NpmClient
from fleetops.errors import NotFound, ServiceError
from fleetops.settings import Settings

BASE = "https://npm.example.test"
URL = f"{BASE}/fleetctl"
DOC = {"name": "fleetctl", "dist-tags": {"latest": "4.58.0", "last-patched-version": "4.57.1"}, "versions": {"4.57.1": {}, "4.58.0": {}}}


@pytest.fixture
def npm(tmp_path):
    settings = Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), "FLEETOPS_NPM_URL": BASE + "/"}, retry_backoff=0.0, timeout=0.5)
    client = NpmClient(settings)
    yield client
    client.close()


@respx.mock
def test_the_document_gives_versions_and_dist_tags(npm):
    respx.get(URL).respond(200, json=DOC)
    package = npm.package("fleetctl")
    assert package.versions == {"4.57.1", "4.58.0"}
    assert (package.latest, package.dist_tags["last-patched-version"]) == ("4.58.0", "4.57.1")


@respx.mock
def test_5xx_is_retried_by_the_library_then_succeeds(npm):
    route = respx.get(URL).mock(side_effect=[httpx.Response(503), httpx.Response(502), httpx.Response(200, json=DOC)])
    assert npm.package("fleetctl").latest == "4.58.0"
    assert route.call_count == 3


@respx.mock
def test_5xx_after_the_retries_is_a_service_error_naming_the_status(npm):
    route = respx.get(URL).respond(500, text="boom")
    with pytest.raises(ServiceError, match="500"):
        npm.package("fleetctl")
    assert route.call_count == 4  # the first attempt and three retries (settings.retries)


@respx.mock
def test_404_is_not_found_and_not_retried(npm):
    route = respx.get(URL).respond(404, json={"error": "Not found"})
    with pytest.raises(NotFound):
        npm.package("fleetctl")
    assert route.call_count == 1


@respx.mock
def test_a_timeout_after_the_retries_is_a_service_error(npm):
    respx.get(URL).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ServiceError):
        npm.package("fleetctl")


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>sign in</html>"),
        httpx.Response(200, json=["fleetctl"]),
        httpx.Response(200, json={"name": "fleetctl", "versions": [], "dist-tags": {}}),
        httpx.Response(200, json={"name": "fleetctl", "versions": {}, "dist-tags": {"latest": 4}}),
    ],
    ids=["html", "array", "versions-not-object", "tag-not-string"],
)
@respx.mock
def test_a_malformed_answer_is_a_service_error_with_a_hint(npm, answer):
    respx.get(URL).mock(return_value=answer)
    with pytest.raises(ServiceError) as err:
        npm.package("fleetctl")
    assert "Traceback" not in str(err.value)
