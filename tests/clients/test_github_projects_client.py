"""GitHub Projects client over real sockets against the sandbox's GraphQL endpoint (rc world)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fleetops.clients.github_projects import (
    MAX_MUTATIONS_PER_DOCUMENT,
    GitHubProjectsClient,
    add_item,
    add_labels,
    close_issue,
    graphql_url,
    remove_labels,
    set_iteration,
    set_milestone,
    set_option,
)
from fleetops.errors import AuthError, NotFound, ServiceError
from fleetops.sandbox.server import Fault
from fleetops.settings import Settings


def projects_client(server, token: str | None = None) -> GitHubProjectsClient:
    env = server.env()
    if token is not None:
        env["GH_TOKEN"] = token
    return GitHubProjectsClient(Settings.from_env(env))


def graphql_requests(server) -> list[dict]:
    return [r for r in server.requests if r["service"] == "github-graphql"]


@pytest.fixture
def rc(make_sandbox, clock):
    return make_sandbox("rc")  # built at the clock's instant (the `clock` fixture)


# --- the URL -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://api.github.com/", "https://api.github.com/graphql"),
        ("https://github.example.com/api/v3", "https://github.example.com/api/graphql"),
        ("https://github.example.com/api/v3/", "https://github.example.com/api/graphql"),
        ("https://api.acme.ghe.com", "https://api.acme.ghe.com/graphql"),
        ("http://127.0.0.1:8080/github", "http://127.0.0.1:8080/github/graphql"),
    ],
)
def test_graphql_url_is_derived_from_github_api_url(api_url, expected):
    assert graphql_url(api_url) == expected


@pytest.mark.parametrize("api_url", ["https://api.github.com", "https://github.example.com/api/v3/", "http://127.0.0.1:1/github"])
def test_graphql_url_agrees_with_pygithubs_requester(api_url, tmp_path):
    # the requester refuses to POST to a URL outside its own prefixes: both must agree
    client = GitHubProjectsClient(Settings.from_env({"GITHUB_API_URL": api_url, "GH_TOKEN": "ghp_x" * 4, "FLEETOPS_STATE_DIR": str(tmp_path)}))
    assert client.url == client._reads.requester.graphql_url


# --- reads ---------------------------------------------------------------------------------------------------
def test_project_has_its_status_options_and_current_sprint(rc, clock):
    project = projects_client(rc).project("fleetdm", 58)
    assert (project.number, project.title, project.closed) == (58, "#g-mdm", False)
    status = project.field("status")
    assert status.data_type == "SINGLE_SELECT"
    assert [o.name for o in status.options] == ["Ready", "In progress", "Awaiting QA", "Ready for release", "Closed"]
    sprint = project.field("Sprint")
    current = sprint.current_iteration(clock.now.date())
    assert current.title == "Sprint 42" and not current.completed
    assert [i.title for i in sprint.iterations] == ["Sprint 42", "Sprint 43", "Sprint 41"]
    assert sprint.current_iteration(current.start - timedelta(days=40)) is None  # a completed one is never current


def test_unknown_project_is_not_found(rc):
    with pytest.raises(NotFound, match="ProjectV2 with the number 99"):
        projects_client(rc).project("fleetdm", 99)


def test_items_have_status_sprint_labels_and_milestone(rc):
    client = projects_client(rc)
    project = client.project("fleetdm", 71)
    items = {i.number: i for i in client.items(project.id)}
    story = items[24002]
    assert (story.kind, story.status, story.sprint_title, story.milestone, story.state) == ("Issue", "Ready for release", "Sprint 42", "4.59.0", "OPEN")
    assert story.labels == ("story", ":release", "#g-orchestration") and story.repo == "fleetdm/fleet"
    assert items[24105].kind == "PullRequest" and items[24105].state == "OPEN"
    assert items[24020].status == "Awaiting QA" and items[24020].sprint_id is None
    # GitHub's formula: the project is 1 connection (1 point); a page of items is 1 + 100 label
    # lists + 100 assignee lists = 201 connection requests, 2 points
    assert client.points_spent == 3


def test_items_are_paged_at_100(make_sandbox):
    server = make_sandbox("rc", rc_items=300)  # 100 more items on each group board: 107 on MDM's
    client = projects_client(server)
    project = client.project("fleetdm", 58)
    server.reset_log()
    items = client.items(project.id)
    assert len(items) == 107 and len({i.id for i in items}) == 107
    assert len(graphql_requests(server)) == 2


def test_issue_items_lists_every_board_the_issue_is_on(rc):
    issue = projects_client(rc).issue_items("fleetdm/fleet", 24007)
    assert sorted(i.project_number for i in issue.items) == [58, 70]
    assert {i.status for i in issue.items} == {"Ready for release"}


def test_labels_and_milestones_by_name(rc):
    client = projects_client(rc)
    labels = client.label_ids("fleetdm/fleet")
    assert {"story", ":product", ":release", "~engineering-initiated", "~unreleased bug"} <= set(labels)
    assert len(set(labels.values())) == len(labels)
    assert client.milestone("fleetdm/fleet", "4.59.0").state == "OPEN"
    assert client.milestone("fleetdm/fleet", "4.59") is None  # exact titles only


# --- writes ----------------------------------------------------------------------------------------------------
def test_changes_apply_in_one_document_and_show_in_rest_and_on_the_board(rc):
    client = projects_client(rc)
    mdm, drafting = client.project("fleetdm", 58), client.project("fleetdm", 67)
    issue = client.issue_items("fleetdm/fleet", 24001)
    labels = client.label_ids("fleetdm/fleet")
    item = issue.on(mdm.id)
    next_sprint = mdm.field("Sprint").iterations[1]
    ms = client.milestone("fleetdm/fleet", "4.60.0")
    rc.reset_log()
    answers = client.apply([
        add_item(drafting.id, issue.id),
        set_option(mdm.id, item.id, mdm.field("Status").id, mdm.field("Status").option("closed").id),
        set_iteration(mdm.id, item.id, mdm.field("Sprint").id, next_sprint.id),
        add_labels(issue.id, [labels[":product"]]),
        remove_labels(issue.id, [labels[":release"]]),
        set_milestone(issue.id, ms.id),
        close_issue(issue.id),
    ])
    assert len(graphql_requests(rc)) == 1 and rc.writes("github-graphql")
    assert answers[0]["item"]["id"] and answers[6]["issue"]["state"] == "CLOSED"
    after = client.issue_items("fleetdm/fleet", 24001)
    assert sorted(i.project_number for i in after.items) == [58, 67]
    on_mdm = after.on(mdm.id)
    assert (on_mdm.status, on_mdm.sprint_title, on_mdm.milestone, on_mdm.state) == ("Closed", "Sprint 43", "4.60.0", "CLOSED")
    assert on_mdm.labels == ("story", "#g-mdm", ":product")
    # one world: the REST side sees the same issue
    rest = next(i for i in rc.state["github"]["repos"]["fleetdm/fleet"]["issues"] if i["number"] == 24001)
    assert rest["state"] == "closed" and rest["milestone"] == 104


def test_adding_an_issue_already_on_the_board_keeps_its_item(rc):
    client = projects_client(rc)
    drafting = client.project("fleetdm", 67)
    issue = client.issue_items("fleetdm/fleet", 24002)
    [answer] = client.apply([add_item(drafting.id, issue.id)])
    assert answer["item"]["id"] == issue.on(drafting.id).id
    assert len(client.issue_items("fleetdm/fleet", 24002).items) == 2


def test_more_than_50_changes_go_in_two_documents(make_sandbox):
    server = make_sandbox("rc", rc_items=180)
    client = projects_client(server)
    mdm = client.project("fleetdm", 58)
    status = mdm.field("Status")
    closed = status.option("Closed")
    items = [i for i in client.items(mdm.id) if i.status != "Closed"][:60]
    assert len(items) == 60
    server.reset_log()
    before = client.points_spent
    client.apply([set_option(mdm.id, i.id, status.id, closed.id, f"#{i.number} to Closed") for i in items])
    assert [r["method"] for r in graphql_requests(server)] == ["POST", "POST"]
    assert MAX_MUTATIONS_PER_DOCUMENT == 50
    assert client.points_spent - before == 2
    after = {i.id: i.status for i in client.items(mdm.id)}
    assert all(after[i.id] == "Closed" for i in items)


def test_points_spent_match_the_servers_rate_limit(make_sandbox):
    server = make_sandbox("rc", rc_items=300)
    client = projects_client(server)
    project = client.project("fleetdm", 70)
    items = client.items(project.id)
    status = project.field("Status")
    client.apply([set_option(project.id, items[0].id, status.id, status.option("Ready").id)])
    rate = server.state["github"]["graphql_rate"]
    assert client.points_spent == rate["used"] > 0
    assert client.rate_remaining == rate["limit"] - (rate["used"] - 1)  # the mutation came after the last query


def test_rate_limit_reports_the_budget_and_counts_its_own_point(rc):
    client = projects_client(rc)
    client.project("fleetdm", 58)
    rate = client.rate_limit()
    assert (rate.limit, rate.used, rate.remaining) == (5000, 2, 4998)
    assert client.points_spent == 2 and client.rate_remaining == 4998 and rate.reset_at


def test_a_refused_change_names_it(rc):
    client = projects_client(rc)
    mdm, software = client.project("fleetdm", 58), client.project("fleetdm", 70)
    item = client.issue_items("fleetdm/fleet", 24001).on(mdm.id)
    wrong = software.field("Status").option("Closed")  # an option of another board's field
    with pytest.raises(ServiceError, match=r"GitHub refused 1 of 1 change\(s\) and applied 0: #24001 to Closed \(.*does not belong to the field Status\)"):
        client.apply([set_option(mdm.id, item.id, mdm.field("Status").id, wrong.id, "#24001 to Closed")])


# --- errors -----------------------------------------------------------------------------------------------------
def test_errors_in_a_200_are_a_service_error_naming_github_graphql(rc):
    client = projects_client(rc)
    with pytest.raises(ServiceError, match=r"GitHub GraphQL rejected reading x: Cannot query field 'nope' on type 'Query'"):
        client.execute("query { nope }", {}, "reading x")


def test_missing_project_scope_is_exit_4_naming_gh_token_and_the_scope(rc):
    token = rc.tokens["github_no_project"]
    client = projects_client(rc, token=token)
    with pytest.raises(AuthError) as caught:
        client.project("fleetdm", 58)
    err = caught.value
    assert err.exit_code == 4
    assert "GH_TOKEN" in str(err) and "`project` scope" in str(err) and "INSUFFICIENT" not in str(err)
    assert "required scopes" in err.message
    assert token not in str(err)
    # the same token still reads what needs no project scope
    assert client.label_ids("fleetdm/fleet")


def test_a_wrong_token_is_exit_4_without_the_token(rc):
    client = projects_client(rc, token="ghp_wrong_token_123456789")
    with pytest.raises(AuthError, match="GH_TOKEN") as caught:
        client.project("fleetdm", 58)
    assert "ghp_wrong_token_123456789" not in str(caught.value)


def test_no_token_is_exit_4_before_any_request(rc):
    env = {k: v for k, v in rc.env().items() if k != "GH_TOKEN"}
    with pytest.raises(AuthError, match="GH_TOKEN"):
        GitHubProjectsClient(Settings.from_env(env)).project("fleetdm", 58)
    assert graphql_requests(rc) == []


def test_a_5xx_on_a_query_is_retried_by_githubretry(rc):
    rc.inject(Fault("POST", r"^/github/graphql", status=502, times=2))
    project = projects_client(rc).project("fleetdm", 58)
    assert project.number == 58
    assert [r["status"] for r in graphql_requests(rc)] == [502, 502, 200]


def test_a_5xx_on_a_mutation_is_not_retried(rc):
    client = projects_client(rc)
    issue = client.issue_items("fleetdm/fleet", 24004)
    rc.reset_log()
    rc.inject(Fault("POST", r"^/github/graphql", status=502, times=1))
    with pytest.raises(ServiceError, match="502"):
        client.apply([close_issue(issue.id, "closing #24004")])
    assert len(graphql_requests(rc)) == 1


def test_5xx_until_the_retries_run_out_is_a_service_error(rc):
    rc.inject(Fault("POST", r"^/github/graphql", status=503, times=10))
    with pytest.raises(ServiceError, match="GitHub GraphQL answered 503 .* 3 retries included"):
        projects_client(rc).project("fleetdm", 58)


# --- pacing of mutation documents (docs/github-projects.md, "Pacing") ------------------------------------------------
class FakeTime:
    """A clock that moves only when the client sleeps or a request "takes" time: pacing without the wall clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _timed_sends(client, fake: FakeTime, took: float) -> list[tuple[str, float]]:
    """Each document's (kind, start on the fake clock); each takes `took` fake seconds."""
    sent: list[tuple[str, float]] = []
    for kind, github in (("write", client._writes), ("read", client._reads)):
        real = github.requester.requestJsonAndCheck

        def send(*args, _real=real, _kind=kind, **kwargs):
            sent.append((_kind, fake.now))
            fake.now += took
            return _real(*args, **kwargs)

        github.requester.requestJsonAndCheck = send
    return sent


@pytest.mark.real_timing  # the settings' own 0.8 s (the suite sets 0 otherwise); the clock is fake
def test_mutation_documents_start_0_8_s_apart_and_reads_do_not_wait(make_sandbox, tmp_path):
    server = make_sandbox("rc", rc_items=360)
    settings = Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), **server.env()})  # 0.8 s, as outside --sandbox
    assert settings.github_mutation_interval == 0.8
    fake = FakeTime()
    client = GitHubProjectsClient(settings, clock=fake.clock, sleep=fake.sleep)
    mdm = client.project("fleetdm", 58)
    status = mdm.field("Status")
    closed = status.option("Closed")
    items = [i for i in client.items(mdm.id) if i.status != "Closed"][:110]
    sent = _timed_sends(client, fake, took=0.3)  # a document takes 0.3 s
    client.apply([set_option(mdm.id, i.id, status.id, closed.id) for i in items])  # 3 documents
    client.project("fleetdm", 58)  # a read right after: not paced
    writes = [at for kind, at in sent if kind == "write"]
    # 0.8 s from start to start (a 0.5 s pause after each 0.3 s document), not 0.8 s after the previous one ended
    assert [round(b - a, 6) for a, b in zip(writes, writes[1:])] == [0.8, 0.8]
    assert [round(s, 6) for s in fake.sleeps] == [0.5, 0.5]
    assert [kind for kind, _ in sent] == ["write", "write", "write", "read"] and round(sent[-1][1] - writes[-1], 6) == 0.3


@pytest.mark.real_timing
def test_mutation_documents_are_not_paced_on_the_sandbox(make_sandbox, tmp_path):
    server = make_sandbox("rc", rc_items=360)
    settings = Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path)}).for_sandbox(server.url, server.state["tokens"])
    fake = FakeTime()
    client = GitHubProjectsClient(settings, clock=fake.clock, sleep=fake.sleep)
    mdm = client.project("fleetdm", 58)
    status = mdm.field("Status")
    items = [i for i in client.items(mdm.id) if i.status != "Closed"][:110]
    sent = _timed_sends(client, fake, took=0.3)
    client.apply([set_option(mdm.id, i.id, status.id, status.option("Closed").id) for i in items])
    assert len(sent) == 3 and fake.sleeps == []
