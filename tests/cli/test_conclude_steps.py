"""conclude-milestone's steps come from the rituals file: the list, its order, its parameters, the help."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fleetops.rituals.loader import bundled_path
from tests.cli.test_conclude import conclude, released
from tests.helpers import runbook

STEPS_2024 = """      - rename-milestone                  # VERSION-tentative → VERSION
      - boards.unfinished-lose-milestone  # items outside "Ready for release" lose the milestone
      - boards.prepare-ready              # "Ready for release": milestone and active sprint
      - boards.stories-to-drafting        # stories: +:product, -:release
      - boards.close-ready                # the rest of "Ready for release" is closed
      - drafting.celebrate                # drafting board: stories → "Confirm and celebrate"
      - close-milestone
      - create-next-milestone             # NEXT-tentative, due + release.cadence_days
      - freeze.end                        # unfreeze in Merge Freeze
      - announce                          # slack.announcement, at most once
      - create-patch-branch               # patch-fleet-vX.Y.Z+1 from the release tag
"""


@pytest.fixture(autouse=True)
def pinned(clock):
    clock.set(datetime(2024, 4, 16, 15, 0, tzinfo=UTC))


def with_steps(tmp_path: Path, steps: str) -> Path:
    """The bundled 2024 file with its conclude_milestone list replaced by `steps` (YAML list lines)."""
    text = bundled_path().read_text()
    assert STEPS_2024 in text, "the bundled file's step list changed: update STEPS_2024"
    path = tmp_path / "fleet.yml"
    path.write_text(text.replace(STEPS_2024, steps))
    return path


def test_the_bundled_list_is_the_default_list_of_its_process():
    """A file without `rituals:` runs the same steps as the bundled file's explicit list."""
    from fleetops.rituals.loader import load_rituals

    bundled = load_rituals(bundled_path())
    text = bundled_path().read_text()
    without = text[: text.index("\n# The steps of the multi-step rituals")]
    import yaml

    from fleetops.rituals.models import Rituals

    assert [s.kind for s in Rituals.model_validate(yaml.safe_load(without)).steps_of("conclude_milestone")] == [
        s.kind for s in bundled.steps_of("conclude_milestone")
    ]


def test_a_shorter_list_runs_only_its_steps_and_the_help_says_so(make_sandbox, cli, tmp_path):
    """Drop the Slack and patch-branch steps and move create-next-milestone first: plan and help follow."""
    steps = "      - create-next-milestone\n" + "".join(
        line + "\n" for line in STEPS_2024.splitlines()
        if not any(k in line for k in ("announce", "create-patch-branch", "create-next-milestone"))
    )
    rituals = with_steps(tmp_path, steps)
    server = released(make_sandbox)
    env = {**server.env(), "FLEETOPS_RITUALS": str(rituals)}
    result = conclude(cli, server, "--dry-run", "--json", env=env)
    assert result.code == 0, result.stderr
    ids = [s["id"] for s in result.json()["steps"]]
    assert ids[0] == "next-milestone"
    assert "announce" not in ids and "patch-branch" not in ids
    assert ids[1] == "rename" and ids[-1] == "unfreeze"
    assert server.writes() == []
    help_text = cli("release", "conclude-milestone", "--help", env={"COLUMNS": "80", "FLEETOPS_RITUALS": str(rituals)})
    entries = runbook(help_text.output)
    assert len(entries) == 9
    assert "NEXT-tentative" in entries[0][1]
    assert not any("announces" in text or "patch-fleet" in text for _, text in entries)
    applied = conclude(cli, server, "--yes", "--json", env=env)
    assert applied.code == 0, applied.stderr
    assert [r for r in server.requests if r["service"] == "slack"] == []


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ("      - rename-milestone\n      - boards.celebrate-everything\n",
         r"rituals\.conclude_milestone\.steps\[1\]: unknown step kind 'boards\.celebrate-everything'; the known kinds are rename-milestone, boards\.unfinished-lose-milestone"),
        ("      - rename-milestone\n      - boards.close-ready\n",
         r"rituals\.conclude_milestone\.steps: steps\[1\]: boards\.close-ready needs boards\.prepare-ready and boards\.stories-to-drafting earlier in the list"),
        ("      - close-milestone\n      - close-milestone\n",
         r"steps\[1\]: close-milestone is listed twice"),
        ("      - close-milestone\n      - candidate.reset-deploy-tag\n",
         r"candidate\.reset-deploy-tag: parameter value: Field required \(its parameters: value\)"),
        ("      - close-milestone\n      - kind: drafting.celebrate\n        colour: blue\n",
         r"steps\[1\]: drafting\.celebrate: unknown parameter colour \(its parameters: close_labels\)"),
        ("      - close-milestone\n      - kind: candidate.reset-deploy-tag\n        value: main\n",
         r"rituals\.conclude_milestone\.steps\[1\]: candidate\.reset-deploy-tag is not part of process merge-freeze"),
        ("      - close-milestone\n      - announce\n      - announce\n",
         r"announce is listed twice"),
        ("    []\n", r"rituals\.conclude_milestone\.steps: List should have at least 1 item"),
    ],
)
def test_a_bad_step_list_is_exit_2_naming_the_file_and_the_field(make_sandbox, cli, tmp_path, steps, expected):
    rituals = with_steps(tmp_path, steps)
    if steps.strip() == "[]":
        rituals.write_text(rituals.read_text().replace("    steps:\n    []\n", "    steps: []\n"))
    server = released(make_sandbox)
    result = conclude(cli, server, "--yes", env={**server.env(), "FLEETOPS_RITUALS": str(rituals)})
    assert result.code == 2, result.output
    message = " ".join(result.stderr.split())
    assert str(rituals) in result.stderr.replace("\n", "")
    assert re.search(expected, message), message
    assert "Traceback" not in result.output
    assert server.requests == []


def test_a_board_kind_the_backend_does_not_build_is_refused(tmp_path):
    from fleetops.errors import RitualsError
    from fleetops.rituals.loader import load_rituals

    text = bundled_path("fleet-rc").read_text().replace(
        "      - boards.stories-to-drafting        # 2.", "      - boards.prepare-ready\n      - boards.stories-to-drafting        # 2."
    )
    path = tmp_path / "rc.yml"
    path.write_text(text)
    with pytest.raises(RitualsError) as err:
        load_rituals(path)
    assert "rituals.conclude_milestone.steps[0]: boards.prepare-ready is not built for boards.backend github-projects (only zenhub)" in str(err.value)


def test_the_help_of_an_unreadable_rituals_file_still_prints(cli, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("version: [\n")
    result = cli("release", "conclude-milestone", "--help", env={"COLUMNS": "80", "FLEETOPS_RITUALS": str(broken)})
    assert result.code == 0
    assert "the steps come from the rituals file, which cannot be read" in " ".join(result.output.split())
    assert "{steps}" not in result.output


def test_close_labels_close_those_stories_instead_of_moving_them_on_zenhub(make_sandbox, cli, tmp_path):
    """`drafting.celebrate` with `close_labels`: the labelled stories are closed, the others moved."""
    from tests.cli.test_conclude import issues_by_title, pipeline_on

    server = released(make_sandbox)
    plain = conclude(cli, server, "--dry-run", "--json")
    stories = {s["id"]: s for s in plain.json()["steps"]}["drafting.celebrate"]["issues"]
    assert len(stories) >= 2, "the world needs two stories to tell closing from moving"
    by_number = {i["number"]: i for i in issues_by_title(server).values()}
    chosen = by_number[stories[0]]
    chosen["labels"].append("~engineering-initiated")
    rituals = with_steps(tmp_path, STEPS_2024.replace(
        "      - drafting.celebrate                # drafting board: stories → \"Confirm and celebrate\"\n",
        "      - kind: drafting.celebrate\n        close_labels: [\"~engineering-initiated\"]\n",
    ))
    env = {**server.env(), "FLEETOPS_RITUALS": str(rituals)}
    result = conclude(cli, server, "--yes", "--json", env=env)
    assert result.code == 0, result.stderr
    step = {s["id"]: s for s in result.json()["steps"]}["drafting.celebrate"]
    assert step["closed"] == [chosen["number"]]
    assert step["issues"] == stories[1:]
    assert issues_by_title(server)[chosen["title"]]["state"] == "closed"
    for number in stories[1:]:
        assert pipeline_on(server, "drafting", by_number[number]["title"]) == "Confirm and celebrate"
    writes = len(server.writes())
    again = conclude(cli, server, "--yes", "--json", env=env)
    assert again.code == 0
    assert len(server.writes()) == writes  # the re-run writes nothing


# --- cut-rc: the same framework, ritual `cut_rc` -----------------------------------------------------------
CUT_RC_STEPS = """  cut_rc:
    steps:
      - candidate.create-branch           # rc-minor-fleet-vVERSION at main's head
      - candidate.open-qa-issue           # Release QA: VERSION (create-qa-issue's planning)
      - candidate.set-deploy-tag          # QAWOLF_DEPLOY_TAG → the candidate branch
      - announce                          # candidate.announcement in slack.channel, at most once
"""


def rc_with(tmp_path: Path, steps: str) -> Path:
    text = bundled_path("fleet-rc").read_text()
    assert CUT_RC_STEPS in text, "the bundled fleet-rc list changed: update CUT_RC_STEPS"
    path = tmp_path / "fleet-rc.yml"
    path.write_text(text.replace(CUT_RC_STEPS, steps))
    return path


def test_cut_rc_without_the_announcement_runs_three_steps_and_its_help_says_so(make_sandbox, cli, tmp_path, clock):
    clock.set(datetime(2026, 11, 25, 18, 0, tzinfo=UTC))
    rituals = rc_with(tmp_path, "\n".join(line for line in CUT_RC_STEPS.splitlines() if "announce" not in line) + "\n")
    server = make_sandbox("rc")
    env = {**server.env(), "FLEETOPS_RITUALS": str(rituals)}
    result = cli("release", "cut-rc", "4.60.0", "--yes", "--json", env=env)
    assert result.code == 0, result.stderr
    assert [s["id"] for s in result.json()["steps"]] == ["branch", "issue", "variable"]
    assert server.writes("slack") == []
    help_text = cli("release", "cut-rc", "--help", env={"COLUMNS": "80", "FLEETOPS_RITUALS": str(rituals)})
    assert [n for n, _ in runbook(help_text.output)] == [1, 2, 3]
    assert not any("announces" in text for _, text in runbook(help_text.output))


def test_cut_rc_variable_before_its_branch_is_exit_2(make_sandbox, cli, tmp_path):
    steps = CUT_RC_STEPS.replace("      - candidate.create-branch           # rc-minor-fleet-vVERSION at main's head\n", "") + "      - candidate.create-branch\n"
    rituals = rc_with(tmp_path, steps)
    server = make_sandbox("rc")
    result = cli("release", "cut-rc", "4.60.0", "--yes", env={**server.env(), "FLEETOPS_RITUALS": str(rituals)})
    assert result.code == 2
    message = " ".join(result.stderr.split())
    assert "rituals.cut_rc.steps: steps[1]: candidate.set-deploy-tag needs candidate.create-branch earlier in the list" in message
    assert server.requests == []


def test_cut_rc_steps_in_a_merge_freeze_file_are_refused(tmp_path):
    from fleetops.errors import RitualsError
    from fleetops.rituals.loader import load_rituals

    path = tmp_path / "fleet.yml"
    path.write_text(bundled_path().read_text() + CUT_RC_STEPS)
    with pytest.raises(RitualsError) as err:
        load_rituals(path)
    assert "rituals.cut_rc.steps[0]: candidate.create-branch is not part of process merge-freeze" in str(err.value)


def test_a_default_list_zenhub_cannot_build_is_exit_2_before_any_read(make_sandbox, cli, tmp_path):
    """Issue 19, item 5: the release-candidate default list on ZenHub has candidate.reset-deploy-tag, which
    only the Projects flow builds. It used to load and then crash the run ("unexpected KeyError")."""
    import yaml

    data = yaml.safe_load(bundled_path().read_text())
    data["process"] = "release-candidate"
    data["candidate"] = yaml.safe_load(bundled_path("fleet-rc").read_text())["candidate"]
    del data["rituals"]
    rituals = tmp_path / "rc-on-zenhub.yml"
    rituals.write_text(yaml.safe_dump(data))
    server = released(make_sandbox)
    result = conclude(cli, server, "--yes", env={**server.env(), "FLEETOPS_RITUALS": str(rituals)})
    assert result.code == 2, result.output
    message = " ".join(result.stderr.split())
    assert "candidate.reset-deploy-tag is not built for boards.backend zenhub (only github-projects)" in message
    assert "Traceback" not in result.output and "KeyError" not in result.output
    assert server.requests == []
