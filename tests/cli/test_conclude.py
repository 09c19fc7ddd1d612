"""`fleetops release conclude-milestone` against the sandbox's "released" world over real sockets."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fleetops.sandbox.server import Fault
from fleetops.sandbox.world.conclude import EXTRA_ITEMS
from fleetops.sandbox.world.zenhub import DRAFTING_ONLY, GROUP_ITEMS, WORKSPACES
from tests.helpers import failed_run_steps, runbook

REPO = "fleetdm/fleet"
READY = "Ready for release"
NOW = datetime(2025, 6, 18, 17, 0, tzinfo=UTC)  # a Wednesday: the day after the 4.58.0 release
STEP_IDS = [
    "rename",
    "g-mdm.unfinished", "g-mdm.ready", "g-mdm.stories", "g-mdm.close",
    "g-endpoint-ops.unfinished", "g-endpoint-ops.ready", "g-endpoint-ops.stories", "g-endpoint-ops.close",
    "drafting.celebrate", "close-milestone", "next-milestone", "unfreeze", "announce", "patch-branch",
]


@pytest.fixture(autouse=True)
def pinned(clock):
    """The app and the sandbox read the day after the release, whatever today is."""
    clock.set(NOW)
    return clock


def released(make_sandbox, **overrides: Any):
    """The world right after 4.58.0 shipped (due yesterday), with a fixed clock so two worlds compare."""
    return make_sandbox("released", now=NOW, release_date=NOW - timedelta(days=1), **overrides)


def conclude(cli, server, *args: str, env: dict[str, str] | None = None):
    return cli("release", "conclude-milestone", "4.58.0", *args, env=env if env is not None else server.env())


# --- what the handbook says the end state is, from the seed's own tables ---------------------------------------
def seed_items() -> list[dict[str, Any]]:
    """Every seeded issue: board, labels, pipeline there, milestone, state, PR or not."""
    items = []
    for group, rows in GROUP_ITEMS.items():
        for kind, title, pipeline, in_milestone, _sprint, closed in rows:
            items.append({"board": group, "title": title, "labels": [kind, WORKSPACES[group][2], ":release"], "pipeline": pipeline,
                          "milestone": "this" if in_milestone else None, "state": "closed" if closed else "open", "pr": False})
    for board, title, labels, pipeline, milestone, _sprint, state, pr in EXTRA_ITEMS:
        items.append({"board": board, "title": title, "labels": labels, "pipeline": pipeline, "milestone": milestone, "state": state, "pr": pr})
    for kind, title, pipeline in DRAFTING_ONLY:
        items.append({"board": "drafting", "title": title, "labels": [kind, ":product"], "pipeline": pipeline, "milestone": None, "state": "open", "pr": False})
    return items


def in_release(item: dict[str, Any]) -> bool:
    """Open issues in a product group's "Ready for release" make the release."""
    return item["board"] != "drafting" and item["pipeline"] == READY and item["state"] == "open" and not item["pr"]


def is_story(item: dict[str, Any]) -> bool:
    return "story" in item["labels"]


def issues_by_title(server) -> dict[str, dict[str, Any]]:
    return {i["title"]: i for i in server.state["github"]["repos"][REPO]["issues"]}


def pipeline_on(server, board: str, title: str) -> str:
    """Where an issue sits on a board now, as the sandbox's ZenHub answers it."""
    zh = server.state["zenhub"]
    issue = issues_by_title(server)[title]
    ws = zh["workspaces"][WORKSPACES[board][0]]
    if issue["state"] == "closed":
        return ws["closed_pipeline"]["name"]
    pipe = ws["board"].get(f"{REPO}#{issue['number']}")
    return next((p["name"] for p in ws["pipelines"] if p["id"] == pipe), ws["pipelines"][0]["name"])


def snapshot(server) -> dict[str, Any]:
    """The state of every service, without timestamps, ids that differ per world, or the server's port."""
    state = server.state
    repo = state["github"]["repos"][REPO]
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")

    def clean(text: str | None) -> str:
        return stamp.sub("<time>", (text or "").replace(server.url, "<sandbox>"))

    return {
        "milestones": sorted((m["number"], m["title"], m["state"], m.get("due_on"), clean(m.get("description"))) for m in repo["milestones"]),
        "issues": {i["number"]: (i["title"], i["state"], i.get("state_reason"), i.get("milestone"), sorted(i["labels"])) for i in repo["issues"]},
        "refs": dict(repo["refs"]),
        "boards": {ws_id: dict(ws["board"]) for ws_id, ws in state["zenhub"]["workspaces"].items()},
        "sprints": {key: sorted(record["sprints"]) for key, record in state["zenhub"]["issues"].items()},
        "freeze": {key: (b["frozen"], b.get("frozen_by")) for key, b in state["mergefreeze"]["branches"].items()},
        "slack": [clean(m["text"]) for m in state["slack"]["messages"]],
    }


# --- the whole ritual ------------------------------------------------------------------------------------------------
def test_a_clean_run_leaves_every_service_as_the_handbook_describes(make_sandbox, cli):
    server = released(make_sandbox)
    before = issues_by_title(server)
    before = {t: json.loads(json.dumps(i)) for t, i in before.items()}
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert [s["id"] for s in data["steps"]] == STEP_IDS
    assert [s["status"] for s in data["steps"]] == ["done"] * len(STEP_IDS)

    repo = server.state["github"]["repos"][REPO]
    zh = server.state["zenhub"]
    after = issues_by_title(server)
    active = {b: zh["workspaces"][WORKSPACES[b][0]]["active_sprint"] for b in ("g-mdm", "g-endpoint-ops")}
    for item in seed_items():
        issue = after[item["title"]]
        record = zh["issues"][f"{REPO}#{issue['number']}"]
        if in_release(item):
            # 4: the milestone and the sprint; 5: stories back to drafting; 6: the rest closed
            assert issue["milestone"] == 102, item["title"]
            assert active[item["board"]] in record["sprints"], item["title"]
            if is_story(item):
                assert issue["state"] == "open", item["title"]
                assert ":product" in issue["labels"] and ":release" not in issue["labels"], item["title"]
                assert pipeline_on(server, "drafting", item["title"]) == "Confirm and celebrate", item["title"]  # 8
            else:
                assert issue["state"] == "closed" and issue["state_reason"] == "completed", item["title"]
                assert pipeline_on(server, item["board"], item["title"]) == "Closed", item["title"]
                assert sorted(issue["labels"]) == sorted(item["labels"]), item["title"]
        elif item["milestone"] == "this" and item["state"] == "open" and not item["pr"]:
            # 3: did not make the release: the milestone goes, nothing else changes
            assert issue["milestone"] is None, item["title"]
            assert issue["state"] == "open" and issue["labels"] == before[item["title"]]["labels"], item["title"]
            if item["board"] == "drafting":
                assert pipeline_on(server, "drafting", item["title"]) == item["pipeline"], item["title"]
        else:
            # closed issues, pull requests and everything outside the release are left as they are
            old = before[item["title"]]
            assert (issue["state"], issue["milestone"], issue["labels"]) == (old["state"], old["milestone"], old["labels"]), item["title"]

    # 1, 9, 10: the milestones
    milestones = {m["title"]: m for m in repo["milestones"]}
    assert sorted(milestones) == ["4.57.0", "4.58.0", "4.59.0-tentative"]
    assert milestones["4.58.0"]["number"] == 102 and milestones["4.58.0"]["state"] == "closed"
    description = milestones["4.58.0"]["description"].splitlines()
    assert description[0].startswith("fleetops: concluded 4.58.0 on ")
    assert description[-1].startswith("fleetops: announced in Slack (#help-engineering) on ")
    nxt = milestones["4.59.0-tentative"]
    assert nxt["state"] == "open"
    assert nxt["due_on"] == (NOW - timedelta(days=1) + timedelta(days=21)).strftime("%Y-%m-%dT00:00:00Z")
    # 11: unfrozen; 12: one message; 13: the patch branch at the release tag's commit
    assert server.state["mergefreeze"]["branches"]["fleetdm/fleet/main"]["frozen"] is False
    assert [m["text"] for m in server.state["slack"]["messages"]] == [
        f"`main` is unfrozen and the 4.58.0 milestone is closed: {server.url}/web/fleetdm/fleet/milestone/102"
    ]
    tag = repo["refs"]["tags/fleet-v4.58.0"]
    assert repo["refs"]["heads/patch-fleet-v4.58.1"] == repo["tag_objects"][tag]["object"]

    # batched: one ZenHub mutation per kind of change per board, not one per issue
    assert len(server.writes("zenhub")) == 13
    assert [(r["method"], r["path"].split("?")[0]) for r in server.writes("github")] == [
        ("PATCH", "/github/repos/fleetdm/fleet/milestones/102"),  # rename
        ("PATCH", "/github/repos/fleetdm/fleet/milestones/102"),  # close
        ("POST", "/github/repos/fleetdm/fleet/milestones"),  # next
        ("PATCH", "/github/repos/fleetdm/fleet/milestones/102"),  # the Slack attempt, noted before posting
        ("PATCH", "/github/repos/fleetdm/fleet/milestones/102"),  # the Slack marker
        ("POST", "/github/repos/fleetdm/fleet/git/refs"),  # the patch branch
    ]
    assert len(server.writes("mergefreeze")) == 1 and len(server.writes("slack")) == 1

    # --json names the issues each step touched
    steps = {s["id"]: s for s in data["steps"]}
    mdm_closed = sorted(after[i["title"]]["number"] for i in seed_items() if in_release(i) and not is_story(i) and i["board"] == "g-mdm")
    assert steps["g-mdm.close"]["issues"] == mdm_closed
    stories = sorted(after[i["title"]]["number"] for i in seed_items() if in_release(i) and is_story(i) and ":release" in i["labels"])
    assert steps["drafting.celebrate"]["issues"] == stories
    assert data["milestone"]["title"] == "4.58.0" and data["next_milestone"] == "4.59.0-tentative"
    assert data["patch_branch"] == "patch-fleet-v4.58.1"
    assert data["announcement"] == server.state["slack"]["messages"][0]["text"]


def test_a_second_run_skips_every_step_and_writes_nothing(make_sandbox, cli):
    server = released(make_sandbox)
    assert conclude(cli, server, "--yes").code == 0
    server.reset_log()
    again = conclude(cli, server, "--yes", "--json")
    assert again.code == 0, again.stderr
    assert {s["status"] for s in again.json()["steps"]} == {"skipped"}
    assert "Nothing to change." in again.stderr
    assert server.writes() == []


def test_dry_run_shows_every_step_and_makes_zero_writes(make_sandbox, cli):
    server = released(make_sandbox)
    result = conclude(cli, server, "--dry-run", "--json", env={**server.env(), "COLUMNS": "300"})
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["dry_run"] is True
    assert [(s["id"], s["status"]) for s in data["steps"]] == [(i, "pending") for i in STEP_IDS]
    assert server.writes() == []
    assert "Plan (dry run: nothing will change)" in result.stderr
    for step in data["steps"]:
        assert step["title"] in result.stderr
    # the plan shows the exact change: counts and issue numbers
    unfinished = data["steps"][1]["detail"]
    assert unfinished.startswith("6 items outside Ready for release still carry 4.58.0-tentative: #")
    assert "(In progress)" in unfinished and "(New Issues)" in unfinished
    assert server.state["mergefreeze"]["branches"]["fleetdm/fleet/main"]["frozen"] is True
    assert server.state["slack"]["messages"] == []


def test_without_a_terminal_and_without_yes_nothing_is_written(make_sandbox, cli):
    server = released(make_sandbox)
    result = conclude(cli, server, env={**server.env(), "CI": "true"})
    assert result.code == 2
    assert "--yes" in result.stderr
    assert server.writes() == []


# --- failures in the middle, and the re-run that finishes the job -------------------------------------------------
FAULTS = {
    # ZenHub's close of the first board (mutations are not retried)
    "zenhub-close": (Fault("POST", "/zenhub/public/graphql", status=500, request="mutation CloseIssues"), "g-mdm.close", ["close-milestone", "announce"]),
    # GitHub refuses to close the milestone (the rename, also a PATCH there, goes through)
    "milestone-close": (Fault("PATCH", "/milestones/102$", status=422, request=r'"state":\s*"closed"'), "close-milestone", ["announce"]),
    "unfreeze": (Fault("POST", "/mergefreeze/", status=500), "unfreeze", ["announce"]),
    # a refusal that certainly posted nothing (a 5xx may come after the post: tests/reliability)
    "slack": (Fault("POST", "/slack/", status=400, body="invalid_payload"), "announce", []),
    "branch": (Fault("POST", "/git/refs$", status=422), "patch-branch", []),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_a_failure_mid_run_exits_1_naming_the_step_and_a_rerun_ends_like_a_clean_run(make_sandbox, cli, name):
    clean = released(make_sandbox)
    assert conclude(cli, clean, "--yes").code == 0

    server = released(make_sandbox)
    fault, failed, blocked = FAULTS[name]
    server.inject(fault)
    first = conclude(cli, server, "--yes", "--json")
    assert f"1 step(s) failed: {failed}." in first.stderr
    failed_run_steps(first, failed, blocked, STEP_IDS)

    server.clear_faults()
    second = conclude(cli, server, "--yes", "--json")
    assert second.code == 0, second.stderr
    statuses = {s["id"]: s["status"] for s in second.json()["steps"]}
    assert {i for i, s in statuses.items() if s == "done"} == {failed, *blocked}
    assert {s for i, s in statuses.items() if i not in (failed, *blocked)} == {"skipped"}
    assert snapshot(server) == snapshot(clean)  # one milestone, one branch, one message: no duplicate


def test_a_lost_marker_after_the_slack_post_says_exactly_what_to_do(make_sandbox, cli):
    server = released(make_sandbox)
    server.inject(Fault("PATCH", "/milestones/102$", status=422, request="announced in Slack"))
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 1
    announce = result.json()["steps"][STEP_IDS.index("announce")]
    assert announce["status"] == "failed"
    assert announce["detail"].startswith("posted in #help-engineering, but recording that in milestone 4.58.0 failed")
    line = re.search(r"Add the line '([^']+)'", announce["detail"]).group(1)
    assert len(server.state["slack"]["messages"]) == 1
    # the person adds the line, as told: the re-run does not post again
    ms = next(m for m in server.state["github"]["repos"][REPO]["milestones"] if m["number"] == 102)
    ms["description"] = ms["description"] + "\n\n" + line
    server.clear_faults()
    rerun = conclude(cli, server, "--yes", "--json")
    assert rerun.code == 0
    assert rerun.json()["steps"][STEP_IDS.index("announce")]["status"] == "skipped"
    assert len(server.state["slack"]["messages"]) == 1


def test_a_board_without_an_active_sprint_blocks_only_what_needs_it(make_sandbox, cli):
    server = released(make_sandbox)
    server.state["zenhub"]["workspaces"][WORKSPACES["g-mdm"][0]]["active_sprint"] = None
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 1
    steps = {s["id"]: s for s in result.json()["steps"]}
    assert steps["g-mdm.ready"]["status"] == "failed"
    assert "has no active sprint" in steps["g-mdm.ready"]["detail"] and "start the sprint in ZenHub" in steps["g-mdm.ready"]["detail"]
    assert steps["g-mdm.close"]["status"] == "pending" and steps["close-milestone"]["status"] == "pending"
    assert steps["g-endpoint-ops.close"]["status"] == "done" and steps["unfreeze"]["status"] == "done"
    assert "g-mdm.ready" in result.stderr


# --- bad input and other edges ----------------------------------------------------------------------------------
def test_a_version_without_a_tentative_milestone_is_exit_2_and_writes_nothing(make_sandbox, cli):
    server = released(make_sandbox)
    result = cli("release", "conclude-milestone", "4.60.0", "--yes", "--json", env=server.env())
    assert result.code == 2
    assert "fleetdm/fleet has no milestone '4.60.0-tentative' (nor '4.60.0')" in result.stderr
    assert "Open release milestones: 4.58.0-tentative." in result.stderr
    assert result.json()["error"]["exit_code"] == 2
    assert "Traceback" not in result.output
    assert server.writes() == []


@pytest.mark.parametrize(
    "args,message",
    [
        (["4.58"], "VERSION '4.58' is not a release version."),
        (["fleet-v4.58.0"], "VERSION 'fleet-v4.58.0' is not a release version"),
        (["4.58.0", "--next", "4.57.0"], "--next 4.57.0 is not after 4.58.0."),
        (["4.58.0", "--next", "soon"], "--next 'soon' is not a release version"),
    ],
)
def test_bad_version_or_next_is_exit_2_before_any_request(make_sandbox, cli, args, message):
    server = released(make_sandbox)
    result = cli("release", "conclude-milestone", *args, "--yes", env=server.env())
    assert result.code == 2
    assert message in result.stderr
    assert server.requests == []


def test_next_names_the_next_milestone(make_sandbox, cli):
    server = released(make_sandbox)
    result = conclude(cli, server, "--next", "5.0.0", "--yes", "--json")
    assert result.code == 0, result.stderr
    titles = [m["title"] for m in server.state["github"]["repos"][REPO]["milestones"]]
    assert "5.0.0-tentative" in titles and "4.59.0-tentative" not in titles


def test_without_a_slack_webhook_the_announcement_is_a_checklist_item(make_sandbox, cli):
    server = released(make_sandbox)
    env = server.env()
    del env["SLACK_WEBHOOK_URL"]
    result = conclude(cli, server, "--yes", "--json", env=env)
    assert result.code == 0, result.stderr
    announce = result.json()["steps"][STEP_IDS.index("announce")]
    assert announce["status"] == "skipped" and announce["manual"] is True
    text = f"`main` is unfrozen and the 4.58.0 milestone is closed: {server.url}/web/fleetdm/fleet/milestone/102"
    assert announce["text"] == text and text in announce["detail"]
    assert "SLACK_WEBHOOK_URL is not set" in announce["detail"]
    assert "manual" in result.stderr
    assert server.state["slack"]["messages"] == []


def test_an_already_concluded_release_leaves_the_next_release_alone(make_sandbox, cli):
    # 4.57.0 was concluded by hand weeks ago; 4.58.0 is in its freeze now (the default world)
    server = make_sandbox("default", frozen=True)
    result = cli("release", "conclude-milestone", "4.57.0", "--yes", "--json", env=server.env())
    assert result.code == 0, result.stderr
    steps = {s["id"]: s for s in result.json()["steps"]}
    for step_id in STEP_IDS[1:10]:
        assert steps[step_id]["status"] == "skipped"
        assert "was closed outside fleetops: its boards are left alone" in steps[step_id]["detail"]
    assert steps["unfreeze"]["status"] == "skipped" and steps["unfreeze"]["detail"].startswith("frozen for 4.58.0")
    assert steps["announce"]["status"] == "skipped" and "announcing it unfrozen would be wrong" in steps["announce"]["detail"]
    assert server.state["mergefreeze"]["branches"]["fleetdm/fleet/main"]["frozen"] is True
    assert [r["path"] for r in server.writes()] == ["/github/repos/fleetdm/fleet/git/refs"]  # only patch-fleet-v4.57.1
    zenhub_reads = [r for r in server.requests if r["service"] == "zenhub"]
    assert len(zenhub_reads) == 3  # the three boards; their issues are not even read


def test_the_default_world_concludes_too(sandbox, cli):
    result = cli("release", "conclude-milestone", "4.58.0", "--yes", "--json", env=sandbox.env())
    assert result.code == 0, result.stderr
    steps = {s["id"]: s["status"] for s in result.json()["steps"]}
    assert steps["unfreeze"] == "skipped"  # the default world is not frozen
    assert steps["close-milestone"] == "done" and steps["announce"] == "done"


@pytest.mark.parametrize("debug", [False, True])
def test_secrets_never_appear_in_output_or_journal(make_sandbox, cli, clean_env, debug):
    server = released(make_sandbox)
    env = server.env()
    server.inject(Fault("POST", "/mergefreeze/", status=500))
    args = ["--debug"] if debug else []
    outputs = [cli(*args, "release", "conclude-milestone", "4.58.0", *extra, env=env).output for extra in (["--dry-run"], ["--yes", "--json"], ["--yes"])]
    everything = "\n".join(outputs) + (clean_env / "journal.jsonl").read_text()
    if debug:
        assert "debug:" in everything
    for secret in (env["GH_TOKEN"], env["MERGEFREEZE_TOKEN"], env["ZENHUB_TOKEN"], env["SLACK_WEBHOOK_URL"], env["SLACK_WEBHOOK_URL"].rsplit("/", 1)[1]):
        assert secret not in everything


def test_an_unknown_placeholder_in_the_announcement_is_a_rituals_error(make_sandbox, cli, tmp_path):
    from fleetops.rituals.loader import bundled_path

    rituals = tmp_path / "fleet.yml"
    rituals.write_text(bundled_path().read_text().replace("milestone is closed: {milestone_url}", "milestone is closed by {dri}"))
    server = released(make_sandbox)
    result = conclude(cli, server, "--yes", env={**server.env(), "FLEETOPS_RITUALS": str(rituals)})
    assert result.code == 2
    # Refused when the rituals file loads (before any read), naming the file, the field and the placeholder.
    message = " ".join(result.stderr.split())
    assert "slack.announcement uses {dri}, but it may use only {version}" in message
    assert str(rituals) in result.stderr.replace("\n", "")  # Rich folds a long path without a space
    assert "{milestone_url}" in message  # the message lists the placeholders it may use
    assert "Traceback" not in result.output
    assert server.writes() == []


def test_help_does_not_import_pygithub_and_fits_80_columns():
    import subprocess
    import sys

    code = "import sys; from fleetops.cli import run; run(['release', 'conclude-milestone', '--help']); print('github' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"COLUMNS": "80", "PATH": ""}).stdout
    assert out.rstrip().endswith("False")
    assert max(len(line) for line in out.splitlines()) <= 80


# What identifies each kind of step in its runbook line (the plan's step ids name the kinds; board
# steps are "<board>.<kind>", described once for every board).
RUNBOOK_WORDS = {
    "rename": "renames milestone",
    "unfinished": "removes the milestone",
    "ready": "active sprint",
    "stories": "stories there",
    "close": "closes the other items",
    "celebrate": "Confirm and celebrate",
    "close-milestone": "closes the milestone",
    "next-milestone": "NEXT-tentative",
    "unfreeze": "unfreezes",
    "announce": "announces",
    "patch-branch": "patch-fleet-v",
}


def test_help_runbook_lists_every_step_of_a_real_plan_in_order(sandbox, cli):
    """Each kind of step the plan has gets one numbered line, in the plan's order, numbered 1..N."""
    plan = cli("release", "conclude-milestone", "4.58.0", "--dry-run", "--json", env=sandbox.env())
    assert plan.code == 0, plan.stderr
    kinds = list(dict.fromkeys(step["id"].rsplit(".", 1)[-1] for step in plan.json()["steps"]))
    help_text = cli("release", "conclude-milestone", "--help", env={"COLUMNS": "80"})
    assert help_text.code == 0
    entries = runbook(help_text.output)
    assert [n for n, _ in entries] == list(range(1, len(entries) + 1)), "the runbook's numbers skip or repeat"
    assert len(entries) == len(kinds), f"{len(kinds)} kinds of step in the plan ({kinds}), {len(entries)} in the runbook"
    for (number, text), kind in zip(entries, kinds, strict=True):
        assert kind in RUNBOOK_WORDS, f"step {kind!r} is new: add it to the runbook and to RUNBOOK_WORDS"
        assert RUNBOOK_WORDS[kind] in text, f"runbook line {number} ({text!r}) should describe step {kind!r}"


def test_a_missing_release_tag_fails_only_the_branch_step(make_sandbox, cli):
    server = released(make_sandbox)
    del server.state["github"]["repos"][REPO]["refs"]["tags/fleet-v4.58.0"]
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 1
    steps = {s["id"]: s for s in result.json()["steps"]}
    assert steps["patch-branch"]["status"] == "failed"
    assert steps["patch-branch"]["detail"] == "tag fleet-v4.58.0 does not exist in fleetdm/fleet: publish the release first, then re-run"
    assert {s["status"] for i, s in steps.items() if i != "patch-branch"} == {"done"}
    assert "1 step(s) failed: patch-branch." in result.stderr
