"""One place registers a multi-step ritual (rituals/steps.py); the rest is derived from it or checked against it.

The file's models, the checks at load (the process's default list included), `--help`'s runbook, the
plan's order and its step dependencies all come from a `Ritual` declaration: a made-up ritual with
two kinds, declared in this module only, is validated, listed in its command's help and run.
"""

from __future__ import annotations

from importlib import import_module

import pytest
import typer
import yaml
from typer.testing import CliRunner

from fleetops.cli.options import RitualHelp
from fleetops.errors import RitualsError
from fleetops.journal import Journal
from fleetops.ops.steps import add_steps
from fleetops.plan import Plan, Runner, Status, Step
from fleetops.rituals import steps
from fleetops.rituals.loader import bundled_path, load_rituals
from fleetops.rituals.steps import CANDIDATE, FREEZE, PROJECTS, RITUALS, ZENHUB, Kind, NoParams, Ritual, register
from fleetops.ui import UI
from tests.helpers import runbook


def test_every_declared_builder_is_a_method_of_its_backends_flow():
    for ritual in RITUALS.values():
        for backend, where in ritual.flows.items():
            module, _, name = where.partition(":")
            flow = getattr(import_module(module), name)
            for kind in ritual.kinds:
                method = kind.builder(backend)
                assert method is None or callable(getattr(flow, method, None)), f"{ritual.key}: {kind.name} on {backend}: {where}.{method}"


def test_a_declaration_that_names_nothing_is_refused():
    bad = Ritual(
        key="broken", command="broken", kinds=(Kind("a", "a;", build="_a", needs=("b",)),),
        defaults={FREEZE: ("a", "c")}, flows={ZENHUB: "x:Y"},
    )
    with pytest.raises(ValueError) as err:
        register(bad)
    assert str(err.value) == (
        "broken: a needs b, which is not one of its kinds; broken: a is built on github-projects, which has no flow; "
        "broken: the default list of merge-freeze names c, which is not one of its kinds"
    )
    assert "broken" not in RITUALS


# --- issue 19, item 5: a kind without a builder for the backend in force is refused at load, defaults included
def _rc_process_on_zenhub(tmp_path, *, listed: bool):
    """The 2024 file (ZenHub) switched to the release-candidate process: its conclude list is the default one."""
    data = yaml.safe_load(bundled_path().read_text())
    data["process"] = "release-candidate"
    data["candidate"] = yaml.safe_load(bundled_path("fleet-rc").read_text())["candidate"]
    del data["rituals"]
    if listed:
        data["rituals"] = {"conclude_milestone": {"steps": ["close-milestone", {"kind": "candidate.reset-deploy-tag", "value": "main"}]}}
    path = tmp_path / "rc-on-zenhub.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_default_list_with_a_kind_zenhub_cannot_build_is_refused_at_load(tmp_path):
    """It used to load, then crash conclude-milestone with "unexpected KeyError" (no ZenHub builder)."""
    with pytest.raises(RitualsError) as err:
        load_rituals(_rc_process_on_zenhub(tmp_path, listed=False))
    message = str(err.value)
    assert err.value.exit_code == 2
    assert "rituals.conclude_milestone is not in the file, and the default steps of process release-candidate cannot run with boards.backend zenhub" in message
    assert "steps[5]: candidate.reset-deploy-tag is not built for boards.backend zenhub (only github-projects)" in message
    assert "list the steps to run in rituals.conclude_milestone.steps" in message


def test_a_listed_kind_zenhub_cannot_build_is_refused_at_load(tmp_path):
    with pytest.raises(RitualsError) as err:
        load_rituals(_rc_process_on_zenhub(tmp_path, listed=True))
    assert "rituals.conclude_milestone.steps[1]: candidate.reset-deploy-tag is not built for boards.backend zenhub (only github-projects)" in str(err.value)


# --- one dependency system: a need is declared on the kind, missing from the list it is an error at load
def _with_conclude_steps(tmp_path, name: str, kinds: list[str]):
    data = yaml.safe_load(bundled_path(name).read_text())
    data["rituals"]["conclude_milestone"]["steps"] = kinds
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_announcing_an_unfreeze_that_is_not_in_the_list_is_refused_at_load(tmp_path):
    """The announcement says the branch is open again: under merge-freeze it needs freeze.end (its step used to
    name `unfreeze` by id, and a list without it silently ran the announcement)."""
    with pytest.raises(RitualsError) as err:
        load_rituals(_with_conclude_steps(tmp_path, "fleet", ["rename-milestone", "close-milestone", "announce"]))
    assert "rituals.conclude_milestone.steps: steps[2]: announce needs freeze.end earlier in the list" in str(err.value)


def test_a_need_the_process_cannot_run_is_no_need(tmp_path):
    """Under release-candidate on Projects there is no freeze: announce needs close-milestone only."""
    rituals = load_rituals(_with_conclude_steps(tmp_path, "fleet-rc", ["close-milestone", "announce"]))
    assert [s.kind for s in rituals.steps_of("conclude_milestone")] == ["close-milestone", "announce"]


# --- a made-up ritual, declared in one place --------------------------------------------------------------------
class Note(NoParams):
    text: str


DEMO = Ritual(
    key="demo_ritual",
    command="demo",
    kinds=(
        Kind("demo.open", "opens the demo in {channel};", build="_open", per_board=False),
        Kind("demo.note", "writes the note '{text}';", build={ZENHUB: "_note", PROJECTS: "_note"}, params=Note, needs=("demo.open",)),
    ),
    defaults={FREEZE: ("demo.open", {"kind": "demo.note", "text": "hello"}), CANDIDATE: ()},
    flows={ZENHUB: f"{__name__}:DemoFlow", PROJECTS: f"{__name__}:DemoFlow"},
)


class DemoFlow:
    """The builders DEMO's kinds name; `fail` makes demo.open's action fail."""

    def __init__(self, fail: bool = False) -> None:
        self.done: list[str] = []
        self.fail = fail

    def _open(self, entry, plan) -> Step:
        def apply(step: Step) -> str:
            if self.fail:
                raise RuntimeError("the demo would not open")
            self.done.append("open")
            return "opened"

        return Step.todo("open", "Open the demo", "closed → open", apply)

    def _note(self, entry, plan) -> Step:
        text = entry.args().text

        def apply(step: Step) -> str:
            self.done.append(f"note {text}")
            return f"wrote {text!r}"

        return Step.todo("note", "Write the note", f"write {text!r}", apply)


@pytest.fixture
def demo():
    register(DEMO)
    yield DEMO
    del RITUALS[DEMO.key]


def _file(tmp_path, steps_list):
    data = yaml.safe_load(bundled_path().read_text())
    data["rituals"]["demo_ritual"] = {"steps": steps_list}
    path = tmp_path / "demo.yml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("listed", "problem"),
    [
        ([{"kind": "demo.note", "text": "hi"}, "demo.open"], "rituals.demo_ritual.steps: steps[0]: demo.note needs demo.open earlier in the list"),
        (["demo.open", "demo.shout"], "rituals.demo_ritual.steps[1]: unknown step kind 'demo.shout'; the known kinds are demo.open, demo.note"),
        (["demo.open", "demo.note"], "rituals.demo_ritual.steps[1]: demo.note: parameter text: Field required (its parameters: text)"),
        ([], "rituals.demo_ritual.steps: List should have at least 1 item"),
    ],
)
def test_the_made_up_ritual_is_validated_at_load(demo, tmp_path, listed, problem):
    with pytest.raises(RitualsError) as err:
        load_rituals(_file(tmp_path, listed))
    assert problem in str(err.value)


def test_a_made_up_ritual_key_that_is_not_registered_is_an_unknown_field(tmp_path):
    with pytest.raises(RitualsError) as err:
        load_rituals(_file(tmp_path, ["demo.open"]))
    assert "rituals.demo_ritual: unknown field" in str(err.value)


def test_the_made_up_ritual_is_listed_in_its_commands_help(demo, tmp_path):
    app = typer.Typer()

    @app.command(cls=RitualHelp.of("demo_ritual"))
    def run_demo() -> None:
        """Run the demo ritual:

        {steps}
        """

    path = _file(tmp_path, ["demo.open", {"kind": "demo.note", "text": "from the file"}])
    result = CliRunner().invoke(app, ["--help"], env={"FLEETOPS_RITUALS": str(path), "COLUMNS": "80"})
    assert result.exit_code == 0
    entries = [(number, " ".join(text.split())) for number, text in runbook(result.output)]
    assert entries == [(1, "opens the demo in #help-engineering;"), (2, "writes the note 'from the file'.")]


def test_the_made_up_ritual_runs_in_the_files_order_and_its_need_holds(demo, tmp_path):
    rituals = load_rituals(_file(tmp_path, ["demo.open", {"kind": "demo.note", "text": "hi"}]))
    flow, plan = DemoFlow(), Plan("demo")
    add_steps(flow, rituals, "demo_ritual", plan)
    assert [(s.id, s.needs) for s in plan.steps] == [("open", ()), ("note", ("open",))]
    outcome = Runner(UI(), Journal(tmp_path / "journal.jsonl", command="demo", subject="x"), yes=True, dry_run=False).run(plan)
    assert int(outcome.exit_code) == 0 and flow.done == ["open", "note hi"]
    # the need, derived from the declaration alone: a failed demo.open leaves demo.note unrun
    failing, plan = DemoFlow(fail=True), Plan("demo")
    add_steps(failing, rituals, "demo_ritual", plan)
    outcome = Runner(UI(), None, yes=True, dry_run=False).run(plan)
    assert int(outcome.exit_code) == 1 and failing.done == []
    assert plan.steps[1].status is Status.PENDING and plan.steps[1].detail == "not run: needs open, which did not finish"


def test_the_made_up_ritual_runs_its_default_list_when_the_file_does_not_name_it(demo):
    rituals = load_rituals(bundled_path())
    flow, plan = DemoFlow(), Plan("demo")
    add_steps(flow, rituals, "demo_ritual", plan)
    assert [s.id for s in plan.steps] == ["open", "note"] and plan.steps[1].detail == "write 'hello'"
    assert steps.known("demo_ritual") == "demo.open, demo.note"
