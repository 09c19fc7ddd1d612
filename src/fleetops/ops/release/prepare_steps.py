"""The steps of `release prepare` (ops/release/prepare.py says what each does), built from what it read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fleetops.clients.git import Conflict
from fleetops.errors import FleetopsError
from fleetops.ops.announce import ANNOUNCING, MARKERS, Record, post_once
from fleetops.ops.release import check_migrations
from fleetops.ops.release.changelog import edit_section, editor_from
from fleetops.ops.release.files import write_files
from fleetops.ops.release.migrations import rule
from fleetops.plan import Plan, Skip, Status, Step
from fleetops.text import fill
from fleetops.views import Facts, FileDiffs

if TYPE_CHECKING:
    from fleetops.ops.release.bumps import FileEdit
    from fleetops.ops.release.picks import Fix
    from fleetops.ops.release.prepare import Prepare, World


def build(prep: Prepare) -> Plan:
    """Read, then every step in order; the plan's --json keys as SPEC §2 lists them."""
    world = prep.read()
    prep.world = world
    prep.analyse_picks(world)
    pending = [f for f in world.selection.fixes if f.status == "pending"]
    plan = prep.plan
    plan.add(branch_step(prep))
    pick_ids = [plan.add(pick_step(prep, fix, pending)).id for fix in world.selection.fixes]
    found = migration_violations(prep, pending)
    plan.add(check_migrations.migrations_step(world.lines, found))
    plan.add(push_branch_step(prep, tuple(pick_ids)))
    changelog = plan.add(changelog_step(prep, pending, tuple(pick_ids)))
    plan.add(push_step(prep, "push-changelog", prep.names.prepare, ("changelog",)))
    plan.add(pull_step(prep, "pr-changelog", "prepare", prep.names.prepare, prep.names.branch, ("push-changelog", "push-branch")))
    plan.add(main_step(prep))
    plan.add(push_step(prep, "push-main", prep.names.main, ("changelog-main",)))
    plan.add(pull_step(prep, "pr-main", "main", prep.names.main, prep.names.default, ("push-main",)))
    plan.add(announce_step(prep))
    selection = world.selection
    plan.needs_action = bool(selection.mentioned or selection.unfixed or found or selection.off_history)
    section = prep.section
    plan.extra.update({
        "version": prep.names.version, "kind": prep.names.kind, "branch": prep.names.branch,
        "picks": [f.as_json() for f in selection.fixes],
        "mentioned": selection.mentioned, "unfixed": selection.unfixed,
        "not_on_default": [f.as_json() for f in selection.off_history],
        "migrations": {"violations": [v.as_json() for v in found]},
        "changelog": {"entries": section.entries if section else [], "warnings": section.warnings if section else []},
        "bumps": changelog.data.pop("bumps", []),
        "pulls": [p for p in (_pull_json(world, "prepare", prep.names.branch), _pull_json(world, "main", prep.names.default)) if p],
    })
    if not prep.app.json_mode:
        prep.app.ui.show(facts(prep, found))
    return plan


def _pull_json(world: World, key: str, base: str) -> dict[str, object] | None:
    pull = world.pulls.get(key)
    return {"number": pull.number, "base": base} if pull else None


def facts(prep: Prepare, found: list) -> Facts:
    world, names = prep.world, prep.names
    assert world is not None  # noqa: S101
    shown = Facts(heading=f"Fleet {names.version} ({names.kind}) on {names.branch}", blank_after=True)
    shown.add("Starts at", f"{names.tag.removeprefix('refs/tags/') if names.tag else names.default} ({world.base[:12]})")
    for fix in world.selection.fixes:
        shown.add("Fix", f"#{fix.pr} {fix.title} ({fix.sha[:12]}): {fix.status}{' (' + fix.why + ')' if fix.why else ''}")
    for item in world.selection.mentioned:
        shown.add("Mentioned", f"#{item['pr']} only mentions #{item['issue']}: not picked (add --pick {item['pr']} if it fixes it)", "yellow")
    for item in world.selection.unfixed:
        shown.add("Unfixed", f"#{item['issue']} has no merged fix into {names.default}", "yellow")
    for fix in world.selection.off_history:
        shown.add("Not on main", f"#{fix.pr} is not on {names.default}'s first-parent history: not picked", "yellow")
    for v in found:
        shown.add("Migration", f"{v.file}: {v.timestamp} → propose {v.proposed}", "yellow")
    return shown


# --- 1 the release branch ---------------------------------------------------------------------------------------
def branch_step(prep: Prepare) -> Step:
    world, names, git = prep.world, prep.names, prep.git
    assert world is not None  # noqa: S101
    title = f"Check out {names.branch}"
    local, on_remote = world.local[names.branch], world.remote.get(f"refs/heads/{names.branch}")
    if local and git.current_branch() == names.branch and local == world.tip:
        return Step.skip("branch", title, f"checked out at {local[:12]}", data={"sha": local})
    if local:
        detail = f"switch to it ({local[:12]})" + (f", fast-forward to {names.remote}'s {world.tip[:12]}" if world.tip != local else "")
    else:
        start = f"{names.remote}/{names.branch}" if on_remote else (names.tag or names.default).removeprefix("refs/tags/")
        detail = f"create it at {start} ({world.tip[:12]})"

    def apply(step: Step) -> str:
        if git.rev(f"refs/heads/{names.branch}") is None:
            git.switch(names.branch, create_at=world.tip)
            return f"created {names.branch} at {world.tip[:12]}"
        git.switch(names.branch)
        if git.rev("HEAD") != world.tip and git.is_ancestor("HEAD", world.tip):
            git.run("merge", "--ff-only", "--quiet", world.tip)
        return f"on {names.branch} at {git.rev('HEAD')[:12]}"

    return Step.todo("branch", title, detail, apply, data={"sha": world.tip})


# --- 2 the picks -------------------------------------------------------------------------------------------------
def pick_step(prep: Prepare, fix: Fix, pending: list[Fix]) -> Step:
    names, git = prep.names, prep.git
    title = f"Pick #{fix.pr} {fix.title}"
    data = {"pr": fix.pr, "sha": fix.sha}
    if fix.status == "already":
        return Step.skip(f"pick-{fix.pr}", title, f"on {names.branch} already: {fix.why}", data=data)
    earlier = tuple(f"pick-{f.pr}" for f in pending[: pending.index(fix)])

    def apply(step: Step) -> str:
        try:
            new = git.cherry_pick(fix.sha)
        except Conflict:
            fix.status = "conflict"
            _refresh_picks(prep)
            later = " ".join(str(f.pr) for f in pending[pending.index(fix) + 1 :])
            raise FleetopsError(
                f"cherry-picking #{fix.pr} ({fix.sha[:12]}) onto {names.branch} stopped on a conflict; the working copy is left in the cherry-pick.",
                hint=(f"Resolve the conflicts in {prep.options.repo_dir}, `git add` them, run `git cherry-pick --continue`, then run the "
                      f"same `fleetops release prepare {names.version}` again: it goes on from there" + (f" (still to pick: {later})." if later else ".")),
            ) from None
        fix.status = "picked"
        _refresh_picks(prep)
        return f"picked as {new[:12]}"

    return Step.todo(f"pick-{fix.pr}", title, f"git cherry-pick -x {fix.sha[:12]}", apply, data=data, needs=("branch", *earlier))


def _refresh_picks(prep: Prepare) -> None:
    assert prep.world is not None  # noqa: S101
    prep.plan.extra["picks"] = [f.as_json() for f in prep.world.selection.fixes]


# --- 3 migrations --------------------------------------------------------------------------------------------------
def migration_violations(prep: Prepare, pending: list[Fix]) -> list:
    """The rule with the release's migrations as they will be after the pending picks."""
    world = prep.world
    assert world is not None  # noqa: S101
    pattern = prep.app.rituals.releasing.migrations.pattern
    dirs = tuple(prep.app.rituals.releasing.migrations.dirs)
    on_branch = [p for d in dirs for p in prep.git.tree_files(world.tip, d)]  # the branch as it is in the working copy
    added = [p for fix in pending for status, p in prep.changed.get(fix.sha, []) if status == "A" and p.startswith(dirs)]
    return rule([*on_branch, *added], world.lines.later, pattern)


# --- 4 push the release branch -------------------------------------------------------------------------------------
def push_branch_step(prep: Prepare, picks_: tuple[str, ...]) -> Step:
    world, names = prep.world, prep.names
    assert world is not None  # noqa: S101
    title = f"Push {names.branch} to {names.remote}"
    on_remote = world.remote.get(f"refs/heads/{names.branch}")
    picking = any(prep.plan.step(i).status is Status.PENDING for i in picks_)
    if on_remote == world.tip and not picking:
        return Step.skip("push-branch", title, f"{names.remote} has it at {world.tip[:12]}")
    return Step.todo("push-branch", title, f"git push {names.remote} {names.branch}", _pusher(prep, names.branch), needs=("branch", *picks_))


def _pusher(prep: Prepare, branch: str):  # noqa: ANN202 - an Action
    def apply(step: Step) -> str:
        local = prep.git.rev(f"refs/heads/{branch}")
        if local is not None and prep.git.ls_remote(prep.names.remote, f"refs/heads/{branch}").get(f"refs/heads/{branch}") == local:
            raise Skip(f"{prep.names.remote} has {branch} at {local[:12]} already")
        prep.git.push(prep.names.remote, branch)
        return f"pushed {branch} ({(local or '')[:12]})"

    return apply


def push_step(prep: Prepare, step_id: str, branch: str, needs: tuple[str, ...]) -> Step:
    world = prep.world
    assert world is not None  # noqa: S101
    title = f"Push {branch} to {prep.names.remote}"
    local, on_remote = world.local.get(branch), world.remote.get(f"refs/heads/{branch}")
    if on_remote and (local is None or local == on_remote):
        return Step.skip(step_id, title, f"{prep.names.remote} has it at {on_remote[:12]}")
    return Step.todo(step_id, title, f"git push {prep.names.remote} {branch}", _pusher(prep, branch), needs=needs)


# --- 5 the changelog commits -----------------------------------------------------------------------------------------
def _committed(prep: Prepare, branch: str) -> str | None:
    """The changelog commit when `branch` has it (locally, or on the remote): nothing to commit again."""
    world = prep.world
    assert world is not None  # noqa: S101
    message = fill(prep.app.rituals.releasing.commit_message, {"version": prep.names.version})
    for sha in (world.local.get(branch), world.remote.get(f"refs/heads/{branch}")):
        if sha and prep.git.out("log", "-1", "--format=%s", sha) == message:
            return sha
    return None


def _diffs(edits: list[FileEdit], removed: list[str]) -> FileDiffs:
    files = [(e.path, tuple(e.diff()[2:])) for e in edits]
    files += [(path, ("(deleted: a consumed change file)",)) for path in removed]
    return FileDiffs(tuple(files))


def changelog_step(prep: Prepare, pending: list[Fix], picks_: tuple[str, ...]) -> Step:
    world, names = prep.world, prep.names
    assert world is not None  # noqa: S101
    title = f"Commit the changelog and version bumps on {names.prepare}"
    changes = prep.change_files(world.tip, pending)
    prep.section = prep.section_for(changes)
    done = _committed(prep, names.prepare)
    if prep.options.edit and not done:
        prep.section = edit_section(prep.section, names.version, editor_from(), prep.app.rituals.releasing.changelog.heading)
    if done:
        return Step.skip("changelog", title, f"{names.prepare} has the commit ({done[:12]})", data={"bumps": []})
    edits, _ = prep.release_edits(world.tip, prep.section)
    bumps = [{"file": e.path, "from": a, "to": b} for e in edits for a, b in e.changes]
    removed = prep.section.consumed
    detail = f"{len(prep.section.entries)} changelog entries, {len(bumps)} version bump(s), {len(removed)} change file(s) deleted"

    def apply(step: Step) -> str:
        assert prep.section is not None  # noqa: S101
        # the branch after the picks, as committed (the person's text with --edit)
        section = prep.section if prep.options.edit else prep.section_for(prep.change_files("HEAD", []))
        return _commit_on(prep, names.prepare, "HEAD", section, bumps=True)

    return Step.todo("changelog", title, detail, apply, data={"bumps": bumps}, needs=("branch", *picks_),
                     preview=_diffs(edits, removed))


def _commit_on(prep: Prepare, branch: str, start: str, section, *, bumps: bool) -> str:  # noqa: ANN001 - a Section
    """Create `branch` at `start`, write the section, bumps and deletions, commit; back to the release branch."""
    git, names = prep.git, prep.names
    start_sha = git.rev(start)
    edits, _ = prep.release_edits(start_sha or start, section, bumps=bumps)
    removed = prep.still_there(start_sha or start, section.consumed)
    if not edits and not removed:
        raise Skip(f"nothing to change on {branch}: the changelog has {names.version} and no change file is left")
    git.switch(branch, create_at=start_sha)
    try:
        write_files(prep.options.repo_dir, {e.path: e.after for e in edits}, removed)
        message = fill(prep.app.rituals.releasing.commit_message, {"version": names.version})
        sha = git.commit_all(message, [e.path for e in edits], removed)
    finally:
        git.switch(names.branch)
    return f"committed {sha[:12]} on {branch}"


def main_step(prep: Prepare) -> Step:
    world, names = prep.world, prep.names
    assert world is not None and prep.section is not None  # noqa: S101
    title = f"Commit the changelog on {names.main} (from {names.default})"
    done = _committed(prep, names.main)
    if done:
        return Step.skip("changelog-main", title, f"{names.main} has the commit ({done[:12]})")
    section = prep.section
    edits, _ = prep.release_edits(world.default_head, section, bumps=False)
    removed = prep.still_there(world.default_head, section.consumed)
    if not edits and not removed:
        return Step.skip("changelog-main", title, f"{names.default}'s changelog has {names.version} and none of its change files is left")

    def apply(step: Step) -> str:
        return _commit_on(prep, names.main, world.default_head, section, bumps=False)

    detail = f"the same section, {len(removed)} consumed change file(s) deleted (no version bumps on {names.default})"
    return Step.todo("changelog-main", title, detail, apply, needs=("changelog",), preview=_diffs(edits, removed))


# --- 6 the pull requests --------------------------------------------------------------------------------------------
def pull_step(prep: Prepare, step_id: str, key: str, head: str, base: str, needs: tuple[str, ...]) -> Step:
    world, names = prep.world, prep.names
    assert world is not None  # noqa: S101
    title = f"Open a pull request from {head} into {base}"
    existing = world.pulls.get(key)
    if existing is not None:
        return Step.skip(step_id, title, f"#{existing.number} ({existing.state}) exists: {existing.url}", data={"number": existing.number})
    message = fill(prep.app.rituals.releasing.commit_message, {"version": names.version})
    body = f"Prepared by `fleetops release prepare {names.version}`: the changelog for Fleet {names.version}" + (
        f", the consumed change files and the version bumps of {base}." if key == "prepare" else f" and the change files it consumed, on {base}.")

    def apply(step: Step) -> str:
        github = prep.app.clients.github
        found = github.pulls_from(head, base)
        pull = found[0] if found else github.create_pull(message, body, head=head, base=base)
        world.pulls[key] = pull
        step.data["number"] = pull.number
        pulls = [p for p in (_pull_json(world, "prepare", names.branch), _pull_json(world, "main", names.default)) if p]
        prep.plan.extra["pulls"] = pulls
        return f"{'found' if found else 'opened'} #{pull.number}: {pull.url}"

    return Step.todo(step_id, title, f"{message!r} into {base}", apply, needs=needs)


# --- 7 the announcement ----------------------------------------------------------------------------------------------
def announcement(prep: Prepare, docker: str | None) -> str:
    world, names, app = prep.world, prep.names, prep.app
    assert world is not None  # noqa: S101
    values = {
        "version": names.version, "branch": names.branch, "qa_issue": world.qa_url or f"(no 'Release QA: {names.version}' issue yet)",
        "docker_run": docker or f"(the {app.rituals.releasing.docker_workflow} run of {names.branch})",
        "milestone_url": f"https://github.com/{app.repo}/milestone/{world.milestone}", "channel": app.rituals.slack.channel,
    }
    return fill(app.rituals.releasing.announcement, values)


def announce_step(prep: Prepare) -> Step:
    world, app = prep.world, prep.app
    assert world is not None  # noqa: S101
    channel = app.rituals.slack.channel
    title = f"Announce in {channel}"
    text = announcement(prep, None)
    existing = world.pulls.get("prepare")
    body = existing.body if existing is not None else ""
    if (line := MARKERS.announced_in(body)) is not None:
        return Step.skip("announce", title, f"already announced: pull request #{existing.number} says {line!r}", data={"text": text})  # type: ignore[union-attr]
    if app.settings.slack_webhook_url is None:
        return Step.checklist("announce", title, f"SLACK_WEBHOOK_URL is not set: post this in {channel} yourself: {text}", data={"text": text})

    def apply(step: Step) -> str:
        pull = world.pulls.get("prepare")
        if pull is None:
            err = FleetopsError("the pull request into the release branch is missing: nothing was posted; re-run.")
            err.not_sent = True  # type: ignore[attr-defined]
            raise err
        final = announcement(prep, _docker_run(prep))
        step.data["text"] = final
        github = app.clients.github
        record = Record(MARKERS, f"pull request #{pull.number}", "the pull request into the release branch",
                        lambda: github.issue_body(pull.number), lambda new: github.edit_issue_body(pull.number, new),
                        lambda line: f"Replace the line starting {ANNOUNCING!r} in #{pull.number}'s description by {line!r}.")
        return post_once(step, app.clients.slack, record, channel=channel, text=final, now=app.now)

    return Step.todo("announce", title, f"post in {channel}: {text}", apply, data={"text": text}, needs=("pr-changelog",),
                     once="--resend-announcement", attempted=MARKERS.attempt_time(body))


def _docker_run(prep: Prepare) -> str | None:
    try:
        runs = prep.app.clients.github.workflow_runs(prep.app.rituals.releasing.docker_workflow, branch=prep.names.branch)
    except FleetopsError:
        return None  # the announcement says where to look instead
    return runs[0].html_url if runs else None
