"""Issue 20, "Done means": the environment, the rituals file and the sandbox world fed arbitrary values.

Whatever a person (or a broken disk) puts there, a run ends with an exit code of SPEC §1 (0 to 4),
without a traceback (no `--debug`) and without a bug report ("This is a bug in fleetops"), never shows
a token it was given, and, when it exits 2, has written nothing: the journal, the sandbox's world
and its request log's writes are as they were. (The run lock's file is bookkeeping of the state dir,
not a write of the run.)

Every run rehearses on the sandbox (`--sandbox`), in-process, on 127.0.0.1: a malformed endpoint
never sends a request anywhere else. The examples are derandomized, so the suite stays the same
from run to run (pytest-randomly reorders tests, not examples).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import run_cli

# Every variable that holds a token or an endpoint (SPEC §1), written out: the test does not take the list from the code it checks.
TOKEN_VARIABLES = ("GH_TOKEN", "GITHUB_TOKEN", "MERGEFREEZE_TOKEN", "ZENHUB_TOKEN", "FLEETOPS_DOGFOOD_TOKEN")
URL_VARIABLES = (
    "GITHUB_API_URL", "FLEETOPS_MERGEFREEZE_URL", "FLEETOPS_ZENHUB_URL", "FLEETOPS_DOCKERHUB_URL", "FLEETOPS_GODEV_URL",
    "SLACK_WEBHOOK_URL", "FLEETOPS_DOGFOOD_URL", "FLEETOPS_NVD_FEED_URL", "FLEETOPS_CISA_FEED_URL", "FLEETOPS_NPM_URL",
)

# A token's secret core: the redactor masks the piece of a token that holds it, whatever surrounds it.
CORE = "Zq9SeCrEtCoRe9qZ"
# Without --sandbox, against a sandbox server's endpoints (the tokens and URLs drawn replace its own): reads only.
DIRECT = [
    ["freeze", "status"],
    ["release", "readiness", "4.58.0"],
    ["release", "create-qa-issue", "4.59.0", "--dry-run", "--json"],
]
COMMANDS = [
    ["--sandbox", "freeze", "status"],
    ["--sandbox", "freeze", "begin", "--yes"],
    ["--sandbox", "release", "readiness", "4.58.0"],
    ["--sandbox", "release", "create-qa-issue", "4.59.0", "--dry-run", "--json"],
    ["--sandbox", "rituals", "due", "--date", "2026-12-01"],
]
FLEET_YML = (Path(__file__).resolve().parents[2] / "rituals" / "fleet.yml").read_text()
SETTINGS = settings(
    max_examples=30, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text an environment variable can hold: anything but NUL (the operating system refuses it).
env_text = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def tokens(draw: st.DrawFn) -> str:
    return draw(env_text) + CORE + draw(env_text)


@st.composite
def environments(draw: st.DrawFn) -> dict[str, str]:
    env: dict[str, str] = {}
    for variable in draw(st.lists(st.sampled_from(TOKEN_VARIABLES), unique=True, max_size=3)):
        env[variable] = draw(tokens())
    for variable in draw(st.lists(st.sampled_from(URL_VARIABLES), unique=True, max_size=2)):
        # Never an endpoint that could be reached: no text with "http:" in it but these, which are malformed.
        malformed = st.sampled_from(["http://u:" + CORE + "@[::1", "ftp://x", "http://[::1", "http://127.0.0.1:99999", "https://"])
        env[variable] = draw(st.one_of(env_text.filter(lambda v: not re.search(r"(?i)https?:", v)), malformed))
    for variable in draw(st.lists(st.sampled_from(["FLEETOPS_ONCALL", "FLEETOPS_RELEASE_DRI", "FLEETOPS_REPO"]), unique=True, max_size=2)):
        env[variable] = draw(env_text)
    return env


@st.composite
def rituals_files(draw: st.DrawFn) -> str | None:
    """None (Fleet's own), arbitrary text, or Fleet's file with one line replaced or repeated."""
    kind = draw(st.sampled_from(["none", "text", "replace", "repeat"]))
    if kind == "none":
        return None
    if kind == "text":
        return draw(st.text(max_size=200))
    lines = FLEET_YML.splitlines()
    at = draw(st.integers(0, len(lines) - 1))
    lines[at] = draw(st.text(max_size=40)) if kind == "replace" else lines[at] + "\n" + lines[at]
    return "\n".join(lines) + "\n"


@functools.cache
def good_world() -> dict[str, Any]:
    """The default world, built once (not a fixture: a failing example would print all of it)."""
    from fleetops.sandbox.world import build_world

    return build_world("default")


@st.composite
def worlds(draw: st.DrawFn, good: dict[str, Any]) -> bytes:
    """The default world, the same with one section or field replaced by any JSON, or any bytes."""
    kind = draw(st.sampled_from(["good", "section", "field", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    state = json.loads(json.dumps(good))
    if kind == "section":
        state[draw(st.sampled_from(sorted(state)))] = draw(json_values)
    elif kind == "field":
        section = draw(st.sampled_from(sorted(k for k, v in state.items() if isinstance(v, dict) and v)))
        state[section][draw(st.sampled_from(sorted(state[section])))] = draw(json_values)
    return json.dumps(state).encode()


def _written(state_dir: Path) -> dict[str, Any]:
    """What a run may write: the journal, the world, and the writes in the request log."""
    journal = state_dir / "journal.jsonl"
    world = state_dir / "sandbox" / "state.json"
    log = state_dir / "sandbox" / "requests.jsonl"
    writes = [line for line in log.read_text(errors="replace").splitlines() if '"write": true' in line] if log.is_file() else []
    return {
        "journal": journal.read_bytes() if journal.is_file() else None,
        "world": world.read_bytes() if world.is_file() else None,
        "writes": writes,
    }


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every variable an example may set is unset before it, whatever the test before left."""
    names = [*TOKEN_VARIABLES, *URL_VARIABLES, "FLEETOPS_ONCALL", "FLEETOPS_RELEASE_DRI", "FLEETOPS_REPO", "FLEETOPS_RITUALS"]
    for name in names:
        monkeypatch.delenv(name, raising=False)
    yield


def _run(command: list[str], env: dict[str, str], rituals: str | None, world: bytes) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    state_dir = Path(tempfile.mkdtemp(prefix="fleetops-prop-"))
    saved = dict(os.environ)
    try:
        (state_dir / "sandbox").mkdir()
        (state_dir / "sandbox" / "state.json").write_bytes(world)
        os.environ["FLEETOPS_STATE_DIR"] = str(state_dir)
        os.environ.update(env)
        if rituals is not None:
            (state_dir / "mine.yml").write_text(rituals)
            os.environ["FLEETOPS_RITUALS"] = str(state_dir / "mine.yml")
        before = _written(state_dir)
        result = run_cli(command)
        return result, before, _written(state_dir)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(state_dir, ignore_errors=True)


def _holds(result: Any, before: dict[str, Any], after: dict[str, Any]) -> None:
    assert 0 <= result.code <= 4, (result.code, result.output)
    assert "Traceback" not in result.output, result.output
    assert "This is a bug in fleetops" not in result.output, result.output
    assert CORE not in result.output, result.output
    if result.code == 2:
        assert after == before, result.output


@pytest.mark.usefixtures("isolated")
@SETTINGS
@given(command=st.sampled_from(COMMANDS), env=environments())
def test_arbitrary_environment_variables(command: list[str], env: dict[str, str]) -> None:
    _holds(*_run(command, env, None, json.dumps(good_world()).encode()))


@pytest.mark.usefixtures("isolated")
@SETTINGS
@given(command=st.sampled_from(DIRECT), env=environments())
def test_arbitrary_environment_variables_against_the_services(command: list[str], env: dict[str, str], sandbox: Any) -> None:
    writes = len(sandbox.writes())
    result, before, after = _run(command, {**sandbox.env(), **env}, None, json.dumps(good_world()).encode())
    _holds(result, before, after)
    assert len(sandbox.writes()) == writes  # these commands only read, whatever they were given


@pytest.mark.usefixtures("isolated")
@SETTINGS
@given(command=st.sampled_from(COMMANDS), rituals=rituals_files())
def test_arbitrary_rituals_files(command: list[str], rituals: str | None) -> None:
    _holds(*_run(command, {}, rituals, json.dumps(good_world()).encode()))


@pytest.mark.usefixtures("isolated")
@SETTINGS
@given(command=st.sampled_from(COMMANDS), data=st.data())
def test_arbitrary_sandbox_worlds(command: list[str], data: st.DataObject) -> None:
    _holds(*_run(command, {}, None, data.draw(worlds(good_world()))))
