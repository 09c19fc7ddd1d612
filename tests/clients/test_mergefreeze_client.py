"""Merge Freeze client over respx: retries, Retry-After, timeouts, malformed answers, token redaction."""

from __future__ import annotations

import time

import httpx
import pytest
import respx

from fleetops.clients.mergefreeze import MergeFreezeClient
from fleetops.errors import AuthError, ServiceError, UsageError
from fleetops.settings import Settings

BASE = "https://mf.example.test"
URL = f"{BASE}/api/branches/fleetdm/fleet/main"
TOKEN = "mf_live_0123456789abcdef"


@pytest.fixture
def mf(tmp_path):
    settings = Settings.from_env(
        {"FLEETOPS_STATE_DIR": str(tmp_path), "MERGEFREEZE_TOKEN": TOKEN, "FLEETOPS_MERGEFREEZE_URL": BASE}, retry_backoff=0.0
    )
    return MergeFreezeClient(settings)


@respx.mock
def test_status_sends_the_token_as_query_parameter(mf):
    route = respx.get(URL, params={"access_token": TOKEN}).respond(200, json={"branch": "main", "frozen": True, "frozen_by": "Ann"})
    state = mf.status("fleetdm/fleet", "main")
    assert (state.frozen, state.frozen_by) == (True, "Ann")
    assert route.called


@respx.mock
def test_freeze_posts_form_fields(mf):
    route = respx.post(URL).respond(200, json={"branch": "main", "frozen": True, "frozen_by": "bot"})
    mf.set_frozen("fleetdm/fleet", "main", frozen=True, user_name="bot", note="Release freeze")
    body = route.calls.last.request.content.decode()
    assert "frozen=true" in body and "user_name=bot" in body and "note=Release+freeze" in body


@respx.mock
def test_5xx_on_reads_is_retried_then_succeeds(mf):
    route = respx.get(URL).mock(side_effect=[httpx.Response(502), httpx.Response(503), httpx.Response(200, json={"frozen": False})])
    assert mf.status("fleetdm/fleet", "main").frozen is False
    assert route.call_count == 3


@respx.mock
def test_429_honours_retry_after(mf):
    route = respx.get(URL).mock(side_effect=[httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200, json={"frozen": True})])
    started = time.monotonic()
    assert mf.status("fleetdm/fleet", "main").frozen is True
    assert time.monotonic() - started >= 0.9
    assert route.call_count == 2


@respx.mock
def test_writes_are_not_retried(mf):
    route = respx.post(URL).mock(side_effect=[httpx.Response(502), httpx.Response(200, json={"frozen": True})])
    with pytest.raises(ServiceError, match="HTTP 502"):
        mf.set_frozen("fleetdm/fleet", "main", frozen=True, user_name="bot")
    assert route.call_count == 1


@respx.mock
def test_persistent_failure_is_a_service_error_without_the_token(mf):
    respx.get(URL).respond(500, json={"error": "boom"})
    with pytest.raises(ServiceError) as err:
        mf.status("fleetdm/fleet", "main")
    assert "HTTP 500" in str(err.value) and TOKEN not in str(err.value)


@respx.mock
def test_timeout(mf):
    respx.get(URL).mock(side_effect=httpx.ConnectTimeout("timed out"))
    with pytest.raises(ServiceError, match="did not answer in time") as err:
        mf.status("fleetdm/fleet", "main")
    assert TOKEN not in str(err.value)


@respx.mock
def test_malformed_json(mf):
    respx.get(URL).respond(200, text="<html>Merge Freeze is down for maintenance</html>")
    with pytest.raises(ServiceError, match="not JSON"):
        mf.status("fleetdm/fleet", "main")


@respx.mock
@pytest.mark.parametrize("status", [401, 403])
def test_rejected_token_is_exit_4(mf, status):
    respx.get(URL).respond(status, json={"error": "Invalid access token"})
    with pytest.raises(AuthError, match="MERGEFREEZE_TOKEN") as err:
        mf.status("fleetdm/fleet", "main")
    assert err.value.exit_code == 4 and TOKEN not in str(err.value)


@respx.mock
def test_404_means_the_branch_is_not_a_merge_freeze_project(mf):
    respx.get(URL).respond(404, json={"error": "Branch not found"})
    with pytest.raises(UsageError, match="does not manage fleetdm/fleet branch 'main'"):
        mf.status("fleetdm/fleet", "main")


def test_missing_token(tmp_path):
    with pytest.raises(AuthError, match="MERGEFREEZE_TOKEN is not set"):
        MergeFreezeClient(Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path)}))


@respx.mock
def test_unblock_sends_the_whole_sorted_list_with_frozen_true(mf):
    from urllib.parse import parse_qs

    route = respx.post(URL, params={"access_token": TOKEN}).respond(
        200, json={"branch": "main", "frozen": True, "frozen_by": "bot", "unblocked_prs": [3, 5, 7]}
    )
    state = mf.set_unblocked("fleetdm/fleet", "main", [7, 3, 5, 3], user_name="bot", note="Release freeze")
    form = parse_qs(route.calls.last.request.content.decode())
    assert form == {"frozen": ["true"], "user_name": ["bot"], "unblocked_prs": ["[3,5,7]"], "note": ["Release freeze"]}
    assert (state.frozen, state.unblocked_prs) == (True, [3, 5, 7])


@respx.mock
def test_unblock_answer_without_fields_is_read_as_what_was_sent(mf):
    respx.post(URL).respond(200, json={"branch": "main"})
    state = mf.set_unblocked("fleetdm/fleet", "main", [12], user_name="bot")
    assert (state.frozen, state.unblocked_prs, state.note) == (True, [12], None)


@respx.mock
def test_unblock_answer_that_says_unfrozen_is_believed(mf):
    """The caller must see the trap if Merge Freeze unfroze the branch anyway."""
    respx.post(URL).respond(200, json={"branch": "main", "frozen": False, "unblocked_prs": []})
    assert mf.set_unblocked("fleetdm/fleet", "main", [12], user_name="bot").frozen is False


@respx.mock
def test_unblock_is_not_retried_and_hides_the_token(mf):
    route = respx.post(URL).mock(side_effect=[httpx.Response(503), httpx.Response(200, json={"frozen": True})])
    with pytest.raises(ServiceError, match="HTTP 503") as err:
        mf.set_unblocked("fleetdm/fleet", "main", [12], user_name="bot")
    assert route.call_count == 1 and TOKEN not in str(err.value)


@respx.mock
def test_unblock_on_a_branch_merge_freeze_does_not_manage(mf):
    respx.post(URL).respond(404, json={"error": "Branch not found"})
    with pytest.raises(UsageError, match="does not manage fleetdm/fleet branch 'main'"):
        mf.set_unblocked("fleetdm/fleet", "main", [12], user_name="bot")
