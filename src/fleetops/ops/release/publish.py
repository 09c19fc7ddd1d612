"""`release publish VERSION`: from the draft release the tag built to the announced release (SPEC §2, seven steps).

1. The draft release of fleet-vX.Y.Z with `checksums.txt` (missing: exit 3, "not built yet").
2. Its notes from the rituals file's template (notes.py), shown as a diff against the draft.
3. Published; "latest" only when X.Y.Z is above every published release (a patch of an older
   minor is not: Fleet's script always passed --latest). When the notes are written too, one
   PATCH writes them and publishes (one write, and one second of GitHub's write pacing, less).
4. fleetctl on npm: the registry is read, the dist-tag computed with `packaging` (below npm's
   `latest`: `last-patched-version`, fleetdm/fleet#26520), the command printed; `--npm-publish`
   runs it. An unreadable registry is `unknown`, never guessed.
5. Dogfood through deploy-dogfood's plan and guards (`--skip-dogfood`).
6. The announcements, each at most once (ops/announce.py): their markers are hidden lines at the
   end of the release's body, re-read just before posting.
7. The osquery Slack topic: a checklist item with the text to paste.
Each step reads before it writes, so a re-run of a finished publish makes zero writes.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from fleetops.concurrency import gather
from fleetops.errors import ExitCode, FleetopsError, PolicyRefusal, UsageError
from fleetops.ops.announce import Markers, Record, post_once
from fleetops.ops.release import notes
from fleetops.plan import Plan, Skip, Status, Step
from fleetops.redaction import redact
from fleetops.text import fill
from fleetops.versions import Release, parse_release, pattern_regex, release_name, require_release

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import Release as GitHubRelease
    from fleetops.clients.npm import NpmPackage
    from fleetops.rituals.publishing import Announcement, Publishing

COMMAND = "release publish"
MARKER = "<!-- fleetops:"


class NotBuiltYet(FleetopsError):
    """The release workflow has not left its draft release (or its checksums) yet: wait, then run again."""

    exit_code = ExitCode.NEEDS_ACTION


@dataclass(frozen=True)
class PublishOptions:
    version: str
    npm_publish: bool = False
    repo_dir: Path | None = None
    skip_dogfood: bool = False


@dataclass
class _Reads:
    release: GitHubRelease
    changelog: str
    agents: dict[str, str]
    checksums: str
    published: list[Release]
    npm: NpmPackage | None
    npm_error: str | None
    dogfood: Plan | None
    dogfood_error: FleetopsError | None


def plan_publish(app: App, options: PublishOptions) -> Plan:
    """Read everything (concurrently), then plan the seven steps; nothing written yet."""
    version = require_release(options.version)
    pub = app.rituals.publishing
    tag = release_name(app.rituals.naming.release_tag, version)
    plan = Plan(command=COMMAND, extra={"version": str(version), "tag": tag, "release": None, "npm": None})
    app.plan = plan
    npm_dir = npm_directory(options, pub, version, tag) if options.npm_publish else None  # before any request
    try:
        reads = _read(app, version, tag, options)
    finally:
        app.plan = plan  # deploy-dogfood's plan set itself there: a refusal's --json is publish's
    latest = all(version > other for other in reads.published if other != version)
    title = fill(pub.release_title, {"version": str(version), "tag": tag})
    holder = {"release": reads.release, "latest": latest, "title": title}
    plan.extra["release"] = {"id": reads.release.id, "url": reads.release.html_url, "latest": latest}
    values = {
        "version": str(version), "tag": tag, "repository": app.repo, "changelog": notes.changelog_section(reads.changelog, str(version), app.rituals.releasing.changelog.heading),
        **reads.agents, "checksums": reads.checksums.strip(),
    }
    _notes_step(app, plan, holder, notes.render(pub.notes_template, values))
    _publish_step(app, plan, holder, version)
    _npm_step(app, plan, reads, version, npm_dir)
    _dogfood_steps(plan, reads, options)
    for announcement in pub.announcements:
        _announce_step(app, plan, holder, announcement, version)
    topic = fill(pub.osquery_topic, {"version": str(version), "release_url": reads.release.html_url})
    plan.add(Step.checklist("osquery-topic", "Update the osquery Slack #fleet channel's topic", f"set it to: {topic}", data={"text": topic}))
    return plan


def _read(app: App, version: Release, tag: str, options: PublishOptions) -> _Reads:
    """One round: deploy-dogfood's plan (its own three rounds: the longest chain) beside publish's
    reads; checksums.txt follows the releases list in the same chain, not after the round."""
    github, pub = app.clients.github, app.rituals.publishing
    reads: dict[str, Any] = {
        "draft": lambda: _draft(app, tag),
        # the releasing: section's changelog, the file prepare wrote and tag checked; no tag yet: "not built" first
        "changelog": lambda: _outcome(lambda: github.file_text(app.rituals.releasing.changelog.file, tag).text),
        "orbit": lambda: [t.name for t in github.tags_with_prefix(pub.orbit_tag_prefix)],
        "chrome": lambda: [t.name for t in github.tags_with_prefix(pub.fleetd_chrome_tag_prefix)],
        "npm": lambda: _outcome(lambda: app.clients.npm.package(pub.npm.package)),
    }
    if options.skip_dogfood:
        return _reads_of(app, version, tag, gather(reads))
    from fleetops.ops.dogfood.deploy import DeployOptions, deploy

    # deploy-dogfood's first round is four GitHub reads: with the draft's chain and one chain of the
    # other three they fill the client's six read slots (clients/github.py, MAX_CONCURRENT_READS), so
    # the longest chain never waits for a slot; the three follow one another while it goes on.
    chained = {k: reads.pop(k) for k in ("changelog", "orbit", "chrome")}
    reads["tail"] = lambda: {k: read() for k, read in chained.items()}
    one = gather({"dogfood": lambda: _outcome(lambda: deploy(app, DeployOptions(ref=str(version)))), **reads})
    one.update(one.pop("tail"))
    return _reads_of(app, version, tag, one)


def _reads_of(app: App, version: Release, tag: str, one: dict[str, Any]) -> _Reads:
    """The round's answers, or exit 3 while the draft or its checksums are missing."""
    pub = app.rituals.publishing
    releases, release, checksums = one["draft"]
    if release is None:
        raise NotBuiltYet(f"there is no release of {tag} yet: the release workflow has not built it.",
                          hint=f"Run `fleetops release tag {version}` (it follows the build), then run this again.")
    if checksums is None:
        raise NotBuiltYet(f"the draft release of {tag} has no {pub.checksums_asset} yet: it is not built yet.",
                          hint=f"Wait for the release workflow (`fleetops release tag {version}` follows it), then run this again.")
    changelog, problem = one["changelog"]
    if problem is not None:
        raise problem
    regex = pattern_regex(app.rituals.naming.release_tag)
    published = [v for r in releases if not r.draft and not r.prerelease and (m := regex.fullmatch(r.tag)) and (v := parse_release(m["version"]))]
    orbit = notes.newest_tag(one["orbit"], pub.orbit_tag_prefix)
    agents = {"orbit": orbit, "fleet_desktop": pub.fleet_desktop_tag_prefix + orbit.removeprefix(pub.orbit_tag_prefix),
              "fleetd_chrome": notes.newest_tag(one["chrome"], pub.fleetd_chrome_tag_prefix)}
    npm, dogfood_plan = one["npm"], one.get("dogfood", (None, None))
    return _Reads(
        release=release, changelog=changelog, agents=agents, checksums=checksums,
        published=published, npm=npm[0], npm_error=str(npm[1]) if npm[1] else None, dogfood=dogfood_plan[0], dogfood_error=dogfood_plan[1],
    )


def _draft(app: App, tag: str) -> tuple[list[GitHubRelease], GitHubRelease | None, str | None]:
    """The releases, the tag's among them, and its checksums.txt (None: no release, or not built yet)."""
    github, asset = app.clients.github, app.rituals.publishing.checksums_asset
    releases = github.releases()
    release = next((r for r in releases if r.tag == tag), None)
    if release is None or release.asset(asset) is None:
        return releases, release, None
    return releases, release, github.asset_text(release, asset)


def _outcome(read: Any) -> tuple[Any, FleetopsError | None]:
    """(result, None) or (None, the error): a read whose failure is a step's state, not the command's end."""
    try:
        return read(), None
    except FleetopsError as err:
        return None, err


def strip_markers(body: str) -> str:
    return "\n".join(line for line in body.splitlines() if not line.startswith(MARKER)).rstrip() + "\n"


def _markers_of(body: str) -> list[str]:
    return [line for line in body.splitlines() if line.startswith(MARKER)]


def _edit(app: App, holder: dict[str, Any], body: str, *, publish: bool = False) -> GitHubRelease:
    """One PATCH of the release; once published, `make_latest` is always said (never left to GitHub's default)."""
    current: GitHubRelease = holder["release"]
    draft = current.draft and not publish
    latest = None if draft else ("true" if holder["latest"] else "false")
    holder["release"] = app.clients.github.edit_release(current, name=holder["title"], body=body, draft=draft, make_latest=latest)
    return holder["release"]


def _notes_step(app: App, plan: Plan, holder: dict[str, Any], body: str) -> None:
    release: GitHubRelease = holder["release"]
    title = f"Write the release notes of {release.tag} (title {holder['title']!r})"
    if strip_markers(release.body) == body and release.name == holder["title"]:
        plan.add(Step.skip("notes", title, "the release's title and notes are already these"))
        return

    def apply(step: Step) -> str:
        markers = _markers_of(holder["release"].body)
        # a draft is published by this same PATCH (the publish step then finds it done): one write, not two
        publish = holder["release"].draft
        _edit(app, holder, body + ("\n" + "\n".join(markers) + "\n" if markers else ""), publish=publish)
        return f"notes written ({len(body.splitlines())} lines)" + (" and the release published in the same edit" if publish else "")

    preview = notes.NotesPreview(holder["title"], release.body, body)
    plan.add(Step.todo("notes", title, f"{len(body.splitlines())} lines, as the diff below shows", apply, preview=preview))


def _publish_step(app: App, plan: Plan, holder: dict[str, Any], version: Release) -> None:
    release: GitHubRelease = holder["release"]
    latest = holder["latest"]
    title = f"Publish {release.tag}" + (" as the latest release" if latest else " (not latest: a higher release exists)")
    if not release.draft:
        plan.add(Step.skip("publish", title, f"already published: {release.html_url}"))
        return

    def apply(step: Step) -> str:
        with_notes = not holder["release"].draft  # the notes' PATCH published it
        published = holder["release"] if with_notes else _edit(app, holder, holder["release"].body, publish=True)
        plan.extra["release"] = {"id": published.id, "url": published.html_url, "latest": latest}
        return (f"published{' with the notes (one PATCH)' if with_notes else ''}: {published.html_url}"
                + ("" if latest else f" ({version} is not the highest release: not marked latest)"))

    with_notes = plan.step("notes").status is Status.PENDING
    detail = "draft → published, make_latest=" + ("true" if latest else "false") + (", in the notes' PATCH" if with_notes else "")
    plan.add(Step.todo("publish", title, detail, apply, needs=("notes",)))


def dist_tag(version: Release, npm_latest: str | None, older_tag: str) -> str:
    """npm's `latest` unless X.Y.Z is below the version `latest` names (then the older-patch tag)."""
    if npm_latest is None:
        return "latest"
    try:
        below = Version(str(version)) < Version(npm_latest.removeprefix("v"))
    except ValueError:  # packaging's InvalidVersion: an odd `latest` never demotes a release
        return "latest"
    return older_tag if below else "latest"


def npm_directory(options: PublishOptions, pub: Publishing, version: Release, tag: str) -> Path:
    """Where `npm publish` runs (--repo-dir's fleetctl-npm); exit 2 unless npm is on PATH and it holds vX.Y.Z."""
    if shutil.which("npm") is None:
        raise UsageError("--npm-publish runs `npm publish`, but npm is not on PATH.", hint="Install Node.js (npm), or publish by hand without --npm-publish.")
    directory = (options.repo_dir or Path.cwd()) / pub.npm.directory
    manifest = directory / "package.json"
    if not manifest.is_file():
        raise UsageError(f"{manifest} is not a file: --npm-publish needs a working copy of the release.",
                         hint="Pass --repo-dir DIR, a checkout of the tag.")
    import json

    try:
        found = json.loads(manifest.read_text()).get("version")
    except (OSError, ValueError, AttributeError):
        found = None
    if str(found).removeprefix("v") != str(version):
        raise UsageError(f"{manifest} says version {found!r}, not v{version}: publishing it would put the wrong fleetctl on npm.",
                         hint=f"Check out {tag} in --repo-dir first.")
    return directory


def _npm_step(app: App, plan: Plan, reads: _Reads, version: Release, npm_dir: Path | None) -> None:
    npm = app.rituals.publishing.npm
    title = f"Publish {npm.package} {version} on npm"
    if reads.npm is None:
        plan.extra["npm"] = {"version": str(version), "dist_tag": None, "status": "unknown"}
        plan.needs_action = True
        plan.add(Step.checklist("npm", title, f"the npm registry could not be read ({redact(reads.npm_error or '')}): check `npm view {npm.package} versions` before publishing by hand"))
        return
    tag = dist_tag(version, reads.npm.latest, npm.older_patch_tag)
    if str(version) in reads.npm.versions:
        on = next((k for k, v in reads.npm.dist_tags.items() if v == str(version)), None)
        plan.extra["npm"] = {"version": str(version), "dist_tag": on, "status": "published"}
        plan.add(Step.skip("npm", title, f"the registry lists {version}" + (f" (dist-tag {on})" if on else "")))
        return
    args = ["npm", "publish", *(["--tag", tag] if tag != "latest" else [])]
    command = f"cd {npm.directory} && {' '.join(args)}"
    plan.extra["npm"] = {"version": str(version), "dist_tag": tag, "status": "pending", "command": command}
    if npm_dir is None:
        plan.add(Step.checklist("npm", title, f"after the release is published, run: {command} (or re-run with --npm-publish)", data={"command": command}))
        return

    def apply(step: Step) -> str:
        _run_npm(app, args, npm_dir, npm.package, version)
        plan.extra["npm"]["status"] = "published"
        return f"published with `{' '.join(args)}`"

    plan.add(Step.todo("npm", title, f"run {command}", apply, needs=("publish",), data={"command": command}))


def _run_npm(app: App, args: list[str], directory: Path, package: str, version: Release) -> None:
    """Run npm (never twice: the registry is read first), then read the registry back."""
    if str(version) in app.clients.npm.package(package).versions:
        raise Skip(f"the registry lists {version} already (published meanwhile)")
    registry = app.settings.npm_url.rstrip("/") + "/"
    try:
        done = subprocess.run([*args, "--registry", registry], cwd=directory, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired) as err:
        raise FleetopsError(f"`npm publish` could not run ({err}); check the registry before trying again.") from None
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise FleetopsError(f"`npm publish` failed (exit {done.returncode}): {redact(last[0])}")
    if str(version) not in app.clients.npm.package(package).versions:
        raise FleetopsError(f"`npm publish` ended, but the registry does not list {version} yet.", hint="Check again in a minute; a re-run skips it once it is listed.")


def _dogfood_steps(plan: Plan, reads: _Reads, options: PublishOptions) -> None:
    title = "Deploy to dogfood"
    if options.skip_dogfood:
        plan.add(Step.skip("dogfood", title, "--skip-dogfood"))
        return
    err = reads.dogfood_error
    if err is not None:
        from fleetops.ops.dogfood.policy import DeployBusy

        if isinstance(err, DeployBusy):  # e.g. the deploy an earlier run of publish dispatched: not started twice
            plan.add(Step.skip("dogfood", title, f"not dispatched again: {redact(str(err))}"))
        elif isinstance(err, PolicyRefusal):
            plan.needs_action = True
            plan.add(Step.skip("dogfood", title, f"deploy-dogfood refuses: {redact(str(err))}"))
        else:
            plan.add(Step("dogfood", title, f"deploy-dogfood could not plan: {redact(str(err))}", status=Status.FAILED))
        return
    assert reads.dogfood is not None  # noqa: S101 - read unless skipped or failed
    for step in reads.dogfood.steps:
        step.id = "dogfood-" + step.id
        step.needs = (*("dogfood-" + n for n in step.needs), "publish")
        step.title = f"Dogfood: {step.title}"
        plan.add(step)
    plan.extra["dogfood"] = reads.dogfood.extra


def _dogfood_text(plan: Plan) -> str:
    run = (plan.extra.get("dogfood") or {}).get("run") or {}
    if run.get("url"):
        return str(run["url"])
    return "(not deployed by this run)"


def _announce_step(app: App, plan: Plan, holder: dict[str, Any], ann: Announcement, version: Release) -> None:
    markers = Markers(f"{MARKER} {ann.key} announcing in Slack", f"{MARKER} {ann.key} announced in Slack", " -->")
    title = f"Announce in {ann.channel}"

    def text() -> str:
        values = {"version": str(version), "tag": holder["release"].tag, "release_url": holder["release"].html_url,
                  "dogfood": _dogfood_text(plan), "channel": ann.channel}
        return fill(ann.text_for(latest=holder["latest"]), values)

    body = holder["release"].body
    if (line := markers.announced_in(body)) is not None:
        plan.add(Step.skip(f"announce-{ann.key}", title, f"already announced: the release says {line!r}", data={"text": text()}))
        return
    if app.settings.webhook(ann.webhook_variable) is None:
        plan.add(Step.checklist(f"announce-{ann.key}", title, f"{ann.webhook_variable} is not set: post this in {ann.channel} yourself: {text()}", data={"text": text()}))
        return
    github = app.clients.github

    def apply(step: Step) -> str:
        final = text()
        step.data["text"] = final
        record = Record(
            markers, f"the release {holder['release'].tag}", "the release",
            lambda: github.release(holder["release"].id).body, lambda new: _edit(app, holder, new) and None,
            lambda line: f"Add the line {line!r} at the end of the release's body: until then a re-run reports the announcement as not confirmed.",
        )
        return post_once(step, app.clients.slack_for(ann.webhook_variable), record, channel=ann.channel, text=final, now=app.now)

    needs = ("publish", *(s.id for s in plan.steps if s.id.startswith("dogfood-")))
    plan.add(Step.todo(f"announce-{ann.key}", title, f"post in {ann.channel}: {text()}", apply, needs=needs,
                       once="--resend-announcement", attempted=markers.attempt_time(body), data={"text": text()}))
