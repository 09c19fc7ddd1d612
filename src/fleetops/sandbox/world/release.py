"""Release day in the sandbox: the release workflow, fleetctl on npm, and (world `release-day`) patches ready to tag.

Every world gets the release workflow's record (`goreleaser-fleet.yaml`, started by a new
`fleet-*` tag: services/github/release_workflow.py), its knob, and the npm registry's fleetctl
(4.57.0 and 4.58.0, `latest` 4.58.0). The `release-day` world adds what `release prepare` and the
merge of its two pull requests leave behind, so that `release tag` and `release publish` can be
rehearsed: the published releases 4.57.0 and 4.58.0, and two patch branches whose heads carry
the changelog heading and every version file: `patch-fleet-v4.58.1` (from fleet-v4.58.0, the
newest minor) and `patch-fleet-v4.57.1` (a patch of the older minor: never "latest", npm's
`last-patched-version`), each also as `rc-patch-fleet-v...` (the current handbook's name). Both carry a migration that main has too; main has a newer one, so the
migration rule holds.
"""

from __future__ import annotations

import json
from datetime import timedelta

from fleetops.sandbox.services.github import resolve_ref
from fleetops.sandbox.services.github.common import actions_of
from fleetops.sandbox.services.github.release_workflow import WORKFLOW_PATH
from fleetops.sandbox.world.spec import PREVIOUS, RELEASE, REPO, State, WorldSpec
from fleetops.sandbox.world.git import GitBuilder, iso

WORKFLOW_ID = 61_000_002
MIGRATIONS = "server/datastore/mysql/migrations/tables"
NOTES = {
    "4.58.1": ["Fixed a bug where hosts with long names broke the host details page.", "Fixed the software inventory's duplicate rows after a MySQL failover."],
    "4.57.1": ["Fixed a crash of `fleetctl apply` on empty team files."],
}


def seed_release(state: State, spec: WorldSpec) -> None:
    fleet = state["github"]["repos"][REPO]
    actions = actions_of(fleet)
    actions["workflows"].append({
        "id": WORKFLOW_ID, "name": "GoReleaser Fleet", "path": WORKFLOW_PATH, "state": "active",
        "created_at": "2021-06-02T16:00:00Z", "updated_at": "2025-05-20T10:00:00Z",
    })
    actions["release_script"] = {"conclusion": spec.release_conclusion, "in_progress_polls": spec.release_polls}
    day = timedelta(days=1)
    state["npm"] = {"packages": {"fleetctl": {
        "dist-tags": {"latest": RELEASE},
        "versions": ["4.56.0", PREVIOUS, RELEASE],
        "time": {"4.56.0": iso(spec.now - 40 * day), PREVIOUS: iso(spec.now - 56 * day + 14 * day), RELEASE: iso(spec.now - 10 * day)},
    }}}
    if spec.name in ("release-day", "release-built"):
        _release_day(fleet, spec)
    if spec.name == "release-built":
        for version in ("4.58.1", "4.57.1"):
            _built(state, fleet, version, spec)


def _release_day(fleet: State, spec: WorldSpec) -> None:
    git = GitBuilder(fleet)
    now, day = spec.now, timedelta(days=1)
    for index, version in enumerate((PREVIOUS, RELEASE)):
        sha = resolve_ref(fleet, f"fleet-v{version}")
        when = fleet["commits"][sha]["date"]
        fleet["releases"].append({
            "id": 70_000_001 + index, "tag_name": f"fleet-v{version}", "name": version, "body": f"Fleet {version}",
            "draft": False, "prerelease": False, "created_at": when, "published_at": when, "author": "fleet-release",
            "target_commitish": sha, "assets": [],
        })
    git.commit("Hosts: fix the host index (migration)", now - 6 * day, {f"{MIGRATIONS}/20240901090000_FixHostIndex.go": "package tables\n"})
    git.commit("Software: titles table (migration)", now - 5 * day, {f"{MIGRATIONS}/20240905100000_AddSoftwareTitles.go": "package tables\n"})
    for version, base in (("4.58.1", RELEASE), ("4.57.1", PREVIOUS)):
        branch = f"patch-fleet-v{version}"
        git.branch(branch, resolve_ref(fleet, f"fleet-v{base}"))  # type: ignore[arg-type]
        git.commit("Hosts: fix the host index (migration) (#24100)", now - 4 * day,
                   {f"{MIGRATIONS}/20240901090000_FixHostIndex.go": "package tables\n"}, branch=branch)
        git.commit(f"Adding changes for Fleet v{version} (#2410{len(version)})", now - 3 * day, version_files(version, now - 3 * day), branch=branch)
        git.branch(f"rc-{branch}", git.head(branch))  # the current handbook's name for it (FLEETOPS_RITUALS=fleet-rc)


def _built(state: State, fleet: State, version: str, spec: WorldSpec) -> None:
    """What `release tag VERSION` leaves after a successful build: the tag, its finished run, the draft and the image."""
    from types import SimpleNamespace

    from fleetops.sandbox.services.github.release_workflow import completed, ref_created

    ctx = SimpleNamespace(state=state, now=lambda: spec.now - timedelta(hours=1))  # what the two need of a request's Context
    sha = fleet["refs"][f"heads/patch-fleet-v{version}"]
    fleet["refs"][f"tags/fleet-v{version}"] = sha
    run = ref_created(ctx, fleet, f"tags/fleet-v{version}", sha)  # type: ignore[arg-type]
    assert run is not None, "the release workflow is seeded first"
    run.update(status="completed", conclusion="success", polls=len(run["steps"]), run_started_at=run["created_at"])
    completed(ctx, fleet, run)  # type: ignore[arg-type]


def version_files(version: str, when) -> dict[str, str]:  # noqa: ANN001 - a datetime
    """What `release prepare` writes: the changelog section on top and Fleet's version files (releasing-facts §8)."""
    entries = "\n".join(f"- {line}" for line in NOTES.get(version, ["Fixed bugs."]))
    older = "## Fleet 4.58.0 (Aug 26, 2024)\n\n### Endpoint operations\n\n- Added calendar events for policies.\n\n## Fleet 4.57.0 (Aug 05, 2024)\n\n### Bug fixes\n\n- Made host listing faster.\n"
    chart_patch = {"4.58.1": 7, "4.57.1": 6}.get(version, 9)
    return {
        "CHANGELOG.md": f"## Fleet {version} ({when.strftime('%b %d, %Y')})\n\n### Bug fixes\n\n{entries}\n\n{older}",
        "tools/fleetctl-npm/package.json": json.dumps({"name": "fleetctl", "version": f"v{version}", "description": "Installer for Fleet's CLI"}, indent=2) + "\n",
        "charts/fleet/Chart.yaml": f"apiVersion: v1\nname: fleet\nversion: v6.2.{chart_patch}\nappVersion: v{version}\n",
        "charts/fleet/values.yaml": f"imageRepository: fleetdm/fleet\nimageTag: v{version} # Version of Fleet to deploy\n",
        "infrastructure/dogfood/terraform/gcp/variables.tf": f'variable "image" {{\n  default = "fleetdm/fleet:v{version}"\n}}\n',
        "infrastructure/dogfood/terraform/aws/variables.tf": f'variable "fleet_image" {{\n  description = "the name of the container image to run"\n  default     = "fleetdm/fleet:v{version}"\n}}\n',
    }
