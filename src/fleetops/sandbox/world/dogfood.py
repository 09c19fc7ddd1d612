"""The sandbox's dogfood: Docker Hub's fleetdm/fleet tags, the dogfood server, its deploy workflow.

Dogfood runs the previous release (4.57.0, at the `fleet-v4.57.0` commit) and 4.58.0 is
tagged and published: the release-day deploy is due. Docker Hub has the release tags, `main`
and `latest`, short-hash tags of builds (7 hex digits, as `git rev-parse --short` prints them in
Fleet's Docker publish job) and a long tail of older builds so that listing pages. The git
history gains a branch that left main before 4.57.0, so some builds are ahead of what dogfood
runs, some behind, and one diverged. The deploy workflow (`.github/workflows/dogfood-deploy.yml`,
committed by the GitHub seeder) gets its Actions record and one finished run: the 4.57.0 deploy.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from fleetops.sandbox.services.github import resolve_ref
from fleetops.sandbox.services.github.actions import actions_of, seed_run
from fleetops.sandbox.world.spec import PREVIOUS, RELEASE, REPO, State, WorldSpec
from fleetops.sandbox.world.git import GitBuilder, iso

WORKFLOW_ID = 61_000_001
WORKFLOW_PATH = ".github/workflows/dogfood-deploy.yml"
DOCKER_REPO_ID = 6_900_001
OLD_BUILDS = 140  # more than one page of 100


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def seed_dogfood(state: State, spec: WorldSpec) -> None:
    """Docker Hub tags, the dogfood server's version, the deploy workflow and its history."""
    now = spec.now
    fleet = state["github"]["repos"][REPO]
    git = GitBuilder(fleet)
    commits = fleet["commits"]
    previous = resolve_ref(fleet, f"fleet-v{PREVIOUS}")
    release = resolve_ref(fleet, f"fleet-v{RELEASE}")
    head = fleet["refs"]["heads/main"]
    assert previous and release, "the GitHub seeder tags both releases"
    behind = commits[previous]["parents"][0]  # built before 4.57.0: deploying it is a downgrade
    git.branch("spike/sso-login", behind)
    diverged = git.commit(
        "SSO: spike on a new login flow",
        now - timedelta(days=40),
        {"server/sso/spike.go": "package sso\n"},
        branch="spike/sso-login",
    )

    def when(sha: str) -> str:
        return commits[sha]["date"]

    builds: list[tuple[str, str, str]] = [  # (tag, build id for the digest, pushed at)
        (f"v{PREVIOUS}", previous, when(previous)),
        (f"v{RELEASE}", release, when(release)),
        ("latest", release, when(release)),
        ("main", head, when(head)),
        *[(sha[:7], sha, when(sha)) for sha in (behind, previous, release, head, diverged)],
    ]
    for index in range(OLD_BUILDS):  # older builds of commits the sandbox's git does not hold
        fake = hashlib.sha1(f"old build {index}".encode()).hexdigest()
        builds.append((fake[:7], fake, iso(now - timedelta(days=90 + index))))
    tags = []
    for index, (name, build, pushed) in enumerate(builds):
        tags.append(
            {
                "id": 880_000_000 + index,
                "name": name,
                "digest": _digest(f"fleetdm/fleet@{build}"),
                "platform_digest": _digest(f"fleetdm/fleet@{build}/linux/amd64"),
                "size": 61_000_000 + index * 1000,
                "last_updated": pushed.replace("Z", ".000000Z"),
            }
        )
    state["dockerhub"] = {"repositories": {"fleetdm/fleet": {"id": DOCKER_REPO_ID, "tags": tags}}}

    running = resolve_ref(fleet, f"fleet-v{spec.dogfood_version}") or previous
    state["dogfood"] = {
        "version": spec.dogfood_version,
        "branch": "HEAD",
        "revision": running,
        "go_version": f"go{spec.go}",
        "build_date": when(running),
        "build_user": "runner",
    }

    actions = actions_of(fleet)
    workflow = {
        "id": WORKFLOW_ID,
        "name": "Deploy Dogfood Environment",
        "path": WORKFLOW_PATH,
        "state": "active",
        "created_at": "2022-05-25T16:00:00Z",
        "updated_at": "2025-03-12T10:00:00Z",
    }
    actions["workflows"].append(workflow)
    actions["script"] = {"conclusion": spec.deploy_conclusion, "in_progress_polls": spec.deploy_polls}
    actions["return_run_details"] = spec.dispatch_run_details
    seed_run(
        fleet, workflow, run_id=9_100_000_001, number=57, sha=previous,
        created=iso(now - timedelta(days=14)), conclusion="success",
        inputs={"DOCKER_IMAGE": f"fleetdm/fleet:v{PREVIOUS}"}, actor="lukeheath",
    )
