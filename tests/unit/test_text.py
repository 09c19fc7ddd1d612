"""fleetops.text: the rituals file's templates are filled one way and checked against their placeholders."""

from __future__ import annotations

import re

import pytest

from fleetops.text import TemplateError, check, fill, placeholders


def test_fill_replaces_each_placeholder_and_keeps_doubled_braces():
    assert fill("Go {latest} ({{not a placeholder}}) {latest}", {"latest": "1.22.3"}) == "Go 1.22.3 ({not a placeholder}) 1.22.3"
    assert fill("no placeholders", {}) == "no placeholders"
    assert fill("{n}", {"n": 3}) == "3"


def test_placeholders_in_order_of_first_use():
    assert placeholders("{b} {a} {b} {{c}}") == ["b", "a"]


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("Go {", "not a valid template"),
        ("Go }", "not a valid template"),
        ("{0}", "only plain {name} placeholders"),
        ("{}", "only plain {name} placeholders"),
        ("{version.major}", "only plain {name} placeholders"),
        ("{version[0]}", "only plain {name} placeholders"),
        ("{version!r}", "uses {version!r}"),
        ("{version:>10}", "uses {version:>10}"),
    ],
)
def test_anything_but_plain_placeholders_is_refused(template, problem):
    with pytest.raises(TemplateError, match=re.escape(problem)):
        placeholders(template)


def test_check_names_the_unknown_placeholder_and_the_allowed_ones():
    with pytest.raises(TemplateError, match=r"uses \{suffix\}, but it may use only \{version\}") as err:
        check("fleet-v{version}-{suffix}", ["version"], required=["version"])
    assert err.value.placeholder == "suffix"
    with pytest.raises(TemplateError, match=r"must contain \{version\}"):
        check("fleet-latest", ["version"], required=["version"])
    with pytest.raises(TemplateError, match="may use no placeholders"):
        check("{x}", [])
    assert check("fleet-v{version}", ["version"], required=["version"]) == "fleet-v{version}"


def test_fill_names_a_placeholder_without_a_value():
    with pytest.raises(TemplateError, match=r"\{next\}") as err:
        fill("{version} then {next}", {"version": "4.58.0"})
    assert err.value.placeholder == "next"


def test_every_board_layer_compares_names_one_way():
    """Board, column, pipeline, field and option names: `text.same_name` everywhere (issue 18), so a column
    spelt "Ready  For release" is found the same way by ops, the board interface and both clients."""
    from fleetops.boards import BoardInfo, Column
    from fleetops.clients import github_projects as gp
    from fleetops.clients.zenhub import Board, Pipeline

    drifted = "  Ready  For release "
    pipelines = [Pipeline("p1", "New Issues"), Pipeline("p2", drifted)]
    assert Board("b", "B", pipelines, Pipeline("c", "Closed"), None).pipeline("ready for release") == pipelines[1]
    info = BoardInfo(key="k", id="b", name="B", columns=(Column("c1", drifted),), closed=Column("c2", "CLOSED"), current_sprint=None)
    assert info.column("ready for release") == Column("c1", drifted) and info.column("closed") == Column("c2", "CLOSED")
    status = gp.ProjectField("f", " status ", "SINGLE_SELECT", options=(gp.Option("o", drifted),))
    project = gp.Project("p", 1, "P", "u", False, (status,))
    assert project.field("Status") == status and status.option("ready for release") == gp.Option("o", drifted)


def test_the_projects_backend_finds_a_closed_column_spelt_loosely(make_sandbox, clock):
    """boards/github_projects.py compared the closed column with `.lower()` alone: "Closed " was no closed column."""
    from fleetops.boards.github_projects import GitHubProjectsBoards
    from fleetops.clients.github_projects import GitHubProjectsClient
    from fleetops.settings import Settings

    server = make_sandbox("rc")
    client = GitHubProjectsClient(Settings.from_env(server.env()))
    boards = GitHubProjectsBoards(client, "fleetdm", closed_column="  closed ", today=clock.now.date())
    board = boards.find("70")
    assert board.closed is not None and board.closed.name == "Closed"
