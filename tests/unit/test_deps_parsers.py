"""The check-deps parsers over every real go.mod, osquery workflow and tag list, and the edge cases."""

from __future__ import annotations

import re

import pytest
from packaging.version import Version

from fleetops.ops.deps.parsers import (
    ParseError,
    go_version,
    latest_go,
    latest_regular_tag,
    next_patch,
    osquery_version,
    parse_gomod,
    parse_module_version,
    regular_tag_version,
)
from fleetops.sandbox.world.deps import go_release_names
from tests.conftest import FLEET

MACADMINS = "github.com/macadmins/osquery-extension"


def real_gomods():
    files = sorted(FLEET.glob("go.mod@*"))
    assert files, "the fixtures folder has no go.mod@* files"
    return files


def real_workflows():
    files = sorted((FLEET / ".github" / "workflows").glob("generate-osqueryd-targets.yml@*"))
    assert files, "the fixtures folder has no generate-osqueryd-targets.yml@* files"
    return files


# --- go.mod, every real one ---------------------------------------------------------------------------
@pytest.mark.fixtures
def test_every_real_gomod_gives_its_go_line_and_macadmins_version():
    seen_pseudo = False
    for path in real_gomods():
        text = path.read_text()
        # The expectations come from a plain line match, independent of the parser.
        expected_go = re.search(r"^go (\S+)\s*$", text, re.MULTILINE)[1]
        expected_mod = re.search(rf"^\s*{re.escape(MACADMINS)} (\S+)", text, re.MULTILINE)
        mod = parse_gomod(text)
        assert mod.go == expected_go, path.name
        assert mod.go_version() == Version(expected_go), path.name
        assert mod.module_version(MACADMINS) == (expected_mod[1] if expected_mod else None), path.name
        assert len(mod.requires) > 40, path.name  # both require blocks were read
        if expected_mod and "-0." in expected_mod[1]:
            seen_pseudo = True
            version = parse_module_version(expected_mod[1])
            assert version.pseudo and version.base == "v1.1.2"
            assert Version("1.1.2") < version.key < Version("1.1.3")
    assert seen_pseudo, "the fixtures lost the go.mod with a macadmins pseudo-version"


@pytest.mark.fixtures
def test_every_real_gomod_parses_the_same_with_crlf_and_a_bom():
    for path in real_gomods():
        text = path.read_text()
        plain = parse_gomod(text)
        assert parse_gomod("\ufeff" + text.replace("\n", "\r\n")) == plain, path.name


# --- go.mod, the forms the real ones do not show ---------------------------------------------------------------
GOMOD = """module example.com/fleet

go {go}
{toolchain}
require github.com/macadmins/osquery-extension v1.2.1 // single-line require
require (
\t"github.com/quoted/module" v0.3.0
\tgolang.org/x/sync v0.7.0 // indirect
)
"""


@pytest.mark.parametrize(
    ("go", "toolchain", "expected"),
    [
        ("1.22.3", "", "1.22.3"),
        ("1.21", "", "1.21.0"),  # two-part: the language version, compared as x.y.0
        ("1.22", "toolchain go1.22.5", "1.22.5"),  # the toolchain builds Fleet
        ("1.23.1", "toolchain go1.22.5", "1.23.1"),  # a newer go line wins, as in Go
        ("1.22.3", "toolchain default", "1.22.3"),
        ("1.23rc1", "", "1.23rc1"),
    ],
)
def test_go_version_from_go_and_toolchain_lines(go, toolchain, expected):
    mod = parse_gomod(GOMOD.format(go=go, toolchain=toolchain))
    assert mod.go_version() == Version(expected)


def test_requires_in_single_lines_blocks_and_quotes_with_comments():
    mod = parse_gomod(GOMOD.format(go="1.22.3", toolchain=""))
    assert mod.requires == {
        MACADMINS: "v1.2.1",
        "github.com/quoted/module": "v0.3.0",
        "golang.org/x/sync": "v0.7.0",
    }


def test_a_replace_that_pins_another_version_wins():
    text = GOMOD.format(go="1.22.3", toolchain="") + f"replace {MACADMINS} => {MACADMINS} v1.2.3\n"
    assert parse_gomod(text).module_version(MACADMINS) == "v1.2.3"
    local = GOMOD.format(go="1.22.3", toolchain="") + f"replace {MACADMINS} => ../ext\n"
    assert parse_gomod(local).module_version(MACADMINS) == "v1.2.1"


def test_a_gomod_without_a_go_line_is_a_parse_error():
    with pytest.raises(ParseError, match="no `go` line"):
        parse_gomod("module x\n").go_version()


@pytest.mark.parametrize("bad", ["", "1", "go1.22.x", "latest", "1.22.3.4"])
def test_go_version_rejects_what_is_not_a_go_version(bad):
    with pytest.raises(ParseError):
        go_version(bad)


# --- module versions ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "pseudo", "base", "below", "above"),
    [
        ("v1.2.1", False, None, "1.2.2", "1.2.0"),
        ("v1.3.0-beta1", False, None, "1.3.0", "1.2.9"),
        ("v1.1.3-0.20240530154548-05bb97403086", True, "v1.1.2", "1.1.3", "1.1.2"),
        ("v1.3.0-beta1.0.20240101123456-abcdef123456", True, "v1.3.0-beta1", "1.3.0b2", "1.3.0b1"),
        ("v0.0.0-20231130195733-61ac79279aaa", True, None, "0.0.1", "0.0.0.dev0"),
    ],
)
def test_module_versions_sort_where_go_puts_them(raw, pseudo, base, below, above):
    version = parse_module_version(raw)
    assert version.pseudo is pseudo
    assert version.base == base
    assert Version(above) < version.key < Version(below)


def test_a_pseudo_version_names_its_commit_and_base_for_people():
    version = parse_module_version("v1.1.3-0.20240530154548-05bb97403086")
    assert version.describe() == "v1.1.3-0.20240530154548-05bb97403086 (commit 05bb974 after v1.1.2)"


def test_an_unknown_module_version_is_not_comparable():
    assert parse_module_version("master").key is None


# --- the osquery workflow, every real one ---------------------------------------------------------------------
@pytest.mark.fixtures
def test_every_real_osquery_workflow_gives_its_version():
    for path in real_workflows():
        text = path.read_text()
        expected = re.search(r"^\s+OSQUERY_VERSION:\s*(\S+)", text, re.MULTILINE)[1]
        assert osquery_version(text) == expected, path.name
        assert re.fullmatch(r"\d+\.\d+\.\d+", expected), path.name


def test_osquery_version_keeps_strings_and_reads_job_env_and_quotes():
    assert osquery_version("env:\n  OSQUERY_VERSION: 5.10\n") == "5.10"  # not the float 5.1
    assert osquery_version("jobs:\n  build:\n    env:\n      OSQUERY_VERSION: '5.13.1'\n") == "5.13.1"
    assert osquery_version("env:\r\n  OSQUERY_VERSION: \"5.12.1\"\r\n") == "5.12.1"
    # YAML that does not load (a template expression at the wrong place) falls back to the line.
    assert osquery_version("env: {{ broken\n  OSQUERY_VERSION: 5.9.1\n") == "5.9.1"
    with pytest.raises(ParseError, match="no OSQUERY_VERSION"):
        osquery_version("env:\n  OTHER: 1\n")


# --- Go releases --------------------------------------------------------------------------------------------------
def _listing(names):
    return [(name, "beta" not in name and "rc" not in name) for name in names]


def test_latest_go_patch_of_the_line_and_newest_overall():
    releases = _listing(go_release_names({"1.22": "1.22.12", "1.23": "1.23.10", "1.24": "1.24.4"}))
    latest = latest_go(Version("1.22.3"), releases)
    assert (latest.patch, latest.newest) == (Version("1.22.12"), Version("1.24.4"))
    # go1.25rc1 is listed but never the newest stable.
    assert any("rc" in name for name, _ in releases)
    assert latest_go(Version("1.20"), releases).patch == Version("1.20.14")  # "go1.20" spelled without .0


def test_mode_json_alone_would_hide_fleets_line():
    """Why include=all: the stable list has only the two newest lines."""
    only_two = _listing(["go1.24.4", "go1.23.10"])
    assert latest_go(Version("1.22.3"), only_two).patch is None


def test_an_unstable_entry_is_never_latest_even_if_marked_stable():
    latest = latest_go(Version("1.24.4"), [("go1.25rc1", True), ("go1.24.4", True), ("junk", True)])
    assert (latest.patch, latest.newest) == (Version("1.24.4"), Version("1.24.4"))


# --- tags ------------------------------------------------------------------------------------------------------
def test_the_last_tag_is_chosen_by_version_never_an_irregular_one():
    names = ["orbit-v1.9.0", "orbit-v1.34.0", "orbit-v1.33.0", "orbit-v1.39.1-1337", "orbit-test-build", "orbit-v1.18.0.2"]
    assert latest_regular_tag(names, "orbit-v") == ("orbit-v1.34.0", Version("1.34.0"))
    chrome = ["fleetd-chrome-v1.3.0", "fleetd-chrome-v1.3.2-beta", "fleetd-chrome-v1.3.1"]
    assert latest_regular_tag(chrome, "fleetd-chrome-v") == ("fleetd-chrome-v1.3.1", Version("1.3.1"))
    assert latest_regular_tag(["orbit-test-build"], "orbit-v") is None
    assert regular_tag_version("orbit-v01.2.3", "orbit-v") is None  # not how versions are written


@pytest.mark.fixtures
@pytest.mark.parametrize("prefix", ["orbit-v", "fleetd-chrome-v"])
def test_real_tags_pick_the_highest_regular_version(prefix):
    names = [line.split("\t", 1)[0] for line in (FLEET / "tags.tsv").read_text().splitlines() if line]
    ours = [n for n in names if n.startswith(prefix)]
    irregular = [n for n in ours if not re.fullmatch(re.escape(prefix) + r"\d+\.\d+\.\d+", n)]
    assert irregular, f"the real tag list has irregular {prefix} tags to avoid"
    assert all(regular_tag_version(n, prefix) is None for n in irregular)
    regular = [n for n in ours if n not in irregular]
    expected = max(regular, key=lambda n: tuple(int(p) for p in n[len(prefix):].split(".")))
    assert latest_regular_tag(ours, prefix)[0] == expected


def test_next_patch():
    assert next_patch(Version("1.34.0")) == "1.34.1"
    assert next_patch(Version("2.0")) == "2.0.1"
