"""The `releasing:` section of the rituals file: how `release prepare` and `release check-migrations`
name Fleet's branches, build the changelog and bump the version files (SPEC §2 "Releasing").

Every name is data, so the 2024 process (`prepare-`/`patch-fleet-v`) and the current one
(`rc-minor-`/`rc-patch-fleet-v`) differ only in their files.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fleetops import text

BRANCH_PLACEHOLDERS = ("version",)
HEADING_PLACEHOLDERS = ("version", "date")
ANNOUNCEMENT_PLACEHOLDERS = ("version", "branch", "qa_issue", "docker_run", "milestone_url", "channel")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bump(_Section):
    """One version in one file: `pattern` is a regex whose one group is the version to replace.

    `to` is `release` (the version being released, with the file's own `v` prefix when it has one)
    or `next-patch` (the file's own version with its last number plus one, e.g. a Helm chart's version).
    """

    file: str = Field(min_length=1)
    pattern: str = Field(min_length=1)
    to: Literal["release", "next-patch"] = "release"
    format: Literal["json", "yaml", "text"] = "text"  # json/yaml: the file must still parse after the edit

    @field_validator("pattern")
    @classmethod
    def _one_group(cls, value: str) -> str:
        try:
            compiled = re.compile(value, re.MULTILINE)
        except re.error as err:
            raise ValueError(f"is not a regular expression ({err})") from None
        if compiled.groups != 1:
            raise ValueError("must have exactly one group: the version it replaces")
        return value


class Changelog(_Section):
    file: str = "CHANGELOG.md"
    changes_dir: str = "changes"
    keep: list[str] = [".keep"]  # files of changes_dir that are never entries
    heading: str = "## Fleet {version} ({date})"
    date_format: str = "%b %d, %Y"  # `date +"%b %d, %Y"`, as the release script writes it
    patch_headings: list[str] = ["### Bug fixes"]
    minor_headings: list[str] = ["### Security Engineers", "### IT Admins", "### Other improvements and bug fixes"]

    @field_validator("heading")
    @classmethod
    def _heading_placeholders(cls, value: str) -> str:
        """Written by prepare and read back by prepare, tag and publish: it needs {version}, and one line."""
        if "\n" in value:
            raise ValueError("must be one line")
        return text.check(value, HEADING_PLACEHOLDERS, required=("version",))


class Migrations(_Section):
    dirs: list[str] = ["server/datastore/mysql/migrations/tables", "server/datastore/mysql/migrations/data"]
    pattern: str = r"^(\d{14})_([A-Za-z0-9_]+?)\.go$"  # `_test.go` excluded by the code, not the pattern

    @field_validator("pattern")
    @classmethod
    def _timestamp_group(cls, value: str) -> str:
        if re.compile(value).groups < 1:
            raise ValueError("must have a first group: the timestamp")
        return value


class Releasing(_Section):
    """Names and files of the release itself (`release prepare`, `release check-migrations`)."""

    minor_branch: str = "prepare-fleet-v{version}"
    # candidate: the minor's branch must exist (made by `release cut-rc`); default: created from the default branch
    minor_from: Literal["default", "candidate"] = "default"
    patch_branch: str = "patch-fleet-v{version}"
    prepare_branch: str = "update-changelog-prepare-{version}"
    main_branch: str = "update-changelog-{version}"
    commit_message: str = "Adding changes for Fleet v{version}"
    changelog: Changelog = Changelog()
    bumps: list[Bump] = []
    migrations: Migrations = Migrations()
    docker_workflow: str = "goreleaser-snapshot-fleet.yaml"
    announcement: str = (
        "Release {version} QA ticket and docker publish\nQA ticket for Release {version} {qa_issue}\n"
        "Docker Deploy status {docker_run}\nList of tickets pulled into release {milestone_url}"
    )

    @field_validator("minor_branch", "patch_branch", "prepare_branch", "main_branch", "commit_message")
    @classmethod
    def _branch_placeholders(cls, value: str) -> str:
        value = text.check(value, BRANCH_PLACEHOLDERS)
        if "{version}" not in value:
            raise ValueError("must contain {version}")
        return value

    @field_validator("announcement")
    @classmethod
    def _announcement_placeholders(cls, value: str) -> str:
        return text.check(value, ANNOUNCEMENT_PLACEHOLDERS)

    @model_validator(mode="after")
    def _distinct_branches(self) -> Releasing:
        names = [self.minor_branch, self.patch_branch, self.prepare_branch, self.main_branch]
        if len(set(names)) != len(names):
            raise ValueError("minor_branch, patch_branch, prepare_branch and main_branch must differ")
        return self

    def branch(self, name: str, version: str) -> str:
        return text.fill(getattr(self, name), {"version": version})

    def release_branch(self, version: str) -> str:
        """The branch X.Y.Z is prepared on and tagged from: the minor's (X.Y.0) or the patch's branch."""
        return self.branch("minor_branch" if version.endswith(".0") else "patch_branch", version)
