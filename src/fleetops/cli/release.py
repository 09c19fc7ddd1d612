"""`fleetops release ...`: the release DRI's rituals, one command per handbook section."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fleetops.cli.options import DryRun, Json, ResendAnnouncement, RitualHelp, Yes, app_of, done

app = typer.Typer(help="The release DRI's rituals: dependencies, QA issue, readiness, candidates, milestone, dogfood, and the release itself (prepare, check-migrations, tag, publish).", no_args_is_help=True)


@app.command("check-deps")
def check_deps(
    ctx: typer.Context,
    file_issues: Annotated[bool, typer.Option("--file-issues", help="File the issue each finding needs (never a duplicate of an open one).")] = False,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Check that Go, the macadmins extension, osquery and the feeds are current.

    \b
    Handbook: "Confirm latest versions of dependencies". Run it before release QA.
    1. Read at once: go.mod and OSQUERY_VERSION on the default branch (or the
       GO_VERSION Actions variable), go.dev's releases, the latest releases of
       macadmins/osquery-extension and osquery/osquery, the NVD and CISA feeds,
       and the orbit-v* / fleetd-chrome-v* tags with the changes since them.
    2. Judge each one: a newer Go patch is a bug and a ~release blocker; a newer
       Go minor is a story; a newer macadmins-extension is a blocking bug; a
       newer osquery is a bug (not a blocker); a stale or unreachable feed is
       a checklist item for the on-call engineer.
    3. Show the table. With --file-issues: file each needed issue (labels from
       the rituals file; assigned to the release DRI and the on-call engineer),
       skipping any with the title of an open issue; ask first (or --yes).
    4. If fleetd changed: run `fleetops release create-qa-issue VERSION
       --fleetd-only` (listed as a checklist item).
    In GitHub Actions, a Markdown summary goes to $GITHUB_STEP_SUMMARY.
    Exit 3 while anything is behind (also after filing), 0 when all is current,
    1 when a check could not be done.
    """
    from fleetops.ops.deps import check as check_deps, view as check_deps_view

    fleet = app_of(ctx, "release check-deps", json=json, dry_run=dry_run, lock="" if file_issues else None)
    report, plan = check_deps.check(fleet, check_deps.Options(file_issues=file_issues, yes=yes, dry_run=dry_run))
    try:
        if file_issues or dry_run:
            code = fleet.execute(plan, yes=yes, dry_run=dry_run)
        else:  # only reads: the issues and the checklist are what to do next
            if not json:
                fleet.ui.plan(plan, heading="Next steps")
            code = fleet.report(plan)
    finally:
        check_deps_view.write_step_summary(fleet, report, plan)
    if not json:
        check_deps_view.verdict(fleet, plan)
    done(code)


@app.command("create-qa-issue")
def create_qa_issue(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version being released, e.g. 4.58.0 (with --fleetd-only: the orbit version).")],
    fleetd_only: Annotated[bool, typer.Option("--fleetd-only", help="A fleetd-only release: drop the Fleet core section.")] = False,
    orbit: Annotated[str | None, typer.Option("--orbit", metavar="VERSION", help="Orbit's new version. Default: next patch (--fleetd-only: VERSION).")] = None,
    desktop: Annotated[str | None, typer.Option("--desktop", metavar="VERSION", help="Desktop's new version. Default: as Orbit's.")] = None,
    chrome: Annotated[str | None, typer.Option("--chrome", metavar="VERSION", help="The Chrome extension's new version. Default: next patch.")] = None,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Open the Release QA issue from the repository's template.

    \b
    (Handbook: "Create release QA issue".)
    1. Read the template (qa.template in the rituals file) at the default branch:
       title prefix, labels, assignees, body.
    2. Read at once: an open issue with the same title, the repository's labels,
       and which fleetd components changed since their last tag.
    3. Title: 'Release QA: VERSION' (--fleetd-only: 'Release QA: fleetd VERSION').
       Labels: the template's. Assignees: the QA members of the rituals' product
       groups (else the template's).
    4. Body: the template minus what does not apply: fill each fleetd component's
       'vX > vY' line, drop unchanged components (and the fleetd section when none
       changed); --fleetd-only also drops the Fleet core section.
    5. Show the plan with the body as a diff; ask (or need --yes without a
       terminal).
    6. Create the issue, unless one with that title is open: it is reused.
    7. Journal the change. --json adds {"issue": {"number", "url", "title"}}.
    """
    from fleetops.ops.qa.issue import QAOptions, create_qa_issue as plan_issue

    fleet = app_of(ctx, "release create-qa-issue", json=json, dry_run=dry_run, lock=version.removeprefix("v"))
    given = {name: value for name, value in (("orbit", orbit), ("desktop", desktop), ("fleetd-chrome", chrome)) if value is not None}
    options = QAOptions(version=version, fleetd_only=fleetd_only, component_versions=given)
    done(fleet.execute(plan_issue(fleet, options), yes=yes, dry_run=dry_run))


@app.command()
def readiness(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version being released, e.g. 4.58.0.")],
    json: Json = False,
) -> None:
    """Show which product groups are release-ready.

    \b
    (Handbook: "Indicate your product group is release-ready".)
    Under FLEETOPS_RITUALS=fleet-rc the boards are GitHub Projects: the issue
    'Release QA: VERSION' (candidate.qa_issue_title; open or closed, as in
    step 2) and its Status on each group's project (people.product_groups[].
    project; GH_TOKEN needs the project scope); ready in 'Ready for release'
    while the issue is open. Otherwise (ZenHub):
    1. Read the Release QA template (for the title 'Release QA: VERSION') and
       each product group's ZenHub board, at once.
    2. On each board, find the issue with that title (open or closed).
    3. A group is ready when its ticket is open and in 'Ready for release'
       (zenhub.pipelines in the rituals file); otherwise say why: no ticket,
       closed, or the pipeline it is in.
    4. Print a table (--json: {"ready", "groups": [...]}). Reads only.
    Exit 0 when every group is ready, 3 while any is waiting: the release
    DRI starts the release on 0.
    """
    from fleetops.ops.process import is_release_candidate
    from fleetops.ops.qa.readiness import readiness as read_readiness
    from fleetops.ops.qa.readiness_projects import readiness_on_projects

    fleet = app_of(ctx, "release readiness", json=json)
    if is_release_candidate(fleet):  # fleet-rc: GitHub Projects boards
        done(fleet.report(readiness_on_projects(fleet, version)))
    done(fleet.report(read_readiness(fleet, version)))


@app.command("conclude-milestone", cls=RitualHelp.of("conclude_milestone"))
def conclude_milestone(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version just released, e.g. 4.58.0.")],
    next_version: Annotated[str | None, typer.Option("--next", help="The next version. Default: the next minor.")] = None,
    resend_announcement: ResendAnnouncement = False,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Conclude the released milestone (handbook: "Conclude current milestone").

    \b
    Run it right after publishing VERSION. It reads the milestone and the
    boards (and Merge Freeze in the merge-freeze process) first, shows every
    step with the issue numbers it changes, asks (or needs --yes), then runs
    the steps that rituals.conclude_milestone.steps of the rituals file in
    force (FLEETOPS_RITUALS) lists, in order:
    {steps}

    \b
    Each step is skipped when already done, so after a failure re-run the
    same command: it finishes the job without duplicates. Steps that need a
    failed one wait; the others run. Names come from the rituals file.
    Slack cannot be asked whether a message arrived: after an attempt with
    no confirmed answer, a re-run shows "may have been sent at T" and does
    not post; look in the channel, then re-run with --resend-announcement
    (or answer yes on a terminal) only if it is not there.
    One run per VERSION at a time: a second one exits 1 naming the holder.
    Exit 0 done or nothing to do; 1 a step failed or another run holds the
    lock; 2 bad VERSION or --next, no such milestone, or --yes needed; 3 the
    announcement may have been sent and was not sent again; 4 a token is
    missing or rejected.
    """
    from fleetops.ops import conclude

    fleet = app_of(ctx, "release conclude-milestone", json=json, dry_run=dry_run, lock=version.removeprefix("v"))
    plan = conclude.conclude(fleet, version=version, next_version=next_version)
    done(fleet.execute(plan, yes=yes, dry_run=dry_run, resend=resend_announcement))


@app.command("rc-status")
def rc_status(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version of the release candidate, e.g. 4.59.0.")],
    json: Json = False,
) -> None:
    """Show the fixes still to pick onto the release candidate (FLEETOPS_RITUALS=fleet-rc).

    \b
    (Handbook: "Merge unreleased bug fixes into the release candidate".)
    1. Read at once: the candidate branch (candidate.branch in the rituals
       file: rc-minor-fleet-vVERSION) against the default branch both ways
       (the cut is their merge base), and the pull requests open into it.
    2. Read the pull requests merged into the default branch since the cut
       and the issues each one closes, as GitHub lists them (GraphQL
       closingIssuesReferences: "Fixes #N" in its description, or linked by
       hand in its Development sidebar), 50 pull requests per query.
    3. A fix is one that closes an issue labelled ~unreleased bug. It is on
       the candidate when a commit there says "(cherry picked from commit
       <sha>)" for its merge commit (git cherry-pick -x) or has "(#N)",
       the pull request's number, in its title.
    4. Print the missing fixes and the pull requests open into the branch
       (--json: branch, cut_at, missing [{pr, title, merge_commit, issues}],
       open_into_rc [{pr, title}]). Reads only.
    5. For each missing fix: git cherry-pick -x its merge commit onto the
       branch through a pull request into it; re-run until it exits 0.
    Exit 0 when every fix is on the candidate, 3 while one is missing, 2 when
    the branch does not exist or the process is not release-candidate.
    """
    from fleetops.ops.candidate.status import rc_status as read_rc_status

    fleet = app_of(ctx, "release rc-status", json=json)
    done(fleet.report(read_rc_status(fleet, version)))


@app.command("cut-rc", cls=RitualHelp.of("cut_rc"))
def cut_rc(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version of the release candidate, e.g. 4.60.0.")],
    resend_announcement: ResendAnnouncement = False,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Create a release candidate (FLEETOPS_RITUALS=fleet-rc).

    \b
    (Handbook: "Create a release candidate".) It reads, at once, the branch,
    the default branch's head, the Actions variable and what create-qa-issue
    reads; shows every step; asks (or needs --yes); then runs the steps that
    rituals.cut_rc.steps of the rituals file in force lists, in order:
    {steps}

    \b
    Each step is skipped when already done: after a failure, re-run the same
    command; it finishes the job without duplicates. Slack cannot be asked
    whether a message arrived: after an attempt with no confirmed answer, a
    re-run shows "may have been sent at T" and does not post; look in the
    channel, then re-run with --resend-announcement only if it is not there.
    --json adds {"branch", "sha", "issue"}. One run per VERSION at a time.
    Exit 0 done or nothing to do; 1 a step failed or another run holds the
    lock; 2 bad VERSION, --yes needed, or the 2024 process (it has a merge
    freeze instead: `fleetops freeze begin`); 3 the announcement may have
    been sent and was not sent again; 4 a token is missing or rejected.
    """
    from fleetops.ops.candidate import cut as ops

    fleet = app_of(ctx, "release cut-rc", json=json, dry_run=dry_run, lock=version.removeprefix("v"))
    plan = ops.cut_rc(fleet, version)
    done(fleet.execute(plan, yes=yes, dry_run=dry_run, resend=resend_announcement))


@app.command("deploy-dogfood")
def deploy_dogfood(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="A release (v4.58.0 or 4.58.0) or a commit hash; never a branch.")],
    watch: Annotated[bool, typer.Option("--watch", help="Follow the deploy run to its end (exit 1 if it fails).")] = False,
    current: Annotated[
        str | None,
        typer.Option("--current", metavar="REF", help="What dogfood runs (a release or a commit hash), when its version endpoint cannot say."),
    ] = None,
    poll_interval: Annotated[float, typer.Option("--poll-interval", metavar="SECONDS", help="Seconds between polls of the run.")] = 10.0,
    timeout: Annotated[str, typer.Option("--timeout", metavar="DURATION", help="How long to wait for the run: 90s, 30m, 1h.")] = "30m",
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Deploy a release or a commit to dogfood (handbook: "Deploy a new release
    to dogfood").

    \b
    1. Check REF: a release (v4.58.0) or a commit hash. A branch such as main
       is refused: fleetdm/fleet:main is not an image name.
    2. Look the image up on Docker Hub by its exact tag (a commit's image is
       tagged with its first 7 hex digits); if it is missing, refuse and
       suggest the nearest existing tags.
    3. Ask dogfood which version it runs (FLEETOPS_DOGFOOD_URL and _TOKEN);
       if it cannot be reached, refuse unless --current says.
    4. Refuse anything older (the workflow runs no down migrations): releases
       by version, commits by git ancestry (GitHub compare must say ahead).
       Deploying what already runs is skipped (exit 0).
    5. Read dogfood-deploy.yml on the default branch: refuse if it lacks the
       input named in the rituals file (DOCKER_IMAGE; older: IMAGE_TAG), or
       if a deploy run is in progress.
    6. Show the plan; ask (or need --yes without a terminal).
    7. Dispatch it with DOCKER_IMAGE=fleetdm/fleet:<tag>; find its run and
       print the URL. With --watch, poll it to the end: exit 1 if it fails
       or --timeout passes.
    """
    from fleetops.ops.dogfood import deploy as dogfood

    fleet = app_of(ctx, "release deploy-dogfood", json=json, dry_run=dry_run, lock="")  # one deploy at a time, whatever REF
    options = dogfood.DeployOptions(
        ref=ref, current=current, watch=watch, poll_interval=poll_interval, timeout=dogfood.parse_duration(timeout)
    )
    done(fleet.execute(dogfood.deploy(fleet, options), yes=yes, dry_run=dry_run))


@app.command("prepare")
def prepare(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version to release, e.g. 4.60.1 (X.Y.0 is a minor, anything else a patch).")],
    repo_dir: Annotated[Path, typer.Option("--repo-dir", help="The git working copy of the repository.")] = Path("."),
    remote: Annotated[str | None, typer.Option("--remote", help="The remote to push to. Default: the one whose URL names the repository.")] = None,
    pick: Annotated[list[int] | None, typer.Option("--pick", metavar="N", help="Also pick merged pull request N (repeatable).")] = None,
    skip_pick: Annotated[list[int] | None, typer.Option("--skip-pick", metavar="N", help="Do not pick pull request N (repeatable).")] = None,
    on: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="The changelog heading's date. Default: today in the handbook's time zone.")] = None,
    edit: Annotated[bool, typer.Option("--edit", help="Open $EDITOR on the new CHANGELOG section before the plan is shown.")] = False,
    resend_announcement: ResendAnnouncement = False,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Prepare a Fleet release in your working copy ("Releasing Fleet").

    \b
    Run it in a clean clone (--repo-dir); names come from releasing: in the
    rituals file. It reads first (the milestone's issues and the pull
    requests GitHub links to them, every line's migrations, the changelog
    pull requests), fetches without moving any ref, shows the plan with every
    file's diff, asks (or needs --yes), then:
    1. Checks out the release branch: a patch's (patch_branch) from the tag
       of the previous release of its minor, a minor's (minor_branch) from
       the default branch, or the candidate cut by `release cut-rc`. An
       existing branch is continued, never reset.
    2. Patch: git cherry-pick -x each pull request merged into the default
       branch that closes a milestone issue (open or closed), in first-parent
       order, skipping those already on the branch (-x line, patch-id or
       (#N)); --pick/--skip-pick adjust. On a conflict it stops (exit 1):
       resolve, `git cherry-pick --continue`, run the same command again.
    3. Lists migrations that break the timestamp rule (never renames them).
    4. Pushes the release branch.
    5. Commits "Adding changes for Fleet vX.Y.Z" on update-changelog-prepare-
       X.Y.Z: the CHANGELOG.md section from changes/, the change files
       deleted, the version bumps (each pattern exactly once; --edit opens
       $EDITOR on the section first); pushes it and opens a pull request
       into the release branch.
    6. The same section and deletions on update-changelog-X.Y.Z from the
       default branch, pushed, with a pull request into it.
    7. Announces in slack.channel, at most once.
    Exit 0 when done, 3 when something is listed for a person (a pull
    request that only mentions an issue, an issue with no merged fix, a
    migration), 1 when a step failed (a conflict, a rejected push), 2 on bad
    input (nothing written).
    """
    from datetime import date

    from fleetops.errors import UsageError
    from fleetops.ops.release.prepare import COMMAND, Options, prepare as plan_release

    day = None
    if on is not None:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise UsageError(f"--date {on!r} is not a date.", hint="Use YYYY-MM-DD, e.g. 2026-12-03.") from None
    fleet = app_of(ctx, COMMAND, json=json, dry_run=dry_run, lock=version.strip().removeprefix("v"))
    options = Options(version=version, repo_dir=repo_dir, remote=remote, picks=tuple(pick or ()), skip_picks=tuple(skip_pick or ()), day=day, edit=edit)
    done(fleet.execute(plan_release(fleet, options), yes=yes, dry_run=dry_run, resend=resend_announcement))


@app.command("check-migrations")
def check_migrations(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version being released, e.g. 4.58.1.")],
    json: Json = False,
) -> None:
    """Check Fleet's migration-timestamp rule for a release (read-only).

    \b
    (Releasing Fleet: "Any migrations that are not cherry-picked in a patch
    must have a later timestamp than migrations that were cherry-picked".)
    1. Read, in one GitHub GraphQL query, the migration file names
       (releasing.migrations.dirs in the rituals file) on: the release branch
       (releasing.minor_branch / patch_branch; before it exists, a patch's
       previous tag fleet-vX.Y.* or a minor's default branch), the default
       branch, and every minor branch newer than VERSION.
    2. R = the release's timestamps; M = the others'. Each m in M but not in R
       older than R's newest would never run after upgrading through VERSION
       (Fleet's migrator only runs migrations newer than the newest applied).
    3. List each one with a proposed timestamp: consecutive after R's newest,
       in the same order (--json: migrations.violations [{file, timestamp,
       proposed, branches}]). Nothing is renamed: rename the file and its
       test, Up_/Down_/TestUp_, and schema.sql on every branch that has it.
    Exit 0 when the rule holds, 3 on a violation, 2 when VERSION is not
    X.Y.Z or a patch has no earlier tag of its minor.
    """
    from fleetops.ops.release.check_migrations import COMMAND, check_migrations as check

    fleet = app_of(ctx, COMMAND, json=json)
    done(fleet.report(check(fleet, version)))


@app.command("tag")
def tag(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version to tag, X.Y.Z (e.g. 4.58.1).")],
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Create the tag and stop: do not follow the release workflow's run.")] = False,
    timeout: Annotated[str, typer.Option("--timeout", metavar="DURATION", help="How long to follow the run: 90s, 30m, 1h.")] = "45m",
    poll_interval: Annotated[float, typer.Option("--poll-interval", metavar="SECONDS", help="Seconds between polls of the run (one request each).")] = 10.0,
    branch: Annotated[str | None, typer.Option("--branch", metavar="NAME", help="The release branch, when it is not the rituals file's name for VERSION.")] = None,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Tag the release branch's head on GitHub and follow the release build.

    \b
    (Fleet's "Releasing Fleet" guide: tag, then wait about fifteen minutes.)
    GitHub's API only: no working copy is needed, so it runs the same in CI.
    1. Read at once the tag and, in check-migrations' single GraphQL query,
       the release branch's head (a patch: rc-patch-fleet-vX.Y.Z, under the
       2024 process patch-fleet-vX.Y.Z; a minor: the candidate or prepare
       branch) with its migrations, and the migrations of the default branch
       and of the minor branches family (every branch named like
       releasing.minor_branch; those newer than X.Y.Z count).
    2. At that head commit read CHANGELOG.md and the version files. Refuse
       (exit 2, naming what) unless CHANGELOG.md's first release heading
       (releasing.changelog.heading, `## Fleet X.Y.Z (date)`) is X.Y.Z,
       every version file carries vX.Y.Z exactly once, and no migration
       elsewhere is older than the branch's newest and missing.
    3. Refuse (exit 2) a tag fleet-vX.Y.Z at another commit; at the head it is
       skipped. Show the plan; ask (or need --yes without a terminal).
    4. Read the branch's head again just before creating the tag: if it moved
       since step 1, nothing is tagged (exit 1; run this again to check the
       new head). Else create fleet-vX.Y.Z at the head (POST /git/refs, sent
       once).
    5. Unless --no-wait: follow the release workflow's run of that commit
       (goreleaser-fleet.yaml, from the rituals file), one request every
       --poll-interval seconds, until it ends or --timeout passes: a failed
       run is exit 1 with its URL. After re-running the workflow on GitHub,
       run this again: it follows the new attempt without tagging again.
    --json adds {"tag", "sha", "branch", "run": {"id", "url", "status",
    "conclusion", "attempt"}}.
    """
    from fleetops.ops.dogfood.ref import parse_duration
    from fleetops.ops.release.tag import TagOptions, plan_tag

    fleet = app_of(ctx, "release tag", json=json, dry_run=dry_run, lock=version.removeprefix("v"))
    options = TagOptions(version=version, wait=not no_wait, timeout=parse_duration(timeout), poll_interval=poll_interval, branch=branch)
    done(fleet.execute(plan_tag(fleet, options), yes=yes, dry_run=dry_run))


@app.command("publish")
def publish(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version to publish, X.Y.Z (tagged and built by `release tag`).")],
    npm_publish: Annotated[bool, typer.Option("--npm-publish", help="Run `npm publish` (npm on PATH; a working copy in --repo-dir).")] = False,
    repo_dir: Annotated[
        Path | None, typer.Option("--repo-dir", metavar="DIR", help="With --npm-publish: a checkout of the tag (default: the current directory).")
    ] = None,
    skip_dogfood: Annotated[bool, typer.Option("--skip-dogfood", help="Do not deploy the release to dogfood.")] = False,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
    resend: ResendAnnouncement = False,
) -> None:
    """Publish the built release: notes, release, npm, dogfood, announcements.

    \b
    (Fleet's "Releasing Fleet" guide, after the tag's build.)
    1. Find the draft release of fleet-vX.Y.Z with checksums.txt among its
       assets; without it exit 3 ("not built yet": run `release tag`).
    2. Write its notes from the rituals file's template (publishing.
       notes_template): the CHANGELOG section of X.Y.Z at the tag, the newest
       orbit-v* and fleetd-chrome-v* tags, the upgrading and documentation
       links, checksums.txt in a code block; title X.Y.Z. Shown as a diff
       against the draft before anything changes.
    3. Publish it, in the same write as the notes when both change; mark it
       latest only when X.Y.Z is the highest release (a patch of an older
       minor is not).
    4. fleetctl on npm (FLEETOPS_NPM_URL): while the registry does not list
       X.Y.Z, print `npm publish` in tools/fleetctl-npm, with `--tag
       last-patched-version` when X.Y.Z is below npm's latest; --npm-publish
       runs it. An unreadable registry is 'unknown' (exit 3), never guessed.
    5. Deploy to dogfood with deploy-dogfood's guards (--skip-dogfood).
    6. Announce in #general and #help-infrastructure, each at most once
       (channels, texts and webhook variables in the rituals file); an
       announcement that may have been sent is held (exit 3) until
       --resend-announcement.
    7. Checklist: the osquery Slack #fleet topic, with the text to paste.
    A re-run skips what is done: after a finished publish it changes nothing.
    --json adds {"release": {"id", "url", "latest"}, "npm": {"version",
    "dist_tag", "status"}}.
    """
    from fleetops.ops.release.publish import PublishOptions, plan_publish

    fleet = app_of(ctx, "release publish", json=json, dry_run=dry_run, lock=version.removeprefix("v"))
    options = PublishOptions(version=version, npm_publish=npm_publish, repo_dir=repo_dir, skip_dogfood=skip_dogfood)
    done(fleet.execute(plan_publish(fleet, options), yes=yes, dry_run=dry_run, resend=resend))
