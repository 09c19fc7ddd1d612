"""The changelog heading of the rituals file (`releasing.changelog.heading`) is both written and read back:
prepare writes it, prepare, --edit and tag's guard check the first one, publish cuts the notes at it."""

from __future__ import annotations

import sys
from datetime import date

import pytest
from pydantic import ValidationError

from fleetops.errors import UsageError
from fleetops.ops.release.changelog import build_section, edit_section, first_version, heading_version, with_section
from fleetops.ops.release.notes import changelog_section
from fleetops.rituals.releasing import Changelog

HEADINGS = ["## Fleet {version} ({date})", "# Release v{version} - {date}", "## {date}: Fleet {version}", "### fleet {version}"]


@pytest.mark.parametrize("heading", HEADINGS)
def test_a_configured_heading_round_trips(heading):
    section = build_section("4.60.2", date(2026, 12, 3), [], headings=["### Bug fixes"], heading=heading, date_format="%b %d, %Y")
    assert heading_version(section.text, heading) == "4.60.2"
    older = build_section("4.60.1", date(2026, 11, 12), [], headings=["### Bug fixes"], heading=heading, date_format="%b %d, %Y")
    changelog = with_section(older.text, section, "4.60.2", heading=heading)
    assert changelog is not None and first_version(changelog, heading=heading) == "4.60.2"
    assert with_section(changelog, section, "4.60.2", heading=heading) is None  # a re-run keeps it
    assert changelog_section(changelog, "4.60.1", heading) == "### Bug fixes"


def test_another_heading_is_not_read_as_the_default_one():
    assert heading_version("# Release v4.60.2 - Dec 03, 2026\n") is None
    with pytest.raises(UsageError, match="does not start with a '# Release vX.Y.Z - date' heading"):
        first_version("## Fleet 4.60.2 (Dec 03, 2026)\n", heading="# Release v{version} - {date}")


def test_only_ascii_digits_make_a_version():
    assert heading_version("## Fleet ٤.٦٠.٢ (Dec 03, 2026)\n") is None
    assert heading_version("## Fleet 4.60.2 (Dec 03, 2026)\n") == "4.60.2"


def test_edit_checks_the_configured_heading(tmp_path):
    """--edit keeps what the person saved only when it starts with the release's heading, as configured."""
    heading = "# Release v{version} - {date}"
    section = build_section("4.60.2", date(2026, 12, 3), [], headings=[], heading=heading, date_format="%b %d, %Y")
    keep = f"{sys.executable} -c pass"  # an editor that saves the file as it is
    assert edit_section(section, "4.60.2", keep, heading).text.startswith("# Release v4.60.2 - Dec 03, 2026")
    with pytest.raises(UsageError, match="must start with the heading of 4.60.2"):
        edit_section(section, "4.60.2", keep)  # read as the default `## Fleet` heading, it is not the release's


@pytest.mark.parametrize(("heading", "says"), [
    ("## Fleet ({date})", "must contain {version}"),
    ("## Fleet {version} {milestone}", "uses {milestone}"),
    ("## Fleet {version", "not a valid template"),
    ("## Fleet {version}\n({date})", "one line"),
])
def test_a_bad_heading_is_refused_when_the_rituals_file_loads(heading, says):
    with pytest.raises(ValidationError, match=says):
        Changelog(heading=heading)
