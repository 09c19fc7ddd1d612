"""fleetd change detection: the newest regular tag per prefix, and commits touching each component's path."""

from __future__ import annotations

import pytest

from fleetops.app import App
from fleetops.errors import NotFound
from fleetops.ops.deps.fleetd import fleetd_changes


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
        {"component": "orbit", "last_tag": "orbit-v1.34.0", "changed": True, "commits": 3},
        {"component": "desktop", "last_tag": "orbit-v1.34.0", "changed": True, "commits": 1},
        {"component": "fleetd-chrome", "last_tag": "fleetd-chrome-v1.3.1", "changed": False, "commits": 0},
    ]
    gets = [r["path"] for r in sandbox.requests]
    # One tag listing and one compare per prefix (orbit and desktop share orbit-v), one listing per changed path.
    assert sum("matching-refs" in p for p in gets) == 2
    assert sum("/compare/" in p for p in gets) == 2
    assert sum("/commits?" in p for p in gets) == 2  # chrome: the compare lists no file under its path
    assert len(gets) == len(set(gets))
    assert sandbox.writes() == []


def test_chrome_change_is_seen_and_nothing_when_current(make_sandbox, app_for):
    chrome = {c.component: c for c in fleetd_changes(app_for(make_sandbox(chrome_changed=True)))}
    assert chrome["fleetd-chrome"].changed and chrome["fleetd-chrome"].commits == 1
    current = fleetd_changes(app_for(make_sandbox("current")))
    assert [(c.component, c.changed, c.commits) for c in current] == [("orbit", False, 0), ("desktop", False, 0), ("fleetd-chrome", False, 0)]


def test_a_prefix_without_regular_tags_is_an_error_not_unchanged(make_sandbox, app_for):
    server = make_sandbox()
    refs = server.state["github"]["repos"]["fleetdm/fleet"]["refs"]
    for name in [r for r in refs if r.startswith("tags/fleetd-chrome-v1.3.") and not r.endswith("-beta")]:
        del refs[name]
    with pytest.raises(NotFound, match="no regular fleetd-chrome-vX.Y.Z tag"):
        fleetd_changes(app_for(server))
