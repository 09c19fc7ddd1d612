"""fleetd change detection: the newest regular tag per prefix, and commits touching each component's path."""

from __future__ import annotations

import pytest

from fleetops.app import App
from fleetops.ops.fleetd import fleetd_changes, newest_regular_tag


def test_newest_regular_tag_is_chosen_by_version_never_by_text_or_suffix():
    names = ["orbit-v1.9.0", "orbit-v1.34.0", "orbit-v1.33.0", "orbit-test-build", "orbit-v1.39.1-1337", "orbit-v1.34.0-rc1"]
    assert newest_regular_tag("orbit-v", names) == ("orbit-v1.34.0", newest_regular_tag("orbit-v", ["orbit-v1.34.0"])[1])
    assert str(newest_regular_tag("fleetd-chrome-v", ["fleetd-chrome-v1.3.2-beta", "fleetd-chrome-v1.3.1"])[1]) == "1.3.1"
    assert newest_regular_tag("orbit-v", ["orbit-test-build"]) is None


@pytest.fixture
def app_for(tmp_path):
    apps = []

    def make(server):
        app = App(env={**server.env(), "FLEETOPS_STATE_DIR": str(tmp_path)})
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


def test_default_world_orbit_and_desktop_changed_chrome_did_not(sandbox, app_for):
    changes = fleetd_changes(app_for(sandbox))
    assert [c.as_json() for c in changes] == [
        {"component": "orbit", "last_tag": "orbit-v1.34.0", "version": "1.34.0", "changed": True, "commits": 3},
        {"component": "desktop", "last_tag": "orbit-v1.34.0", "version": "1.34.0", "changed": True, "commits": 1},
        {"component": "fleetd-chrome", "last_tag": "fleetd-chrome-v1.3.1", "version": "1.3.1", "changed": False, "commits": 0},
    ]
    gets = [r["path"] for r in sandbox.requests]
    # One tag listing and one compare per prefix (orbit and desktop share orbit-v), one listing per path.
    assert sum("matching-refs" in p for p in gets) == 2
    assert sum("/compare/" in p for p in gets) == 2
    assert sum("/commits?" in p for p in gets) == 3
    assert len(gets) == len(set(gets))
    assert sandbox.writes() == []


def test_chrome_change_is_seen_and_nothing_when_current(make_sandbox, app_for):
    chrome = {c.component: c for c in fleetd_changes(app_for(make_sandbox(chrome_changed=True)))}
    assert chrome["fleetd-chrome"].changed and chrome["fleetd-chrome"].commits == 1
    current = fleetd_changes(app_for(make_sandbox("current")))
    assert [(c.component, c.changed, c.commits) for c in current] == [("orbit", False, 0), ("desktop", False, 0), ("fleetd-chrome", False, 0)]


def test_a_prefix_without_regular_tags_is_unknown_not_changed(make_sandbox, app_for):
    server = make_sandbox()
    refs = server.state["github"]["repos"]["fleetdm/fleet"]["refs"]
    for name in [r for r in refs if r.startswith("tags/fleetd-chrome-v1.3.") and not r.endswith("-beta")]:
        del refs[name]
    chrome = fleetd_changes(app_for(server))[2]
    assert (chrome.last_tag, chrome.version, chrome.changed) == (None, None, False)
