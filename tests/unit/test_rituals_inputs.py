"""Any rituals file is exit 0 or exit 2: arbitrary YAML, arbitrary values at every field path, with and without
the environment's overrides, alias bombs and huge files (issue 9)."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fleetops.errors import RitualsError
from fleetops.rituals import bundled_path, load_rituals
from fleetops.rituals.models import Rituals

BUNDLED = yaml.safe_load(bundled_path().read_text())
BUNDLED_RC = yaml.safe_load(bundled_path("fleet-rc").read_text())  # the current handbook: release candidates, GitHub Projects
# Stable in CI: the same examples every run, no example database, no per-example deadline.
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])


def field_paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a node of the bundled file: mapping keys and list indexes, the root excluded."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield (*prefix, key)
        yield from field_paths(child, (*prefix, key))


PATHS = list(field_paths(BUNDLED))
RC_PATHS = list(field_paths(BUNDLED_RC))


def get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


MAPPING_PATHS = [()] + [p for p in PATHS if isinstance(get(BUNDLED, p), dict)]
TOP_PATHS = [p for p in PATHS if len(p) == 1]
RC_MAPPING_PATHS = [()] + [p for p in RC_PATHS if isinstance(get(BUNDLED_RC, p), dict)]
RC_TOP_PATHS = [p for p in RC_PATHS if len(p) == 1]

# Strings that mean something to some field: templates, logins, zones, times, weekdays, label keys, repos.
MEANINGFUL = [
    "", " ", "x", "{version}", "fleet-v{version}-{suffix}", "{", "}", "{0}", "{version!r}", "{{version}}", "not a login!",
    "lukeheath", "a" * 50, "America/Los_Angeles", "Mars/Olympus", "../../etc/passwd", "11:00", "25:99", "tuesday",
    "bug", "release_blocker", "fleetdm/fleet", "a/b/c", "63bc507f6558550011840298", "drafting", "mdm", "2024-02-30",
    "go.mod", "actions_variable", "ünïcødé", "\x00", "1e400",
]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(), st.text(max_size=30),
    st.sampled_from(MEANINGFUL),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12) | st.sampled_from(MEANINGFUL), inner, max_size=4),
    max_leaves=12,
)
OVERRIDES = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "repository": st.sampled_from(MEANINGFUL) | st.text(max_size=20),
            "people.release_dri": st.sampled_from(MEANINGFUL) | st.text(max_size=20),
            "people.oncall": st.sampled_from(MEANINGFUL) | st.text(max_size=20),
        },
    ),
)


@st.composite
def mutated_bundled(draw: st.DrawFn, rc: bool = False) -> Any:
    """The bundled file (`rc`: fleet-rc's) with one node replaced or deleted, or an unknown key added to one mapping."""
    base, paths, mappings, tops = (BUNDLED_RC, RC_PATHS, RC_MAPPING_PATHS, RC_TOP_PATHS) if rc else (BUNDLED, PATHS, MAPPING_PATHS, TOP_PATHS)
    data = copy.deepcopy(base)
    kind = draw(st.sampled_from(["replace", "delete", "add"]))
    if kind == "add":
        target = get(data, draw(st.sampled_from(mappings)))
        target[draw(st.text(max_size=12) | st.sampled_from(MEANINGFUL))] = draw(VALUES)
        return data
    # A third of the mutations hit a top-level section, where an override may have to land.
    path = draw(st.sampled_from(tops) | st.sampled_from(paths) | st.sampled_from(paths))
    parent, key = get(data, path[:-1]), path[-1]
    if kind == "replace":
        parent[key] = draw(VALUES)
    else:
        del parent[key]
    return data


def outcome(path: Path, overrides: dict[str, Any] | None) -> None:
    """The only acceptable outcomes: a model, or a RitualsError naming the file (exit 2), on one line."""
    try:
        assert isinstance(load_rituals(path, overrides=overrides), Rituals)
    except RitualsError as err:
        assert str(path) in str(err) and err.exit_code == 2
        assert "\n" not in str(err) and "Value error" not in str(err), str(err)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rituals") / "fleet.yml"


ISSUE_9 = {**BUNDLED, "people": 42}  # crashed with TypeError when FLEETOPS_RELEASE_DRI was set


@PROPERTY
@given(data=mutated_bundled(), overrides=OVERRIDES)
@example(data=ISSUE_9, overrides={"people.release_dri": "x"})
def test_any_value_at_any_field_path_loads_or_is_refused(target, data, overrides):
    target.write_text(yaml.safe_dump(data, allow_unicode=True))
    outcome(target, overrides)


@PROPERTY
@given(data=mutated_bundled(rc=True), overrides=OVERRIDES)
@example(data={**BUNDLED_RC, "boards": {"backend": "github-projects", "github_project": BUNDLED_RC["boards"]["github_projects"]}}, overrides=None)
@example(data={**BUNDLED_RC, "boards": {"backend": "zenhub"}}, overrides=None)
def test_any_value_at_any_field_path_of_fleet_rc_loads_or_is_refused(target, data, overrides):
    """The same for the release-candidate file: its boards.github_projects, candidate and projects too."""
    target.write_text(yaml.safe_dump(data, allow_unicode=True))
    outcome(target, overrides)


@PROPERTY
@given(document=VALUES, overrides=OVERRIDES)
def test_any_yaml_document_loads_or_is_refused(target, document, overrides):
    target.write_text(yaml.safe_dump(document, allow_unicode=True))
    outcome(target, overrides)


OVERRIDE_PATHS = [("repository",), ("people",), ("people", "release_dri"), ("people", "oncall")]
ALL_OVERRIDES = st.fixed_dictionaries({
    "repository": st.none() | st.sampled_from(MEANINGFUL), "people.release_dri": st.none() | st.sampled_from(MEANINGFUL),
    "people.oncall": st.none() | st.sampled_from(MEANINGFUL),
})


@PROPERTY
@given(path=st.sampled_from(OVERRIDE_PATHS), value=VALUES, delete=st.booleans(), overrides=ALL_OVERRIDES)
def test_any_value_where_an_override_lands_loads_or_is_refused(target, path, value, delete, overrides):
    """The fields the environment overrides, and their parents, hold anything (issue 9: people: 42)."""
    data = copy.deepcopy(BUNDLED)
    parent = get(data, path[:-1])
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    target.write_text(yaml.safe_dump(data, allow_unicode=True))
    outcome(target, overrides)


YAMLISH = st.text(alphabet="ab1:-[]{}&*!|>'\"\n #?,%@`.\t<=~", max_size=60)


@PROPERTY
@given(text=YAMLISH | st.text(max_size=60), overrides=OVERRIDES)
def test_any_text_loads_or_is_refused(target, text, overrides):
    target.write_bytes(text.encode("utf-8", "surrogatepass"))
    outcome(target, overrides)


def test_the_field_walk_covers_the_whole_file():
    """The property above reaches deep fields, not only the top level."""
    assert ("dependencies", "go", "patch_issue", "title") in PATHS
    assert ("people", "product_groups", 0, "qa", 0) in PATHS
    assert len(PATHS) > 100
    assert ("boards", "github_projects", "drafting_project") in RC_PATHS and ("candidate", "branch") in RC_PATHS
    assert ("people", "product_groups", 2, "project") in RC_PATHS


def test_a_bad_override_names_its_variable_and_a_broken_file_wins_over_the_override(tmp_path):
    with pytest.raises(RitualsError, match=r"overrides \(FLEETOPS_RELEASE_DRI\): people.release_dri"):
        load_rituals(overrides={"people.release_dri": "not a login!", "people.oncall": "fine", "repository": "a/b"})
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump({**BUNDLED, "people": 42}))
    with pytest.raises(RitualsError, match=r"people: Input should be a valid dictionary") as err:
        load_rituals(path, overrides={"people.release_dri": "x", "people.oncall": "y", "repository": "a/b"})
    assert str(path) in str(err.value) and "FLEETOPS_" not in str(err.value)


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (billion_laughs(), "aliases expand it to more than"),
        ("people: &p {product_groups: [*p]}\n", "an alias refers to a node that contains it"),
        ("[" + "1," * 100_000 + "1]", "more than 20,000 YAML nodes"),
        ("[" * 50_000 + "]" * 50_000, "nest"),
    ],
    ids=["billion-laughs", "self-reference", "many-nodes", "deep-nesting"],
)
def test_yaml_bombs_are_refused_quickly(tmp_path, text, problem):
    path = tmp_path / "fleet.yml"
    path.write_text(text)
    started = time.perf_counter()
    with pytest.raises(RitualsError, match=problem) as err:
        load_rituals(path)
    assert time.perf_counter() - started < 1.0
    assert str(path) in str(err.value)


def test_a_50_mb_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "fleet.yml"
    with path.open("wb") as handle:
        handle.write(b"repository: fleetdm/fleet\n")
        handle.truncate(50 * 1024 * 1024)  # sparse: the size is real, the disk use is not
    started = time.perf_counter()
    with pytest.raises(RitualsError, match=r"52,428,800 bytes, more than the 256,000"):
        load_rituals(path)
    assert time.perf_counter() - started < 0.5


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "fleet.yml"
    path.write_bytes(b"repository: \xff\xfe\n")
    with pytest.raises(RitualsError, match="not UTF-8"):
        load_rituals(path)


# --- the crashes of issue 9, through the CLI: exit 2, one line naming the file and the field, no traceback ------
def test_env_override_with_a_broken_people_section_is_exit_2_naming_file_and_people(sandbox, cli, tmp_path):
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump({**BUNDLED, "people": 42}))
    result = cli("freeze", "status", env={**sandbox.env(), "FLEETOPS_RITUALS": str(path), "FLEETOPS_RELEASE_DRI": "x"})
    said = " ".join(result.stderr.split())
    assert result.code == 2
    assert "error: rituals file" in said and ": people: Input should be a valid dictionary" in said
    assert str(path) in result.stderr.replace("\n", "")  # Rich folds a long path without a space
    assert "Traceback" not in result.output and "unexpected" not in said


@pytest.mark.parametrize(
    "command", [("release", "conclude-milestone", "4.58.0", "--yes"), ("release", "deploy-dogfood", "v4.58.0", "--yes")]
)
def test_a_naming_template_with_a_second_placeholder_is_refused_at_load(sandbox, cli, tmp_path, command):
    path = tmp_path / "fleet.yml"
    path.write_text(bundled_path().read_text().replace('release_tag: "fleet-v{version}"', 'release_tag: "fleet-v{version}-{suffix}"'))
    result = cli(*command, env={**sandbox.env(), "FLEETOPS_RITUALS": str(path)})
    said = " ".join(result.stderr.split())
    assert result.code == 2
    assert "naming.release_tag uses {suffix}, but it may use only {version}." in said
    assert str(path) in result.stderr.replace("\n", "")  # Rich folds a long path without a space
    assert "Traceback" not in result.output and "unexpected" not in said
    assert sandbox.writes() == []
