"""`fleetops release ...`: the release DRI's rituals, one command per handbook section."""

from __future__ import annotations

from typing import Annotated

import typer

from fleetops.cli.options import DryRun, Json, Yes, app_of, done
from fleetops.errors import FleetopsError

app = typer.Typer(help="The release DRI's rituals: dependencies, QA issue, readiness, milestone, dogfood.", no_args_is_help=True)


def _not_yet(command: str) -> FleetopsError:
    return FleetopsError(f"`fleetops release {command}` is not yet available in this version of fleetops.")


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
    from fleetops.ops import check_deps

    fleet = app_of(ctx, "release check-deps", json=json, dry_run=dry_run)
    done(check_deps.run(fleet, check_deps.Options(file_issues=file_issues, yes=yes, dry_run=dry_run)))


@app.command("create-qa-issue")
def create_qa_issue(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version being released, e.g. 4.58.0.")],
    fleetd_only: Annotated[bool, typer.Option("--fleetd-only", help="A fleetd-only release: keep only the fleetd section.")] = False,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Open the Release QA issue from the repository's template (handbook: "Create release QA issue")."""
    app_of(ctx, "release create-qa-issue", json=json, dry_run=dry_run)
    raise _not_yet("create-qa-issue")


@app.command()
def readiness(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version being released, e.g. 4.58.0.")],
    json: Json = False,
) -> None:
    """Show which product groups are release-ready (handbook: "Indicate your product group is release-ready")."""
    app_of(ctx, "release readiness", json=json)
    raise _not_yet("readiness")


@app.command("conclude-milestone")
def conclude_milestone(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version just released, e.g. 4.58.0.")],
    next_version: Annotated[str | None, typer.Option("--next", help="The next version. Default: the next minor.")] = None,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Conclude the milestone across GitHub, ZenHub, Merge Freeze and Slack (handbook: "Conclude current milestone")."""
    app_of(ctx, "release conclude-milestone", json=json, dry_run=dry_run)
    raise _not_yet("conclude-milestone")


@app.command("deploy-dogfood")
def deploy_dogfood(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A release (v4.58.0 or 4.58.0) or a commit hash; never a branch.")],
    watch: Annotated[bool, typer.Option("--watch", help="Follow the deploy run to its end (exit 1 if it fails).")] = False,
    yes: Yes = False,
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """Deploy a release to dogfood (handbook: "Deploy a new release to dogfood")."""
    app_of(ctx, "release deploy-dogfood", json=json, dry_run=dry_run)
    raise _not_yet("deploy-dogfood")
