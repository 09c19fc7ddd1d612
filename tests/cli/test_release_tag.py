"""`fleetops release tag` on the sandbox's release-day world over real sockets.

The world's `patch-fleet-v4.58.1` head carries the 4.58.1 changelog heading and every version file;
a new `fleet-*` tag starts the release workflow's run, which completes after a few reads (each read
moves it one step), so following it needs no real waiting with a tiny --poll-interval.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from fleetops.sandbox.server import Fault
from fleetops.sandbox.services.github import resolve_ref
from fleetops.sandbox.world.git import GitBuilder
from fleetops.sandbox.world.release import MIGRATIONS
from tests.helpers import world_time

CMD = ("release", "tag")
FAST = ("--poll-interval", "0.01")
BRANCH = "patch-fleet-v4.58.1"
TAG = "fleet-v4.58.1"


def said(result) -> str:
    return " ".join(result.stderr.split())


def fleet(server):
    return server.state["github"]["repos"]["fleetdm/fleet"]


def release_runs(server) -> list[dict]:
    return [r for r in fleet(server)["actions"]["runs"] if r["path"].endswith("goreleaser-fleet.yaml")]


def api(server, method: str, path: str, body: dict | None = None):
    """A request to the sandbox's GitHub as a person (or GitHub's UI) would make it."""
    import httpx

    headers = {"Authorization": f"Bearer {server.tokens['github']}"}
    return httpx.request(method, f"{server.url}/github/repos/fleetdm/fleet{path}", json=body, headers=headers)


def tag_writes(server) -> list[dict]:
    return [r for r in server.writes("github") if r["path"].endswith("/git/refs")]


@pytest.fixture
def world(make_sandbox):
    return make_sandbox("release-day")


def test_tag_names_the_branch_head_and_follows_its_run_to_success(world, cli):
    head = fleet(world)["refs"][f"heads/{BRANCH}"]
    result = cli(*CMD, "4.58.1", "--yes", "--json", *FAST, env=world.env())
    assert result.code == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["tag"], out["sha"]) == (TAG, head)
    assert out["run"]["conclusion"] == "success" and out["run"]["url"].endswith(f"/actions/runs/{out['run']['id']}")
    assert resolve_ref(fleet(world), TAG) == head
    assert len(tag_writes(world)) == 1 and len(world.writes()) == 1
    assert [r["head_sha"] for r in release_runs(world)] == [head]
    assert out["requests"]["github"]["rest"] > 0


def test_following_makes_one_request_per_poll_and_matches_the_run_by_commit(world, cli):
    # an older run of another commit, newer by date: "the newest run" would pick it
    other = fleet(world)["refs"]["heads/main"]
    assert api(world, "POST", "/git/refs", {"ref": "refs/tags/fleet-v9.9.9", "sha": other}).status_code == 201
    release_runs(world)[0]["created_at"] = "2099-01-01T00:00:00Z"
    world.requests.clear()
    result = cli(*CMD, "4.58.1", "--yes", "--json", *FAST, env=world.env())
    assert result.code == 0, result.stderr
    polls = [r for r in world.requests if "/actions/" in r["path"]]
    # queued, then three reads in progress, then completed: exactly one request per poll, all listing by head_sha
    assert len(polls) == 4
    assert all("head_sha=" + fleet(world)["refs"][f"heads/{BRANCH}"] in r["path"] for r in polls)


def test_a_rerun_after_success_makes_no_write_and_exits_0(world, cli):
    assert cli(*CMD, "4.58.1", "--yes", *FAST, env=world.env()).code == 0
    world.requests.clear()
    result = cli(*CMD, "4.58.1", "--json", env=world.env())  # no --yes, no terminal: nothing to confirm
    assert result.code == 0, result.stderr
    assert [s["status"] for s in json.loads(result.stdout)["steps"]] == ["skipped", "skipped"]
    assert world.writes() == []


def test_dry_run_reads_and_writes_nothing(world, cli):
    result = cli(*CMD, "4.58.1", "--dry-run", "--json", env=world.env())
    assert result.code == 0, result.stderr
    assert [s["status"] for s in json.loads(result.stdout)["steps"]] == ["pending", "pending"]
    assert world.writes() == [] and len(world.requests) > 0
    assert f"tags/{TAG}" not in fleet(world)["refs"]


def _commit_on_branch(world, files: dict[str, str | None], branch: str = BRANCH) -> str:
    return GitBuilder(fleet(world)).commit("A later commit", world_time(world) + timedelta(hours=1), files, branch=branch)


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({"CHANGELOG.md": "## Fleet 4.58.0 (Aug 26, 2024)\n\n- Mentions 4.58.1 in passing.\n"}, "is 4.58.0, not 4.58.1"),
        ({"charts/fleet/values.yaml": "imageTag: v4.58.0 # Version of Fleet to deploy\n"}, "charts/fleet/values.yaml"),
        ({"tools/fleetctl-npm/package.json": None}, "tools/fleetctl-npm/package.json is missing"),
    ],
    ids=["changelog-not-merged", "version-file-behind", "version-file-missing"],
)
def test_a_guard_that_does_not_hold_at_the_head_refuses_with_exit_2(world, cli, files, named):
    head = _commit_on_branch(world, files)
    result = cli(*CMD, "4.58.1", "--yes", *FAST, env=world.env())
    assert result.code == 2
    assert named in said(result) and head[:12] in said(result)
    assert world.writes() == [] and "Traceback" not in result.stderr


def test_a_migration_older_than_the_branchs_newest_and_missing_there_is_refused(world, cli):
    GitBuilder(fleet(world)).commit("Old migration merged late", world_time(world), {f"{MIGRATIONS}/20240830000000_Late.go": "package tables\n"})
    result = cli(*CMD, "4.58.1", "--yes", *FAST, env=world.env())
    assert result.code == 2
    assert "migration 20240830000000 on main is missing on patch-fleet-v4.58.1" in said(result)
    assert world.writes() == []


def test_a_newer_migration_on_main_is_fine(world, cli):
    GitBuilder(fleet(world)).commit("New migration", world_time(world), {f"{MIGRATIONS}/20991231000000_New.go": "package tables\n",
                                                                        f"{MIGRATIONS}/20991231000000_New_test.go": "package tables\n"})
    assert cli(*CMD, "4.58.1", "--yes", *FAST, env=world.env()).code == 0


def test_a_tag_at_another_commit_is_refused_naming_that_commit(world, cli):
    elsewhere = fleet(world)["refs"]["heads/main"]
    fleet(world)["refs"][f"tags/{TAG}"] = elsewhere
    result = cli(*CMD, "4.58.1", "--yes", *FAST, env=world.env())
    assert result.code == 2
    assert f"already exists at commit {elsewhere}" in said(result)
    assert world.writes() == []


@pytest.mark.parametrize(("version", "message"), [("4.58.2", "no release branch patch-fleet-v4.58.2"), ("main", "is not a release version")])
def test_a_missing_branch_or_a_bad_version_is_exit_2(world, cli, version, message):
    result = cli(*CMD, version, "--yes", env=world.env())
    assert result.code == 2 and message in said(result)
    assert world.writes() == []


def test_a_failed_run_is_exit_1_with_its_url_and_the_rerun_of_the_workflow_is_followed_without_tagging_again(world, cli):
    fleet(world)["actions"]["release_script"]["conclusion"] = "failure"
    result = cli(*CMD, "4.58.1", "--yes", "--json", *FAST, env=world.env())
    assert result.code == 1
    run = json.loads(result.stdout)["run"]
    assert run["conclusion"] == "failure" and run["url"] in said(result)
    assert not any(r["tag_name"] == TAG for r in fleet(world)["releases"])  # no draft from a failed build

    again = cli(*CMD, "4.58.1", "--yes", *FAST, env=world.env())  # not re-run on GitHub yet: still the failure
    assert again.code == 1 and run["url"] in said(again)

    fleet(world)["actions"]["release_script"]["conclusion"] = "success"
    assert api(world, "POST", f"/actions/runs/{run['id']}/rerun").status_code == 201
    world.requests.clear()
    final = cli(*CMD, "4.58.1", "--yes", "--json", *FAST, env=world.env())
    assert final.code == 0, final.stderr
    out = json.loads(final.stdout)
    assert (out["run"]["id"], out["run"]["attempt"], out["run"]["conclusion"]) == (run["id"], 2, "success")
    assert world.writes() == [] and len(release_runs(world)) == 1
    assert any(r["tag_name"] == TAG and r["draft"] for r in fleet(world)["releases"])


def test_a_run_that_never_starts_is_exit_1_within_the_timeout(world, cli):
    workflow = next(w for w in fleet(world)["actions"]["workflows"] if w["path"].endswith("goreleaser-fleet.yaml"))
    workflow["state"] = "disabled_manually"
    result = cli(*CMD, "4.58.1", "--yes", "--timeout", "0.05", *FAST, env=world.env())
    assert result.code == 1
    assert "did not start" in said(result)
    assert len(tag_writes(world)) == 1  # the tag stays; nothing else happened


def test_tag_created_but_the_answer_lost_then_a_rerun_finishes_without_a_second_tag(world, cli):
    world.inject(Fault("POST", r"/git/refs$", after=True, drop=True))
    first = cli(*CMD, "4.58.1", "--yes", *FAST, env=world.env())
    assert first.code == 1
    assert f"tags/{TAG}" in fleet(world)["refs"]  # GitHub made it; the answer never came
    second = cli(*CMD, "4.58.1", "--yes", "--json", *FAST, env=world.env())
    assert second.code == 0, second.stderr
    steps = {s["id"]: s["status"] for s in json.loads(second.stdout)["steps"]}
    assert steps == {"tag": "skipped", "run": "done"}
    assert len(tag_writes(world)) == 1 and len(release_runs(world)) == 1


def test_no_wait_tags_and_stops(world, cli):
    result = cli(*CMD, "4.58.1", "--yes", "--no-wait", "--json", env=world.env())
    assert result.code == 0, result.stderr
    assert [s["status"] for s in json.loads(result.stdout)["steps"]] == ["done", "skipped"]
    assert not [r for r in world.requests if "/actions/" in r["path"]]


def test_the_whole_release_day_rehearsal_through_the_sandbox_commands(cli):
    """As a person rehearses it: reset, a failed build, its re-run, the publish, and re-runs that change nothing."""
    assert cli("sandbox", "reset", "--world", "release-day").code == 0
    assert cli("sandbox", "release-build", "failure").code == 0
    failed = cli("--sandbox", "release", "tag", "4.58.1", "--yes", *FAST, "--json")
    assert failed.code == 1 and failed.json()["run"]["conclusion"] == "failure"
    rerun = cli("sandbox", "release-build", "success", "--rerun")
    assert rerun.code == 0 and "re-run as attempt 2" in said(rerun)
    tagged = cli("--sandbox", "release", "tag", "4.58.1", "--yes", *FAST, "--json")
    assert tagged.code == 0, tagged.stderr
    assert (tagged.json()["run"]["attempt"], tagged.json()["steps"][0]["status"]) == (2, "skipped")
    published = cli("--sandbox", "release", "publish", "4.58.1", "--yes", "--json")
    assert published.code == 0, published.stderr
    assert published.json()["release"]["latest"] is True
    before = len(cli("sandbox", "requests", "--writes", "--json").json()["requests"])
    for args in (("release", "tag", "4.58.1", *FAST), ("release", "publish", "4.58.1")):
        again = cli("--sandbox", *args, "--json")
        assert again.code == 0, again.stderr
    assert len(cli("sandbox", "requests", "--writes", "--json").json()["requests"]) == before


def test_the_guards_read_the_migrations_in_one_graphql_query_and_list_no_directory_over_rest(world, cli, monkeypatch):
    """One reader for the migrations rule (check_migrations.read_refs): was 2 REST listings per ref and a branch listing."""
    from fleetops.clients import github_trees
    from fleetops.clients.github_projects import GitHubProjectsClient

    sent: list[str] = []
    execute = GitHubProjectsClient.execute

    def recorded(self, document, *args, **kwargs):
        sent.append(document)
        return execute(self, document, *args, **kwargs)

    monkeypatch.setattr(GitHubProjectsClient, "execute", recorded)
    result = cli(*CMD, "4.58.1", "--no-wait", "--yes", "--json", env=world.env())
    assert result.code == 0, result.stderr
    rest = [r["path"] for r in world.requests if r["service"] == "github"]
    assert not [p for p in rest if "/contents/server/" in p or "/git/matching-refs/" in p], rest
    assert [r["method"] for r in world.requests if r["service"] == "github-graphql"] == ["POST"]
    assert sent and all(document in github_trees.all_documents().values() for document in sent)  # validated against GitHub's schema
    assert json.loads(result.stdout)["requests"]["github"]["graphql"] == 1


def test_a_branch_that_moves_after_the_guards_read_it_is_not_tagged_and_the_rerun_tags_the_new_head(world, cli, monkeypatch):
    """A fix merged while the plan is shown: the tag step reads the head again, and tags nothing when it moved."""
    from fleetops.ops.release import guards

    read_state = guards.read_state
    pushed: list[str] = []

    def then_a_push(*args, **kwargs):
        state = read_state(*args, **kwargs)
        pushed.append(_commit_on_branch(world, {"README.md": "A fix merged during the release.\n"}))
        return state

    read = fleet(world)["refs"][f"heads/{BRANCH}"]
    monkeypatch.setattr(guards, "read_state", then_a_push)
    result = cli(*CMD, "4.58.1", "--yes", *FAST, env={**world.env(), "COLUMNS": "1000"})
    assert result.code == 1, result.stderr
    assert f"{BRANCH} moved after the guards read it: they checked {read}, its head is now {pushed[0]}; nothing was tagged" in said(result)
    assert world.writes() == [] and f"tags/{TAG}" not in fleet(world)["refs"]
    monkeypatch.setattr(guards, "read_state", read_state)
    again = cli(*CMD, "4.58.1", "--yes", "--no-wait", "--json", env=world.env())
    assert again.code == 0, again.stderr
    assert json.loads(again.stdout)["sha"] == pushed[0] == resolve_ref(fleet(world), TAG)


def test_a_default_branch_that_does_not_exist_is_exit_2_naming_it(world, cli):
    """As check-migrations says it (one reader); the REST listing was exit 1, "GitHub answered 404 while listing ..."."""
    del fleet(world)["refs"]["heads/main"]
    result = cli(*CMD, "4.58.1", "--yes", *FAST, env=world.env())
    assert result.code == 2, result.stderr
    assert "fleetdm/fleet has no branch main (rituals: default_branch)" in said(result)
    assert world.writes() == []


def test_release_build_refuses_an_unknown_conclusion(cli):
    result = cli("sandbox", "release-build", "maybe")
    assert result.code == 2 and "success or failure" in said(result)


def test_under_the_current_handbook_a_patch_is_tagged_from_its_rc_patch_branch(world, cli):
    fleet(world)["refs"]["heads/patch-fleet-v4.58.1"] = fleet(world)["refs"]["heads/main"]  # the 2024 name must not be read
    result = cli(*CMD, "4.58.1", "--yes", "--json", *FAST, env={**world.env(), "FLEETOPS_RITUALS": "fleet-rc"})
    assert result.code == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["branch"], out["sha"]) == ("rc-patch-fleet-v4.58.1", fleet(world)["refs"]["heads/rc-patch-fleet-v4.58.1"])


def test_a_late_migration_on_a_newer_minor_branch_only_is_refused_as_check_migrations_would(world, cli):
    """One rule (migrations.py): M is the default branch and every newer minor branch, also under the 2024 process; was main only."""
    builder = GitBuilder(fleet(world))
    builder.branch("prepare-fleet-v4.59.0", builder.head())
    builder.commit("Late migration on the next minor", world_time(world), {f"{MIGRATIONS}/20240830000000_Late.go": "package tables\n"},
                   branch="prepare-fleet-v4.59.0")
    builder.branch("prepare-fleet-v4.57.0", builder.head("prepare-fleet-v4.59.0"))  # older minor: not M
    result = cli(*CMD, "4.58.1", "--yes", *FAST, env=world.env())
    assert result.code == 2
    assert "migration 20240830000000 on prepare-fleet-v4.59.0 is missing on patch-fleet-v4.58.1" in said(result)
    assert "prepare-fleet-v4.57.0" not in said(result)
    assert world.writes() == []

