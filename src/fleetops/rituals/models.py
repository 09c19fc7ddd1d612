"""The rituals file as pydantic models: Fleet's process as data (SPEC §3).

Every section forbids unknown keys, so a typo is an error that names its path instead of a
setting silently ignored on release day.
"""

from __future__ import annotations

import re
import datetime as dt
from functools import cache
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator
from pydantic_core import PydanticCustomError

from fleetops import text, versions
from fleetops.rituals import steps as step_kinds
from fleetops.rituals.releasing import Releasing
from fleetops.rituals.publishing import Publishing

Login = Annotated[str, Field(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")]
RepoName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The placeholders each text template of the file may use (docs/configuration.md lists them).
NAMING_PLACEHOLDERS = ("version",)
GO_ISSUE_PLACEHOLDERS = ("current", "latest", "latest_minor", "minor", "source", "downloads_url")
MODULE_ISSUE_PLACEHOLDERS = ("current", "latest", "url", "module", "repository")
OSQUERY_ISSUE_PLACEHOLDERS = ("current", "latest", "url", "file")
FLEETD_QA_ISSUE_PLACEHOLDERS = ("version",)
CANDIDATE_ANNOUNCEMENT_PLACEHOLDERS = ("version", "branch", "sha", "default_branch", "issue", "issue_url", "variable", "channel")
ANNOUNCEMENT_PLACEHOLDERS = ("version", "milestone", "milestone_url", "next", "next_milestone", "branch", "patch_branch", "channel")


class ProductGroup(Section):
    key: str
    name: str
    label: str
    qa: list[Login] = []
    em: Login | None = None  # the engineering manager: approves feature work during the freeze
    zenhub_workspace: str | None = None
    project: int | None = Field(None, ge=1)  # the group's GitHub Projects (v2) board, by number


class People(Section):
    release_dri: Login | None = None
    oncall: Login | None = None
    product_groups: list[ProductGroup] = []

    @model_validator(mode="after")
    def _unique_keys(self) -> People:
        keys = [g.key for g in self.product_groups]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"product group keys must be unique, repeated: {', '.join(duplicates)}")
        return self

    def group(self, key: str) -> ProductGroup:
        return next(g for g in self.product_groups if g.key == key)


class Labels(Section):
    bug: str = "bug"
    reproduce: str = ":reproduce"
    release_blocker: str = "~release blocker"
    story: str = "story"
    product: str = ":product"
    release: str = ":release"
    unreleased_bug: str = "~unreleased bug"

    def named(self, keys: list[str]) -> list[str]:
        """The label names of these keys (`release_blocker` → `~release blocker`)."""
        return [getattr(self, key) for key in keys]


class Naming(Section):
    tentative_milestone: str = "{version}-tentative"
    milestone: str = "{version}"
    release_tag: str = "fleet-v{version}"
    patch_branch: str = "patch-fleet-v{version}"
    docker_tag: str = "v{version}"

    @field_validator("tentative_milestone", "milestone", "release_tag", "patch_branch", "docker_tag")
    @classmethod
    def _one_placeholder(cls, value: str) -> str:
        return text.check(value, NAMING_PLACEHOLDERS, required=NAMING_PLACEHOLDERS)

    def tentative_regex(self) -> re.Pattern[str]:
        """Matches a tentative milestone title and captures its version."""
        return versions.pattern_regex(self.tentative_milestone)


class Release(Section):
    cadence_days: int = Field(21, ge=1, le=120)


# The keys of the labels section, for settings that name labels by their role.
LabelKey = Literal["bug", "reproduce", "release_blocker", "story", "product", "release", "unreleased_bug"]


class FreezeAllow(Section):
    """Handbook "Merge a pull request during the freeze period": what may be unblocked, and when."""

    # During the freeze: a bug fix is a PR that carries, or closes an issue that carries, one of these.
    bug_labels: list[LabelKey] = ["bug", "release_blocker", "unreleased_bug"]
    # During the deep freeze: only PRs that close an issue carrying one of these.
    deep_freeze_labels: list[LabelKey] = Field(["release_blocker", "unreleased_bug"], min_length=1)
    # During the freeze: a PR whose every changed file matches one of these changes only
    # documentation or the website. gitignore-like: `**` spans directories, `*` does not,
    # and a pattern without `/` matches a file name in any directory.
    docs_paths: list[Annotated[str, Field(min_length=1)]] = ["docs/**", "website/**", "handbook/**", "articles/**", "*.md"]


class Freeze(Section):
    branch: str = "main"
    timezone: str = "America/Los_Angeles"
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "tuesday"
    time: dt.time = dt.time(11, 0)
    release_time: dt.time = dt.time(11, 0)
    deep_freeze_hours: int = Field(24, ge=0, le=24 * 7)
    user_name: str | None = None  # None: the GitHub token owner's login, else "fleetops"
    allow: FreezeAllow = FreezeAllow()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            if not available_timezones():
                raise ValueError(f"cannot look up {value!r}: no time-zone database (reinstall fleetops with its tzdata dependency)") from err
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like America/Los_Angeles)") from err
        return value

    @property
    def weekday_index(self) -> int:
        return WEEKDAYS.index(self.weekday)


class Workspace(Section):
    id: str = Field(pattern=r"^[0-9a-f]{24}$")
    name: str


class Pipelines(Section):
    ready_for_release: str = "Ready for release"
    confirm_and_celebrate: str = "Confirm and celebrate"


class ZenHub(Section):
    workspaces: dict[str, Workspace] = {}
    drafting_workspace: str | None = None
    pipelines: Pipelines = Pipelines()

    @model_validator(mode="after")
    def _drafting_known(self) -> ZenHub:
        if self.drafting_workspace and self.drafting_workspace not in self.workspaces:
            raise ValueError(f"drafting_workspace {self.drafting_workspace!r} is not one of the workspaces")
        return self


class GitHubProjects(Section):
    """The GitHub Projects (v2) boards of `boards.backend: github-projects` (docs/github-projects.md)."""

    org: Login  # the organization that owns the projects
    status_field: str = "Status"  # the single-select field whose options are the columns
    sprint_field: str = "Sprint"  # the iteration field
    closed_column: str = "Closed"
    ready_for_release: str = "Ready for release"
    confirm_and_celebrate: str = "Confirm and celebrate"
    drafting_project: int = Field(ge=1)


class Boards(Section):
    """Where the product groups' boards live: ZenHub (the `zenhub` section) or GitHub Projects."""

    backend: Literal["zenhub", "github-projects"] = "zenhub"
    github_projects: GitHubProjects | None = None

    @model_validator(mode="after")
    def _settings_given(self) -> Boards:
        if self.backend == "github-projects" and self.github_projects is None:
            raise ValueError("boards.backend is github-projects, so boards.github_projects (org, drafting_project, ...) is required")
        return self


class Candidate(Section):
    """The release candidate of the current handbook (releases.md@800f895): `process: release-candidate`."""

    branch: str = "rc-minor-fleet-v{version}"
    qa_issue_title: str = "Release QA: {version}"
    deploy_variable_repository: RepoName = "fleetdm/confidential"
    deploy_variable: str = "QAWOLF_DEPLOY_TAG"  # an Actions variable: the branch QA Wolf tests
    # `release cut-rc`'s Slack message, posted through SLACK_WEBHOOK_URL to slack.channel.
    announcement: str = "The release candidate {branch} for {version} is cut from {default_branch} ({sha}); Release QA: {issue_url}"

    @field_validator("branch", "qa_issue_title")
    @classmethod
    def _one_placeholder(cls, value: str) -> str:
        return text.check(value, NAMING_PLACEHOLDERS, required=NAMING_PLACEHOLDERS)

    @field_validator("announcement")
    @classmethod
    def _announcement_placeholders(cls, value: str) -> str:
        return text.check(value, CANDIDATE_ANNOUNCEMENT_PLACEHOLDERS)


class IssueText(Section):
    """An issue fleetops files: title and body are templates; each subclass says its placeholders."""

    placeholders: ClassVar[tuple[str, ...]] = ()
    title: str
    body: str = ""
    labels: list[str] = []

    @field_validator("title", "body")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        return text.check(value, cls.placeholders)


class GoIssueText(IssueText):
    placeholders = GO_ISSUE_PLACEHOLDERS


class ModuleIssueText(IssueText):
    placeholders = MODULE_ISSUE_PLACEHOLDERS


class OsqueryIssueText(IssueText):
    placeholders = OSQUERY_ISSUE_PLACEHOLDERS


class FleetdQAIssueText(IssueText):
    placeholders = FLEETD_QA_ISSUE_PLACEHOLDERS


class GoDependency(Section):
    source: Literal["go.mod", "actions_variable"] = "go.mod"
    variable: str = "GO_VERSION"
    patch_issue: GoIssueText
    minor_issue: GoIssueText


class ModuleDependency(Section):
    module: str
    repository: RepoName
    issue: ModuleIssueText


class OsqueryDependency(Section):
    file: str
    env: str = "OSQUERY_VERSION"
    repository: RepoName
    issue: OsqueryIssueText


class Feed(Section):
    url: str
    date_field: str  # a dotted path to the feed's own date, e.g. "timestamp" or "dateReleased"
    max_age_hours: int = Field(72, ge=1)


class Feeds(Section):
    nvd: Feed
    cisa: Feed


class FleetdComponent(Section):
    name: str
    path: str
    tag_prefix: str
    qa_line: str  # the component's line in the Release QA template, e.g. "Orbit"


class Dependencies(Section):
    go: GoDependency
    macadmins: ModuleDependency
    osquery: OsqueryDependency
    feeds: Feeds
    fleetd: list[FleetdComponent]
    fleetd_qa_issue: FleetdQAIssueText | None = None


class QA(Section):
    template: str = ".github/ISSUE_TEMPLATE/release-qa.md"
    product_groups: list[str] = ["mdm", "endpoint-ops"]
    core_heading: str = "Fleet core"
    fleetd_heading: str = "`fleetd` agent"


class Dogfood(Section):
    workflow: str = "dogfood-deploy.yml"
    input: str = "DOCKER_IMAGE"
    image: str = "fleetdm/fleet"


class Slack(Section):
    channel: str = "#help-engineering"
    announcement: str = "main is unfrozen and the {version} milestone is closed."

    @field_validator("announcement")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        return text.check(value, ANNOUNCEMENT_PLACEHOLDERS)


class Handbook(Section):
    """The handbook's own `*.rituals.yml` files (`fleetops rituals ...`) and their time zone."""

    rituals_files: list[Annotated[str, Field(min_length=1)]] = [
        f"handbook/{d}/{d}.rituals.yml"
        for d in ("customer-success", "digital-experience", "engineering", "finance", "marketing", "product-design", "sales")
    ]
    # "Today" for a ritual: its dates are calendar dates in this zone. Fleet keeps its releases
    # calendar in America/Chicago (releases.md links it with ctz=America/Chicago), and the
    # rituals files themselves speak of "(CT)".
    timezone: str = "America/Chicago"

    _zone = field_validator("timezone")(Freeze._known_zone.__func__)  # type: ignore[attr-defined]


class StepEntry(Section):
    """One step of a ritual's list: a kind (`rituals/steps.py`) and its parameters.

    The file writes a kind alone (`- close-milestone`) or with parameters beside it
    (`- {kind: candidate.reset-deploy-tag, value: main}`). Each registered ritual has its own
    subclass (`entry_type`), which knows the ritual's kinds.
    """

    RITUAL: ClassVar[str] = "conclude_milestone"
    kind: str
    params: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"kind": value}
        if isinstance(value, dict) and set(value) <= {"kind", "params"} and isinstance(value.get("params", {}), dict):
            return value  # already in model form (a dump of a validated file)
        if isinstance(value, dict) and "kind" in value:
            return {"kind": value["kind"], "params": {k: v for k, v in value.items() if k != "kind"}}
        return value

    @model_validator(mode="after")
    def _known(self) -> StepEntry:
        if self.kind not in step_kinds.RITUALS[self.RITUAL].kind_names():
            raise ValueError(f"unknown step kind {self.kind!r}; the known kinds are {step_kinds.known(self.RITUAL)}")
        self.args()
        return self

    def args(self) -> step_kinds.NoParams:
        """The parameters, validated against the kind's model (a problem names the parameter)."""
        model = step_kinds.RITUALS[self.RITUAL].kind(self.kind).params
        try:
            return model.model_validate(self.params)
        except ValidationError as err:
            first = err.errors()[0]
            name = ".".join(str(p) for p in first["loc"]) or "(parameters)"
            expected = ", ".join(model.model_fields) or "none"
            if first["type"] == "extra_forbidden":
                raise ValueError(f"{self.kind}: unknown parameter {name} (its parameters: {expected})") from None
            raise ValueError(f"{self.kind}: parameter {name}: {first['msg']} (its parameters: {expected})") from None


class RitualSteps(Section):
    """`rituals.<key>` of one ritual: its ordered steps (each ritual's subclass: `steps_type`)."""

    steps: list[StepEntry] = Field(min_length=1)


@cache
def entry_type(ritual: str) -> type[StepEntry]:
    """The entry model of a registered ritual: a StepEntry that knows the ritual's kinds."""
    return type(f"StepEntry_{ritual}", (StepEntry,), {"RITUAL": ritual, "__module__": __name__})


@cache
def steps_type(ritual: str) -> type[RitualSteps]:
    """The model of `rituals.<ritual>`: a list of at least one of the ritual's entries."""
    return create_model(f"RitualSteps_{ritual}", __base__=RitualSteps, __module__=__name__, steps=(list[entry_type(ritual)], Field(min_length=1)))


class RitualLists(Section):
    """The ordered steps of the multi-step rituals, one key per registered ritual (`rituals/steps.py`);
    a ritual left out runs its process's default list. An unknown key is refused like any other."""

    model_config = ConfigDict(extra="allow", frozen=True)

    @model_validator(mode="wrap")
    @classmethod
    def _each_ritual(cls, data: Any, handler: Any) -> Any:
        if isinstance(data, RitualLists) or not isinstance(data, dict):
            return handler(data)
        lists: dict[str, Any] = {}
        errors: list[Any] = []
        for key, value in data.items():
            if key not in step_kinds.RITUALS:
                errors.append({"type": "extra_forbidden", "loc": (key,), "input": value})
                continue
            try:
                lists[key] = steps_type(key).model_validate(value)
            except ValidationError as err:
                # the same problems, one level deeper: rituals.<key>.steps[1]: ...
                errors += [
                    {"type": PydanticCustomError(e["type"], "{msg}", {"msg": e["msg"]}), "loc": (key, *e["loc"]), "input": e["input"]}
                    for e in err.errors()
                ]
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return handler(lists)

    @classmethod
    def field_models(cls) -> dict[str, type[BaseModel]]:
        """What each key may hold (the loader's suggestions for a misspelt key use it)."""
        return {key: steps_type(key) for key in step_kinds.RITUALS}


class Rituals(Section):
    """The whole rituals file."""

    version: Literal[1] = 1
    # merge-freeze: the 2024 handbook (freeze the default branch, ZenHub); release-candidate: the
    # current handbook (cut a candidate branch, cherry-pick fixes onto it; see docs/processes.md).
    process: Literal["merge-freeze", "release-candidate"] = "merge-freeze"
    repository: RepoName
    default_branch: str = "main"
    people: People = People()
    labels: Labels = Labels()
    naming: Naming = Naming()
    release: Release = Release()
    freeze: Freeze = Freeze()
    zenhub: ZenHub = ZenHub()
    boards: Boards = Boards()
    candidate: Candidate | None = None
    dependencies: Dependencies
    qa: QA = QA()
    dogfood: Dogfood = Dogfood()
    slack: Slack = Slack()
    publishing: Publishing = Publishing()
    handbook: Handbook = Handbook()
    releasing: Releasing = Releasing()
    rituals: RitualLists = RitualLists()

    def steps_of(self, ritual: str) -> list[StepEntry]:
        """The ritual's steps in order: the file's list, else the handbook's for this process."""
        listed: RitualSteps | None = getattr(self.rituals, ritual, None)
        if listed is not None:
            return list(listed.steps)
        entry = entry_type(ritual)
        return [entry.model_validate(s) for s in step_kinds.RITUALS[ritual].defaults.get(self.process, ())]

    @model_validator(mode="after")
    def _groups_exist(self) -> Rituals:
        keys = {g.key for g in self.people.product_groups}
        missing = [k for k in self.qa.product_groups if k not in keys]
        if missing:
            raise ValueError(f"qa.product_groups names unknown product groups: {', '.join(missing)}")
        for index, group in enumerate(self.people.product_groups):
            if group.zenhub_workspace and group.zenhub_workspace not in self.zenhub.workspaces:
                raise ValueError(
                    f"people.product_groups[{index}].zenhub_workspace ({group.key}) names {group.zenhub_workspace!r}, "
                    "which is not one of zenhub.workspaces"
                )
        if "boards" in self.model_fields_set and self.boards.backend == "zenhub":  # said explicitly: the settings it needs
            if not self.zenhub.workspaces:
                raise ValueError("boards.backend is zenhub, so zenhub.workspaces is required")
            for index, group in enumerate(self.people.product_groups):
                if group.zenhub_workspace is None:
                    raise ValueError(f"boards.backend is zenhub, so people.product_groups[{index}].zenhub_workspace ({group.key}) is required")
        if self.boards.backend == "github-projects":
            for index, group in enumerate(self.people.product_groups):
                if group.project is None:
                    raise ValueError(f"boards.backend is github-projects, so people.product_groups[{index}].project ({group.key}) is required")
        if self.process == "release-candidate" and self.candidate is None:
            raise ValueError("process is release-candidate, so the candidate section (branch, qa_issue_title, ...) is required")
        return self

    @model_validator(mode="after")
    def _steps_fit(self) -> Rituals:
        """Every ritual's list, the process's default included, can run here: each kind is part of the
        process and built for the board backend, each need comes earlier. Else the file is refused at
        load, before any command reads anything (not a crash halfway through a run)."""
        for ritual in step_kinds.RITUALS:
            kinds = [s.kind for s in self.steps_of(ritual)]
            where = dict(process=self.process, backend=self.boards.backend)
            fit, order = step_kinds.check_fit(ritual, kinds, **where), step_kinds.check_order(ritual, kinds, **where)
            if getattr(self.rituals, ritual, None) is None and (fit or order):
                raise ValueError(
                    f"rituals.{ritual} is not in the file, and the default steps of process {self.process} cannot run with "
                    f"boards.backend {self.boards.backend}: {'; '.join(fit + order)}; list the steps to run in rituals.{ritual}.steps"
                )
            if fit:
                raise ValueError(f"rituals.{ritual}." + f"; rituals.{ritual}.".join(fit))
            if order:
                raise ValueError(f"rituals.{ritual}.steps: " + "; ".join(order))
        return self
