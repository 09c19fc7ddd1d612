"""Issue-template parsing: every real version of Fleet's QA templates, and the odd cases one by one."""

from __future__ import annotations

import pytest

from fleetops.ops.qa.template import (
    TemplateError,
    glued_parts,
    headings,
    parse_template,
    remove_section,
    section_text,
)
from tests.conftest import FLEET

QA_TEMPLATES = ("release-qa.md@", "release-qa-fleetd.md@", "smoke-tests.md@")


def real_templates():
    folder = FLEET / ".github" / "ISSUE_TEMPLATE"
    return sorted(p for p in folder.iterdir() if p.name.startswith(QA_TEMPLATES))


@pytest.mark.fixtures
def test_every_real_version_parses():
    """All 34 versions of release-qa.md, release-qa-fleetd.md and smoke-tests.md in Fleet's history."""
    paths = real_templates()
    kinds = {k: [p for p in paths if p.name.startswith(k)] for k in QA_TEMPLATES}
    assert len(kinds["release-qa.md@"]) >= 19 and len(kinds["smoke-tests.md@"]) >= 14 and kinds["release-qa-fleetd.md@"]
    for path in paths:
        text = path.read_text()
        template = parse_template(text, path.name)
        assert template.name in ("Release QA", "Release QA - fleetd"), path.name
        assert template.about.startswith("Checklist of required"), path.name
        assert template.title_prefix().startswith("Release QA") and template.title_prefix().endswith(":"), path.name
        assert template.body.strip() and not template.body.startswith("---"), path.name
        assert "assignees:" not in template.body and "labels:" not in template.body, path.name
        assert all(label and label == label.strip() for label in template.labels), path.name
        assert all("," not in a and " " not in a for a in template.assignees), path.name
        # Only the glued '#g-software:release' is worth a warning in the real files.
        for warning in template.warnings:
            assert "'#g-software:release' looks like two labels" in warning, (path.name, warning)
        assert bool(template.warnings) == ("#g-software:release" in text), path.name
        assert headings(template.body)[0].key.startswith("goal"), path.name


@pytest.mark.fixtures
def test_real_release_qa_sections_cut_cleanly():
    """Where a version has 'Fleet core' and '`fleetd` agent' sections, removing the core keeps all of fleetd."""
    with_sections = 0
    for path in real_templates():
        template = parse_template(path.read_text(), path.name)
        core, fleetd = template.section("Fleet core"), template.section("`fleetd` agent")
        if core is None:
            assert fleetd is None or path.name.startswith("release-qa-fleetd"), path.name
            continue
        with_sections += 1
        assert fleetd is not None, path.name
        assert "- Orbit `v1.xx.x` > `v1.xx.x`" in fleetd, path.name
        assert "Orbit" not in core.split("\n", 1)[0]
        without = remove_section(template.body, "Fleet core")
        assert "## Fleet core" not in without and fleetd in without, path.name
        assert section_text(without, "Notes") is not None, path.name  # the final "# Notes" survives
        assert len(without.split("\n")) == len(template.body.split("\n")) - len(core.split("\n")), path.name
    assert with_sections >= 15


def test_front_matter_fields_and_body():
    template = parse_template(
        "---\nname:  Release QA\nabout: Checklist\ntitle: 'Release QA:'\nlabels: '#g-mdm, :release,,'\n"
        "assignees: '@xpkoala,sabrinabuckets'\n\n---\n\n# Goal\n\ntext\n",
        "t.md",
    )
    assert (template.name, template.about, template.title) == ("Release QA", "Checklist", "Release QA:")
    assert template.labels == ["#g-mdm", ":release"]
    assert template.assignees == ["xpkoala", "sabrinabuckets"]
    assert template.body == "# Goal\n\ntext\n"
    assert template.warnings == []


def test_a_blank_line_inside_the_front_matter_and_no_blank_line_before_its_end():
    template = parse_template("---\nname: X\n\ntitle: 'Y:'\nlabels: ''\nassignees: ''\n---\n# Goal\n")
    assert template.title == "Y:" and template.labels == [] and template.assignees == []
    assert template.body == "# Goal\n"


def test_glued_labels_warn_and_are_kept_as_written():
    template = parse_template("---\ntitle: 'Q:'\nlabels: '#g-mdm,#g-software:release'\n---\nbody\n", "qa.md")
    assert template.labels == ["#g-mdm", "#g-software:release"]
    assert template.warnings == [
        "qa.md: label '#g-software:release' looks like two labels without a comma between them ('#g-software' and ':release')"
    ]
    assert glued_parts("#g-software:release") == ("#g-software", ":release")
    assert glued_parts(":release") is None and glued_parts("~release blocker") is None


def test_yaml_lists_and_odd_assignees():
    template = parse_template("---\nlabels: [bug, ':reproduce']\nassignees: [xpkoala, 'not a login!']\n---\nx\n", "t.md")
    assert template.labels == ["bug", ":reproduce"]
    assert template.assignees == ["xpkoala"]
    assert template.warnings == ["t.md: assignee 'not a login!' is not a GitHub login; left out"]


def test_invalid_yaml_is_read_line_by_line_with_a_warning():
    template = parse_template("---\nname: Release QA\ntitle: 'Release QA:'\nlabels: [unclosed\n---\nbody\n", "t.md")
    assert template.title == "Release QA:" and template.name == "Release QA"
    assert template.labels == ["[unclosed"]
    assert "not valid YAML" in template.warnings[0]


def test_no_front_matter_warns_and_keeps_everything_as_body():
    template = parse_template("# Goal\n\ntext\n", "t.md")
    assert template.body == "# Goal\n\ntext\n"
    assert template.title_prefix() == ""
    assert "no front matter" in template.warnings[0]


def test_an_unclosed_front_matter_is_an_error():
    with pytest.raises(TemplateError, match="never ends"):
        parse_template("---\nname: X\ntitle: Y\n\n# Goal\n", "t.md")


def test_title_prefix_falls_back_to_the_name():
    assert parse_template("---\nname: Release QA\ntitle: ''\n---\nx\n").title_prefix() == "Release QA:"


def test_crlf_and_bom_are_normalized():
    template = parse_template("\ufeff---\r\ntitle: 'Q:'\r\n---\r\n# Goal\r\n")
    assert template.title == "Q:" and template.body == "# Goal\n"


def test_sections_follow_heading_levels_and_skip_code_and_comments():
    body = (
        "# Smoke\n"
        "## Fleet core:\n"
        "core text\n"
        "```\n# not a heading\n```\n"
        "<!--\n## not a heading either\n-->\n"
        "### Prerequisites\n"
        "more core\n"
        "# `fleetd` agent:\n"
        "fleetd text\n"
        "## Testing gates\n"
        "gates\n"
        "# Notes\n"
        "end\n"
    )
    assert [(h.level, h.key) for h in headings(body)] == [
        (1, "smoke"), (2, "fleet core"), (3, "prerequisites"), (1, "fleetd agent"), (2, "testing gates"), (1, "notes"),
    ]
    core = section_text(body, "Fleet core")
    assert core is not None and core.startswith("## Fleet core:") and core.endswith("more core")
    fleetd = section_text(body, "`fleetd` agent")
    assert fleetd == "# `fleetd` agent:\nfleetd text\n## Testing gates\ngates"
    assert remove_section(body, "fleetd agent") == body.replace(fleetd + "\n", "")
    assert section_text(body, "Android") is None


def test_removing_a_section_leaves_one_blank_line_at_the_seam():
    body = "# A\n\na\n\n## Cut\n\ncut\n\n## Keep\n\nkeep\n"
    assert remove_section(body, "Cut") == "# A\n\na\n\n## Keep\n\nkeep\n"
