"""The sandbox's Fleet world: a release-day fleetdm/fleet and the services around it.

`build_world("default")` is the rehearsal world: the 4.58.0 release is in its freeze week
(the milestone is due on the coming Tuesday), Merge Freeze has not frozen `main` yet, Go,
the macadmins extension and osquery are behind, orbit changed since its last tag and the
Chrome extension did not. `build_world("current")` is the same world with every dependency
current. `build_world("release-qa")` adds the Release QA issue, ready on one group's board and
not on the other. Every world has a few pull requests waiting for the freeze to let them merge
(world/pulls.py, for `freeze allow-pr`). Dates are relative to `now`, so a reset always gives a
world in its freeze week.

Each area of the world is filled by its own seeder function (`SEEDERS`), so that a ritual
adds what it needs without touching the others.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fleetops.sandbox.world import files
from fleetops.sandbox.world.git import GitBuilder, iso
from fleetops.sandbox.world.handbook import handbook_files
from fleetops.sandbox.world.spec import PREVIOUS, RELEASE, REPO, REPO_ID, State, WorldSpec


WORLDS: dict[str, Callable[[datetime], WorldSpec]] = {
    "default": lambda now: WorldSpec(name="default", now=now),
    # 4.58.0 was just published: `main` is still frozen, ready for `release conclude-milestone`.
    "released": lambda now: WorldSpec(name="released", now=now, frozen=True, conclude_cases=True),
    "current": lambda now: WorldSpec(
        name="current",
        now=now,
        go="1.24.4",
        macadmins="v1.2.3",
        osquery="5.13.1",
        orbit_changed=False,
        chrome_changed=False,
    ),
    # QA under way: MDM is release-ready, Endpoint ops is still testing (`release readiness`).
    "release-qa": lambda now: WorldSpec(
        name="release-qa",
        now=now,
        release_qa={"g-mdm": "Ready for release", "g-endpoint-ops": "Awaiting QA"},
    ),
    # 4.59.0's release candidate under test, on GitHub Projects boards (`FLEETOPS_RITUALS=fleet-rc`).
    "rc": lambda now: WorldSpec(name="rc", now=now, rc=True),
    # Patches 4.58.1 and 4.57.1 prepared and merged: `release tag` and `release publish` (world/release.py).
    "release-day": lambda now: WorldSpec(name="release-day", now=now),
    # The same, with 4.58.1 and 4.57.1 tagged and built (drafts with their assets): `release publish`.
    "release-built": lambda now: WorldSpec(name="release-built", now=now),
    # 4.60.0 is out and 4.60.1 is due, in a real git repository (`release prepare`, `sandbox clone`).
    "release": lambda now: WorldSpec(name="release", now=now, release=True),
}


def world_names() -> list[str]:
    return sorted(WORLDS)


def build_world(name: str = "default", now: datetime | None = None, **overrides: Any) -> State:
    """A fresh sandbox state for the named world; `overrides` adjust its WorldSpec."""
    if name not in WORLDS:
        raise KeyError(f"unknown sandbox world {name!r}; known: {', '.join(world_names())}")
    spec = WORLDS[name](now or datetime.now(UTC))
    for key, value in overrides.items():
        setattr(spec, key, value)
    return build_from_spec(spec)


def world_process(state: State) -> str:
    """The process a world rehearses (a rituals file's `process`); a world saved before it was recorded: by its name."""
    recorded = state.get("process")
    if isinstance(recorded, str):
        return recorded
    return "release-candidate" if state.get("world") == "rc" else "merge-freeze"


def build_from_spec(spec: WorldSpec) -> State:
    state: State = {
        "version": 1,
        "world": spec.name,
        # What `--sandbox` checks against FLEETOPS_RITUALS: a candidate's world under the freeze's rituals plans nonsense.
        "process": "release-candidate" if spec.rc else "merge-freeze",
        "created_at": iso(spec.now),
        # Tokens are random per world so that nothing real can ever match them.
        "tokens": {
            "github": "ghp_sandbox" + secrets.token_hex(12),
            "mergefreeze": "mf_sandbox" + secrets.token_hex(12),
            "zenhub": "zh_sandbox" + secrets.token_hex(12),
            "slack": "T0SANDBOX/B0SANDBOX/" + secrets.token_hex(12),
            "dogfood": "dogfood_sandbox" + secrets.token_hex(12),
        },
    }
    for seeder in SEEDERS:
        seeder(state, spec)
    return state


# --- seeders ----------------------------------------------------------------------------------------------
PEOPLE = {
    "fleet-release": {"id": 90001, "name": "Fleet release bot", "type": "Bot"},
    "lukeheath": {"id": 90002, "name": "Luke Heath"},
    "georgekarrv": {"id": 90003, "name": "George Karr"},
    "sharon-fdm": {"id": 90004, "name": "Sharon Katz"},
    "xpkoala": {"id": 90005, "name": "Reed Haynes"},
    "sabrinabuckets": {"id": 90006, "name": "Sabrina Coy"},
    "getvictor": {"id": 90007, "name": "Victor Lyuboslavsky"},
    "mna": {"id": 90008, "name": "Martin Angers"},
    "noahtalerman": {"id": 90009, "name": "Noah Talerman"},
}


def seed_github(state: State, spec: WorldSpec) -> None:
    """fleetdm/fleet with its history, tags, milestones and a few issues; upstream repos."""
    gh: State = {
        "users": dict(PEOPLE),
        "tokens": {state["tokens"]["github"]: "fleet-release"},
        "next_id": 5000,
        "repos": {},
    }
    state["github"] = gh
    fleet = _fleet_repo()
    gh["repos"][REPO] = fleet
    _fleet_history(GitBuilder(fleet), spec)
    fleet["milestones"] = _milestones(spec)
    _upstreams(gh, spec)


def _fleet_repo() -> State:
    """fleetdm/fleet before its history: labels, no milestones, issues or releases yet."""
    return {
        "id": REPO_ID,
        "owner": "fleetdm",
        "name": "fleet",
        "description": "Open-source platform for IT and security teams (sandbox copy)",
        "default_branch": "main",
        "created_at": "2020-11-13T17:00:00Z",
        "next_number": 20001,
        "milestones": [],
        "issues": [],
        "labels": [
            {"id": 101, "name": name, "color": "ededed", "description": None}
            for name in ("bug", ":reproduce", "~release blocker", "story", ":product", ":release",
                         "~unreleased bug", "#g-mdm", "#g-endpoint-ops", "customer-acme")
        ],
        "variables": {},
        "releases": [],
    }


def _fleet_history(git: GitBuilder, spec: WorldSpec) -> None:
    """Ten weeks of main: the dependency bumps, the fleetd components' changes and tags, 4.57.0 and 4.58.0."""
    day = timedelta(days=1)
    start = spec.now - 70 * day
    _early_history(git, start)
    git.commit("Desktop: show MDM migration banner", start + 18 * day, {"orbit/cmd/desktop/banner.go": "package main\n"})
    git.commit("Orbit: log rotation", start + 20 * day, {"orbit/log.go": "package main\n"})
    git.tag("orbit-v1.34.0")
    git.tag("orbit-test-build")  # irregular, on the same commit
    git.commit("Update the macadmins extension", start + 24 * day, {"go.mod": files.go_mod(spec.go, spec.macadmins)})
    git.commit(
        "Update osquery",
        start + 26 * day,
        {".github/workflows/generate-osqueryd-targets.yml": files.osqueryd_targets_workflow(spec.osquery)},
    )
    git.commit("Software: new vulnerability view", start + 30 * day, {"server/service/software.go": "package service\n"})
    if spec.orbit_changed:
        git.commit("Orbit: fix keystore access on macOS 15", start + 34 * day, {"orbit/keystore.go": "package main\n"})
        git.commit("Desktop: translate the tray menu", start + 38 * day, {"orbit/cmd/desktop/menu.go": "package main\n"})
        git.commit("Orbit: use the new token rotation", start + 42 * day, {"orbit/token.go": "package main\n"})
    if spec.chrome_changed:
        git.commit("Chrome extension: new users table", start + 44 * day, {"ee/fleetd-chrome/src/users.ts": "export {}\n"})
    git.commit("Policies: calendar events", start + 50 * day, {"server/service/calendar.go": "package service\n"})
    # A tag whose suffix makes it look newer than anything: it must never be chosen.
    git.tag("orbit-v1.39.1-1337")
    git.commit(f"Release {RELEASE}", start + 60 * day, {"CHANGELOG.md": f"## Fleet {RELEASE}\n"})
    git.tag(f"fleet-v{RELEASE}", annotated=True, when=start + 60 * day)
    git.commit("Start the next sprint", start + 62 * day, {"server/service/next.go": "package service\n"})


def _early_history(git: GitBuilder, start: datetime) -> None:
    """From the initial import to the 4.57.0 tag: old fleetd tags, irregular ones, the first bumps."""
    day = timedelta(days=1)
    git.commit(
        "Initial import of the Fleet tree",
        start,
        {
            "go.mod": files.go_mod("1.21.7", "v1.0.1"),
            ".github/workflows/generate-osqueryd-targets.yml": files.osqueryd_targets_workflow("5.11.0"),
            ".github/workflows/dogfood-deploy.yml": files.dogfood_workflow("DOCKER_IMAGE"),
            ".github/ISSUE_TEMPLATE/release-qa.md": files.RELEASE_QA_TEMPLATE,
            "orbit/main.go": "package main\n\nfunc main() {}\n",
            "orbit/cmd/desktop/desktop.go": "package main\n\nfunc main() {}\n",
            "ee/fleetd-chrome/package.json": '{"name": "fleetd-chrome", "version": "1.3.0"}\n',
            "server/service/hosts.go": "package service\n",
            **handbook_files(),
        },
    )
    git.tag("orbit-v1.9.0", when=start)  # old, and "1.9" sorts after "1.34" as text
    git.tag("fleetd-chrome-v1.3.0")
    git.commit("Chrome extension: report disk space", start + 2 * day, {"ee/fleetd-chrome/src/disk.ts": "export {}\n"})
    git.tag("fleetd-chrome-v1.3.2-beta")  # irregular: before the 1.3.1 fixes below
    git.commit("Orbit: retry enrollment", start + 4 * day, {"orbit/enroll.go": "package main // v1\n"})
    git.commit("Chrome extension: fix table schema", start + 6 * day, {"ee/fleetd-chrome/src/tables.ts": "export {}\n"})
    git.tag("fleetd-chrome-v1.3.1")
    git.commit(
        "Bump Go, osquery and the macadmins extension",
        start + 8 * day,
        {
            "go.mod": files.go_mod("1.22.3", "v1.0.1"),
            ".github/workflows/generate-osqueryd-targets.yml": files.osqueryd_targets_workflow("5.12.1"),
        },
    )
    git.commit("Orbit: new TUF root", start + 10 * day, {"orbit/update.go": "package main\n"})
    git.tag("orbit-v1.33.0")
    git.commit("Hosts: faster listing", start + 14 * day, {"server/service/hosts.go": "package service // 2\n"})
    git.tag(f"fleet-v{PREVIOUS}", annotated=True, when=start + 14 * day)


def _milestones(spec: WorldSpec) -> list[State]:
    """4.57.0, closed; 4.58.0-tentative, open and due on the release day."""
    now, day = spec.now, timedelta(days=1)
    due = spec.release_day()
    return [
        {
            "id": 7001, "number": 101, "title": PREVIOUS, "state": "closed", "description": "Fleet 4.57.0",
            "due_on": iso(due - 21 * day), "creator": "lukeheath", "created_at": iso(now - 64 * day),
            "updated_at": iso(now - 21 * day), "closed_at": iso(now - 21 * day),
        },
        {
            "id": 7002, "number": 102, "title": f"{RELEASE}-tentative", "state": "open", "description": "",
            "due_on": iso(due), "creator": "lukeheath", "created_at": iso(now - 21 * day),
            "updated_at": iso(now - 21 * day), "closed_at": None,
        },
    ]


def _upstreams(gh: State, spec: WorldSpec) -> None:
    """The upstream repositories whose releases check-deps reads."""
    now = spec.now
    gh["repos"]["macadmins/osquery-extension"] = _upstream(
        "macadmins", "osquery-extension", 30_000_002,
        ["v1.0.1", "v1.1.0", "v1.2.1", "v1.2.2", spec.macadmins_latest, "v1.3.0-beta1"], now,
        prerelease={"v1.3.0-beta1"},
    )
    gh["repos"]["osquery/osquery"] = _upstream(
        "osquery", "osquery", 30_000_003,
        ["5.11.0", "5.12.1", "5.12.2", "5.13.0", spec.osquery_latest], now,
    )


def _upstream(owner: str, name: str, repo_id: int, tags: list[str], now: datetime, prerelease: set[str] | None = None) -> State:
    repo: State = {
        "id": repo_id, "owner": owner, "name": name, "default_branch": "main",
        "created_at": "2019-01-01T00:00:00Z", "next_number": 1, "milestones": [], "issues": [],
        "labels": [], "releases": [],
    }
    git = GitBuilder(repo)
    ordered = list(dict.fromkeys(tags))
    for index, tag in enumerate(ordered):
        when = now - timedelta(days=10 * (len(ordered) - index))
        sha = git.commit(f"Release {tag}", when, {"VERSION": tag})
        git.tag(tag)
        repo["releases"].append(
            {
                "id": repo_id * 100 + index, "tag_name": tag, "name": tag, "target_commitish": sha,
                "created_at": iso(when), "published_at": iso(when), "draft": False,
                "prerelease": tag in (prerelease or set()), "author": owner,
            }
        )
    return repo


def seed_mergefreeze(state: State, spec: WorldSpec) -> None:
    """Merge Freeze knows the protected branch `main` of fleetdm/fleet."""
    state["mergefreeze"] = {
        "branches": {
            f"{REPO}/main": {
                "frozen": spec.frozen,
                "frozen_by": "lukeheath" if spec.frozen else None,
                "note": "Release freeze" if spec.frozen else None,
                "unblocked_prs": [],
                "updated_at": iso(spec.now - timedelta(days=14)),
            }
        }
    }


# Seeders of other areas live in their own modules, imported when a world is built (they use
# the names above, so importing them at the top would be circular).
def seed_zenhub(state: State, spec: WorldSpec) -> None:
    from fleetops.sandbox.world.zenhub import seed_release_day

    seed_release_day(state, spec)


def seed_dogfood(state: State, spec: WorldSpec) -> None:
    from fleetops.sandbox.world.dogfood import seed_dogfood as seed

    seed(state, spec)


def seed_release_qa(state: State, spec: WorldSpec) -> None:
    from fleetops.sandbox.world.release_qa import seed_release_qa_issue

    seed_release_qa_issue(state, spec, RELEASE)


def seed_deps(state: State, spec: WorldSpec) -> None:
    from fleetops.sandbox.world.deps import seed_deps as seed

    seed(state, spec)


def seed_conclude(state: State, spec: WorldSpec) -> None:
    from fleetops.sandbox.world.conclude import seed_conclude as seed

    seed(state, spec)


def seed_pulls(state: State, spec: WorldSpec) -> None:
    from fleetops.sandbox.world.pulls import seed_pull_requests

    seed_pull_requests(state, spec)


def seed_rc(state: State, spec: WorldSpec) -> None:
    from fleetops.sandbox.world.rc import seed_rc as seed

    seed(state, spec)


def seed_release(state: State, spec: WorldSpec) -> None:
    from fleetops.sandbox.world.release import seed_release as seed

    seed(state, spec)


def seed_handbook(state: State, spec: WorldSpec) -> None:
    from fleetops.sandbox.world.handbook import seed_handbook as seed

    seed(state, spec)


def seed_prepare(state: State, spec: WorldSpec) -> None:
    from fleetops.sandbox.world.prepare import seed_prepare as seed

    seed(state, spec)


SEEDERS: list[Callable[[State, WorldSpec], None]] = [
    seed_github,
    seed_mergefreeze,
    seed_zenhub,
    seed_release_qa,
    seed_dogfood,
    seed_deps,
    seed_conclude,
    seed_pulls,
    seed_rc,
    seed_handbook,
    seed_release,
    seed_prepare,  # last: it copies main's files into its real repository
]
