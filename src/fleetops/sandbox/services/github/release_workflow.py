"""Fleet's release workflow (goreleaser-fleet.yaml) in the sandbox: a new `fleet-*` tag starts its run.

`ref_created` is the one door every new ref goes through (the refs API here; a pushed tag once the
sandbox serves real git), so a tag starts exactly one run however it arrived. The run is a
`push` run of the tagged commit (`head_branch` is the tag's name, as GitHub reports tag pushes);
like every sandbox run it moves one step per read. A successful run ends as goreleaser's does:
a draft release of the tag with Fleet's archives and `checksums.txt` (their SHA-256 lines), and
the image tag on Docker Hub. The knob `actions["release_script"]` (world: `release_conclusion`,
`release_polls`) decides how runs end; `POST .../runs/{id}/rerun` starts the next attempt of a
finished run with the knob as it is then.
"""

from __future__ import annotations

import fnmatch
import hashlib

from fleetops.sandbox.routing import Context, HTTPError, Request, Response
from fleetops.sandbox.services.github.common import (
    actions_of,
    find_run,
    JSON,
    next_id,
    now_iso,
    repo_of,
    require_writer,
    resolve_ref,
    router,
)

WORKFLOW_PATH = ".github/workflows/goreleaser-fleet.yaml"
TAG_PATTERN = "fleet-*"  # on: push: tags: ["fleet-*"]
PLATFORMS = ("macos", "linux_amd64", "linux_arm64", "windows_amd64", "windows_arm64")


def _script(repo: JSON) -> JSON:
    return actions_of(repo).get("release_script", {})


def _steps(repo: JSON) -> list[str]:
    polls = max(0, int(_script(repo).get("in_progress_polls", 3)))
    return ["queued", *(["in_progress"] * polls), "completed"]


def ref_created(ctx: Context, repo: JSON, ref: str, sha: str) -> JSON | None:
    """A new ref (`tags/x`, `heads/y`): a `fleet-*` tag starts the release workflow's run; returns it."""
    if not ref.startswith("tags/") or not fnmatch.fnmatchcase(ref.removeprefix("tags/"), TAG_PATTERN):
        return None
    actions = actions_of(repo)
    workflow = next((w for w in actions["workflows"] if w["path"] == WORKFLOW_PATH), None)
    commit = resolve_ref(repo, ref) or sha
    if workflow is None or workflow.get("state", "active") != "active":
        return None
    number = max((r["run_number"] for r in actions["runs"] if r["workflow_id"] == workflow["id"]), default=0) + 1
    run = {
        "id": next_id(ctx) * 1000 + len(actions["runs"]),
        "name": workflow["name"], "workflow_id": workflow["id"], "path": workflow["path"], "run_number": number,
        "event": "push", "head_branch": ref.removeprefix("tags/"), "head_sha": commit,
        "status": "queued", "conclusion": None, "planned_conclusion": _script(repo).get("conclusion", "success"),
        "steps": _steps(repo), "polls": 0, "inputs": {}, "actor": "fleet-release", "attempt": 1,
        "created_at": now_iso(ctx), "updated_at": now_iso(ctx),
    }
    actions["runs"].append(run)
    return run


def completed(ctx: Context, repo: JSON, run: JSON) -> None:
    """A release run that succeeded leaves what goreleaser leaves: the draft release and the image."""
    if run["path"] != WORKFLOW_PATH or run.get("conclusion") != "success":
        return
    tag = run["head_branch"]
    if any(r["tag_name"] == tag for r in repo.setdefault("releases", [])):
        return
    version = tag.removeprefix("fleet-")  # goreleaser's monorepo tag_prefix: "v4.58.1"
    now = now_iso(ctx)
    assets = [_archive(f"fleet_{version}_linux.tar.gz", now)]
    for platform in PLATFORMS:
        assets += [_archive(f"fleetctl_{version}_{platform}.tar.gz", now), _archive(f"fleetctl_{version}_{platform}.zip", now)]
    lines = [f"{hashlib.sha256(a['content'].encode()).hexdigest()}  {a['name']}" for a in sorted(assets, key=lambda a: a["name"])]
    assets.append({"name": "checksums.txt", "content": "\n".join(lines) + "\n", "content_type": "text/plain", "created_at": now})
    for asset in assets:
        asset["id"] = next_id(ctx)
    repo["releases"].append({
        "id": next_id(ctx), "tag_name": tag, "name": tag, "body": "", "draft": True, "prerelease": False,
        "created_at": now, "published_at": None, "author": "fleet-release", "target_commitish": run["head_sha"],
        "assets": assets,
    })
    _push_image(ctx, version, run["head_sha"], now)


def _archive(name: str, when: str) -> JSON:
    kind = "application/zip" if name.endswith(".zip") else "application/gzip"
    return {"name": name, "content": f"sandbox build of {name}\n", "content_type": kind, "created_at": when}


def _push_image(ctx: Context, docker_tag: str, sha: str, when: str) -> None:
    hub = ctx.state.get("dockerhub", {}).get("repositories", {}).get("fleetdm/fleet")
    if hub is None or any(t["name"] == docker_tag for t in hub["tags"]):
        return
    digest = "sha256:" + hashlib.sha256(f"fleetdm/fleet@{sha}".encode()).hexdigest()
    hub["tags"].insert(0, {
        "id": 880_100_000 + len(hub["tags"]), "name": docker_tag, "digest": digest,
        "platform_digest": "sha256:" + hashlib.sha256(f"fleetdm/fleet@{sha}/linux/amd64".encode()).hexdigest(),
        "size": 61_500_000, "last_updated": when.replace("Z", ".000000Z"),
    })


def restart(repo: JSON, run: JSON, now: str) -> None:
    """The next attempt of a finished run (same id and commit), ending as the knob says now."""
    script = _script(repo) if run["path"] == WORKFLOW_PATH else actions_of(repo).get("script", {})
    run.update(
        attempt=run.get("attempt", 1) + 1, status="queued", conclusion=None, polls=0,
        planned_conclusion=script.get("conclusion", "success"),
        steps=_steps(repo) if run["path"] == WORKFLOW_PATH else run["steps"],
        updated_at=now, run_started_at=None,
    )


def set_outcome(repo: JSON, conclusion: str, *, rerun: bool, now: str) -> str:
    """The knob (how release runs end from now on); with `rerun`, the newest failed release run starts again."""
    actions_of(repo).setdefault("release_script", {})["conclusion"] = conclusion
    said = f"release runs now end in {conclusion}"
    if rerun:
        failed = [r for r in actions_of(repo)["runs"] if r["path"] == WORKFLOW_PATH and r["status"] == "completed" and r.get("conclusion") != "success"]
        if not failed:
            return said + "; no failed release run to re-run"
        run = max(failed, key=lambda r: (r["created_at"], r["id"]))
        restart(repo, run, now)
        said += f"; run {run['id']} ({run['head_branch']}) re-run as attempt {run['attempt']}"
    return said


@router.route("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun")
def rerun(ctx: Context, req: Request) -> Response:
    """GitHub's "Re-run all jobs": the next attempt of a finished run."""
    require_writer(ctx, req)
    repo = repo_of(ctx, req)
    run = find_run(repo, req.params["run_id"])
    if run["status"] != "completed":
        raise HTTPError(403, {"message": "This workflow is already running", "documentation_url": "https://docs.github.com/rest", "status": "403"})
    restart(repo, run, now_iso(ctx))
    return Response(status=201, body={})
