"""`fleetops freeze ...`: the merge freeze on the release branch (handbook: "Begin a merge freeze")."""

from __future__ import annotations

from typing import Annotated

import typer

from fleetops.cli.options import DryRun, Json, Yes, app_of, done

app = typer.Typer(
    help="Begin, end and inspect the merge freeze; let one pull request merge during it.",
    no_args_is_help=True,
)

Branch = Annotated[str | None, typer.Option("--branch", help="Branch to act on. Default: freeze.branch in the rituals file (main).")]


def _refuse_under_rc(fleet, command: str) -> None:  # noqa: ANN001 - the App
    from fleetops.ops import process

    process.refuse_freeze(fleet, command)


@app.command()
def begin(
    ctx: typer.Context,
    note: Annotated[str | None, typer.Option("--note", help="Reason shown in Merge Freeze. Default: 'Release freeze for VERSION'.")] = None,
    branch: Branch = None,
    if_due: Annotated[bool, typer.Option("--if-due", help="Freeze only if the schedule says the freeze has started (for a scheduled CI job).")] = False,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Freeze the release branch in Merge Freeze.

    \b
    1. Read the branch in Merge Freeze and the release milestone's due
       date (both at once).
    2. Skip if the branch is frozen already, or (with --if-due) if the
       freeze period has not started.
    3. Show the plan; ask (without a terminal, --yes is needed).
    4. Freeze the branch as the GitHub token's owner, with the note.
    5. Journal the change.

    After the freeze, only bug fixes and documentation merge; in the final 24 hours (deep freeze),
    only ~release-blocker and ~unreleased-bug fixes. Exit 0 when frozen or nothing to do.
    """
    from fleetops.ops.freeze import window as freeze

    fleet = app_of(ctx, "freeze begin", json=json, dry_run=dry_run, lock=branch or "")
    _refuse_under_rc(fleet, "freeze begin")
    done(fleet.execute(freeze.begin(fleet, branch=branch, note=note, if_due=if_due), yes=yes, dry_run=dry_run))


@app.command()
def end(
    ctx: typer.Context,
    branch: Branch = None,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Remove the merge freeze (handbook: "Remove the freeze").

    \b
    1. Read the branch's state in Merge Freeze and the release schedule.
    2. Skip if the branch is not frozen.
    3. Show the plan; ask (or need --yes without a terminal).
    4. Unfreeze the branch; journal the change.

    `release conclude-milestone` also does this as one of its steps.
    """
    from fleetops.ops.freeze import window as freeze

    fleet = app_of(ctx, "freeze end", json=json, dry_run=dry_run, lock=branch or "")
    _refuse_under_rc(fleet, "freeze end")
    done(fleet.execute(freeze.end(fleet, branch=branch), yes=yes, dry_run=dry_run))


@app.command("allow-pr")
def allow_pr(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(metavar="N", help="The pull request: 23101, #23101 or its URL.")],
    exception: Annotated[
        bool,
        typer.Option("--exception", help="Feature work: allow it if the group's EM and QA lead and the release DRI approved the PR."),
    ] = False,
    branch: Branch = None,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Let pull request N merge while the branch stays frozen (handbook:
    "Merge a pull request during the freeze period").

    \b
    1. Read at once: the branch in Merge Freeze, the release schedule, the
       PR, its changed files and its reviews; then the issues it closes
       ("Fixes #123" in its description) with their labels.
    2. Refuse a closed PR, or one that merges into another branch (exit 2).
       Skip if the branch is not frozen, or the PR is unblocked already.
    3. Decide by the handbook (names from the rituals file, freeze.allow):
       - freeze: bug fixes (the PR or an issue it closes is labelled bug)
         and changes to documentation or the website only;
       - deep freeze (final 24 hours, or schedule unknown): only PRs that
         close a ~release blocker or ~unreleased bug issue;
       - anything else is refused (exit 2, naming the rule), unless
         --exception and the PR is approved by the product group's EM and
         QA lead and by the release DRI (the missing ones are named).
    4. Show the plan; ask (without a terminal, --yes is needed).
    5. Re-read the unblocked list and send all of it plus N, with
       frozen=true, so the branch stays frozen; journal the change.
    """
    from fleetops.ops.freeze import allow_pr as ops

    fleet = app_of(ctx, "freeze allow-pr", json=json, dry_run=dry_run, lock=branch or "")  # per branch: each run sends the whole list
    _refuse_under_rc(fleet, "freeze allow-pr")
    options = ops.AllowOptions(number=ops.pull_number(number, fleet.repo), exception=exception, branch=branch)
    done(fleet.execute(ops.allow_pr(fleet, options), yes=yes, dry_run=dry_run))


@app.command()
def status(
    ctx: typer.Context,
    branch: Branch = None,
    json: Json = False,
) -> None:
    """Show whether the branch is frozen, by whom, and the release schedule.

    \b
    The schedule comes from the open release milestone in GitHub
    ({version}-tentative, the lowest version with a due date):
    - release: its due date, 11:00 America/Los_Angeles;
    - freeze: from the Tuesday before the release, 11:00;
    - deep freeze: the final 24 hours.
    With --json: frozen, branch, frozen_by, schedule {milestone, version,
    release, freeze_starts, deep_freeze_starts, phase}. Reads only; exit 0.
    """
    from fleetops.ops.freeze import window as freeze

    fleet = app_of(ctx, "freeze status", json=json)
    _refuse_under_rc(fleet, "freeze status")
    done(fleet.report(freeze.status(fleet, branch=branch)))
