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
