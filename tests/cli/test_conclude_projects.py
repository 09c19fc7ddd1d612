"""`fleetops release conclude-milestone` under FLEETOPS_RITUALS=fleet-rc: the current handbook's steps
on GitHub Projects (ops/conclude/projects.py), on the sandbox's rc world over real sockets.

The rc world holds 4.59.0 ready to conclude (sandbox/world/rc.py, table ITEMS): stories and other
issues in "Ready for release" on the three group projects, one story on two of them, one already
on the drafting project, `~engineering-initiated` stories, a closed story, an issue of the next
milestone, a merged pull request in the column, stories of the milestone on drafting, and
QAWOLF_DEPLOY_TAG naming the candidate branch.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from fleetops.sandbox.server import Fault
from fleetops.sandbox.world.rc import BRANCH, CONFIDENTIAL, REPO
from tests.helpers import failed_run_steps, runbook

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
STAMP = "2026-11-25T18:00:00Z"
RC = {"FLEETOPS_RITUALS": "fleet-rc"}
VERSION = "4.59.0"
STEP_IDS = [
    "mdm.stories", "mdm.close", "orchestration.stories", "orchestration.close", "software.stories", "software.close",
    "drafting.celebrate", "close-milestone", "announce", "deploy-tag",
]
MUTATION = r'"query": "mutation Batch'  # the body of a GraphQL mutation document
C_AND_C, READY, CLOSED = "Confirm and celebrate", "Ready for release", "Closed"


@pytest.fixture(autouse=True)
def pinned(clock):
    clock.set(NOW)
    return clock


@pytest.fixture
def world(make_sandbox):
    return lambda **overrides: make_sandbox("rc", **overrides)


def conclude(cli, server, *args: str, env: dict[str, str] | None = None):
    return cli("release", "conclude-milestone", VERSION, *args, env=env if env is not None else {**server.env(), **RC})


# --- reading the sandbox's end state ----------------------------------------------------------------------------
def fleet(server) -> dict[str, Any]:
    return server.state["github"]["repos"][REPO]


def issue(server, number: int) -> dict[str, Any]:
    return next(i for i in fleet(server)["issues"] if i["number"] == number)


def board(server, number: int) -> list[tuple[str, str | None]]:
    """(content, Status) of every item on a project, sorted: item ids and order do not matter, duplicates show."""
    project = next(p for p in server.state["github"]["projects"] if p["number"] == number)
    status = next(f for f in project["fields"] if f["name"] == "Status")
    names = {o["id"]: o["name"] for o in status["options"]}
    return sorted((i["content"], names.get(i["values"].get(status["id"]))) for i in project["items"])


def status_on(server, project: int, number: int) -> list[str | None]:
    return [s for content, s in board(server, project) if content == f"{REPO}#{number}"]


def milestone(server) -> dict[str, Any]:
    return next(m for m in fleet(server)["milestones"] if m["title"] == VERSION)


def variable(server) -> str:
    return server.state["github"]["repos"][CONFIDENTIAL]["variables"]["QAWOLF_DEPLOY_TAG"]["value"]


def messages(server) -> list[str]:
    return [m["text"].replace(server.url, "<sandbox>") for m in server.state["slack"]["messages"]]


def view(server) -> dict[str, Any]:
    """Everything conclude-milestone may change, as a person sees it (times and the port left out)."""
    times = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    ms = milestone(server)
    return {
        "issues": {i["number"]: (i["state"], sorted(i["labels"]), i["milestone"]) for i in fleet(server)["issues"]},
        "boards": {p["number"]: board(server, p["number"]) for p in server.state["github"]["projects"]},
        "milestone": (ms["state"], times.sub("<time>", ms["description"] or "")),
        "variable": variable(server),
        "slack": messages(server),
    }


def statuses(result) -> dict[str, str]:
    return {s["id"]: s["status"] for s in result.json()["steps"]}


def mutation_documents(server) -> list[dict[str, Any]]:
    return [r for r in server.requests if r["service"] == "github-graphql" and r["write"]]


# --- the whole ritual -------------------------------------------------------------------------------------------
def test_a_clean_run_concludes_the_milestone_as_the_handbook_describes(world, cli):
    server = world()
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert [s["id"] for s in data["steps"]] == STEP_IDS
    assert statuses(result) == {**dict.fromkeys(STEP_IDS, "done"), "orchestration.close": "skipped"}

    sent_back = [":product", "story"]
    # 2: stories in "Ready for release": :product added, :release removed, on the drafting project (once)
    for number, group_label in ((24001, "#g-mdm"), (24002, "#g-orchestration"), (24007, "#g-mdm")):
        assert sorted(issue(server, number)["labels"]) == sorted([*sent_back, group_label] + (["#g-software"] if number == 24007 else []))
        assert issue(server, number)["state"] == "open"
        assert status_on(server, 67, number) == [C_AND_C]  # 4: one item each, in "Confirm and celebrate"
    assert status_on(server, 58, 24007) == [READY] and status_on(server, 70, 24007) == [READY]  # its group cards stay
    # ~engineering-initiated stories: sent back, then closed instead (issue and Status)
    for number in (24003, 24016):
        assert issue(server, number)["state"] == "closed" and ":release" not in issue(server, number)["labels"]
        assert status_on(server, 67, number) == [CLOSED]
    assert status_on(server, 67, 24015) == [C_AND_C]  # a story of the milestone already on drafting
    # 3: the rest of "Ready for release": closed, and Status "Closed"
    for number, project in ((24004, 58), (24011, 58), (24005, 70)):
        assert issue(server, number)["state"] == "closed" and status_on(server, project, number) == [CLOSED]
    # left alone: the next milestone's story, a closed story, unfinished work, the QA ticket, a pull request
    before = view(world())
    for number in (24008, 24009, 24006, 24010, 24012, 24014, 24020, 24103):
        assert view(server)["issues"][number] == before["issues"][number], number
    assert status_on(server, 70, 24103) == [READY] and status_on(server, 58, 24008) == [READY]
    # 5, 6: the milestone closed and the announcement posted once, both noted in the milestone
    ms = milestone(server)
    assert ms["state"] == "closed"
    assert f"fleetops: concluded {VERSION} on {STAMP}" in ms["description"]
    assert f"fleetops: announced in Slack (#help-engineering) on {STAMP}" in ms["description"]
    url = f"<sandbox>/web/{REPO}/milestone/{ms['number']}"
    assert messages(server) == [f"The {VERSION} milestone is closed: {url}"]
    assert data["announcement"].replace(server.url, "<sandbox>") == messages(server)[0]
    # 7: QA Wolf tests main again
    assert variable(server) == "main"
    # no Merge Freeze, no ZenHub; 6 mutation documents (one per board step with changes)
    assert {r["service"] for r in server.requests} == {"github", "github-graphql", "slack"}
    assert len(mutation_documents(server)) == 6
    assert [(w["method"], w["service"]) for w in server.writes() if w["service"] != "github-graphql"] == [
        ("PATCH", "github"), ("PATCH", "github"), ("POST", "slack"), ("PATCH", "github"), ("PATCH", "github"),
    ]
    # --json: what it cost, GraphQL points included
    github = data["requests"]["github"]
    graphql = [r for r in server.requests if r["service"] == "github-graphql"]
    assert github["graphql"] == len(graphql) and github["rest"] == len([r for r in server.requests if r["service"] == "github"])
    assert github["graphql_points"] >= len(graphql)
    assert data["milestone"] == {"number": ms["number"], "title": VERSION, "url": url.replace("<sandbox>", server.url)}


def test_a_second_run_skips_every_step_and_writes_nothing(world, cli):
    server = world()
    assert conclude(cli, server, "--yes").code == 0
    before = view(server)
    server.reset_log()
    again = conclude(cli, server, "--yes", "--json")
    assert again.code == 0, again.stderr
    assert statuses(again) == dict.fromkeys(STEP_IDS, "skipped")
    steps = {s["id"]: s for s in again.json()["steps"]}
    assert "was closed by fleetops: its boards are left alone" in steps["mdm.stories"]["detail"]
    assert steps["announce"]["detail"].startswith("already announced")
    assert steps["deploy-tag"]["detail"] == "already main"
    assert "Nothing to change." in again.stderr
    assert server.writes() == []
    # a closed milestone's boards are not even read: the milestones and the variable
    assert [(r["method"], r["service"]) for r in server.requests] == [("GET", "github"), ("GET", "github")]
    assert view(server) == before


def test_dry_run_shows_every_step_and_makes_zero_writes(world, cli):
    server = world()
    before = view(server)
    result = conclude(cli, server, "--dry-run", "--json", env={**server.env(), **RC, "COLUMNS": "300"})
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["dry_run"] is True
    assert statuses(result) == {**dict.fromkeys(STEP_IDS, "pending"), "orchestration.close": "skipped"}
    steps = {s["id"]: s for s in data["steps"]}
    assert steps["mdm.stories"]["label_added"] == [24001, 24007] and steps["mdm.stories"]["added_to_drafting"] == [24001, 24007]
    assert steps["orchestration.stories"]["added_to_drafting"] == []  # 24002 is on drafting already
    assert steps["software.stories"]["issues"] == [24003]  # 24007 is MDM's: relabelled once
    assert steps["mdm.close"]["issues"] == [24004, 24011] and steps["software.close"]["issues"] == [24005]
    # the stories the steps above send back are counted in: "once the steps above are done"
    assert steps["drafting.celebrate"]["issues"] == [24001, 24002, 24007, 24015]
    assert steps["drafting.celebrate"]["closed"] == [24003, 24016]
    assert steps["deploy-tag"]["detail"].startswith(f"{BRANCH} → main")
    assert "Plan (dry run: nothing will change)" in result.stderr
    assert server.writes() == []
    assert view(server) == before
    assert data["requests"]["github"]["graphql_points"] >= data["requests"]["github"]["graphql"] > 0


def test_without_a_terminal_and_without_yes_nothing_is_written(world, cli):
    server = world()
    result = conclude(cli, server, env={**server.env(), **RC, "CI": "true"})
    assert result.code == 2 and "--yes" in result.stderr
    assert server.writes() == []


def test_no_merge_freeze_nor_zenhub_token_is_needed(world, cli):
    server = world()
    env = {k: v for k, v in server.env().items() if "MERGEFREEZE" not in k and "ZENHUB" not in k}
    result = conclude(cli, server, "--yes", env={**env, **RC})
    assert result.code == 0, result.stderr
    assert not [r for r in server.requests if r["service"] in ("mergefreeze", "zenhub")]


def test_the_help_lists_the_current_handbooks_steps(cli):
    result = cli("release", "conclude-milestone", "--help", env={"COLUMNS": "80", **RC})
    entries = [text for _, text in runbook(result.output)]
    assert len(entries) == 6
    assert "drafting project (67)" in entries[0] and 'Status "Closed"' in entries[1]
    assert "Confirm and celebrate" in entries[2] and "~engineering-initiated" in entries[2]
    assert "QAWOLF_DEPLOY_TAG" in entries[5] and "main" in entries[5]
    assert "Merge Freeze" not in " ".join(entries)


# --- tokens ---------------------------------------------------------------------------------------------------
def test_a_token_without_the_project_scope_is_exit_4_naming_it_and_nothing_is_written(world, cli):
    server = world()
    result = conclude(cli, server, "--yes", "--json", env={**server.env(), **RC, "GH_TOKEN": server.tokens["github_no_project"]})
    assert result.code == 4, result.stderr
    text = " ".join(result.stderr.split())
    assert "GH_TOKEN" in text and "`project` scope" in text
    assert "Traceback" not in result.output
    assert server.writes() == []


def test_without_a_github_token_it_is_exit_4_before_any_request(world, cli):
    server = world()
    env = {k: v for k, v in server.env().items() if k != "GH_TOKEN"}
    result = conclude(cli, server, "--yes", env={**env, **RC})
    assert result.code == 4, result.stderr
    assert "GH_TOKEN" in result.stderr
    assert server.requests == []


# --- failures in the middle, and the re-run that finishes the job -------------------------------------------------
FAULTS = {
    # (the fault, the step that fails, the steps that wait for it). Mutation documents go out in
    # plan order: mdm.stories, mdm.close, orchestration.stories, software.stories, software.close,
    # drafting.celebrate; a mutation is never retried (POST), so a 502 fails its step.
    "mdm.stories": (Fault("POST", "/github/graphql$", status=502, request=MUTATION), "mdm.stories",
                    ["mdm.close", "drafting.celebrate", "close-milestone", "announce"]),
    "mdm.close": (Fault("POST", "/github/graphql$", status=502, request=MUTATION, skip=1), "mdm.close", ["close-milestone", "announce"]),
    "software.stories (GraphQL errors)": (
        Fault("POST", "/github/graphql$", status=200, request=MUTATION, skip=3, body={"data": None, "errors": [{"message": "Something went wrong"}]}),
        "software.stories", ["software.close", "drafting.celebrate", "close-milestone", "announce"],
    ),
    "drafting.celebrate": (Fault("POST", "/github/graphql$", status=502, request=MUTATION, skip=5), "drafting.celebrate",
                           ["close-milestone", "announce"]),
    "close-milestone": (Fault("PATCH", r"/milestones/\d+$", status=422, request='"state": "closed"'), "close-milestone", ["announce"]),
    "announce": (Fault("POST", "/slack/", status=400, body="invalid_payload"), "announce", []),
    "deploy-tag": (Fault("PATCH", "/actions/variables/QAWOLF_DEPLOY_TAG$", status=422), "deploy-tag", []),
}


@pytest.fixture(scope="module")
def clean_views() -> dict[str, Any]:
    return {}


def clean_view(world, cli, cache: dict[str, Any]) -> dict[str, Any]:
    if "view" not in cache:
        server = world()
        assert conclude(cli, server, "--yes").code == 0
        cache["view"] = view(server)
    return cache["view"]


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_failure_at_each_step_then_a_rerun_ends_like_a_clean_run(world, cli, clean_views, name):
    clean = clean_view(world, cli, clean_views)
    server = world()
    fault, failed, blocked = FAULTS[name]
    server.inject(fault)
    first = conclude(cli, server, "--yes", "--json")
    assert f"1 step(s) failed: {failed}." in " ".join(first.stderr.split())
    failed_run_steps(first, failed, blocked, STEP_IDS, not_done=("orchestration.close",))
    assert messages(server) == [] or failed == "deploy-tag"  # posted only after the milestone closed

    server.clear_faults()
    second = conclude(cli, server, "--yes", "--json")
    assert second.code == 0, second.stderr
    assert {i for i, s in statuses(second).items() if s == "done"} <= {failed, *blocked}
    assert view(server) == clean  # one label each, one drafting item each, one message, no duplicates
    server.reset_log()
    third = conclude(cli, server, "--yes")
    assert third.code == 0 and server.writes() == []


def test_a_mutation_applied_whose_answer_is_lost_is_found_by_the_rerun(world, cli, clean_views):
    """The stories of MDM are relabelled and added to drafting, but the answer never arrives."""
    clean = clean_view(world, cli, clean_views)
    server = world()
    server.inject(Fault("POST", "/github/graphql$", status=502, request=MUTATION, after=True))
    first = conclude(cli, server, "--yes", "--json")
    assert first.code == 1 and statuses(first)["mdm.stories"] == "failed"
    assert status_on(server, 67, 24001) == [None]  # it is on drafting, without a Status yet
    server.clear_faults()
    second = conclude(cli, server, "--yes", "--json")
    assert second.code == 0, second.stderr
    assert statuses(second)["mdm.stories"] == "skipped"  # found done, not sent again
    assert view(server) == clean


def test_an_ambiguous_slack_post_is_not_sent_twice(world, cli):
    server = world()
    server.inject(Fault("POST", "/slack/", status=502, body="bad gateway", after=True))
    first = conclude(cli, server, "--yes", "--json")
    assert first.code == 1 and statuses(first)["announce"] == "failed"
    assert len(messages(server)) == 1
    for _ in range(2):
        server.reset_log()
        again = conclude(cli, server, "--yes", "--json")
        assert again.code == 3, again.stderr
        step = {s["id"]: s for s in again.json()["steps"]}["announce"]
        assert step["detail"].startswith(f"may have been sent at {STAMP} (not confirmed)")
        assert server.writes() == []
    assert len(messages(server)) == 1


# --- what the boards and the variable may be like ---------------------------------------------------------------
def test_a_milestone_closed_by_hand_leaves_the_boards_alone_and_asks_about_the_announcement(world, cli):
    server = world()
    milestone(server)["state"] = "closed"
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 0, result.stderr
    steps = {s["id"]: s for s in result.json()["steps"]}
    assert all("was closed outside fleetops" in steps[i]["detail"] for i in STEP_IDS[:7])
    assert steps["announce"].get("manual") is True
    assert [w["path"] for w in server.writes()] == [f"/github/repos/{CONFIDENTIAL}/actions/variables/QAWOLF_DEPLOY_TAG"]


def test_a_project_without_the_ready_column_fails_its_groups_steps_and_the_rest_runs(world, cli):
    server = world()
    project = next(p for p in server.state["github"]["projects"] if p["number"] == 71)
    status = next(f for f in project["fields"] if f["name"] == "Status")
    next(o for o in status["options"] if o["name"] == READY)["name"] = "Done-ish"
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 1
    steps = {s["id"]: s for s in result.json()["steps"]}
    assert steps["orchestration.stories"]["status"] == steps["orchestration.close"]["status"] == "failed"
    assert "project 71 (#g-orchestration) has no Status 'Ready for release'" in steps["orchestration.stories"]["detail"]
    assert steps["mdm.close"]["status"] == "done" and steps["deploy-tag"]["status"] == "done"
    assert steps["close-milestone"]["status"] == "pending"  # closed means concluded: it waits
    assert milestone(server)["state"] == "open"


def test_a_repository_without_the_variable_fails_that_step_only(world, cli):
    server = world()
    del server.state["github"]["repos"][CONFIDENTIAL]["variables"]["QAWOLF_DEPLOY_TAG"]
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 1
    steps = {s["id"]: s for s in result.json()["steps"]}
    assert steps["deploy-tag"]["status"] == "failed" and "has no Actions variable QAWOLF_DEPLOY_TAG" in steps["deploy-tag"]["detail"]
    assert steps["announce"]["status"] == "done"


def test_a_large_milestone_reads_the_boards_at_once_and_sends_full_documents(world, cli):
    server = world(rc_items=300, latency=0.02)
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 0, result.stderr
    steps = {s["id"]: s for s in result.json()["steps"]}
    changes = sum(len(steps[f"{g}.stories"]["label_added"]) + len(steps[f"{g}.stories"]["label_removed"])
                  + len(steps[f"{g}.stories"]["added_to_drafting"]) + len(steps[f"{g}.close"]["closed"])
                  + len(steps[f"{g}.close"]["status_closed"]) for g in ("mdm", "orchestration", "software"))
    changes += len(steps["drafting.celebrate"]["issues"]) + 2 * len(steps["drafting.celebrate"]["closed"])
    docs = len(mutation_documents(server))
    assert docs <= changes / 50 + 7  # ≤ 50 per document: at most one partly filled per step
    ready = [i for i in fleet(server)["issues"] if i["number"] > 30000 and "story" not in i["labels"]]
    on_ready = {c for c, s in board(server, 58) + board(server, 71) + board(server, 70) if s == CLOSED}
    assert all(i["state"] == "closed" for i in ready if f"{REPO}#{i['number']}" in on_ready)
    # the projects are read at the same time: several GraphQL reads are in flight at once
    spans = []
    for entry in [r for r in server.requests if r["service"] == "github-graphql" and not r["write"]]:
        end = datetime.fromisoformat(entry["time"]).timestamp()
        spans.append((end - entry["ms"] / 1000, end))
    assert max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans) >= 3


def test_a_list_without_the_deploy_tag_does_not_read_it_and_may_use_the_rest_kinds(world, cli, tmp_path):
    """Another company's list: no QAWOLF_DEPLOY_TAG, and the next milestone (a REST-only kind) first."""
    from fleetops.rituals.loader import bundled_path

    text = bundled_path("fleet-rc").read_text()
    listed = text[text.index("  conclude_milestone:\n"):]
    listed = listed[: listed.index("        value: main\n") + len("        value: main\n")]
    steps = "  conclude_milestone:\n    steps:\n      - create-next-milestone\n      - boards.stories-to-drafting\n      - boards.close-ready\n      - close-milestone\n"
    path = tmp_path / "rc.yml"
    path.write_text(text.replace(listed, steps))
    server = world()
    result = conclude(cli, server, "--dry-run", "--json", env={**server.env(), "FLEETOPS_RITUALS": str(path)})
    assert result.code == 0, result.stderr
    steps_run = {s["id"]: s for s in result.json()["steps"]}
    assert list(steps_run)[0] == "next-milestone" and steps_run["next-milestone"]["detail"].startswith("4.60.0 exists")
    assert "deploy-tag" not in steps_run and "drafting.celebrate" not in steps_run and "announce" not in steps_run
    assert not [r for r in server.requests if "actions/variables" in r["path"]]
    assert server.writes() == []


def test_a_later_candidate_in_the_variable_is_left_as_it_is(world, cli):
    """The next release's candidate was cut before this conclude: QA Wolf keeps testing it."""
    server = world()
    server.state["github"]["repos"][CONFIDENTIAL]["variables"]["QAWOLF_DEPLOY_TAG"]["value"] = "rc-minor-fleet-v4.60.0"
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 0, result.stderr
    step = {s["id"]: s for s in result.json()["steps"]}["deploy-tag"]
    assert step["status"] == "skipped"
    assert step["detail"] == "it names 4.60.0's candidate rc-minor-fleet-v4.60.0, cut after 4.59.0: left as it is"
    assert variable(server) == "rc-minor-fleet-v4.60.0"
    assert not [w for w in server.writes() if "variables" in w["path"]]


def test_an_earlier_candidate_in_the_variable_goes_back_to_main(world, cli):
    server = world()
    server.state["github"]["repos"][CONFIDENTIAL]["variables"]["QAWOLF_DEPLOY_TAG"]["value"] = "rc-minor-fleet-v4.58.0"
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 0, result.stderr
    assert variable(server) == "main"


def _drop_closed_from_drafting(server) -> None:
    """Drafting as SPEC §2 names it: "Confirm and celebrate", and no "Closed" column."""
    project = next(p for p in server.state["github"]["projects"] if p["number"] == 67)
    status = next(f for f in project["fields"] if f["name"] == "Status")
    closed = next(o["id"] for o in status["options"] if o["name"] == CLOSED)
    status["options"] = [o for o in status["options"] if o["id"] != closed]
    for item in project["items"]:
        if item["values"].get(status["id"]) == closed:
            del item["values"][status["id"]]


def test_a_drafting_project_without_a_closed_column_concludes_and_closes_by_closing_the_issue(world, cli):
    """Issue 20 item 7: every stories step failed for every group when drafting had no "Closed" column."""
    server = world()
    _drop_closed_from_drafting(server)
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 0, result.stderr
    assert statuses(result) == {**dict.fromkeys(STEP_IDS, "done"), "orchestration.close": "skipped"}
    for number in (24003, 24016):  # ~engineering-initiated: closing the story is closing the issue
        assert issue(server, number)["state"] == "closed"
        assert len(status_on(server, 67, number)) == 1 and CLOSED not in status_on(server, 67, number)  # on drafting once, no "Closed" to set
    assert status_on(server, 67, 24001) == [C_AND_C]
    again = conclude(cli, server, "--yes", "--json")
    assert again.code == 0 and set(statuses(again).values()) == {"skipped"}, again.stderr


def test_two_groups_on_one_project_conclude_it_once(world, cli, tmp_path):
    """As on ZenHub (two groups on one workspace: one board), a project two groups share is read once and
    concluded by the first group's steps; it used to be read twice, with a second group's steps for it."""
    import yaml

    from fleetops.rituals.loader import bundled_path

    data = yaml.safe_load(bundled_path("fleet-rc").read_text())
    groups = data["people"]["product_groups"]
    assert [g["key"] for g in groups] == ["mdm", "orchestration", "software"]
    groups[1]["project"] = groups[0]["project"]  # orchestration moves onto MDM's project
    shared = tmp_path / "shared.yml"
    shared.write_text(yaml.safe_dump(data))
    alone, together = world(), world()
    plain = conclude(cli, alone, "--dry-run", "--json")
    result = conclude(cli, together, "--dry-run", "--json", env={**together.env(), "FLEETOPS_RITUALS": str(shared)})
    assert result.code == 0, result.stderr
    ids = [s["id"] for s in result.json()["steps"]]
    assert ids == [i for i in STEP_IDS if not i.startswith("orchestration.")]
    # one project fewer to read: the shared one once
    assert result.json()["requests"]["github"]["graphql"] < plain.json()["requests"]["github"]["graphql"]
    assert together.writes() == []


# --- as GitHub really answers (issue 19) ------------------------------------------------------------------------
def _drafting_item(server, number: int) -> dict[str, Any]:
    project = next(p for p in server.state["github"]["projects"] if p["number"] == 67)
    return next(i for i in project["items"] if i["content"] == f"{REPO}#{number}")


def test_a_story_whose_drafting_item_is_archived_is_unarchived_and_celebrated_once(world, cli, clean_views):
    """GitHub answers an add of an issue with its archived item and refuses to update an archived item:
    the story is not added again, its item is unarchived and moved, and the ritual runs to its end."""
    clean = clean_view(world, cli, clean_views)
    server = world()
    _drafting_item(server, 24002)["archived"] = True  # story of the milestone on Orchestration, its drafting item archived
    first = conclude(cli, server, "--yes", "--json")
    assert first.code == 0, first.stderr
    assert statuses(first) == {**dict.fromkeys(STEP_IDS, "done"), "orchestration.close": "skipped"}
    steps = {s["id"]: s for s in first.json()["steps"]}
    assert steps["orchestration.stories"]["added_to_drafting"] == []  # it is on drafting: not added again
    assert steps["drafting.celebrate"]["unarchived"] == [24002]
    assert _drafting_item(server, 24002)["archived"] is False and status_on(server, 67, 24002) == [C_AND_C]
    assert view(server) == clean
    server.reset_log()
    again = conclude(cli, server, "--yes")
    assert again.code == 0 and server.writes() == []


def test_an_issue_on_two_group_projects_is_closed_by_one_group_and_shown_closed_on_both(world, cli):
    """Not closed twice (issue 19, item 9): the first group in the rituals file closes it, both show it "Closed"."""
    server = world()
    mdm = next(p for p in server.state["github"]["projects"] if p["number"] == 58)
    software = next(p for p in server.state["github"]["projects"] if p["number"] == 70)
    item = dict(next(i for i in mdm["items"] if i["content"] == f"{REPO}#24004"))
    status = next(f for f in software["fields"] if f["name"] == "Status")
    item.update(id=item["id"] + "x", values={status["id"]: next(o["id"] for o in status["options"] if o["name"] == READY)})
    software["items"].append(item)  # the bug #24004 is on Software's board too, in "Ready for release"
    result = conclude(cli, server, "--yes", "--json")
    assert result.code == 0, result.stderr
    steps = {s["id"]: s for s in result.json()["steps"]}
    closers = [key for key in ("mdm.close", "orchestration.close", "software.close") if 24004 in steps[key].get("closed", [])]
    assert closers == ["mdm.close"]
    assert 24004 in steps["software.close"]["status_closed"]
    assert status_on(server, 58, 24004) == [CLOSED] and status_on(server, 70, 24004) == [CLOSED]
    assert issue(server, 24004)["state"] == "closed"
