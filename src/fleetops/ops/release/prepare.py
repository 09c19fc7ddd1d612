"""`release prepare VERSION` (SPEC §2 "Releasing"): the release branch, the picks, the migrations, the changelog,
the version bumps, the two pull requests and the announcement, as one plan.

It works in the person's own working copy through `git` (clients/git.py) and reads GitHub in a few
requests: the milestone with every issue's linked pull requests (one GraphQL query a hundred issues),
the migration directories of every line (one GraphQL query), the two changelog pull requests and the
Release QA issue. Git objects are fetched without moving any ref, so `--dry-run` leaves the working
copy, its refs and the remote as they were.

Steps, each skipped when already done (a re-run after a failure or a kill finishes the job):

    branch            check out the release branch: continued when it exists (locally or on the remote),
                      else created at the previous release's tag (patch) or the default branch (minor, 2024)
    pick-N            `git cherry-pick -x` each fix not on the branch yet, in first-parent order; a conflict
                      stops here (exit 1) with the commands to go on
    migrations        the timestamp rule (ops/release/check_migrations.py), for a person: never renamed
    push-branch       push the release branch (never forced)
    changelog         on update-changelog-prepare-X: the CHANGELOG section, the consumed change files
                      deleted, the version bumps; one commit "Adding changes for Fleet vX"
    push-changelog, pr-changelog   push it; a pull request into the release branch
    changelog-main    the same section and deletions on update-changelog-X from the default branch
    push-main, pr-main             push it; a pull request into the default branch
    announce          releasing.announcement in slack.channel, at most once (markers in the pull request
                      into the release branch, as cut-rc keeps them in the Release QA issue)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from fleetops.clients.git import Git
from fleetops.concurrency import gather
from fleetops.errors import AuthError, UsageError
from fleetops.ops.release import check_migrations, picks
from fleetops.ops.release.bumps import FileEdit, plan_bumps
from fleetops.ops.release.changelog import ChangeFile, Section, build_section, with_section
from fleetops.ops.release.prepare_steps import build
from fleetops.plan import Plan
from fleetops.versions import Release, release_name, require_release

if TYPE_CHECKING:
    from fleetops.app import App
    from fleetops.clients.github import PullSummary

COMMAND = "release prepare"


@dataclass(frozen=True)
class Options:
    version: str
    repo_dir: Path
    remote: str | None = None
    picks: tuple[int, ...] = ()
    skip_picks: tuple[int, ...] = ()
    day: date | None = None  # --date
    edit: bool = False  # --edit: $EDITOR on the section before the plan is shown


@dataclass
class Names:
    release: Release
    version: str  # str(release)
    kind: str
    branch: str  # the release branch
    prepare: str  # update-changelog-prepare-X
    main: str  # update-changelog-X
    default: str
    tag: str | None  # a patch's starting tag
    remote: str


@dataclass
class World:
    """What the plan was built from."""

    remote: dict[str, str]  # full ref → sha on the remote
    local: dict[str, str | None]  # branch → sha in the working copy
    base: str  # where a new release branch starts
    tip: str  # the release branch as it is now (local, else remote, else base)
    default_head: str
    selection: picks.Selection
    milestone: int | None
    pulls: dict[str, PullSummary | None]  # "prepare" / "main" → the existing pull request
    qa_url: str | None
    lines: check_migrations.Lines
    extra_changes: dict[str, str] = field(default_factory=dict)  # change file → the fix commit that adds it


def _names(app: App, release: Release, remote: str) -> Names:
    releasing = app.rituals.releasing
    version = str(release)
    return Names(release, version, check_migrations.kind_of(release), releasing.release_branch(version), releasing.branch("prepare_branch", version),
                 releasing.branch("main_branch", version), app.rituals.default_branch, None, remote)


def _checked_git(app: App, options: Options) -> tuple[Git, str]:
    """The working copy, checked before anything is read: git new enough, a clean work tree, the remote."""
    git = Git(options.repo_dir)
    git.require_version()
    git.require_work_tree()
    busy = git.in_progress()
    if busy == "cherry-pick":
        raise UsageError(f"a cherry-pick is in progress in {options.repo_dir}.",
                         hint="Resolve the conflicts, `git add` the files, run `git cherry-pick --continue`, then run the same command again.")
    if busy is not None:
        raise UsageError(f"a {busy} is in progress in {options.repo_dir}.", hint=f"Finish or abort the {busy}, then run the command again.")
    git.require_clean()
    return git, git.remote_for(app.repo, options.remote)


class Prepare:
    def __init__(self, app: App, options: Options, git: Git, names: Names) -> None:
        self.app = app
        self.options = options
        self.git = git
        self.names = names
        self.plan = Plan(command=COMMAND)
        self.world: World | None = None
        self.section: Section | None = None
        self.changed: dict[str, list[tuple[str, str]]] = {}  # a pending fix's sha → (status, path) of its changes
        self._change_trees: dict[str, set[str]] = {}  # commit sha → the change files at it

    # --- reads ---------------------------------------------------------------------------------------------------
    def read(self) -> World:
        app, names = self.app, self.names
        github = app.clients.github
        qa_title = f"Release QA: {names.version}"
        reads = gather({
            "links": lambda: app.clients.github_links.milestone_fixes(app.repo, self._milestone_titles()),
            "lines": lambda: check_migrations.read_lines(app, names.release),
            "prepare": lambda: github.pulls_from(names.prepare, names.branch),
            "main": lambda: github.pulls_from(names.main, names.default),
            "qa": lambda: github.search_issue_bodies(f'repo:{app.repo} is:issue in:title "{qa_title}"'),
        })
        lines: check_migrations.Lines = reads["lines"]
        names.tag = f"refs/tags/{lines.previous_tag}" if lines.previous_tag else None
        remote = self._remote_refs()
        self._require_start(remote)
        if reads["links"] is None:
            raise UsageError(f"{app.repo} has no milestone {names.version}.", hint="Create the milestone and put the release's issues in it, then run again.")
        qa = next((i.url for i in reads["qa"] if i.title == qa_title), None)
        return self._world(reads, remote, qa)

    def _milestone_titles(self) -> list[str]:
        """The release's milestone: `naming.milestone`, or, before it is concluded, `naming.tentative_milestone`."""
        naming = self.app.rituals.naming
        return list(dict.fromkeys(release_name(p, self.names.version) for p in (naming.milestone, naming.tentative_milestone)))

    def _remote_refs(self) -> dict[str, str]:
        names = self.names
        wanted = [f"refs/heads/{b}" for b in (names.default, names.branch, names.prepare, names.main)] + ([names.tag] if names.tag else [])
        found = self.git.ls_remote(names.remote, *wanted)
        self.git.fetch_objects(names.remote, *sorted(found))
        return found

    def _require_start(self, remote: dict[str, str]) -> None:
        names, releasing = self.names, self.app.rituals.releasing
        if f"refs/heads/{names.default}" not in remote:
            raise UsageError(f"the remote {names.remote} has no branch {names.default} (rituals: default_branch).")
        exists = f"refs/heads/{names.branch}" in remote or self.git.rev(f"refs/heads/{names.branch}")
        if names.kind == "minor" and releasing.minor_from == "candidate" and not exists:
            raise UsageError(f"the release candidate branch {names.branch} does not exist.",
                             hint=f"Cut it first: fleetops release cut-rc {names.version}")

    def _world(self, reads: dict[str, Any], remote: dict[str, str], qa: str | None) -> World:
        names, git = self.names, self.git
        default_head = remote[f"refs/heads/{names.default}"]
        base = remote[names.tag] if names.kind == "patch" and names.tag else default_head
        local = {b: git.rev(f"refs/heads/{b}") for b in (names.branch, names.prepare, names.main)}
        on_remote = remote.get(f"refs/heads/{names.branch}")
        tip = local[names.branch] or on_remote or base
        if local[names.branch] and on_remote and not (git.is_ancestor(on_remote, local[names.branch]) or git.is_ancestor(local[names.branch], on_remote)):
            raise UsageError(f"{names.branch} has diverged from {names.remote}/{names.branch}: fleetops continues a branch, never resets it.",
                             hint=f"Reconcile them by hand (git switch {names.branch}; git pull --rebase {names.remote} {names.branch}), then run again.")
        if local[names.branch] and on_remote and git.is_ancestor(local[names.branch], on_remote):
            tip = on_remote  # the remote is ahead: the branch step fast-forwards
        skip = set(self.options.skip_picks)
        selection = picks.select(reads["links"], self.app.repo, names.default, skip=skip) if names.kind == "patch" else picks.Selection([], [], [], [])
        pulls = {k: next(iter(reads[k]), None) for k in ("prepare", "main")}
        return World(remote, local, base, tip, default_head, selection, reads["links"].number, pulls, qa, reads["lines"])

    # --- picks ---------------------------------------------------------------------------------------------------
    def analyse_picks(self, world: World) -> None:
        """Order the fixes by the default branch's first-parent history; mark those on the branch already."""
        git, selection = self.git, world.selection
        for number in self.options.picks:
            if all(f.pr != number for f in selection.fixes):
                selection.fixes.append(self._given_pick(number))
        if not selection.fixes:
            return
        picks.order(selection, git.first_parent(world.default_head))
        on_branch = git.commits(f"{world.base}..{world.tip}") if world.tip != world.base else []
        ids = git.patch_ids([f.sha for f in selection.fixes] + [c.sha for c in on_branch])
        missing = git.not_reachable(world.tip, world.default_head)  # a fix outside it is in the branch's history
        contained = {f.sha for f in selection.fixes if f.sha not in missing}
        picks.mark_already(selection.fixes, on_branch, ids, contained)
        self.changed = git.changed_files_of([f.sha for f in selection.fixes if f.status == "pending"])

    def _given_pick(self, number: int) -> picks.Fix:
        pull = self.app.clients.github.pull_request(number)
        sha = pull.merge_commit_sha
        if not pull.merged or not sha:
            raise UsageError(f"--pick {number}: pull request #{number} is not merged.", hint="Pick only merged pull requests.")
        return picks.Fix(number, pull.title, sha)

    # --- the changelog commit --------------------------------------------------------------------------------------
    def change_files(self, ref: str, pending: list[picks.Fix]) -> list[ChangeFile]:
        """The entries: every change file on the branch (minor), else those the picks add (patch)."""
        releasing, git, world = self.app.rituals.releasing, self.git, self.world
        assert world is not None  # noqa: S101
        folder = releasing.changelog.changes_dir
        keep = set(releasing.changelog.keep)
        if self.names.kind == "minor":
            paths = {p: ref for p in git.tree_files(ref, folder) if p.rsplit("/", 1)[-1] not in keep}
        else:
            added = git.out("diff", "--name-only", "--diff-filter=A", world.base, ref, "--", folder).splitlines()
            paths = {p: ref for p in added if p.rsplit("/", 1)[-1] not in keep}
            for fix in pending:
                for status, path in self.changed.get(fix.sha) or git.changed_files(fix.sha):
                    if status == "A" and path.startswith(folder + "/") and path.rsplit("/", 1)[-1] not in keep:
                        paths.setdefault(path, fix.sha)
        blobs = git.read_files([f"{at}:{p}" for p, at in sorted(paths.items())])
        return [ChangeFile(p, blobs[f"{at}:{p}"] or b"") for p, at in sorted(paths.items())]

    def still_there(self, sha: str, paths: list[str]) -> list[str]:
        """Those of `paths` (consumed change files) present at commit `sha`: one `git ls-tree` per commit, then set lookups."""
        if sha not in self._change_trees:
            self._change_trees[sha] = set(self.git.tree_files(sha, self.app.rituals.releasing.changelog.changes_dir))
        return [p for p in paths if p in self._change_trees[sha]]

    def section_for(self, changes: list[ChangeFile]) -> Section:
        changelog = self.app.rituals.releasing.changelog
        day = self.options.day or self.app.now().astimezone(ZoneInfo(self.app.rituals.handbook.timezone)).date()
        headings = changelog.patch_headings if self.names.kind == "patch" else changelog.minor_headings
        return build_section(self.names.version, day, changes, headings=headings, heading=changelog.heading, date_format=changelog.date_format)

    def release_edits(self, ref: str, section: Section, *, bumps: bool = True) -> tuple[list[FileEdit], bool]:
        """The changelog commit's edits at `ref`; the bool says whether the CHANGELOG section is new."""
        releasing = self.app.rituals.releasing
        path = releasing.changelog.file
        wanted = [path, *(b.file for b in releasing.bumps)] if bumps else [path]
        blobs = self.git.read_files([f"{ref}:{p}" for p in dict.fromkeys(wanted)])

        def read(p: str) -> str | None:
            blob = blobs.get(f"{ref}:{p}")
            return None if blob is None else blob.decode("utf-8", errors="replace")

        before = read(path)
        if before is None:
            raise UsageError(f"{path} does not exist on {ref[:12] if len(ref) == 40 else ref}.", hint="Fix releasing.changelog.file in the rituals file, or the branch.")
        after = with_section(before, section, self.names.version, path, releasing.changelog.heading)
        edits = [FileEdit(path, before, after)] if after is not None else []
        if bumps:
            edits += plan_bumps(list(releasing.bumps), self.names.version, read)
        return edits, after is not None


def prepare(app: App, options: Options) -> Plan:
    """Read everything, check the working copy, and return the plan for `release prepare` (exit 2 on bad input)."""
    release = require_release(options.version)
    if app.settings.github_token is None:
        raise AuthError(f"`fleetops {COMMAND}` reads the milestone over GitHub's GraphQL API and opens pull requests: it needs a GitHub token.",
                        hint="Export GH_TOKEN (or GITHUB_TOKEN) with write access to the repository.")
    git, remote = _checked_git(app, options)
    prepare_ = Prepare(app, options, git, _names(app, release, remote))
    return build(prepare_)

