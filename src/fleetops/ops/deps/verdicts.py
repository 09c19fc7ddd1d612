"""check-deps' verdicts: the handbook's policy for each dependency, as pure functions of what was read.

Each gives a `Finding` (one row of the table), naming the issues it needs (`IssueSpec`, the rituals
file's text filled in); check.py reads, judges with these and plans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from fleetops import text as text_templates
from fleetops.errors import FleetopsError, RitualsError
from fleetops.ops.deps.parsers import (
    GoLatest,
    go_minor,
    parse_module_version,
    release_version,
)

if TYPE_CHECKING:
    from fleetops.clients.github import ReleaseInfo
    from fleetops.rituals.models import IssueText, Rituals

UP_TO_DATE = "up-to-date"
OUTDATED = "outdated"
MAJOR_AVAILABLE = "major-available"
UNKNOWN = "unknown"
FOOTER = "\n\n---\n_Filed by `fleetops release check-deps` (handbook: \"Confirm latest versions of dependencies\")._\n"


@dataclass(frozen=True)
class IssueSpec:
    """An issue a finding needs: the rituals file's text, filled in."""

    key: str  # "go-patch", "go-minor", "macadmins", "osquery"
    title: str
    body: str
    labels: tuple[str, ...]

    @property
    def type_label(self) -> str | None:
        """The label that says what kind of issue it is (bug, story): duplicates are looked up by it."""
        return self.labels[0] if self.labels else None


@dataclass
class Finding:
    """One row of the table and one entry of `dependencies` in --json."""

    name: str
    current: str | None
    latest: str | None
    status: str
    action: str
    issues: list[IssueSpec] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # latest_minor, source, url, feeds
    error: FleetopsError | None = None  # the check could not be done
    short: str = ""  # the action in a few words, for the table (default: the action)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "current": self.current, "latest": self.latest, "status": self.status, "action": self.action}
        out.update(self.extra)
        return out


# --- issue texts -----------------------------------------------------------------------------------------------
def fill(template: str, values: Mapping[str, str], where: str) -> str:
    """`template` filled from `values` (fleetops.text); RitualsError (exit 2) names `where`.

    The rituals file's placeholders are checked when it loads, so this only fails for a text
    that did not come from a loaded file.
    """
    try:
        return text_templates.fill(text_templates.check(template, values), values)
    except text_templates.TemplateError as err:
        if err.placeholder is None:  # a stray brace
            raise RitualsError(f"rituals file: {where} is not a valid template ({err}).", hint="Double a literal brace: {{ or }}.") from None
        raise RitualsError(
            f"rituals file: {where} uses {{{err.placeholder}}}, which check-deps does not know.",
            hint=f"Use one of: {', '.join('{' + k + '}' for k in sorted(values))}.",
        ) from None


def issue_spec(key: str, text: IssueText, values: Mapping[str, str], where: str) -> IssueSpec:
    return IssueSpec(
        key=key,
        title=fill(text.title, values, f"{where}.title"),
        body=fill(text.body, values, f"{where}.body").rstrip() + FOOTER,
        labels=tuple(text.labels),
    )


def _short(spec: IssueSpec, release_blocker: str) -> str:
    """'bug, ~release blocker' or 'story': the table's version of `_describe`."""
    kind = spec.type_label or "issue"
    return f"{kind}, {release_blocker}" if release_blocker in spec.labels else kind


def _describe(spec: IssueSpec, release_blocker: str) -> str:
    kind = spec.type_label or "issue"
    blocker = f"{release_blocker}" if release_blocker in spec.labels else f"not a {release_blocker}"
    return f'file {kind} "{spec.title}" ({blocker})'


# --- verdicts (pure) ----------------------------------------------------------------------------------------------
def go_finding(current: Version, source: str, latest: GoLatest, rituals: Rituals, downloads_url: str) -> Finding:
    """Go: a newer patch of Fleet's line is a release-blocking bug; a newer line is a story."""
    texts = rituals.dependencies.go
    patch_behind = latest.patch is not None and latest.patch > current
    line_behind = latest.newest is not None and go_minor(latest.newest) > go_minor(current)
    values = {
        "current": str(current),
        "latest": str(latest.patch or ""),
        "latest_minor": str(latest.newest or ""),
        "minor": ".".join(str(p) for p in go_minor(current)),
        "source": source,
        "downloads_url": downloads_url,
    }
    issues = []
    if patch_behind:
        issues.append(issue_spec("go-patch", texts.patch_issue, values, "dependencies.go.patch_issue"))
    if line_behind:
        issues.append(issue_spec("go-minor", texts.minor_issue, values, "dependencies.go.minor_issue"))
    if patch_behind:
        status = OUTDATED  # the blocker wins when both are due (SPEC)
    elif line_behind:
        status = MAJOR_AVAILABLE
    elif latest.patch is not None or (latest.newest is not None and current >= latest.newest):
        status = UP_TO_DATE  # on the newest patch, or ahead of every stable release (an rc)
    else:
        status = UNKNOWN
    action = "; ".join(_describe(i, rituals.labels.release_blocker) for i in issues) or (
        "none" if status == UP_TO_DATE else f"go.dev lists no stable release of Go {values['minor']}: check by hand"
    )
    return Finding(
        name="go",
        current=str(current),
        latest=str(latest.patch) if latest.patch else None,
        status=status,
        action=action,
        issues=issues,
        extra={"latest_minor": str(latest.newest) if latest.newest else None, "source": source},
        short=" + ".join(_short(i, rituals.labels.release_blocker) for i in issues),
    )


def _release_finding(
    name: str, issue_key: str, issue: IssueText, current_raw: str, current: Any, release: ReleaseInfo,
    values: dict[str, str], rituals: Rituals, note: str, short_note: str,
) -> Finding:
    """A dependency followed by its latest GitHub release: any newer release needs the issue."""
    latest = release_version(release.tag)
    extra = {"url": release.html_url}
    if current is None or latest is None:
        return Finding(name, current_raw, release.tag, UNKNOWN, "versions not comparable: check by hand", extra=extra)
    if latest > current:
        spec = issue_spec(issue_key, issue, values, f"dependencies.{issue_key}.issue")
        action = _describe(spec, rituals.labels.release_blocker) + f"; {note}"
        short = _short(spec, rituals.labels.release_blocker) + f"; {short_note}"
        return Finding(name, current_raw, release.tag, OUTDATED, action, [spec], extra, short=short)
    return Finding(name, current_raw, release.tag, UP_TO_DATE, "none", extra=extra)


def module_finding(current_raw: str, release: ReleaseInfo, rituals: Rituals) -> Finding:
    """macadmins-extension: any newer release is a release-blocking bug (check it for new tables)."""
    dep = rituals.dependencies.macadmins
    current = parse_module_version(current_raw)
    values = {"current": current.describe(), "latest": release.tag, "url": release.html_url, "module": dep.module, "repository": dep.repository}
    return _release_finding(
        "macadmins-extension", "macadmins", dep.issue, current_raw, current.key, release, values, rituals,
        "check it for new tables", "check new tables",
    )


def osquery_finding(current_raw: str, release: ReleaseInfo, rituals: Rituals) -> Finding:
    """osquery: a newer release is a bug without the release-blocker label (check its CLI flags)."""
    dep = rituals.dependencies.osquery
    values = {"current": current_raw, "latest": release.tag, "url": release.html_url, "file": dep.file}
    return _release_finding(
        "osquery", "osquery", dep.issue, current_raw, release_version(current_raw), release, values, rituals,
        "check its command-line flag changes", "check CLI flags",
    )


@dataclass(frozen=True)
class FeedState:
    name: str
    url: str
    max_age_hours: int
    date: datetime | None = None
    error: str | None = None

    def age_hours(self, now: datetime) -> float | None:
        return None if self.date is None else round((now - self.date).total_seconds() / 3600, 1)

    def fresh(self, now: datetime) -> bool:
        age = self.age_hours(now)
        return age is not None and age <= self.max_age_hours

    def problem(self, now: datetime) -> str | None:
        if self.error is not None:
            return f"{self.name.upper()}: {self.error}"
        if not self.fresh(now):
            return f"{self.name.upper()}: {self.age_hours(now):g} h old (limit {self.max_age_hours} h)"
        return None


def feeds_finding(feeds: list[FeedState], now: datetime, oncall: str | None) -> Finding:
    """Vulnerability feeds: reachable and fresh, else a checklist item for the on-call engineer."""
    problems = [p for f in feeds if (p := f.problem(now))]
    current = ", ".join(f"{f.name.upper()} {'unreachable' if f.date is None else f'{f.age_hours(now):g} h old'}" for f in feeds)
    latest = ", ".join(f"<= {f.max_age_hours} h" for f in feeds)
    who = f"@{oncall}" if oncall else "the on-call engineer (unknown: set FLEETOPS_ONCALL)"
    detail = [
        {
            "name": f.name, "url": f.url, "date": f.date.isoformat() if f.date else None, "age_hours": f.age_hours(now),
            "max_age_hours": f.max_age_hours, "fresh": f.fresh(now), "error": f.error,
        }
        for f in feeds
    ]
    if problems:
        action = f"tell {who} to investigate ({'; '.join(problems)})"
        return Finding("vulnerability-feeds", current, latest, UNKNOWN, action, extra={"feeds": detail}, short="tell the on-call engineer")
    return Finding("vulnerability-feeds", current, latest, UP_TO_DATE, "none", extra={"feeds": detail})


def failed_finding(name: str, error: FleetopsError) -> Finding:
    return Finding(name, None, None, UNKNOWN, "the check failed (see its step): check by hand", error=error, short="check failed")
