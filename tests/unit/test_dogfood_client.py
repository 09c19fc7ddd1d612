"""The dogfood Fleet server client against mocked HTTP (respx): version, auth, failures."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx
from pydantic import SecretStr

from fleetops.clients.dogfood import DogfoodClient, DogfoodNotConfigured
from fleetops.errors import AuthError, ExitCode, ServiceError
from fleetops.redaction import register_secret
from fleetops.settings import Settings

BASE = "https://dogfood.test"
VERSION = f"{BASE}/api/v1/fleet/version"
TOKEN = "dogfood-token-for-respx-9f2c"
FLEET_ANSWER = {  # the fields Fleet's version endpoint returns
    "version": "4.57.0",
    "branch": "HEAD",
    "revision": "0f8bbf49ea13d68e438115faed83e5ed9b06dd00",
    "go_version": "go1.22.3",
    "build_date": "2024-09-10",
    "build_user": "runner",
}


def settings(tmp_path: Path, **kw) -> Settings:
    values = {"state_dir": tmp_path, "dogfood_url": BASE, "dogfood_token": SecretStr(TOKEN), "retries": 2, "retry_backoff": 0.0, "timeout": 2.0}
    values.update(kw)
    return Settings(**values)


@pytest.fixture
def dogfood(tmp_path: Path):
    register_secret(TOKEN)
    client = DogfoodClient(settings(tmp_path))
    yield client
    client.close()


@respx.mock
def test_version_and_revision_with_a_bearer_token(dogfood):
    route = respx.get(VERSION).respond(json=FLEET_ANSWER)
    answer = dogfood.version()
    assert (answer.version, answer.revision, answer.branch) == ("4.57.0", FLEET_ANSWER["revision"], "HEAD")
    assert route.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


@respx.mock
@pytest.mark.parametrize("status", [401, 403])
def test_a_rejected_token_is_exit_4_naming_the_variable_not_the_token(dogfood, status):
    respx.get(VERSION).respond(status, json={"message": "Authentication required", "errors": [{"name": "base", "reason": "Authentication required"}]})
    with pytest.raises(AuthError) as caught:
        dogfood.version()
    assert caught.value.exit_code == ExitCode.AUTH == 4
    assert "FLEETOPS_DOGFOOD_TOKEN" in str(caught.value)
    assert TOKEN not in str(caught.value)


@respx.mock
def test_server_errors_are_retried_then_reported(dogfood):
    route = respx.get(VERSION).respond(502, text="Bad Gateway")
    with pytest.raises(ServiceError, match="answered HTTP 502"):
        dogfood.version()
    assert route.call_count == 3


@respx.mock
def test_not_found_is_a_service_error(dogfood):
    respx.get(VERSION).respond(404, json={"message": "Resource Not Found"})
    with pytest.raises(ServiceError, match="404"):
        dogfood.version()


@respx.mock
def test_timeouts_are_a_service_error(dogfood):
    route = respx.get(VERSION).mock(side_effect=httpx.ConnectTimeout("no route"))
    with pytest.raises(ServiceError, match="did not answer in time"):
        dogfood.version()
    assert route.call_count == 3  # timeouts are retried too


@respx.mock
def test_malformed_json_is_a_service_error(dogfood):
    respx.get(VERSION).respond(200, text="{not json")
    with pytest.raises(ServiceError, match="not JSON"):
        dogfood.version()


@respx.mock
@pytest.mark.parametrize("body", [{}, {"version": ""}, {"version": 4}, ["4.57.0"]])
def test_an_answer_without_a_version_is_a_service_error(dogfood, body):
    respx.get(VERSION).respond(json=body)
    with pytest.raises(ServiceError, match="without a version"):
        dogfood.version()


@respx.mock
def test_a_missing_revision_is_none(dogfood):
    respx.get(VERSION).respond(json={"version": "4.57.0"})
    assert dogfood.version().revision is None


def test_no_url_is_its_own_error_naming_the_variable(tmp_path):
    with pytest.raises(DogfoodNotConfigured, match="FLEETOPS_DOGFOOD_URL is not set"):
        DogfoodClient(settings(tmp_path, dogfood_url=None))


def test_no_token_is_exit_4_naming_the_variable(tmp_path):
    with pytest.raises(AuthError, match="FLEETOPS_DOGFOOD_TOKEN is not set"):
        DogfoodClient(settings(tmp_path, dogfood_token=None))
