"""`fleetops release readiness` against the sandbox's ZenHub boards over real sockets."""

from __future__ import annotations

from fleetops.sandbox.world.zenhub import WORKSPACES

REPO = "fleetdm/fleet"
ALL_READY = {"g-mdm": "Ready for release", "g-endpoint-ops": "Ready for release"}


def qa_issue(server, title="Release QA: 4.58.0"):
    return next(i for i in server.state["github"]["repos"][REPO]["issues"] if i["title"] == title)


def by_key(data):
    return {g["key"]: g for g in data["groups"]}


def test_one_group_ready_one_not_is_exit_3(make_sandbox, cli):
    server = make_sandbox("release-qa")
    number = qa_issue(server)["number"]
    result = cli("release", "readiness", "4.58.0", "--json", env=server.env())
    assert result.code == 3, result.stderr
    data = result.json()
    assert data["command"] == "release readiness" and data["steps"] == [] and data["dry_run"] is False
    assert data["title"] == "Release QA: 4.58.0" and data["ready"] is False
    groups = by_key(data)
    assert groups["mdm"] == {
        "key": "mdm", "name": "MDM", "workspace": "g-mdm", "qa": ["xpkoala"], "ready": True,
        "pipeline": "Ready for release",
        "ticket": {"number": number, "url": groups["mdm"]["ticket"]["url"], "title": "Release QA: 4.58.0", "state": "open"},
        "reason": f"#{number} is in Ready for release",
    }
    assert groups["endpoint-ops"]["ready"] is False
    assert groups["endpoint-ops"]["pipeline"] == "Awaiting QA"
    assert groups["endpoint-ops"]["reason"] == f"#{number} is in Awaiting QA"
    assert server.writes() == []


def test_the_table_for_people(make_sandbox, cli):
    server = make_sandbox("release-qa")
    number = qa_issue(server)["number"]
    result = cli("release", "readiness", "4.58.0", env=server.env())
    assert result.code == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "Release readiness: 'Release QA: 4.58.0' in 'Ready for release' on each group's board"
    assert lines[1].split() == ["Group", "QA", "Ticket", "Status"]
    assert lines[2].split() == ["✔", "ready", "MDM", "xpkoala", f"#{number}", f"#{number}", "is", "in", "Ready", "for", "release"]
    assert lines[3].split() == ["✘", "waiting", "Endpoint", "ops", "sabrinabuckets", f"#{number}", f"#{number}", "is", "in", "Awaiting", "QA"]
    assert "waiting on 1 of 2 group(s): Endpoint ops (@sabrinabuckets)" in " ".join(result.stderr.split())


def test_all_groups_ready_is_exit_0(make_sandbox, cli):
    server = make_sandbox(release_qa=ALL_READY)
    result = cli("release", "readiness", "v4.58.0", "--json", env=server.env())
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["ready"] is True and all(g["ready"] for g in data["groups"])
    human = cli("release", "readiness", "4.58.0", env=server.env())
    assert human.code == 0 and "Every product group is release-ready: the release can start." in human.stderr


def test_no_ticket_yet_then_the_created_one_sits_in_the_first_pipeline(sandbox, cli):
    before = cli("release", "readiness", "4.58.0", "--json", env=sandbox.env())
    assert before.code == 3
    assert [g["reason"] for g in before.json()["groups"]] == ["no issue titled 'Release QA: 4.58.0' on the board"] * 2
    assert all(g["ticket"] is None for g in before.json()["groups"])

    assert cli("release", "create-qa-issue", "4.58.0", "--yes", env=sandbox.env()).code == 0
    after = cli("release", "readiness", "4.58.0", "--json", env=sandbox.env())
    assert after.code == 3
    assert [g["pipeline"] for g in after.json()["groups"]] == ["New Issues", "New Issues"]


def test_a_closed_ticket_is_not_ready_and_an_open_duplicate_wins(make_sandbox, cli):
    server = make_sandbox(release_qa=ALL_READY)
    issue = qa_issue(server)
    issue.update(state="closed", state_reason="completed", closed_at=issue["created_at"])
    closed = cli("release", "readiness", "4.58.0", "--json", env=server.env())
    assert closed.code == 3
    assert [g["reason"] for g in closed.json()["groups"]] == [f"#{issue['number']} is closed"] * 2
    assert [g["pipeline"] for g in closed.json()["groups"]] == ["Closed", "Closed"]

    # A newer open issue with the same title is the ticket; the closed one is only counted.
    reopened = cli("release", "create-qa-issue", "4.58.0", "--yes", "--json", env=server.env())
    assert reopened.code == 0, reopened.stderr
    new = reopened.json()["issue"]["number"]
    for key in ("g-mdm", "g-endpoint-ops"):
        ws = server.state["zenhub"]["workspaces"][WORKSPACES[key][0]]
        ws["board"][f"{REPO}#{new}"] = next(p["id"] for p in ws["pipelines"] if p["name"] == "Ready for release")
    result = cli("release", "readiness", "4.58.0", env=server.env())
    assert result.code == 0, result.stderr
    assert f"#{new} is in Ready for release (1 more with that title)" in " ".join(result.stderr.split())


def test_reads_the_template_and_each_board_once_and_writes_nothing(make_sandbox, cli):
    server = make_sandbox("release-qa")
    cli("release", "readiness", "4.58.0", "--json", env=server.env())
    github = [r["path"] for r in server.requests if r["service"] == "github"]
    zenhub = [r for r in server.requests if r["service"] == "zenhub"]
    assert github == ["/github/repos/fleetdm/fleet/contents/.github/ISSUE_TEMPLATE/release-qa.md?ref=main"]
    assert len(zenhub) == 4  # a board and a search per workspace
    assert server.writes() == []


def test_a_workspace_without_the_repository_says_so(make_sandbox, cli):
    server = make_sandbox(release_qa=ALL_READY)
    server.state["zenhub"]["workspaces"][WORKSPACES["g-endpoint-ops"][0]]["repos"] = []
    result = cli("release", "readiness", "4.58.0", "--json", env=server.env())
    assert result.code == 3
    assert by_key(result.json())["endpoint-ops"]["reason"] == "fleetdm/fleet is not in the workspace '#g-endpoint-ops current sprint'"
    assert by_key(result.json())["mdm"]["ready"] is True


def test_bad_version_is_exit_2_without_a_request(sandbox, cli):
    result = cli("release", "readiness", "next", "--json", env=sandbox.env())
    assert result.code == 2
    assert "VERSION 'next' is not a release version" in result.stderr
    assert result.json()["error"]["exit_code"] == 2
    assert sandbox.requests == []


def test_missing_zenhub_token_is_exit_4(sandbox, cli):
    env = sandbox.env()
    del env["ZENHUB_TOKEN"]
    result = cli("release", "readiness", "4.58.0", env=env)
    assert result.code == 4
    assert "ZENHUB_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.output


def test_missing_template_is_a_clear_error(sandbox, cli):
    from tests.cli.test_qa_issue import set_template

    set_template(sandbox, None)
    result = cli("release", "readiness", "4.58.0", env=sandbox.env())
    assert result.code == 2
    assert "the Release QA template .github/ISSUE_TEMPLATE/release-qa.md is not in fleetdm/fleet at main" in " ".join(result.stderr.split())


def test_help_is_the_runbook_within_80_columns(cli):
    result = cli("release", "readiness", "--help", env={"COLUMNS": "80"})
    assert result.code == 0
    assert "1. Read the Release QA template" in result.stdout and "Exit 0 when every group is ready" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_zenhub_failing_after_retries_is_exit_1(make_sandbox, cli):
    from fleetops.sandbox.server import Fault

    server = make_sandbox("release-qa")
    server.inject(Fault("POST", r"^/zenhub/public/graphql", status=502, times=100))
    result = cli("release", "readiness", "4.58.0", "--json", env=server.env())
    assert result.code == 1
    assert "ZenHub answered HTTP 502" in result.json()["error"]["message"]
    # Queries are retried like reads: each board read was tried 4 times, and nothing more was asked.
    assert len([r for r in server.requests if r["service"] == "zenhub"]) == 8


def test_tokens_never_appear_with_debug(make_sandbox, cli):
    server = make_sandbox("release-qa")
    env = server.env()
    result = cli("--debug", "release", "readiness", "4.58.0", "--json", env=env)
    assert result.code == 3
    assert "debug:" in result.stderr and "/zenhub/public/graphql" in result.stderr
    for secret in (env["ZENHUB_TOKEN"], env["GH_TOKEN"]):
        assert secret not in result.output
