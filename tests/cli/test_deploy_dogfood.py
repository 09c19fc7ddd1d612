"""`fleetops release deploy-dogfood` against the sandbox over real sockets.

The sandbox's dogfood runs 4.57.0; 4.58.0 is tagged and published on Docker Hub. Dispatched
runs progress one step per read, so --watch needs no real waiting with a tiny --poll-interval.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from fleetops.sandbox.server import Fault
from fleetops.sandbox.services.github import resolve_ref
from fleetops.sandbox.world import files
from fleetops.sandbox.world.git import GitBuilder
from tests.helpers import world_time

CMD = ("release", "deploy-dogfood")
FAST = ("--poll-interval", "0.01")
HANDBOOK_REASON = "fleetdm/fleet:main is not an image name; use the commit hash instead"


def said(result) -> str:
    """stderr with Rich's line wrapping undone, for phrase checks."""
    return " ".join(result.stderr.split())


def fleet(server):
    return server.state["github"]["repos"]["fleetdm/fleet"]


def shas(server) -> dict[str, str]:
    """The commits the dogfood world builds images of, by their relation to dogfood (4.57.0)."""
    repo = fleet(server)
    previous = resolve_ref(repo, "fleet-v4.57.0")
    return {
        "previous": previous,
        "behind": repo["commits"][previous]["parents"][0],
        "release": resolve_ref(repo, "fleet-v4.58.0"),
        "head": repo["refs"]["heads/main"],
        "diverged": repo["refs"]["heads/spike/sso-login"],
    }


def new_runs(server) -> list[dict]:
    """Runs dispatched during the test (the world starts with one finished run)."""
    return [r for r in fleet(server)["actions"]["runs"] if r["id"] != 9_100_000_001]


def dispatches(server) -> list[dict]:
    return [r for r in server.writes("github") if r["path"].endswith("/dispatches")]


# --- refusals before anything is dispatched ----------------------------------------------------------------
@pytest.mark.parametrize("ref", ["main", "rc-minor-fleet-v4.58.0", "fleetdm/fleet:main"])
def test_a_branch_is_refused_with_the_handbooks_reason_before_any_request(sandbox, cli, ref):
    result = cli(*CMD, ref, "--yes", env=sandbox.env())
    assert result.code == 2
    branch = ref.removeprefix("fleetdm/fleet:")
    assert f"fleetdm/fleet:{branch} is not an image name; use the commit hash instead" in said(result)
    assert "Traceback" not in result.output
    assert sandbox.requests == []  # refused on its face: not even a read


def test_main_json_carries_the_error_and_exit_code(sandbox, cli):
    result = cli(*CMD, "main", "--yes", "--json", env=sandbox.env())
    assert result.code == 2
    data = result.json()
    assert data["command"] == "release deploy-dogfood"
    assert data["error"]["exit_code"] == 2
    assert HANDBOOK_REASON in data["error"]["message"]
    assert dispatches(sandbox) == []


@pytest.mark.parametrize("ref", ["4.58", "v4.58.0.1", "fleetdm/fleet:", "x..y"])
def test_malformed_refs_are_usage_errors(sandbox, cli, ref):
    result = cli(*CMD, ref, "--yes", env=sandbox.env())
    assert result.code == 2
    assert "error:" in said(result) and "Traceback" not in result.output
    assert sandbox.requests == []


def test_absent_tag_exits_2_with_the_nearest_tags_and_no_dispatch(sandbox, cli):
    result = cli(*CMD, "v4.58.1", "--yes", "--json", env=sandbox.env())
    assert result.code == 2
    message = result.json()["error"]["message"]
    assert "fleetdm/fleet:v4.58.1 does not exist on Docker Hub" in message
    assert "Nearest existing tags: v4.58.0, v4.57.0" in message
    assert result.json()["image"] == "fleetdm/fleet:v4.58.1"
    assert sandbox.writes() == []
    listing = [r for r in sandbox.requests if r["service"] == "dockerhub" and r["path"].endswith(tuple("0123456789")) and "/tags?" in r["path"]]
    assert 1 <= len(listing) <= 3  # paged at 100, a few pages at most
    assert all("page_size=100" in r["path"] for r in listing)
    exact = [r for r in sandbox.requests if r["path"] == "/dockerhub/v2/repositories/fleetdm/fleet/tags/v4.58.1"]
    assert len(exact) == 1  # the lookup is by exact tag, once


def test_absent_commit_image_suggests_the_hash_with_the_same_prefix(sandbox, cli):
    head = shas(sandbox)["head"]
    typo = head[:6] + ("0" if head[6] != "0" else "1")
    result = cli(*CMD, typo, "--yes", env=sandbox.env())
    assert result.code == 2
    assert f"fleetdm/fleet:{typo} does not exist on Docker Hub" in said(result)
    assert head[:7] in said(result)  # the suggestion
    assert sandbox.writes() == []


def test_an_older_release_is_refused(make_sandbox, cli):
    server = make_sandbox(dogfood_version="4.58.0")
    result = cli(*CMD, "v4.57.0", "--yes", env=server.env())
    assert result.code == 2
    assert "4.57.0 is older than 4.58.0, which dogfood runs" in said(result)
    assert "down migrations" in said(result)
    assert server.writes() == []


@pytest.mark.parametrize(("which", "words"), [("behind", "behind what dogfood runs"), ("diverged", "histories diverged")])
def test_a_commit_behind_or_diverged_is_refused(sandbox, cli, which, words):
    sha = shas(sandbox)[which]
    result = cli(*CMD, sha[:10], "--yes", "--json", env=sandbox.env())
    assert result.code == 2
    data = result.json()
    assert words in data["error"]["message"]
    assert data["compare"]["status"] == which
    assert data["image"] == f"fleetdm/fleet:{sha[:7]}"
    assert sandbox.writes() == []


@pytest.mark.parametrize("ref", ["v4.57.0", "4.57.0", "previous"])
def test_deploying_what_already_runs_is_skipped(sandbox, cli, ref):
    ref = shas(sandbox)["previous"] if ref == "previous" else ref
    result = cli(*CMD, ref, "--yes", "--json", env=sandbox.env())
    assert result.code == 0, result.stderr
    steps = result.json()["steps"]
    assert [s["status"] for s in steps] == ["skipped"]
    assert steps[0]["detail"].startswith("dogfood already runs")
    assert sandbox.writes() == []


# --- dispatching -----------------------------------------------------------------------------------------
def test_next_release_dispatches_once_with_the_image_on_the_default_branch(sandbox, cli, clean_env):
    result = cli(*CMD, "v4.58.0", "--yes", "--json", env=sandbox.env())
    assert result.code == 0, result.stderr
    data = result.json()
    assert len(dispatches(sandbox)) == 1
    assert sandbox.writes() == dispatches(sandbox)  # nothing else was written
    [run] = new_runs(sandbox)
    assert run["inputs"] == {"DOCKER_IMAGE": "fleetdm/fleet:v4.58.0"}
    assert run["head_branch"] == "main" and run["event"] == "workflow_dispatch"
    assert data["image"] == "fleetdm/fleet:v4.58.0"
    assert data["digest"].startswith("sha256:") and len(data["digest"]) == 71
    assert data["current"] == {"source": "dogfood", "version": "4.57.0", "revision": shas(sandbox)["previous"]}
    assert data["target"]["revision"] == shas(sandbox)["release"]
    assert data["compare"]["status"] == "ahead"
    assert data["workflow"]["path"] == ".github/workflows/dogfood-deploy.yml" and data["workflow"]["ref"] == "main"
    assert data["inputs"] == {"DOCKER_IMAGE": "fleetdm/fleet:v4.58.0"}
    assert data["run"]["id"] == run["id"]
    assert data["run"]["url"].endswith(f"/actions/runs/{run['id']}")
    assert [s["status"] for s in data["steps"]] == ["done", "done"]
    assert f"Deploy run: {data['run']['url']}" in said(result)
    # The plan came first: image, digest, current → new, compare, workflow, inputs.
    summary = result.stderr.split("Plan")[0]
    for words in ("fleetdm/fleet:v4.58.0", data["digest"], "4.57.0 → 4.58.0", "ahead", "dogfood-deploy.yml", "DOCKER_IMAGE="):
        assert words in summary
    journal = [json.loads(line) for line in (clean_env / "journal.jsonl").read_text().splitlines()]
    assert [(e["step"], e["status"]) for e in journal] == [("dispatch", "done"), ("run", "done")]


def test_a_commit_ahead_deploys_its_short_hash_image(sandbox, cli):
    head = shas(sandbox)["head"]
    result = cli(*CMD, head, "--yes", "--json", env=sandbox.env())  # the full 40-digit hash
    assert result.code == 0, result.stderr
    [run] = new_runs(sandbox)
    assert run["inputs"] == {"DOCKER_IMAGE": f"fleetdm/fleet:{head[:7]}"}
    assert result.json()["compare"]["status"] == "ahead"


def test_dry_run_reads_everything_and_writes_nothing(sandbox, cli):
    result = cli(*CMD, "v4.58.0", "--dry-run", "--json", env=sandbox.env())
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["dry_run"] is True
    assert [s["status"] for s in data["steps"]] == ["pending", "pending"]
    assert data["digest"] and data["compare"]["status"] == "ahead"
    assert sandbox.writes() == []
    assert new_runs(sandbox) == []
    services = {r["service"] for r in sandbox.requests}
    assert services == {"github", "dockerhub", "dogfood"}


def test_without_a_terminal_or_yes_nothing_is_dispatched(sandbox, cli):
    result = cli(*CMD, "v4.58.0", env={**sandbox.env(), "CI": "true"})
    assert result.code == 2
    assert "--yes" in said(result)
    assert sandbox.writes() == []


def test_a_terminal_asks_once_and_no_declines(sandbox, cli):
    result = cli(*CMD, "v4.58.0", env=sandbox.env(), input="n\n", tty=True)
    assert result.code == 2 and "Declined" in said(result)
    assert sandbox.writes() == []


def test_no_github_token_is_exit_4_before_dispatching(sandbox, cli):
    env = sandbox.env()
    del env["GH_TOKEN"]
    result = cli(*CMD, "v4.58.0", "--yes", env=env)
    assert result.code == 4
    assert "GH_TOKEN" in said(result)
    assert sandbox.writes() == []
    dry = cli(*CMD, "v4.58.0", "--dry-run", env=env)  # reads work anonymously
    assert dry.code == 0, dry.stderr


# --- watching -------------------------------------------------------------------------------------------
def test_watch_follows_a_succeeding_run_to_exit_0_and_dogfood_then_runs_it(make_sandbox, cli):
    server = make_sandbox(deploy_polls=3)
    result = cli(*CMD, "v4.58.0", "--yes", "--watch", *FAST, "--json", env=server.env())
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["run"]["status"] == "completed" and data["run"]["conclusion"] == "success"
    assert "succeeded" in data["steps"][1]["detail"]
    polls = [r for r in server.requests if r["path"].endswith(f"/actions/runs/{data['run']['id']}")]
    assert len(polls) == 4  # read once, then polled until the third in-progress read completes it
    assert server.state["dogfood"]["version"] == "4.58.0"
    again = cli(*CMD, "v4.58.0", "--yes", "--json", env=server.env())
    assert again.code == 0 and again.json()["steps"][0]["status"] == "skipped"
    assert len(dispatches(server)) == 1


def test_watch_on_a_failing_run_exits_1(make_sandbox, cli):
    server = make_sandbox(deploy_conclusion="failure")
    result = cli(*CMD, "v4.58.0", "--yes", "--watch", *FAST, "--json", env=server.env())
    assert result.code == 1
    data = result.json()
    assert data["run"]["conclusion"] == "failure"
    assert [s["status"] for s in data["steps"]] == ["done", "failed"]
    assert "the deploy run ended failure" in data["steps"][1]["detail"]
    assert "1 step(s) failed: run" in said(result)
    assert server.state["dogfood"]["version"] == "4.57.0"


def test_watch_gives_up_at_the_timeout_with_exit_1(make_sandbox, cli):
    server = make_sandbox(deploy_polls=100_000)
    started = time.monotonic()
    result = cli(*CMD, "v4.58.0", "--yes", "--watch", "--poll-interval", "0.02", "--timeout", "0.3", "--json", env=server.env())
    assert time.monotonic() - started < 10
    assert result.code == 1
    data = result.json()
    assert data["run"]["status"] == "in_progress"
    assert "--timeout" in data["steps"][1]["detail"]
    assert len(dispatches(server)) == 1


def test_without_run_details_the_new_dispatch_run_is_found_by_listing(make_sandbox, cli):
    server = make_sandbox(dispatch_run_details=False)  # as GitHub Enterprise answers: 204
    result = cli(*CMD, "v4.58.0", "--yes", "--watch", *FAST, "--json", env=server.env())
    assert result.code == 0, result.stderr
    [run] = new_runs(server)
    assert result.json()["run"]["id"] == run["id"]
    listed = [r for r in server.requests if "/runs?" in r["path"] and "event=workflow_dispatch" in r["path"]]
    assert listed and "created=%3E%3D" in listed[0]["path"] and "branch=main" in listed[0]["path"]


# --- dogfood's version ----------------------------------------------------------------------------------
def test_dogfood_unreachable_is_refused_unless_current_says(sandbox, cli):
    sandbox.inject(Fault("GET", "/dogfood/", status=503, times=100))  # down, after the library's retries
    refused = cli(*CMD, "v4.58.0", "--yes", env=sandbox.env())
    assert refused.code == 2
    assert len([r for r in sandbox.requests if r["service"] == "dogfood"]) == 4  # the first try and 3 retries
    assert "cannot tell what dogfood runs" in said(refused) and "--current" in said(refused)
    assert sandbox.writes() == []

    sandbox.clear_faults()
    sandbox.reset_log()
    result = cli(*CMD, "v4.58.0", "--current", "v4.57.0", "--yes", "--json", env=sandbox.env())
    assert result.code == 0, result.stderr
    assert result.json()["current"]["source"] == "--current"
    assert not [r for r in sandbox.requests if r["service"] == "dogfood"]
    assert len(dispatches(sandbox)) == 1


def test_current_refuses_an_older_release_too(sandbox, cli):
    result = cli(*CMD, "v4.57.0", "--current", "4.58.0", "--yes", env=sandbox.env())
    assert result.code == 2 and "older than 4.58.0" in said(result)
    assert sandbox.writes() == []


def test_unset_dogfood_url_is_refused_naming_the_variable(sandbox, cli, monkeypatch):
    env = sandbox.env()
    del env["FLEETOPS_DOGFOOD_URL"]
    result = cli(*CMD, "v4.58.0", "--yes", env=env)
    assert result.code == 2
    assert "FLEETOPS_DOGFOOD_URL is not set" in said(result)
    assert sandbox.writes() == []


def test_rejected_dogfood_token_is_exit_4_naming_the_variable(sandbox, cli):
    result = cli(*CMD, "v4.58.0", "--yes", env={**sandbox.env(), "FLEETOPS_DOGFOOD_TOKEN": "dogfood_wrong_token_42"})
    assert result.code == 4
    assert "FLEETOPS_DOGFOOD_TOKEN" in said(result)
    assert "dogfood_wrong_token_42" not in result.output
    assert sandbox.writes() == []


def test_dogfood_running_a_commit_build_is_compared_by_ancestry(sandbox, cli):
    s = shas(sandbox)
    sandbox.state["dogfood"].update(version=f"0.0.0-SNAPSHOT-{s['release'][:7]}", revision=s["release"])
    older = cli(*CMD, "v4.57.0", "--yes", env=sandbox.env())
    assert older.code == 2 and "behind what dogfood runs" in said(older)
    same = cli(*CMD, "v4.58.0", "--yes", "--json", env=sandbox.env())
    assert same.code == 0 and same.json()["steps"][0]["status"] == "skipped"
    assert sandbox.writes() == []


# --- the workflow ----------------------------------------------------------------------------------------
def old_workflow(server) -> None:
    """Put the deploy workflow of older Fleet (input IMAGE_TAG) on main."""
    GitBuilder(fleet(server)).commit(
        "Deploy workflow as older Fleet had it",
        world_time(server) - timedelta(hours=1),
        {".github/workflows/dogfood-deploy.yml": files.dogfood_workflow("IMAGE_TAG")},
    )


def test_a_workflow_that_declares_image_tag_is_refused_naming_the_input(sandbox, cli):
    old_workflow(sandbox)
    result = cli(*CMD, "v4.58.0", "--yes", env=sandbox.env())
    assert result.code == 2
    assert "declares IMAGE_TAG, not the input DOCKER_IMAGE" in said(result)
    assert "dogfood.input" in said(result)
    assert sandbox.writes() == []


def test_the_rituals_input_can_name_the_older_input(sandbox, cli, tmp_path):
    from fleetops.rituals.loader import bundled_path

    old_workflow(sandbox)
    rituals = tmp_path / "fleet.yml"
    rituals.write_text(bundled_path().read_text().replace("input: DOCKER_IMAGE", "input: IMAGE_TAG"))
    result = cli(*CMD, "v4.58.0", "--yes", env={**sandbox.env(), "FLEETOPS_RITUALS": str(rituals)})
    assert result.code == 0, result.stderr
    [run] = new_runs(sandbox)
    assert run["inputs"] == {"IMAGE_TAG": "fleetdm/fleet:v4.58.0"}


# --- resumability ------------------------------------------------------------------------------------------
def _final(server) -> tuple:
    return (server.state["dogfood"]["version"], len(new_runs(server)), len(dispatches(server)))


def _settle(server, cli):
    """Let the dispatched run finish (each read moves it), then re-run until nothing is left to do."""
    for _ in range(10):
        result = cli(*CMD, "v4.58.0", "--yes", "--watch", *FAST, "--json", env=server.env())
        if result.code == 0:
            return result
    raise AssertionError(result.stderr)


def test_a_failed_dispatch_is_finished_by_a_rerun_without_duplicates(make_sandbox, cli):
    clean = make_sandbox()
    assert cli(*CMD, "v4.58.0", "--yes", "--watch", *FAST, env=clean.env()).code == 0

    server = make_sandbox()
    server.inject(Fault("POST", "/dispatches$", status=500, times=1))
    failed = cli(*CMD, "v4.58.0", "--yes", "--watch", *FAST, "--json", env=server.env())
    assert failed.code == 1
    steps = failed.json()["steps"]
    assert [s["status"] for s in steps] == ["failed", "pending"]
    assert "not run: needs dispatch" in steps[1]["detail"]
    assert new_runs(server) == []  # the POST is not retried: no hidden second dispatch
    _settle(server, cli)
    assert _final(server)[:2] == _final(clean)[:2] == ("4.58.0", 1)


def test_an_interruption_after_the_dispatch_never_dispatches_twice(make_sandbox, cli):
    clean = make_sandbox()
    assert cli(*CMD, "v4.58.0", "--yes", "--watch", *FAST, env=clean.env()).code == 0

    server = make_sandbox(deploy_polls=3)
    server.inject(Fault("GET", r"/actions/runs/\d+$", status=404, times=1))  # the run lookup fails
    first = cli(*CMD, "v4.58.0", "--yes", "--watch", *FAST, "--json", env=server.env())
    assert first.code == 1
    assert [s["status"] for s in first.json()["steps"]] == ["done", "failed"]
    busy = cli(*CMD, "v4.58.0", "--yes", env=server.env())
    assert busy.code == 2
    assert "a deploy run is already" in said(busy) and "/actions/runs/" in said(busy)
    assert len(dispatches(server)) == 1
    _settle(server, cli)
    assert _final(server) == _final(clean) == ("4.58.0", 1, 1)


# --- secrets ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("debug", [False, True])
def test_tokens_never_appear_in_any_output(make_sandbox, cli, clean_env, debug):
    server = make_sandbox(deploy_conclusion="failure")
    env = server.env()
    args = ["--debug"] if debug else []
    outputs = [
        cli(*args, *CMD, "v4.58.0", "--dry-run", "--json", env=env).output,
        cli(*args, *CMD, "v4.58.0", "--yes", "--watch", *FAST, "--json", env=env).output,
        cli(*args, *CMD, "v4.58.0", "--yes", env={**env, "FLEETOPS_DOGFOOD_TOKEN": "dogfood_other_secret_1"}).output,
    ]
    everything = "\n".join(outputs) + (clean_env / "journal.jsonl").read_text()
    if debug:
        assert "debug:" in everything and "/dogfood/api/v1/fleet/version" in everything
    for secret in (env["GH_TOKEN"], env["FLEETOPS_DOGFOOD_TOKEN"], "dogfood_other_secret_1"):
        assert secret not in everything


def test_watch_on_a_terminal_nests_the_spinner_in_the_progress_bar(sandbox, cli):
    """Rich >= 14.1 (the floor in pyproject) nests the watch's spinner in the runner's progress bar."""
    result = cli(*CMD, "v4.58.0", "--yes", "--watch", *FAST, env=sandbox.env(), tty=True)
    assert result.code == 0, result.stderr
    assert "LiveError" not in result.stderr and "completed" in said(result)


def test_a_rehearsal_across_invocations_progresses_and_deploys_once(cli, clean_env):
    """`--sandbox` keeps its world between commands: polls by later commands move the run on."""
    first = cli("--sandbox", *CMD, "v4.58.0", "--yes", "--json")
    assert first.code == 0, first.stderr
    codes = []
    for _ in range(4):
        result = cli("--sandbox", *CMD, "v4.58.0", "--yes", "--json")
        codes.append(result.code)
        if result.code == 0:
            assert result.json()["steps"][0]["detail"] == "dogfood already runs 4.58.0"
            break
    assert codes[0] == 2 and codes[-1] == 0  # in progress at first, deployed in the end
    state = json.loads((clean_env / "sandbox" / "state.json").read_text())
    runs = state["github"]["repos"]["fleetdm/fleet"]["actions"]["runs"]
    assert len(runs) == 2 and runs[-1]["conclusion"] == "success"  # the seeded run and ours
    assert state["dogfood"]["version"] == "4.58.0"


@pytest.mark.parametrize(("option", "value", "words"), [("--poll-interval", "0", "--poll-interval must be more than 0"), ("--timeout", "soon", "--timeout 'soon' is not a duration")])
def test_bad_watch_options_are_usage_errors_before_any_request(sandbox, cli, option, value, words):
    result = cli(*CMD, "v4.58.0", "--watch", option, value, "--yes", env=sandbox.env())
    assert result.code == 2
    assert words in said(result)
    assert sandbox.requests == []


def test_help_is_the_runbook_and_fits_80_columns(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = cli(*CMD, "--help")
    assert result.code == 0
    text = result.stdout
    for step in range(1, 8):
        assert f"\n  {step}. " in text
    assert all(len(line) <= 80 for line in text.splitlines()), [line for line in text.splitlines() if len(line) > 80]
