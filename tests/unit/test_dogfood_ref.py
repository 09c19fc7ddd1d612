"""REF parsing and the small rules of deploy-dogfood, without any service."""

from __future__ import annotations

import pytest
from packaging.version import Version

from fleetops.clients.github import workflow_dispatch_inputs
from fleetops.errors import ExitCode, PolicyRefusal, UsageError
from fleetops.ops.dogfood.ref import parse_duration, parse_ref, release_of
from fleetops.rituals import load_rituals
from tests.conftest import FLEET


@pytest.fixture(scope="module")
def rituals():
    return load_rituals()


@pytest.mark.parametrize("text", ["v4.58.0", "4.58.0", "fleet-v4.58.0", "fleetdm/fleet:v4.58.0", " v4.58.0 "])
def test_releases_mean_the_release_tag_and_the_docker_tag(rituals, text):
    ref = parse_ref(text, rituals)
    assert (ref.kind, ref.git_ref, ref.image_tag, ref.version) == ("release", "fleet-v4.58.0", "v4.58.0", Version("4.58.0"))


@pytest.mark.parametrize("text", ["6fd0e37", "6FD0E37A1B2C", "6fd0e37a1b2c3d4e5f60718293a4b5c6d7e8f901"])
def test_a_commit_hash_means_its_7_digit_image_tag(rituals, text):
    ref = parse_ref(text, rituals)
    assert ref.kind == "commit"
    assert ref.git_ref == text.lower()
    assert ref.image_tag == text.lower()[:7]


@pytest.mark.parametrize("text", ["main", "rc-minor-fleet-v4.58.0", "patch-fleet-v4.57.1", "feature/sso", "fleetdm/fleet:main"])
def test_branch_names_are_refused_with_the_handbooks_reason(rituals, text):
    with pytest.raises(PolicyRefusal) as caught:
        parse_ref(text, rituals)
    branch = text.removeprefix("fleetdm/fleet:")
    assert str(caught.value).startswith(f"fleetdm/fleet:{branch} is not an image name; use the commit hash instead")
    assert caught.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize("text", ["", "4.58", "v4.58.0.1", "4.58.0-rc1", "a b", "x..y", "fleetdm/fleet:"])
def test_other_refs_are_usage_errors_that_say_what_a_ref_is(rituals, text):
    with pytest.raises(UsageError) as caught:
        parse_ref(text, rituals)
    assert not isinstance(caught.value, PolicyRefusal)
    assert "release" in str(caught.value)  # says what to give instead


def test_a_short_hex_name_is_not_a_hash_but_may_be_a_branch(rituals):
    with pytest.raises(PolicyRefusal, match="abc12 is not an image name"):
        parse_ref("abc12", rituals)


def test_current_is_named_in_its_errors(rituals):
    with pytest.raises(UsageError, match="--current '4.5' is not a release version"):
        parse_ref("4.5", rituals, option="--current")


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("30m", 1800), ("1.5h", 5400), ("0.25", 0.25)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "soon", "5d", "-1m"])
def test_bad_durations(text):
    with pytest.raises(UsageError, match="--timeout"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4.57.0", "4.57.0"), ("v4.57.0", "4.57.0"), ("fleet-v4.57.0", "4.57.0"), ("0.0.0-SNAPSHOT-6fd0e37", None), ("4.57.0-12-gabcdef0", None), ("", None)],
)
def test_only_release_builds_are_compared_by_version(text, expected):
    found = release_of(text)
    assert (str(found) if found else None) == expected


def test_workflow_inputs_of_every_real_dogfood_deploy_workflow():
    """Fleet's own workflow files across history: IMAGE_TAG first, DOCKER_IMAGE since late 2022."""
    folder = FLEET / ".github" / "workflows"
    found = {path.name.split("@")[1]: workflow_dispatch_inputs(path.read_text()) for path in folder.glob("dogfood-deploy.yml@*")}
    assert len(found) >= 5
    assert list(found.pop("58d2b66")) == ["IMAGE_TAG"]
    assert all(list(inputs) == ["DOCKER_IMAGE"] for inputs in found.values()), found
    assert all(inputs["DOCKER_IMAGE"].get("required") is True for inputs in found.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on: push\n", None),
        ("on: workflow_dispatch\n", {}),
        ("on: [push, workflow_dispatch]\n", {}),
        ("on:\n  workflow_dispatch:\n", {}),
        ("'on':\n  workflow_dispatch:\n    inputs:\n      X: {default: a}\n", {"X": {"default": "a"}}),
        ("::: not yaml", None),
    ],
)
def test_workflow_inputs_of_other_shapes(text, expected):
    assert workflow_dispatch_inputs(text) == expected
