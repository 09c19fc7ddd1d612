"""The Release QA issue (handbook: "Create release QA issue").

Reads the repository's own Release QA template at the default branch, and opens
`<title prefix> VERSION` (`Release QA: 4.58.0`; fleetd-only: `Release QA: fleetd 1.35.0`) with the
template's labels, assigned to the QA members of the rituals file's product groups (the
template's assignees when the rituals file names none). The body is the template's body minus
what does not apply to this release:

- the `fleetd` section is filled in from the change detection (`ops.deps.fleetd`): each component's
  `v1.xx.x > v1.xx.x` line gets its last tag and its new version, components without changes
  lose their line, and the section goes when no component changed (a release without fleetd);
- `--fleetd-only` removes the Fleet core section and keeps the fleetd one.

An open issue with the same title is reused (the step is skipped), never duplicated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from fleetops.concurrency import gather
from fleetops.errors import NotFound, UsageError
from fleetops.ops.qa.template import (
    IssueTemplate,
    TemplateError,
    glued_parts,
    parse_template,
    replace_section,
    section_text,
)
from fleetops.plan import Plan, Step
from fleetops.versions import next_patch, require_release

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import IssueInfo
    from fleetops.ops.deps.fleetd import FleetdChange
    from fleetops.rituals.models import FleetdComponent, Rituals

# `v1.xx.x` > `v1.xx.x` (backticks optional), the placeholder of a component's version line.
PART = r"(?:\d+|x+)"
VERSIONS = re.compile(
    rf"(?P<q1>`?)v?{PART}\.{PART}\.{PART}(?P=q1)\s*>\s*(?P<q2>`?)v?{PART}\.{PART}\.{PART}(?P=q2)"
)
TRUE_FALSE = re.compile(r"True\s*/\s*False")
REMOVE_HINT = re.compile(r"^\s*<!--\s*Remove items without updates\s*-->\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class QAOptions:
    """What `create-qa-issue` was asked to do."""

    version: str
    fleetd_only: bool = False
    # rituals component name (orbit, desktop, fleetd-chrome) → the version given on the command line
    component_versions: dict[str, str] = field(default_factory=dict)


# --- the template ----------------------------------------------------------------------------------------
def read_template(app: App) -> IssueTemplate:
    """The Release QA template at the default branch; a missing or unreadable one is exit 2."""
    path, ref = app.rituals.qa.template, app.rituals.default_branch
    try:
        data = app.clients.github.file_text(path, ref).data
    except NotFound:
        raise TemplateError(
            f"the Release QA template {path} is not in {app.repo} at {ref}.",
            hint="Set qa.template in the rituals file (FLEETOPS_RITUALS) to the template's path.",
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TemplateError(f"the Release QA template {path} in {app.repo} is not UTF-8 text.") from None
    return parse_template(text, path)


def qa_title(template: IssueTemplate, version: str, *, fleetd_only: bool = False) -> str:
    """`Release QA: 4.58.0`, or `Release QA: fleetd 1.35.0` for a fleetd-only release."""
    prefix = template.title_prefix()
    if not prefix:
        raise TemplateError(
            f"the Release QA template {template.path} has neither a title nor a name to build the issue title from.",
            hint="Add `title: 'Release QA:'` to its front matter.",
        )
    return f"{prefix} fleetd {version}" if fleetd_only else f"{prefix} {version}"


# --- fleetd components ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ComponentUpdate:
    """A fleetd component in this release: its change, and the version it goes to."""

    component: FleetdComponent
    change: FleetdChange
    new_version: str
    included: bool  # changed since its last tag, or its version was given explicitly

    def as_json(self) -> dict[str, Any]:
        return {**self.change.as_json(), "version": self.last_version, "next_version": self.new_version, "included": self.included}

    @property
    def last_version(self) -> str:
        return str(self.change.version)


def component_updates(rituals: Rituals, changes: list[FleetdChange], options: QAOptions) -> list[ComponentUpdate]:
    """Pair each detected change with its new version; a given version must be newer than the last tag."""
    by_name = {c.name: c for c in rituals.dependencies.fleetd}
    orbit = by_name.get("orbit")
    updates = []
    for change in changes:
        component = by_name[change.component]
        given = options.component_versions.get(change.component)
        if given is None and options.fleetd_only and orbit is not None and component.tag_prefix == orbit.tag_prefix:
            given = options.version  # a fleetd-only VERSION is the orbit version; Desktop ships with it
        if given is not None and Version(given) <= change.version:
            raise UsageError(
                f"{component.qa_line} {given} is not newer than its last release {change.last_tag}.",
                hint=f"Give a version above {change.version}.",
            )
        new = given or next_patch(change.version)
        included = change.changed or component.name in options.component_versions
        updates.append(ComponentUpdate(component, change, new, included and bool(new)))
    return updates


def fill_fleetd_section(section: str, updates: list[ComponentUpdate], notes: list[str]) -> str:
    """Fill each component's lines; drop the version lines of components without updates."""
    # Longest names first, so that "Fleet Desktop" would win over "Desktop".
    ordered = sorted(updates, key=lambda u: len(u.component.qa_line), reverse=True)
    seen: set[str] = set()
    out = []
    for line in section.split("\n"):
        if REMOVE_HINT.match(line):
            continue  # the instruction is carried out
        update = next((u for u in ordered if _is_line_of(line, u.component.qa_line)), None)
        if update is None:
            out.append(line)
            continue
        seen.add(update.component.name)
        if VERSIONS.search(line):
            if not update.included:
                continue
            old = f"v{update.last_version}"
            new = f"v{update.new_version}"
            line = VERSIONS.sub(lambda m, old=old, new=new: f"{m['q1']}{old}{m['q1']} > {m['q2']}{new}{m['q2']}", line, count=1)
        line = TRUE_FALSE.sub("True" if update.included else "False", line)
        out.append(line)
    for update in updates:
        if update.component.name not in seen:
            notes.append(f"the template's fleetd section has no line for {update.component.qa_line}")
    return "\n".join(out)


def _is_line_of(line: str, name: str) -> bool:
    return re.match(rf"^\s*[-*+]\s+{re.escape(name)}(?=[\s:`]|$)", line) is not None


# --- the body ----------------------------------------------------------------------------------------------------
def build_body(template: IssueTemplate, rituals: Rituals, options: QAOptions, updates: list[ComponentUpdate]) -> tuple[str, list[str]]:
    """The issue body and notes on what was changed (or could not be)."""
    notes: list[str] = []
    body = template.body
    core, fleetd = rituals.qa.core_heading, rituals.qa.fleetd_heading
    if options.fleetd_only:
        if section_text(body, fleetd) is None:
            raise TemplateError(
                f"the Release QA template {template.path} has no section headed {fleetd!r} for a fleetd-only release.",
                hint="Set qa.fleetd_heading in the rituals file to the heading of its fleetd section.",
            )
        if section_text(body, core) is None:
            notes.append(f"the template has no section headed {core!r} to remove")
        else:
            body = replace_section(body, core, None)
            notes.append(f"removed the {core!r} section: this release is fleetd only")
    section = section_text(body, fleetd)
    if section is not None:
        if not any(u.included for u in updates):
            body = replace_section(body, fleetd, None)
            notes.append(f"removed the {fleetd!r} section: no fleetd component changed since its last tag")
        else:
            body = replace_section(body, fleetd, fill_fleetd_section(section, updates, notes))
            kept = ", ".join(f"{u.component.qa_line} v{u.change.version} > v{u.new_version}" for u in updates if u.included)
            dropped = [u.component.qa_line for u in updates if not u.included]
            notes.append(f"fleetd: {kept}" + (f"; no update: {', '.join(dropped)}" if dropped else ""))
    return body.strip("\n") + "\n", notes


def resolve_labels(template: IssueTemplate, known: set[str]) -> tuple[list[str], list[str]]:
    """Template labels that exist in the repository; a glued pair is split when both halves exist.

    GitHub would silently create a label that does not exist (such as '#g-software:release'),
    so such a label is left out with a warning instead.
    """
    labels: list[str] = []
    warnings: list[str] = []
    for label in template.labels:
        if label in known:
            labels.append(label)
            continue
        parts = glued_parts(label)
        if parts and all(p in known for p in parts):
            labels += [p for p in parts if p not in labels]
            warnings.append(f"read the template's label {label!r} as {parts[0]!r} and {parts[1]!r}")
        else:
            warnings.append(f"the template's label {label!r} does not exist in the repository; left out")
    return list(dict.fromkeys(labels)), warnings


def qa_assignees(rituals: Rituals, template: IssueTemplate) -> tuple[list[str], str]:
    """The QA members of the rituals' product groups, else the template's assignees; and where from."""
    members: list[str] = []
    for key in rituals.qa.product_groups:
        members += [m for m in rituals.people.group(key).qa if m not in members]
    if members:
        names = ", ".join(rituals.people.group(k).name for k in rituals.qa.product_groups)
        return members, f"QA of {names}"
    return list(template.assignees), "the template"


# --- the plan ----------------------------------------------------------------------------------------------------
def create_qa_issue(app: App, options: QAOptions, *, fleetd: list[FleetdChange] | None = None) -> Plan:
    """Read the template, the fleetd changes, the labels and any open issue; plan one create.

    `fleetd`: changes a caller has already read (check-deps), so they are not read twice.
    """
    return plan_qa_issue(app, options, fleetd=fleetd)[0]


def plan_qa_issue(app: App, options: QAOptions, *, fleetd: list[FleetdChange] | None = None) -> tuple[Plan, IssueInfo | None]:
    """`create_qa_issue`'s plan and the open issue it reuses (None when it creates one), for cut-rc."""
    version = str(require_release(options.version))
    given = {name: str(require_release(v, f"--{_flag(name)}")) for name, v in options.component_versions.items()}
    options = QAOptions(version=version, fleetd_only=options.fleetd_only, component_versions=given)
    rituals = app.rituals

    # The first read leaves from a reader thread once the client is built (CPU work, here), so that
    # the main thread prepares the UI (concurrency.meanwhile) while the template is on its way.
    app.clients.github  # noqa: B018
    template = gather({"template": lambda: read_template(app)})["template"]
    title = qa_title(template, version, fleetd_only=options.fleetd_only)
    needs_fleetd = section_text(template.body, rituals.qa.fleetd_heading) is not None
    found = _read(app, title, needs_fleetd=needs_fleetd and fleetd is None)
    existing: list[IssueInfo] = found["existing"]

    updates = component_updates(rituals, fleetd if fleetd is not None else found.get("fleetd", []), options)
    body, notes = build_body(template, rituals, options, updates)
    if options.fleetd_only and not any(u.included for u in updates):
        tags = ", ".join(sorted({u.change.last_tag for u in updates})) or "none"
        raise UsageError(
            f"no fleetd component changed since its last release tag ({tags}): a fleetd-only release has nothing to QA.",
            hint="Name what ships with --orbit, --desktop or --chrome.",
        )
    labels, label_warnings = resolve_labels(template, found["labels"])
    assignees, assigned_by = qa_assignees(rituals, template)
    warnings = [*template.warnings, *label_warnings]
    for warning in warnings:
        app.ui.warn(warning)

    plan = Plan(
        command="release create-qa-issue",
        extra={
            "issue": {"number": None, "url": None, "title": title},
            "version": version,
            "fleetd_only": options.fleetd_only,
            "labels": labels,
            "assignees": assignees,
            "fleetd": [u.as_json() for u in updates],
            "warnings": warnings,
        },
    )
    step_title = f"Open {title!r}"
    if existing:
        issue = existing[0]
        plan.extra["issue"] = issue.as_json()
        also = f" (and {len(existing) - 1} more with that title)" if len(existing) > 1 else ""
        plan.add(Step.skip("issue", step_title, f"already open: #{issue.number} {issue.url}{also}", data={"issue": issue.as_json()}))
        return plan, issue

    plan.add(_create_step(app, plan, step_title, template.body, body, labels, assignees, assigned_by, notes))
    return plan, None


def _read(app: App, title: str, *, needs_fleetd: bool) -> dict[str, Any]:
    """At once: open issues with the title, the repository's labels and (when needed) the fleetd changes."""
    github = app.clients.github
    reads: dict[str, Any] = {
        "existing": lambda: github.open_issues_titled([title])[title],
        "labels": github.label_names,
    }
    if needs_fleetd:
        from fleetops.ops.deps.fleetd import fleetd_changes

        reads["fleetd"] = lambda: fleetd_changes(app)
    return gather(reads)


def _create_step(
    app: App, plan: Plan, step_title: str, template_body: str, body: str, labels: list[str], assignees: list[str],
    assigned_by: str, notes: list[str],
) -> Step:
    """Create the issue (its number and URL go into --json); shown with the body's diff against the template."""
    github = app.clients.github
    title = plan.extra["issue"]["title"]

    def apply(step: Step) -> str:
        # Look again right before the create: another run (on another machine: one machine's runs share
        # a lock) may have opened it since the plan read the issues.
        found = github.open_issues_titled([title], fresh=True)[title]
        if found:
            plan.extra["issue"] = step.data["issue"] = found[0].as_json()
            return f"already open: #{found[0].number} {found[0].url} (opened since the plan was made; not created again)"
        created = github.create_issue(title, body, labels=labels, assignees=assignees)
        plan.extra["issue"] = step.data["issue"] = created.as_json()
        return f"opened #{created.number} {created.url}"

    detail = (
        f"labels: {', '.join(labels) or 'none'}; assignees: {', '.join(assignees) or 'none'} "
        f"({assigned_by}); body: {'; '.join(notes) or 'the template as it is'}"
    )
    preview = IssuePreview(title, labels, assignees, template_body, body)
    return Step.todo("issue", step_title, detail, apply, preview=preview)


def _flag(component: str) -> str:
    return {"fleetd-chrome": "chrome"}.get(component, component)


@dataclass(frozen=True)
class IssuePreview:
    """What a new issue will be: shown under its step as title, labels, assignees and the body's diff."""

    title: str
    labels: list[str]
    assignees: list[str]
    template_body: str
    body: str
