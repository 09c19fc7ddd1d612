"""`fleetops sandbox ...`: the rehearsal world (SPEC §4)."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

from fleetops.cli.options import Json, app_of, done

app = typer.Typer(
    help="The rehearsal world: a local server that speaks GitHub, Merge Freeze, ZenHub and the rest.",
    no_args_is_help=True,
)

World = Annotated[
    str,
    typer.Option(
        "--world",
        help="Which world to seed: 'default' (freeze week, dependencies behind), 'current', "
        "'release-qa' (the QA issue on the boards), 'released' (4.58.0 published, main frozen), 'rc' "
        "(4.59.0's release candidate on GitHub Projects boards), 'release' (4.60.1 due, a real git repository: "
        "release prepare), 'release-day' or 'release-built' (patches ready to tag, or built: release tag, release publish).",
    ),
]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@app.command()
def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0: any free port).")] = 8088,
    latency: Annotated[float, typer.Option("--latency", help="Milliseconds added to every request (to rehearse slow networks).")] = 0.0,
) -> None:
    """Run the sandbox server in the foreground until Ctrl-C.

    \b
    1. Load the world from the state dir (the default world on first use).
    2. Listen on 127.0.0.1; print the environment that points a client at it.
    3. While it runs, `fleetops --sandbox ...` in another terminal uses it.
    State is saved after every change; `fleetops sandbox reset` starts over.
    """
    from fleetops.sandbox.runtime import make_server, write_server_info

    fleet = app_of(ctx, "sandbox serve")
    state_dir = fleet.base_settings.state_dir
    server = make_server(state_dir, port=port, latency=latency / 1000)
    state = server.state
    info = write_server_info(state_dir, server.url, server.tokens)
    fleet.ui.success(f"Sandbox serving world {state.get('world', 'default')!r} on {server.url} (Ctrl-C to stop).")
    fleet.ui.info("Point fleetops or any client at it with:")
    for key, value in server.env().items():
        typer.echo(f"export {key}={value}")
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        info.unlink(missing_ok=True)
        fleet.ui.info("Sandbox stopped; its world is saved.")
    done(0)


@app.command()
def reset(
    ctx: typer.Context,
    world: World = "default",
) -> None:
    """Throw the sandbox's world away and seed a fresh one (dates relative to now).

    \b
    1. Build the named world. 'default': release day of 4.58.0 in its
       freeze week, with Go, osquery and the macadmins extension behind.
       'current': the same with every dependency current. 'release-qa':
       the Release QA issue exists, ready on MDM's board only. 'released':
       4.58.0 just published, main frozen (rehearse conclude-milestone).
       'rc': 4.59.0's release candidate branch, GitHub Projects boards and
       fleetdm/confidential's QAWOLF_DEPLOY_TAG (the current handbook).
       'release-day': patches 4.58.1 and 4.57.1 prepared and merged, ready
       for `release tag`; 'release-built': both tagged and built, ready for
       `release publish`.
       'release': 4.60.0 released and 4.60.1 due, in a real git repository
       (`fleetops sandbox clone DIR`, then `release prepare 4.60.1`).
    2. Replace the saved state and clear the request log.
    """
    from fleetops.sandbox.runtime import sandbox_dir, save_state, world_options
    from fleetops.sandbox.world import build_world, world_names

    from fleetops.errors import UsageError

    fleet = app_of(ctx, "sandbox reset")
    if world not in world_names():
        raise UsageError(f"unknown sandbox world {world!r}.", hint=f"Choose one of: {', '.join(world_names())}.")
    state_dir = fleet.base_settings.state_dir
    path = save_state(state_dir, build_world(world, **world_options(state_dir, world)))
    try:
        (sandbox_dir(state_dir) / "requests.jsonl").unlink(missing_ok=True)
    except OSError as err:
        raise UsageError(f"the sandbox's request log in {sandbox_dir(state_dir)} cannot be removed ({err.strerror}).", hint="Remove it by hand, then re-run.") from None
    fleet.ui.success(f"Sandbox reset to world {world!r} ({path}).")
    fleet.ui.info("A running `fleetops sandbox serve` keeps its old world until restarted.")
    done(0)


@app.command()
def requests(
    ctx: typer.Context,
    writes: Annotated[bool, typer.Option("--writes", help="Only requests that changed something.")] = False,
    json: Json = False,
) -> None:
    """List the requests the sandbox has served since the last reset (what did fleetops do?)."""
    from fleetops.sandbox.runtime import read_request_log, sandbox_dir
    from fleetops.views import RequestLog

    fleet = app_of(ctx, "sandbox requests", json=json)
    entries, skipped = read_request_log(fleet.base_settings.state_dir)
    if skipped:
        lines = ", ".join(str(n) for n in skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        path = sandbox_dir(fleet.base_settings.state_dir) / "requests.jsonl"
        fleet.ui.warn(f"skipped {len(skipped)} unreadable line(s) of {path} (line {lines}); `fleetops sandbox reset` starts a new log.")
    if writes:
        entries = [e for e in entries if e["write"]]
    if json:
        fleet.ui.emit_json({"command": "sandbox requests", "requests": entries})
        done(0)
    fleet.ui.show(RequestLog(entries))
    fleet.ui.info(f"{len(entries)} request(s).")
    done(0)


@app.command("release-build")
def release_build(
    ctx: typer.Context,
    conclusion: Annotated[str, typer.Argument(metavar="CONCLUSION", help="How the release workflow's runs end: success or failure.")],
    rerun: Annotated[bool, typer.Option("--rerun", help="Also re-run the newest failed release run (GitHub's \"Re-run all jobs\").")] = False,
) -> None:
    """Play GitHub Actions on the sandbox: how the release workflow's runs end.

    \b
    For rehearsals of `release tag`'s failure path:
      fleetops sandbox release-build failure
      fleetops --sandbox release tag 4.58.1        # exit 1 with the run's URL
      fleetops sandbox release-build success --rerun
      fleetops --sandbox release tag 4.58.1        # follows the new attempt
    Only the saved world changes (a running `sandbox serve` keeps its own).
    """
    from fleetops.errors import UsageError
    from fleetops.sandbox.runtime import load_state, save_state
    from fleetops.sandbox.services.github.release_workflow import set_outcome

    fleet = app_of(ctx, "sandbox release-build")
    if conclusion not in ("success", "failure"):
        raise UsageError(f"{conclusion!r} is not a conclusion.", hint="Give success or failure.")
    state_dir = fleet.base_settings.state_dir
    state = load_state(state_dir)
    repo = state["github"]["repos"][fleet.repo]
    said = set_outcome(repo, conclusion, rerun=rerun, now=fleet.now().strftime("%Y-%m-%dT%H:%M:%SZ"))
    save_state(state_dir, state)
    fleet.ui.success(said + ".")
    done(0)


@app.command("move-issue")
def move_issue(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(help="The fleetdm/fleet issue number.")],
    pipeline: Annotated[str, typer.Argument(help="The pipeline to move it to, e.g. 'Ready for release'.")],
    board: Annotated[
        str,
        typer.Option(
            "--board",
            help="The board in the rituals file: a ZenHub workspace key (g-mdm), or on GitHub Projects a group's key "
            "(mdm or g-mdm), its project number, or drafting.",
        ),
    ] = "g-mdm",
) -> None:
    """Play a person on the sandbox's boards (ZenHub or GitHub Projects): move an issue to a column.

    \b
    For rehearsals: a QA lead moves the Release QA ticket to "Ready for
    release" when the group's QA passes, and `release readiness` sees it:
      fleetops sandbox move-issue 22036 "Ready for release" --board g-mdm
    Under FLEETOPS_RITUALS=fleet-rc (GitHub Projects):
      fleetops sandbox move-issue 24020 "Ready for release" --board mdm
    Only the sandbox's world changes (through its ZenHub or GitHub GraphQL API).
    An issue that does not exist, or is not on that board, is exit 2.
    """
    from fleetops.ops.sandbox_people import move_issue as move

    fleet = app_of(ctx, "sandbox move-issue")
    fleet.sandbox_requested = True  # never the real ZenHub, whatever the flags say
    fleet.ui.success(move(fleet, number, pipeline, board))
    done(0)


@app.command()
def clone(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="A new (or empty) directory for the working copy.")],
) -> None:
    """Clone the sandbox's fleetdm/fleet (the release world's real git repository).

    \b
    1. fleetops sandbox reset --world release   (once)
    2. fleetops sandbox clone DIR   (its remote `origin` is the sandbox's)
    3. fleetops --sandbox release prepare 4.60.1 --repo-dir DIR
    What you push there is what the sandbox's GitHub API shows.
    """
    from fleetops.sandbox.runtime import clone as clone_repo

    fleet = app_of(ctx, "sandbox clone")
    url = clone_repo(fleet.base_settings.state_dir, fleet.rituals.repository, directory)
    fleet.ui.success(f"Cloned {url} into {directory}.")
    done(0)


@app.command("merge-pr")
def merge_pr(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(help="The sandbox pull request to merge.")],
) -> None:
    """Play a person on the sandbox's GitHub: merge a pull request (squashed, as Fleet merges).

    \b
    For rehearsals: after `release prepare`, merge its changelog pull request
    into the release branch: fleetops sandbox merge-pr N
    The merge is a real commit in the sandbox's git repository.
    """
    from fleetops.sandbox.runtime import merge_pull

    fleet = app_of(ctx, "sandbox merge-pr")
    result = merge_pull(fleet.base_settings.state_dir, fleet.rituals.repository, number)
    fleet.ui.success(f"Merged #{number} into {result['base']} as {result['merge_commit_sha'][:12]}.")
    done(0)
