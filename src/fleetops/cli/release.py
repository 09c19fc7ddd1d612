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
    """Check that Go, osquery, the macadmins extension and the vulnerability feeds are current.

    (Handbook: "Confirm latest versions of dependencies".) Exit 3 when something needs action.
    """
    app_of(ctx, "release check-deps", json=json, dry_run=dry_run)
    raise _not_yet("check-deps")


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
    """Conclude the released milestone (handbook: "Conclude current milestone").

    \b
    Run it right after publishing VERSION. It reads GitHub, ZenHub, Merge
    Freeze and the milestone first, shows every step with the issue numbers
    it changes, asks (or needs --yes), then:
     1. renames milestone VERSION-tentative to VERSION;
     2. on each product group's ZenHub board (g-mdm, g-endpoint-ops):
     3.   removes the milestone from open items outside "Ready for release";
     4.   gives items in "Ready for release" the milestone and active sprint;
     5.   stories there: adds :product, removes :release (back to drafting);
     6.   closes the other items there (ZenHub closes the GitHub issues);
     8. on the drafting board moves the milestone's stories to "Confirm and
        celebrate";
     9. closes the milestone;
    10. creates NEXT-tentative, due the release's due date + the cadence;
    11. unfreezes main in Merge Freeze;
    12. announces in #help-engineering through SLACK_WEBHOOK_URL (without
        it: a checklist item with the text to post);
    13. creates branch patch-fleet-vX.Y.Z+1 from tag fleet-vX.Y.Z.

    \b
    Each step is skipped when already done, so after a failure re-run the
    same command: it finishes the job without duplicates. Steps that need a
    failed one wait; the others run. Names come from the rituals file.
    Exit 0 done or nothing to do; 1 a step failed; 2 bad VERSION or --next,
    no such milestone, or --yes needed; 4 a token is missing or rejected.
    """
    from fleetops.ops import conclude

    fleet = app_of(ctx, "release conclude-milestone", json=json, dry_run=dry_run)
    done(fleet.execute(conclude.conclude(fleet, version=version, next_version=next_version), yes=yes, dry_run=dry_run))


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
