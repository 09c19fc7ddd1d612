"""The Release QA body: fleetd lines filled, sections dropped; over the real templates too."""

from __future__ import annotations

import pytest

from fleetops.errors import UsageError
from packaging.version import Version

from fleetops.ops.deps.fleetd import FleetdChange
from fleetops.ops.qa.issue import (
    QAOptions,
    build_body,
    component_updates,
    fill_fleetd_section,
    resolve_labels,
)
from fleetops.ops.qa.template import parse_template, section_text
from fleetops.render.qa_issue import body_diff
from fleetops.rituals import load_rituals
from fleetops.versions import require_release
from tests.conftest import FLEET

CHANGES = [
    FleetdChange("orbit", "orbit/", "orbit-v1.34.0", Version("1.34.0"), changed=True, commits=3),
    FleetdChange("desktop", "orbit/cmd/desktop/", "orbit-v1.34.0", Version("1.34.0"), changed=False, commits=0),
    FleetdChange("fleetd-chrome", "ee/fleetd-chrome/", "fleetd-chrome-v1.3.1", Version("1.3.1"), changed=True, commits=1),
]


@pytest.fixture(scope="module")
def rituals():
    return load_rituals()


def test_release_version():
    assert str(require_release("4.58.0")) == "4.58.0"
    assert str(require_release(" v4.58.0 ")) == "4.58.0"
    for bad in ("4.58", "4.58.0-rc1", "x.y.z", "4.58.0.1", "v", ""):
        with pytest.raises(UsageError, match="is not a release version"):
            require_release(bad)


def test_component_versions_default_to_the_next_patch_or_to_version_when_fleetd_only(rituals):
    regular = component_updates(rituals, CHANGES, QAOptions("4.58.0"))
    assert [(u.component.name, u.new_version, u.included) for u in regular] == [
        ("orbit", "1.34.1", True), ("desktop", "1.34.1", False), ("fleetd-chrome", "1.3.2", True),
    ]
    fleetd = component_updates(rituals, CHANGES, QAOptions("1.35.0", fleetd_only=True, component_versions={"desktop": "1.35.0"}))
    assert [(u.component.name, u.new_version, u.included) for u in fleetd] == [
        ("orbit", "1.35.0", True), ("desktop", "1.35.0", True), ("fleetd-chrome", "1.3.2", True),
    ]
    with pytest.raises(UsageError, match="Chrome extension 1.3.1 is not newer than its last release fleetd-chrome-v1.3.1"):
        component_updates(rituals, CHANGES, QAOptions("4.58.0", component_versions={"fleetd-chrome": "1.3.1"}))


def test_fill_handles_each_line_format(rituals):
    section = "\n".join([
        "# `fleetd` agent:",
        "Includes updates to:",
        "- Orbit: True / False",
        "- Desktop: True / False",
        "<!-- Remove items without updates -->",
        "- Orbit `v1.xx.x` > `v1.xx.x`",
        "- Desktop `v1.xx.x` > `v1.xx.x`",
        "- Chrome extension: True / False : v1.xx.x > v1.xx.x",
        "- osquery: True / False : `v1.xx.x` > `v1.xx.x`",
        "* Orbitals are not Orbit",
    ])
    notes: list[str] = []
    filled = fill_fleetd_section(section, component_updates(rituals, CHANGES, QAOptions("4.58.0")), notes)
    assert filled.split("\n") == [
        "# `fleetd` agent:",
        "Includes updates to:",
        "- Orbit: True",
        "- Desktop: False",
        "- Orbit `v1.34.0` > `v1.34.1`",
        "- Chrome extension: True : v1.3.1 > v1.3.2",
        "- osquery: True / False : `v1.xx.x` > `v1.xx.x`",  # not a rituals component: left for QA
        "* Orbitals are not Orbit",
    ]
    assert notes == []


@pytest.mark.fixtures
def test_real_fleetd_template_release_versioning_lines(rituals):
    [path] = [p for p in (FLEET / ".github" / "ISSUE_TEMPLATE").iterdir() if p.name.startswith("release-qa-fleetd.md@")]
    template = parse_template(path.read_text(), path.name)
    section = section_text(template.body, "Release versioning")
    assert section is not None
    notes: list[str] = []
    filled = fill_fleetd_section(section, component_updates(rituals, CHANGES, QAOptions("1.35.0", fleetd_only=True)), notes)
    assert "- Orbit: True : `v1.34.0` > `v1.35.0`" in filled
    assert "- Desktop:" not in filled  # unchanged: its version line goes
    assert "- osquery: True / False : `v1.xx.x` > `v1.xx.x`" in filled
    assert notes == ["the template's fleetd section has no line for Chrome extension"]


@pytest.mark.fixtures
def test_every_real_release_qa_with_sections_builds_both_kinds_of_body(rituals):
    checked = 0
    for path in sorted((FLEET / ".github" / "ISSUE_TEMPLATE").glob("release-qa.md@*")):
        template = parse_template(path.read_text(), path.name)
        if template.section("Fleet core") is None:
            continue
        checked += 1
        updates = component_updates(rituals, CHANGES, QAOptions("1.35.0", fleetd_only=True))
        body, notes = build_body(template, rituals, QAOptions("1.35.0", fleetd_only=True), updates)
        assert section_text(body, "Fleet core") is None and section_text(body, "`fleetd` agent") is not None, path.name
        assert "- Orbit `v1.34.0` > `v1.35.0`" in body and "- Chrome extension `v1.3.1` > `v1.3.2`" in body, path.name
        assert "Desktop `v" not in body and "v1.xx.x" not in body and "Remove items without updates" not in body, path.name
        assert notes[0] == "removed the 'Fleet core' section: this release is fleetd only", path.name
        assert section_text(body, "Notes") is not None, path.name

        unchanged = component_updates(rituals, [FleetdChange(c.component, c.path, c.last_tag, c.version, False, 0) for c in CHANGES], QAOptions("4.58.0"))
        body, notes = build_body(template, rituals, QAOptions("4.58.0"), unchanged)
        assert section_text(body, "Fleet core") is not None and section_text(body, "`fleetd` agent") is None, path.name
        assert notes == ["removed the '`fleetd` agent' section: no fleetd component changed since its last tag"], path.name
    assert checked >= 15


def test_labels_keep_known_ones_and_split_a_glued_pair():
    template = parse_template("---\nlabels: '#g-mdm,#g-software:release,typo-label'\n---\nx\n")
    labels, warnings = resolve_labels(template, {"#g-mdm", "#g-software", ":release"})
    assert labels == ["#g-mdm", "#g-software", ":release"]
    assert warnings == [
        "read the template's label '#g-software:release' as '#g-software' and ':release'",
        "the template's label 'typo-label' does not exist in the repository; left out",
    ]


def test_body_diff_shortens_long_runs_and_says_when_nothing_changed():
    old = "\n".join(["# A", *[f"line {i}" for i in range(20)], "# B", "end"])
    new = "\n".join(["# A", "# B", "end", "added"])
    diff = body_diff(old, new).plain.split("\n")
    assert diff[0].startswith("@@")
    assert diff[1:8] == [" # A", "-line 0", "-line 1", "-line 2", "-line 3", "-line 4", "- … 15 more lines removed"]
    assert diff[-1] == "+added"
    assert body_diff("same\n", "same\n").plain == "(same as the template)"
