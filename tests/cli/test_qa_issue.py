"""`fleetops release create-qa-issue` against the sandbox over real sockets."""

from __future__ import annotations

import pytest
import yaml

from fleetops.rituals.loader import bundled_path
from fleetops.sandbox.server import Fault
from fleetops.sandbox.world import files
from fleetops.sandbox.world.git import GitBuilder
from tests.helpers import world_time

REPO = "fleetdm/fleet"
TEMPLATE = ".github/ISSUE_TEMPLATE/release-qa.md"


def fleet_repo(server):
    return server.state["github"]["repos"][REPO]


def qa_issues(server, title="Release QA: 4.58.0"):
    return [i for i in fleet_repo(server)["issues"] if i["title"] == title]


def issue_posts(server):
    return [r for r in server.writes("github") if r["method"] == "POST" and r["path"].startswith("/github/repos/fleetdm/fleet/issues")]


def said(result):
    """stderr with the console's line wrapping undone."""
    return " ".join(result.stderr.split())


def set_template(server, text):
    """Commit a new version of the template on main (None deletes it)."""
    GitBuilder(fleet_repo(server)).commit("Edit the Release QA template", world_time(server), {TEMPLATE: text})


def test_creates_exactly_one_issue_then_reuses_it(sandbox, cli):
    first = cli("release", "create-qa-issue", "4.58.0", "--yes", "--json", env=sandbox.env())
    assert first.code == 0, first.stderr
    data = first.json()
    [issue] = qa_issues(sandbox)
    assert data["issue"] == {"number": issue["number"], "url": data["issue"]["url"], "title": "Release QA: 4.58.0"}
    assert data["issue"]["url"].endswith(f"/fleetdm/fleet/issues/{issue['number']}")
    assert [s["status"] for s in data["steps"]] == ["done"]
    assert issue["labels"] == ["#g-mdm", "#g-endpoint-ops", ":release"]  # the template's
    assert issue["assignees"] == ["xpkoala", "sabrinabuckets"]  # QA of MDM and Endpoint ops
    assert issue["state"] == "open"
    body = issue["body"]
    assert body.startswith("# Goal: a checklist anyone can follow") and "---" not in body.split("\n", 1)[0]
    assert "## Fleet core:" in body and "**Fleet version**" in body
    # orbit and desktop changed since orbit-v1.34.0, the Chrome extension did not since fleetd-chrome-v1.3.1
    assert "- Orbit `v1.34.0` > `v1.34.1`\n- Desktop `v1.34.0` > `v1.34.1`\n" in body
    assert "Chrome extension `v" not in body and "v1.xx.x" not in body
    assert "- Orbit: True\n- Desktop: True\n- Chrome extension: False\n" in body
    assert "Remove items without updates" not in body
    assert body.endswith("Anything else the release DRI should know:\n")
    assert len(issue_posts(sandbox)) == 1

    second = cli("release", "create-qa-issue", "4.58.0", "--yes", "--json", env=sandbox.env())
    assert second.code == 0, second.stderr
    assert second.json()["steps"][0]["status"] == "skipped"
    assert second.json()["steps"][0]["detail"].startswith(f"already open: #{issue['number']}")
    assert second.json()["issue"]["number"] == issue["number"]
    assert len(qa_issues(sandbox)) == 1 and len(issue_posts(sandbox)) == 1


def test_plan_shows_title_labels_assignees_and_the_body_diff(sandbox, cli):
    result = cli("release", "create-qa-issue", "4.58.0", "--dry-run", env=sandbox.env())
    assert result.code == 0, result.stderr
    err = result.stderr
    assert "Plan (dry run: nothing will change)" in err
    assert "Title      Release QA: 4.58.0" in err
    assert "Labels     #g-mdm, #g-endpoint-ops, :release" in err
    assert "Assignees  xpkoala, sabrinabuckets" in err
    assert "Body, as a diff against the template:" in err
    for line in ("-- Orbit `v1.xx.x` > `v1.xx.x`", "+- Orbit `v1.34.0` > `v1.34.1`", "-- Chrome extension `v1.xx.x` > `v1.xx.x`", "+- Chrome extension: False"):
        assert line in err
    assert result.stdout == ""


def test_dry_run_writes_nothing_and_reports_the_pending_issue(sandbox, cli):
    result = cli("release", "create-qa-issue", "4.58.0", "--dry-run", "--json", env=sandbox.env())
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["dry_run"] is True
    assert data["warnings"] == []
    assert data["steps"][0]["status"] == "pending"
    assert data["issue"] == {"number": None, "url": None, "title": "Release QA: 4.58.0"}
    assert sandbox.writes() == []
    assert qa_issues(sandbox) == []


def test_fleetd_only_drops_the_core_section_and_fills_the_component_lines(sandbox, cli):
    result = cli("release", "create-qa-issue", "1.35.0", "--fleetd-only", "--yes", "--json", env=sandbox.env())
    assert result.code == 0, result.stderr
    [issue] = qa_issues(sandbox, "Release QA: fleetd 1.35.0")
    body = issue["body"]
    assert "Fleet core" not in body and "**Fleet version**" not in body and "Upgrade</td>" not in body
    assert "## `fleetd` agent:" in body and "`fleetd` on edge" in body
    # VERSION is the orbit version; Desktop ships with Orbit (both from orbit-v tags)
    assert "- Orbit `v1.34.0` > `v1.35.0`\n- Desktop `v1.34.0` > `v1.35.0`\n" in body
    assert "Chrome extension `v" not in body  # no change since fleetd-chrome-v1.3.1: its line is removed
    assert body.startswith("# Goal") and "# Smoke tests" in body and body.rstrip().endswith("should know:")
    data = result.json()
    assert data["fleetd_only"] is True
    assert [(c["component"], c["included"], c["next_version"]) for c in data["fleetd"]] == [
        ("orbit", True, "1.35.0"), ("desktop", True, "1.35.0"), ("fleetd-chrome", False, "1.3.2"),
    ]


def test_fleetd_versions_from_the_options(make_sandbox, cli):
    server = make_sandbox(chrome_changed=True)
    args = ["release", "create-qa-issue", "1.35.0", "--fleetd-only", "--orbit", "v1.36.0", "--chrome", "1.4.0", "--yes"]
    result = cli(*args, env=server.env())
    assert result.code == 0, result.stderr
    body = qa_issues(server, "Release QA: fleetd 1.35.0")[0]["body"]
    assert "- Orbit `v1.34.0` > `v1.36.0`" in body
    assert "- Desktop `v1.34.0` > `v1.35.0`" in body
    assert "- Chrome extension `v1.3.1` > `v1.4.0`" in body


def test_a_version_not_newer_than_the_last_tag_is_refused(sandbox, cli):
    result = cli("release", "create-qa-issue", "1.30.0", "--fleetd-only", "--yes", env=sandbox.env())
    assert result.code == 2
    assert "Orbit 1.30.0 is not newer than its last release orbit-v1.34.0" in said(result)
    assert sandbox.writes() == []


def test_fleetd_only_with_nothing_changed_is_exit_2(make_sandbox, cli):
    server = make_sandbox("current")
    result = cli("release", "create-qa-issue", "1.35.0", "--fleetd-only", "--yes", env=server.env())
    assert result.code == 2
    assert "no fleetd component changed since its last release tag (fleetd-chrome-v1.3.1, orbit-v1.34.0)" in said(result)
    assert server.writes() == []


def test_a_release_without_fleetd_changes_drops_the_fleetd_section(make_sandbox, cli):
    server = make_sandbox("current")
    result = cli("release", "create-qa-issue", "4.58.0", "--yes", env=server.env())
    assert result.code == 0, result.stderr
    body = qa_issues(server)[0]["body"]
    assert "`fleetd` agent" not in body and "Orbit" not in body
    assert "## Fleet core:" in body and "# Notes" in body


@pytest.mark.parametrize("version", ["4.58", "latest", "4.58.0-rc1", "v4.58.0.1", ""])
def test_bad_version_is_exit_2_before_any_request(sandbox, cli, version):
    result = cli("release", "create-qa-issue", version, "--yes", "--json", env=sandbox.env())
    assert result.code == 2
    assert f"VERSION {version!r} is not a release version. Use MAJOR.MINOR.PATCH, e.g. 4.58.0." in said(result)
    assert "Traceback" not in result.output
    assert result.json()["error"]["exit_code"] == 2
    assert sandbox.requests == []


def test_bad_component_version_names_the_option(sandbox, cli):
    result = cli("release", "create-qa-issue", "4.58.0", "--chrome", "soon", "--yes", env=sandbox.env())
    assert result.code == 2
    assert "--chrome 'soon' is not a release version" in said(result)
    assert sandbox.requests == []


def test_missing_template_is_a_clear_error_and_no_issue(sandbox, cli):
    set_template(sandbox, None)
    result = cli("release", "create-qa-issue", "4.58.0", "--yes", env=sandbox.env())
    assert result.code == 2
    assert said(result) == (
        "error: the Release QA template .github/ISSUE_TEMPLATE/release-qa.md is not in fleetdm/fleet at main. "
        "Set qa.template in the rituals file (FLEETOPS_RITUALS) to the template's path."
    )
    assert "Traceback" not in result.output
    assert sandbox.writes() == [] and qa_issues(sandbox) == []


def test_unreadable_template_is_a_clear_error_and_no_issue(sandbox, cli):
    set_template(sandbox, "---\nname: Release QA\ntitle: 'Release QA:'\n\n# Goal\n")
    result = cli("release", "create-qa-issue", "4.58.0", "--yes", env=sandbox.env())
    assert result.code == 2
    assert "starts a front matter block ('---') that never ends" in said(result)
    assert sandbox.writes() == [] and qa_issues(sandbox) == []


def test_fleetd_only_needs_the_fleetd_section(sandbox, cli):
    set_template(sandbox, files.RELEASE_QA_TEMPLATE.split("## `fleetd` agent:")[0])
    result = cli("release", "create-qa-issue", "1.35.0", "--fleetd-only", "--yes", env=sandbox.env())
    assert result.code == 2
    assert "has no section headed '`fleetd` agent' for a fleetd-only release" in said(result)
    assert sandbox.writes() == []


def test_glued_and_unknown_labels_warn_and_never_create_labels(sandbox, cli):
    set_template(sandbox, files.RELEASE_QA_TEMPLATE.replace("'#g-mdm,#g-endpoint-ops,:release'", "'#g-mdm,#g-endpoint-ops:release,no-such-label'"))
    result = cli("release", "create-qa-issue", "4.58.0", "--yes", "--json", env=sandbox.env())
    assert result.code == 0, result.stderr
    assert qa_issues(sandbox)[0]["labels"] == ["#g-mdm", "#g-endpoint-ops", ":release"]
    assert result.json()["labels"] == ["#g-mdm", "#g-endpoint-ops", ":release"]
    assert len(result.json()["warnings"]) == 3
    assert "label '#g-endpoint-ops:release' looks like two labels" in said(result)
    assert "read the template's label '#g-endpoint-ops:release' as '#g-endpoint-ops' and ':release'" in said(result)
    assert "label 'no-such-label' does not exist in the repository; left out" in said(result)
    assert "no-such-label" not in {lb["name"] for lb in fleet_repo(sandbox)["labels"]}


def test_template_assignees_when_the_rituals_name_no_qa(sandbox, cli, tmp_path):
    rituals = yaml.safe_load(bundled_path().read_text())
    for group in rituals["people"]["product_groups"]:
        group["qa"] = []
    path = tmp_path / "rituals.yml"
    path.write_text(yaml.safe_dump(rituals))
    set_template(sandbox, files.RELEASE_QA_TEMPLATE.replace("'xpkoala,sabrinabuckets'", "'georgekarrv'"))
    env = {**sandbox.env(), "FLEETOPS_RITUALS": str(path)}
    planned = cli("release", "create-qa-issue", "4.58.0", "--dry-run", "--json", env=env)
    assert "assignees: georgekarrv (the template)" in planned.json()["steps"][0]["detail"]
    result = cli("release", "create-qa-issue", "4.58.0", "--yes", env=env)
    assert result.code == 0, result.stderr
    assert qa_issues(sandbox)[0]["assignees"] == ["georgekarrv"]


def test_an_old_open_issue_is_found_by_search_and_a_closed_one_is_not_reused(sandbox, cli):
    repo = fleet_repo(sandbox)
    common = {"labels": [], "assignees": [], "milestone": None, "user": "lukeheath", "comments": [], "body": "x", "state_reason": None}
    repo["issues"].append({**common, "id": 1, "number": 100, "title": "Release QA: 4.58.0", "state": "closed",
                           "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z", "closed_at": "2024-01-02T00:00:00Z"})
    repo["issues"].append({**common, "id": 2, "number": 101, "title": "Release QA: 4.58.0", "state": "open",
                           "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z", "closed_at": None})
    for n in range(150):  # newer issues push #101 off the newest page: only the search finds it
        repo["issues"].append({**common, "id": 1000 + n, "number": 30000 + n, "title": f"Bug {n}", "state": "open",
                               "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z", "closed_at": None})
    result = cli("release", "create-qa-issue", "4.58.0", "--yes", "--json", env=sandbox.env())
    assert result.code == 0, result.stderr
    assert result.json()["issue"]["number"] == 101
    assert sandbox.writes() == []
    search = [r for r in sandbox.requests if r["path"].startswith("/github/search/issues")]
    assert len(search) == 1 and "Release+QA%3A+4.58.0" in search[0]["path"]


def test_an_issue_not_yet_searchable_is_still_found(sandbox, cli):
    cli("release", "create-qa-issue", "4.58.0", "--yes", env=sandbox.env())
    # GitHub's search index lags behind a new issue: make the search find nothing.
    sandbox.inject(Fault("GET", r"^/github/search/issues", status=200, body={"total_count": 0, "incomplete_results": False, "items": []}, times=5))
    again = cli("release", "create-qa-issue", "4.58.0", "--yes", "--json", env=sandbox.env())
    assert again.code == 0, again.stderr
    assert again.json()["steps"][0]["status"] == "skipped"
    assert len(qa_issues(sandbox)) == 1


def test_a_failed_create_is_exit_1_and_a_rerun_matches_a_clean_run(make_sandbox, cli):
    clean = make_sandbox()
    assert cli("release", "create-qa-issue", "4.58.0", "--yes", env=clean.env()).code == 0

    server = make_sandbox()
    server.inject(Fault("POST", r"^/github/repos/fleetdm/fleet/issues$", status=500, times=1))
    failed = cli("release", "create-qa-issue", "4.58.0", "--yes", "--json", env=server.env())
    assert failed.code == 1
    data = failed.json()
    assert data["steps"][0]["status"] == "failed" and "500" in data["steps"][0]["detail"]
    assert data["issue"]["number"] is None
    assert "1 step(s) failed: issue" in failed.stderr
    assert qa_issues(server) == []

    rerun = cli("release", "create-qa-issue", "4.58.0", "--yes", env=server.env())
    assert rerun.code == 0, rerun.stderr

    def shape(s):
        return [(i["title"], i["labels"], i["assignees"], i["body"], i["state"]) for i in qa_issues(s)]

    assert shape(server) == shape(clean) and len(shape(server)) == 1


def test_without_a_terminal_and_without_yes_nothing_is_created(sandbox, cli):
    result = cli("release", "create-qa-issue", "4.58.0", env={**sandbox.env(), "CI": "true"})
    assert result.code == 2
    assert "--yes" in result.stderr
    assert sandbox.writes() == []


def test_journal_records_the_created_issue(sandbox, cli, clean_env):
    cli("release", "create-qa-issue", "4.58.0", "--yes", env=sandbox.env())
    [entry] = [yaml.safe_load(line) for line in (clean_env / "journal.jsonl").read_text().splitlines()]
    assert entry["command"] == "release create-qa-issue" and entry["step"] == "issue" and entry["status"] == "done"
    assert entry["detail"].startswith("opened #")


@pytest.mark.parametrize("debug", [False, True])
def test_the_token_never_appears(sandbox, cli, clean_env, debug):
    env = sandbox.env()
    args = ["--debug"] if debug else []
    sandbox.inject(Fault("POST", r"^/github/repos/fleetdm/fleet/issues$", status=500, times=1))
    outputs = [cli(*args, "release", "create-qa-issue", "4.58.0", "--yes", "--json", env=env).output for _ in range(2)]
    everything = "\n".join(outputs) + (clean_env / "journal.jsonl").read_text()
    if debug:
        assert "debug:" in everything
    assert env["GH_TOKEN"] not in everything


def test_help_is_the_runbook_within_80_columns(cli):
    result = cli("release", "create-qa-issue", "--help", env={"COLUMNS": "80"})
    assert result.code == 0
    text = result.stdout
    assert "1. Read the template" in text and "6. Create the issue" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_github_failing_after_retries_is_exit_1_and_no_issue(sandbox, cli):
    sandbox.inject(Fault("GET", r"^/github/repos/fleetdm/fleet/contents/", status=503, times=100))
    result = cli("release", "create-qa-issue", "4.58.0", "--yes", "--json", env=sandbox.env())
    assert result.code == 1
    message = result.json()["error"]["message"]
    assert message.startswith("GitHub answered 503 while reading .github/ISSUE_TEMPLATE/release-qa.md at main in fleetdm/fleet, 3 retries included.")
    reads = [r for r in sandbox.requests if "/contents/" in r["path"]]
    assert len(reads) == 4  # the first try and three retries (PyGithub's GithubRetry)
    assert sandbox.writes() == []


def test_a_rejected_github_token_is_exit_4(sandbox, cli):
    result = cli("release", "create-qa-issue", "4.58.0", "--yes", env={**sandbox.env(), "GH_TOKEN": "ghp_not_a_real_token_42"})
    assert result.code == 4
    assert "GitHub rejected the token in GH_TOKEN" in said(result)
    assert "ghp_not_a_real_token_42" not in result.output
    assert sandbox.writes() == []
