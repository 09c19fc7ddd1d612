"""`fleetops release publish` on the sandbox's release-day world over real sockets.

Each test tags first (`release tag`, whose run leaves the draft release with Fleet's assets), then
publishes. The dogfood deploy run is made to finish on its first read, so a re-run finds dogfood
running the release (skipped) instead of a deploy in progress.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from fleetops.sandbox.server import Fault

NOTES = Path(__file__).parent.parent / "golden" / "release-notes-4.58.1.md"
CMD = ("release", "publish")
STEPS = ["notes", "publish", "npm", "dogfood-dispatch", "dogfood-run", "announce-general", "announce-help-infrastructure", "osquery-topic"]


def said(result) -> str:
    return " ".join(result.stderr.split())


def fleet(server):
    return server.state["github"]["repos"]["fleetdm/fleet"]


def release(server, tag: str) -> dict:
    return next(r for r in fleet(server)["releases"] if r["tag_name"] == tag)


def messages(server) -> list[str]:
    return [m["text"] for m in server.state.get("slack", {}).get("messages", [])]


@pytest.fixture
def world(make_sandbox):
    return make_sandbox("release-day", deploy_polls=0)


def env(world) -> dict[str, str]:
    """The sandbox's environment with each announcement's webhook variable (rituals file) set to its webhook."""
    hook = world.env()["SLACK_WEBHOOK_URL"]
    return {**world.env(), "SLACK_GENERAL_WEBHOOK_URL": hook, "SLACK_HELP_INFRA_WEBHOOK_URL": hook}


def tagged(world, cli, version: str = "4.58.1") -> None:
    result = cli("release", "tag", version, "--yes", "--poll-interval", "0.01", env=world.env())
    assert result.code == 0, result.stderr
    world.requests.clear()


def publish(world, cli, version: str = "4.58.1", *extra: str):
    result = cli(*CMD, version, "--yes", "--json", *extra, env=env(world))
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)


def test_publish_writes_the_notes_publishes_as_latest_deploys_and_announces_once_each(world, cli):
    tagged(world, cli)
    result, out = publish(world, cli)
    assert result.code == 0, result.stderr
    assert [s["id"] for s in out["steps"]] == STEPS
    rel = release(world, "fleet-v4.58.1")
    assert rel["draft"] is False and rel["name"] == "4.58.1"
    assert fleet(world)["latest_release"] == rel["id"] and out["release"] == {"id": rel["id"], "url": out["release"]["url"], "latest": True}
    assert out["npm"]["dist_tag"] == "latest" and out["npm"]["command"] == "cd tools/fleetctl-npm && npm publish"
    assert len(messages(world)) == 2
    assert "Dogfood Deployed http" in messages(world)[1] and "/actions/runs/" in messages(world)[1]
    assert world.state["dogfood"]["version"] == "4.58.1"


def test_the_notes_and_publishing_are_one_patch_then_the_dispatch(world, cli):
    """One write, not two (one second less of GitHub's write pacing): the notes' PATCH also publishes the draft."""
    tagged(world, cli)
    result, out = publish(world, cli)
    assert result.code == 0, result.stderr
    kinds = {"/releases/": "PATCH release", "/dispatches": "dispatch"}
    writes = [next((k for part, k in kinds.items() if part in r["path"]), r["path"]) for r in world.writes("github")]
    assert writes[:2] == ["PATCH release", "dispatch"], writes  # then only the announcements' markers
    steps = {s["id"]: s["detail"] for s in out["steps"]}
    assert "published in the same edit" in steps["notes"] and "published with the notes (one PATCH)" in steps["publish"]
    assert release(world, "fleet-v4.58.1")["draft"] is False and out["release"]["latest"] is True


def test_the_release_notes_are_the_template_filled_whole(world, cli):
    tagged(world, cli)
    assert publish(world, cli)[0].code == 0
    body = release(world, "fleet-v4.58.1")["body"]
    notes = "\n".join(line for line in body.splitlines() if not line.startswith("<!-- fleetops:")).rstrip() + "\n"
    if os.environ.get("FLEETOPS_UPDATE_GOLDEN"):
        NOTES.write_text(notes)
    assert notes == NOTES.read_text()


def test_a_patch_of_an_older_minor_is_not_latest_and_goes_to_npms_last_patched_version(world, cli):
    tagged(world, cli, "4.57.1")
    result, out = publish(world, cli, "4.57.1", "--skip-dogfood")
    assert result.code == 0, result.stderr
    assert out["release"]["latest"] is False
    assert "latest_release" not in fleet(world)  # GitHub's own rule still names 4.58.0
    assert out["npm"] == {"version": "4.57.1", "dist_tag": "last-patched-version", "status": "pending",
                          "command": "cd tools/fleetctl-npm && npm publish --tag last-patched-version"}
    assert len(messages(world)) == 2 and all("a patch of an older minor" in m and "latest version" not in m for m in messages(world))


def test_the_latest_release_is_what_github_reports_after_both_patches(world, cli):
    import httpx

    for version in ("4.58.1", "4.57.1"):
        tagged(world, cli, version)
        assert publish(world, cli, version, "--skip-dogfood")[0].code == 0
    latest = httpx.get(f"{world.url}/github/repos/fleetdm/fleet/releases/latest").json()
    assert latest["tag_name"] == "fleet-v4.58.1"


def _fake_npm(tmp_path: Path) -> Path:
    """An `npm` on PATH that does what `npm publish` does to a registry: PUT the version and its dist-tag."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "npm"
    script.write_text(f"""#!{sys.executable}
import json, sys, urllib.request
args = sys.argv[1:]
assert args[0] == "publish", args
tag = args[args.index("--tag") + 1] if "--tag" in args else "latest"
registry = args[args.index("--registry") + 1]
manifest = json.load(open("package.json"))
version = manifest["version"].lstrip("v")
doc = {{"name": manifest["name"], "versions": {{version: manifest}}, "dist-tags": {{tag: version}}}}
request = urllib.request.Request(registry + manifest["name"], data=json.dumps(doc).encode(), method="PUT", headers={{"Content-Type": "application/json"}})
urllib.request.urlopen(request)
open({str(tmp_path / "npm-calls")!r}, "a").write(" ".join(args) + "\\n")
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def _working_copy(tmp_path: Path, version: str) -> Path:
    npm_dir = tmp_path / "repo" / "tools" / "fleetctl-npm"
    npm_dir.mkdir(parents=True)
    (npm_dir / "package.json").write_text(json.dumps({"name": "fleetctl", "version": f"v{version}"}))
    return tmp_path / "repo"


@pytest.mark.parametrize(("version", "dist_tag"), [("4.58.1", "latest"), ("4.57.1", "last-patched-version")])
def test_npm_publish_runs_npm_with_the_dist_tag_and_reads_the_registry_back(world, cli, tmp_path, monkeypatch, version, dist_tag):
    monkeypatch.setenv("PATH", f"{_fake_npm(tmp_path)}{os.pathsep}{os.environ['PATH']}")
    tagged(world, cli, version)
    result, out = publish(world, cli, version, "--skip-dogfood", "--npm-publish", "--repo-dir", str(_working_copy(tmp_path, version)))
    assert result.code == 0, result.stderr
    assert out["npm"]["status"] == "published" and out["npm"]["dist_tag"] == dist_tag
    package = world.state["npm"]["packages"]["fleetctl"]
    assert package["dist-tags"][dist_tag] == version
    assert package["dist-tags"]["latest"] == ("4.58.1" if version == "4.58.1" else "4.58.0")
    calls = (tmp_path / "npm-calls").read_text().splitlines()
    assert len(calls) == 1 and (("--tag " + dist_tag) in calls[0]) == (dist_tag != "latest")
    again, out = publish(world, cli, version, "--skip-dogfood", "--npm-publish", "--repo-dir", str(tmp_path / "repo"))
    assert again.code == 0 and out["npm"]["status"] == "published"
    assert len((tmp_path / "npm-calls").read_text().splitlines()) == 1  # never twice


def test_npm_publish_without_npm_on_path_is_exit_2_before_any_request(world, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = cli(*CMD, "4.58.1", "--yes", "--npm-publish", env=world.env())
    assert result.code == 2 and "npm is not on PATH" in said(result)
    assert world.requests == []


def test_an_unreachable_npm_registry_is_unknown_and_the_rest_goes_on(world, cli):
    tagged(world, cli)
    env_ = {**env(world), "FLEETOPS_NPM_URL": "http://127.0.0.1:9"}  # nothing listens on the discard port
    result = cli(*CMD, "4.58.1", "--yes", "--json", "--skip-dogfood", env=env_)
    out = json.loads(result.stdout)
    assert result.code == 3
    assert out["npm"]["status"] == "unknown" and out["npm"]["dist_tag"] is None
    assert release(world, "fleet-v4.58.1")["draft"] is False and len(messages(world)) == 2


@pytest.mark.parametrize("case", ["untagged", "no-checksums"])
def test_a_release_not_built_yet_is_exit_3_with_nothing_written(world, cli, case):
    if case == "no-checksums":
        tagged(world, cli)
        rel = release(world, "fleet-v4.58.1")
        rel["assets"] = [a for a in rel["assets"] if a["name"] != "checksums.txt"]
    result = cli(*CMD, "4.58.1", "--yes", "--json", env=world.env())
    assert result.code == 3
    assert "not built" in said(result) or "has not built it" in said(result)
    out = json.loads(result.stdout)  # publish's own object, not the dogfood plan read beside it
    assert (out["command"], out["tag"], out["error"]["exit_code"]) == ("release publish", "fleet-v4.58.1", 3)
    assert world.writes() == []


def test_release_edited_but_the_answer_lost_then_a_rerun_finishes_without_duplicates(world, cli):
    tagged(world, cli)
    world.inject(Fault("PATCH", r"/releases/\d+$", after=True, drop=True, times=4))  # the first attempt and its three retries
    first, _ = publish(world, cli)
    assert first.code == 1
    second, out = publish(world, cli)
    assert second.code == 0, second.stderr
    statuses = {s["id"]: s["status"] for s in out["steps"]}
    assert statuses["notes"] == statuses["publish"] == "skipped"  # the lost PATCH wrote the notes and published
    assert len([r for r in fleet(world)["releases"] if r["tag_name"] == "fleet-v4.58.1"]) == 1
    assert len(messages(world)) == 2


def test_killed_after_publishing_a_rerun_ends_like_a_clean_run(make_sandbox, cli):
    clean = make_sandbox("release-day", deploy_polls=0)
    tagged(clean, cli)
    assert publish(clean, cli)[0].code == 0
    broken = make_sandbox("release-day", deploy_polls=0)
    tagged(broken, cli)
    broken.inject(Fault("POST", r"/dispatches$", status=503))  # the run dies at dogfood
    assert publish(broken, cli)[0].code == 1
    assert publish(broken, cli)[0].code == 0
    for server in (clean, broken):
        rel = release(server, "fleet-v4.58.1")
        assert (rel["draft"], len(messages(server)), server.state["dogfood"]["version"]) == (False, 2, "4.58.1")
    strip = lambda s: "\n".join(x for x in s.splitlines() if not x.startswith("<!--"))  # noqa: E731 - the marker times differ
    assert strip(release(clean, "fleet-v4.58.1")["body"]) == strip(release(broken, "fleet-v4.58.1")["body"])


def test_a_rerun_of_a_finished_publish_is_exit_0_with_zero_writes(world, cli):
    tagged(world, cli)
    assert publish(world, cli)[0].code == 0
    world.requests.clear()
    result = cli(*CMD, "4.58.1", "--json", env=env(world))  # no --yes: nothing needs confirming
    assert result.code == 0, result.stderr
    assert all(s["status"] == "skipped" for s in json.loads(result.stdout)["steps"])
    assert world.writes() == []


def test_dry_run_is_dry(world, cli):
    tagged(world, cli)
    result = cli(*CMD, "4.58.1", "--dry-run", "--json", env=env(world))
    assert result.code == 0, result.stderr
    assert world.writes() == [] and len(world.requests) > 0
    assert release(world, "fleet-v4.58.1")["draft"] is True and messages(world) == []
    assert "-" in result.stderr and "+### Bug fixes" in result.stderr  # the notes, as a diff against the draft


def test_a_slack_post_of_unknown_outcome_is_held_until_resend(world, cli):
    tagged(world, cli)
    world.inject(Fault("POST", r"/slack/", after=True, drop=True))
    first, _ = publish(world, cli)
    assert first.code == 1 and len(messages(world)) == 2  # Slack got the first; its answer was lost
    held, out = publish(world, cli)
    assert held.code == 3
    assert {s["id"]: s["status"] for s in out["steps"]}["announce-general"] == "skipped"
    assert len(messages(world)) == 2
    resent, _ = publish(world, cli, "4.58.1", "--resend-announcement")
    assert resent.code == 0 and len(messages(world)) == 3


def test_a_rejected_channel_webhook_names_its_variable_and_never_shows_the_url(world, cli):
    tagged(world, cli)
    secret = "T0WRONG/B0WRONG/s3cr3tw3bh00kpath"
    bad = {**env(world), "SLACK_GENERAL_WEBHOOK_URL": f"{world.url}/slack/services/{secret}"}
    result = cli(*CMD, "4.58.1", "--yes", "--json", "--skip-dogfood", env=bad)
    assert result.code == 1
    general = next(s for s in json.loads(result.stdout)["steps"] if s["id"] == "announce-general")
    assert general["status"] == "failed" and "SLACK_GENERAL_WEBHOOK_URL" in general["detail"]
    assert "s3cr3tw3bh00kpath" not in result.stdout + result.stderr
    assert len(messages(world)) == 1  # #help-infrastructure's post went out; #general's was refused
    again, out = publish(world, cli, "4.58.1", "--skip-dogfood")  # the right webhook now: it posts, once
    assert again.code == 0 and len(messages(world)) == 2


def test_npm_publish_from_a_working_copy_of_another_version_is_exit_2_before_any_request(world, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{_fake_npm(tmp_path)}{os.pathsep}{os.environ['PATH']}")
    repo = _working_copy(tmp_path, "4.58.0")
    result = cli(*CMD, "4.58.1", "--yes", "--npm-publish", "--repo-dir", str(repo), env=env(world))
    assert result.code == 2
    assert "not v4.58.1" in said(result) and "fleet-v4.58.1" in said(result)
    assert world.requests == [] and not (tmp_path / "npm-calls").exists()
