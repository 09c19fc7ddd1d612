"""`fleetops rituals list | due | check` against the sandbox over real sockets, and on local files.

The clock is pinned (App.now) to Tuesday 2026-12-01, 12:00 in Chicago, the handbook's time zone.
The sandbox's rituals files are sandbox/world/handbook.py; the real ones are tests/data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fleetops.sandbox.world.handbook import handbook_files

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
DATA = Path(__file__).resolve().parents[1] / "data" / "fleet" / "handbook"


@pytest.fixture(autouse=True)
def pinned(clock):
    """The suite's clock (App.now, the sandbox's stamps and its worlds) at NOW."""
    clock.set(NOW)


@pytest.fixture
def world(make_sandbox):
    return make_sandbox(now=NOW)


def contents_reads(server):
    return [r["path"].split("?")[0] for r in server.requests if "/contents/" in r["path"]]


def test_list_reads_each_rituals_file_once_and_shows_the_next_occurrence(world, cli):
    result = cli("rituals", "list", "--json", env=world.env())
    assert result.code == 0, result.stderr
    rows = result.json()["rituals"]
    assert len(rows) == 18
    by_task = {r["task"]: r for r in rows}
    assert by_task["Rotate the TUF root keys"] == {
        "file": "handbook/engineering/engineering.rituals.yml", "department": "engineering", "task": "Rotate the TUF root keys",
        "frequency": "Annually", "dri": "lukeheath", "next": "2027-02-28",  # started on 29 February
        "auto_issue": {"repo": "fleet", "labels": ["~engineering-initiated", "P2"]},
    }
    assert by_task["Reconcile the bank accounts"]["next"] == "2026-12-31"
    assert by_task["Oncall handoff"]["next"] == "2026-12-02"  # Wednesdays
    assert by_task["Pull request review"]["next"] == "2026-12-01"  # today counts
    assert by_task["Create the patch release branch"]["next"] is None
    assert by_task["Customer health review"]["next"] is None  # "Quarterly (first Tuesday)": not guessed
    paths = contents_reads(world)
    assert sorted(paths) == sorted(f"/github/repos/fleetdm/fleet/contents/{p}" for p in handbook_files())
    assert world.writes() == []


def test_list_by_dri_and_as_a_table(world, cli):
    result = cli("rituals", "list", "--dri", "EASHAW", "--json", env=world.env())
    assert [r["task"] for r in result.json()["rituals"]] == ["Check the website's pull requests", "Vulnerability alerts (fleetdm.com)"]
    table = cli("rituals", "list", "--dri", "eashaw", env={**world.env(), "COLUMNS": "200"})
    assert table.code == 0 and table.stdout == ""
    rows = [line for line in table.stderr.splitlines() if line.startswith("│")]
    assert rows == [
        "│ digital-experience │ Check the website's pull requests  │ Daily ⏰  │ 2026-12-01 │ eashaw │ fleet: #g-digital-experience │",
        "│ digital-experience │ Vulnerability alerts (fleetdm.com) │ Weekly    │ 2026-12-07 │ eashaw │ fleet: #g-website            │",
    ]


def test_list_a_local_file_needs_no_github(cli):
    path = DATA / "engineering" / "engineering.rituals.yml@cd36118"
    result = cli("rituals", "list", str(path), "--json")
    assert result.code == 0, result.stderr
    rows = result.json()["rituals"]
    assert len(rows) == 13 and {r["department"] for r in rows} == {"engineering"}
    tuf = next(r for r in rows if r["task"] == "Rotate the TUF root keys")
    assert (tuf["next"], tuf["auto_issue"]) == ("2027-09-01", {"repo": "fleet", "labels": ["~engineering-initiated", "P2"]})


def test_list_warns_about_and_leaves_out_a_broken_ritual(cli):
    path = DATA / "company" / "rituals.yml@50be17b"
    result = cli("rituals", "list", str(path), "--json", env={"COLUMNS": "300"})
    assert result.code == 0
    assert len(result.json()["rituals"]) == 7
    assert "rituals.yml@50be17b:51: startedOn '2023-07-xx' is not a date" in result.stderr


def test_due_in_a_week(world, cli):
    result = cli("rituals", "due", "--date", "2026-12-01", "--days", "7", "--json", env=world.env())
    assert result.code == 0, result.stderr
    data = result.json()
    days = [f"2026-12-0{n}" for n in range(1, 8)]
    # worked by hand from the sandbox's files: the two daily rituals every day, and the weekly ones on their weekday
    expected = sorted(
        [(d, "Pull request review") for d in days]
        + [(d, "Check the website's pull requests") for d in days]
        + [("2026-12-02", "Oncall handoff"), ("2026-12-03", "Design review"), ("2026-12-04", "Review Salesforce opportunities"),
           ("2026-12-05", "Publish the newsletter"), ("2026-12-07", "Vulnerability alerts (fleetdm.com)"),
           ("2026-12-07", "Review customer requests")]
    )
    assert sorted((d["date"], d["task"]) for d in data["due"]) == expected
    assert [d["date"] for d in data["due"]] == sorted(d["date"] for d in data["due"])
    salesforce = next(d for d in data["due"] if d["task"] == "Review Salesforce opportunities")
    assert salesforce == {"file": "handbook/sales/sales.rituals.yml", "task": "Review Salesforce opportunities", "date": "2026-12-04",
                          "dri": "alexmitchelliii", "auto_issue": {"repo": "confidential", "labels": ["#g-sales"]}}
    assert [(u["task"], u["frequency"]) for u in data["unscheduled"]] == [
        ("Customer health review", "Quarterly (first Tuesday)"),
        ("Create the patch release branch", "Every patch release"),
        ("Prepare the all hands deck", "The night (CT) before each monthly all hands meeting"),
    ]


@pytest.mark.parametrize(
    ("now", "today"),
    [
        (datetime(2026, 12, 2, 3, 0, tzinfo=UTC), "2026-12-01"),  # 21:00 in Chicago: still Tuesday there
        (datetime(2026, 11, 2, 5, 30, tzinfo=UTC), "2026-11-01"),  # 23:30 CST, the day daylight time ended
    ],
)
def test_today_is_the_date_in_the_handbooks_time_zone(world, cli, monkeypatch, now, today):
    from fleetops.app import App

    monkeypatch.setattr(App, "now", lambda self: now)
    data = cli("rituals", "due", "--json", env=world.env()).json()
    assert data["from"] == today
    assert {d["date"] for d in data["due"]} == {today}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-02-30"], "error: --date '2026-02-30' is not a date. Use YYYY-MM-DD, e.g. 2026-12-01."),
        (["--days", "0"], "error: --days 0 is out of range. Give 1 to 366 days."),
    ],
)
def test_bad_input_is_one_line_and_exit_2(world, cli, args, message):
    result = cli("rituals", "due", *args, env={**world.env(), "COLUMNS": "200"})
    assert result.code == 2
    assert result.stderr.strip().splitlines()[-1] == message
    assert "Traceback" not in result.output


def test_a_missing_rituals_file_in_the_repository_is_exit_2(world, cli):
    world.state["github"]["repos"]["fleetdm/fleet"]["commits"] = {
        sha: {**c, "files": {p: (None if p.startswith("handbook/sales/") else t) for p, t in c["files"].items()}}
        for sha, c in world.state["github"]["repos"]["fleetdm/fleet"]["commits"].items()
    }
    result = cli("rituals", "list", env={**world.env(), "COLUMNS": "200"})
    assert result.code == 2
    assert "error: handbook/sales/sales.rituals.yml is not in fleetdm/fleet at main." in result.stderr


# --- check ------------------------------------------------------------------------------------------
def test_check_reports_each_problem_as_file_line_and_exits_2(cli):
    files = sorted(str(p) for p in DATA.glob("*/*rituals.yml@*"))
    result = cli("rituals", "check", *files, "--json")
    assert result.code == 2
    company = str(DATA / "company" / "rituals.yml@50be17b")
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(DATA))]
    assert lines == [
        f"{company}:12: autoIssue.repo is missing: add `repo: fleet` or `repo: confidential` (one of fleet, confidential)",
        f"{company}:51: startedOn '2023-07-xx' is not a date (use YYYY-MM-DD)",
        f"{company}:58: startedOn '2023-07-xx' is not a date (use YYYY-MM-DD)",
    ]
    assert "error: 3 problem(s) in 1 of 23 file(s)." in result.stderr
    data = result.json()
    assert [p["line"] for p in data["problems"]] == [12, 51, 58] and data["error"]["exit_code"] == 2


def test_check_of_clean_files_is_exit_0(cli, tmp_path):
    paths = []
    for path, text in handbook_files().items():
        paths.append(tmp_path / path)
        paths[-1].parent.mkdir(parents=True, exist_ok=True)
        paths[-1].write_text(text)
    result = cli("rituals", "check", *map(str, paths))
    assert result.code == 0, result.stderr
    assert "7 file(s), 18 ritual(s): no problems." in result.stderr


def test_check_of_unreadable_yaml_names_the_line(cli, tmp_path):
    bad = tmp_path / "x.rituals.yml"
    bad.write_text('- task: "ok"\n  startedOn: "2024-01-01"\n  frequency: [Weekly\n')
    result = cli("rituals", "check", str(bad), "--json")
    assert result.code == 2
    assert result.json()["problems"][0]["line"] == 4 and "not valid YAML" in result.json()["problems"][0]["problem"]
    missing = cli("rituals", "check", str(tmp_path / "nope.yml"), env={"COLUMNS": "400"})
    assert missing.code == 2 and "nope.yml: no such file." in missing.stderr


@pytest.fixture
def users_world(github_schema_validator, make_sandbox):
    """A sandbox whose GET /users/{username} answers are validated as GitHub's public-user.

    The OpenAPI subset has no /users/{username} path; every other response is validated as usual.
    """
    import json

    from fleetops.sandbox.server import SandboxServer
    from fleetops.sandbox.world import build_world
    import gzip

    from openapi_schema_validator import OAS30Validator

    from tests.conftest import DATA

    spec = json.loads(gzip.decompress((DATA / "github-openapi-subset.json.gz").read_bytes()))
    validate_user = OAS30Validator(spec["components"]["schemas"]["public-user"])

    def validator(service, template, method, status, body):
        if template == "/users/{username}":
            if status != 200:
                return []
            return [f"GET /users/{{username}}: {e.message[:200]}" for e in validate_user.iter_errors(body)][:3]
        return github_schema_validator(service, template, method, status, body)

    server = SandboxServer(build_world(now=NOW), validator=validator).start()
    yield server
    server.stop()
    assert not server.violations, server.violations


def test_check_online_asks_github_about_users_and_labels(users_world, cli, tmp_path):
    good = tmp_path / "sales.rituals.yml"
    good.write_text(handbook_files()["handbook/sales/sales.rituals.yml"])
    assert cli("rituals", "check", "--online", str(good), env=users_world.env()).code == 0
    bad = tmp_path / "bad.rituals.yml"
    bad.write_text(
        '- task: "A"\n  startedOn: "2024-01-01"\n  frequency: "Weekly"\n  description: "x"\n  dri: "nobody-here"\n'
        '  autoIssue:\n    labels: [ "#g-sales", "no-such-label" ]\n    repo: "confidential"\n'
    )
    result = cli("rituals", "check", "--online", str(bad), env={**users_world.env(), "COLUMNS": "200"})
    assert result.code == 2
    assert [line for line in result.stderr.splitlines() if line.startswith(str(bad))] == [
        f"{bad}:5: dri 'nobody-here' is not a GitHub user",
        f"{bad}:7: label 'no-such-label' does not exist in fleetdm/confidential",
    ]
    assert users_world.writes() == []
