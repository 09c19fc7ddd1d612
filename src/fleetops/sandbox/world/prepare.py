"""The release world (`sandbox reset --world release`): 4.60.0 is out, 4.60.1 is due; the repository is real git.

fleetdm/fleet's history is built in a real bare repository (`repo["git_dir"]`, sandbox/gitrepo.py)
and imported into the dict model, so every SHA is a real git SHA and `fleetops sandbox clone DIR`
gives a working copy that `release prepare` can branch, cherry-pick and push. Oldest first:

    C0  Fleet 4.59 (every file of the default world's main, Fleet's version files at v4.59.0, chart v6.6.4,
        migration 20261001000000_Base)
    C1  #25001 feature: software titles (migration 20261010000000, changes/25001-software-titles)
    C2  #25002 "Adding changes for Fleet v4.60.0": changelog, bumps → tag fleet-v4.60.0 (lightweight, as Fleet's)
    C3  #25101 fix, "Fixes #25010" (closed issue): changes/25010-script-timeouts
    C4  #25102 feature merged after the tag, not in the milestone: migration 20261020000000_DeviceHealth (the
        violation once #25103 is picked: older than the patch's newest migration, never picked)
    C5  #25103 fix, "Closes #25011" (still open issue): migration 20261025000000_ProfileRetries
    C6  #25104 feature that rewrites server/service/scripts.go
    C7  #25105 fix, "Fixes #25012" (closed) on top of #25104's lines: the planned conflict when picked
    C8  #25106 docs that only mention #25013 ("Related to #25013"): mentioned, never picked
    rc-minor-fleet-v4.61.0 at C8 (the open newer minor), milestones 4.60.0 (closed), 4.60.1, 4.61.0;
    #25013 (open) and #25014 (closed, no pull request) have no merged fix; `Release QA: 4.60.1` is open.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fleetops.sandbox.gitrepo import at, run, sync
from fleetops.sandbox.services.github.common import tree_at
from fleetops.sandbox.world.git import iso
from fleetops.sandbox.world.spec import REPO, State

RELEASED, PATCH, NEXT = "4.60.0", "4.60.1", "4.61.0"
MILESTONES = {RELEASED: 301, PATCH: 302, NEXT: 303}
QA_ISSUE = 25200
T = "server/datastore/mysql/migrations/tables/"


def version_files(version: str, chart: str) -> dict[str, str]:
    """Fleet's version files in their real shapes (releasing-facts.md §8), and a decoy of the blind replace."""
    return {
        "tools/fleetctl-npm/package.json": json.dumps({"name": "fleetctl", "version": f"v{version}", "description": "Installer for Fleet's CLI tool"}, indent=2) + "\n",
        "charts/fleet/Chart.yaml": f"apiVersion: v1\ndescription: A Helm chart for Fleet\nname: fleet\nversion: {chart}\nhome: https://github.com/fleetdm/fleet\nappVersion: v{version}\n",
        "charts/fleet/values.yaml": f"hostName: fleet.localhost\nimageRepository: fleetdm/fleet\nimageTag: v{version} # Version of Fleet to deploy\n",
        "infrastructure/dogfood/terraform/aws/variables.tf": f'variable "fleet_image" {{\n  description = "the name of the container image to run"\n  default     = "fleetdm/fleet:v{version}"\n',
        "infrastructure/dogfood/terraform/gcp/variables.tf": f'variable "image" {{\n  default = "fleetdm/fleet:v{version}"\n',
    }


def migration(name: str) -> dict[str, str]:
    return {T + name + ".go": "package tables\n", T + name + "_test.go": "package tables\n"}


SCRIPTS = "package service\n\n// scripts\nfunc runScript() string {\n\treturn \"{}\"\n}\n"
# number → (title, body, author, files); what a pull request fixes is in its body ("Fixes #25010")
PULLS: dict[int, tuple[str, str, str, dict[str, str | None]]] = {
    25001: ("Software titles", "A feature of 4.60.0.", "sharon-fdm", {**migration("20261010000000_SoftwareTitles"), "changes/25001-software-titles": "* Added software titles.\n"}),
    25101: ("Fix script timeouts", "Fixes #25010", "georgekarrv",
            {"server/service/script_timeouts.go": "package service // timeout per script\n", "changes/25010-script-timeouts": "Fixed script timeouts that reset on every host.\n"}),
    25102: ("Device health API", "A feature for 4.61.0.", "mostlikelee", {**migration("20261020000000_DeviceHealth"), "changes/25102-device-health": "- Added the device health API.\n"}),
    25103: ("Fix profile redelivery", "Closes #25011", "georgekarrv",
            {**migration("20261025000000_ProfileRetries"), "server/mdm/apple/profiles.go": "package apple // retries kept\n",
             "changes/25011-profile-redelivery": "* Fixed profiles that were redelivered\n  after every check-in."}),
    25104: ("Refactor the scripts service", "No behaviour change.", "sharon-fdm", {"server/service/scripts.go": SCRIPTS.replace('"{}"', 'render("{}")')}),
    25105: ("Fix script output truncation", "Fixes #25012", "georgekarrv",
            {"server/service/scripts.go": SCRIPTS.replace('"{}"', 'render(truncate("{}", 10000))'), "changes/25012-script-output": "- Fixed script output cut at 1,000 characters.\n"}),
    25106: ("Docs: script limits", "Related to #25013", "rachaelshaw", {"docs/Using-Fleet/Scripts.md": "# Scripts\n\nOutput is kept up to 10,000 characters.\n"}),
}
AGENT_TAGS = ("orbit-v1.39.0", "fleetd-chrome-v1.3.1")
# number → (title, state, milestone, labels)
ISSUES: dict[int, tuple[str, str, str, list[str]]] = {
    25010: ("Script timeouts reset per host", "closed", PATCH, ["bug"]),
    25011: ("Profiles redelivered after every check-in", "open", PATCH, ["bug"]),
    25012: ("Script output cut at 1,000 characters", "closed", PATCH, ["bug"]),
    25013: ("Script limits undocumented", "open", PATCH, ["bug"]),
    25014: ("Cannot reproduce: blank dashboard", "closed", PATCH, ["bug"]),
    QA_ISSUE: (f"Release QA: {PATCH}", "open", None, [":release"]),
}


def _commit(work: Path, message: str, files: dict[str, str | None], when: datetime) -> str:
    for path, text in files.items():
        target = work / path
        if text is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    run(work, "add", "-A")
    run(work, "commit", "-q", "-m", message, env=at(when))
    return run(work, "rev-parse", "HEAD").decode().strip()


def _history(work: Path, base: dict[str, str], now: datetime) -> dict[int, str]:
    """C0..C8 on main (module docstring); returns pull request → its (squashed) commit on main."""
    day = timedelta(days=1)
    changelog = "## Fleet 4.59.0 (Oct 01, 2026)\n\n### Bug fixes\n\n- Fixed 4.59.0 things.\n"
    start = {**base, **version_files("4.59.0", "v6.6.4"), "CHANGELOG.md": changelog, "changes/.keep": "",
             **migration("20261001000000_Base"), "server/service/scripts.go": SCRIPTS,
             "infrastructure/guardduty/main.tf": 'terraform {\n  required_providers {\n    aws = {\n      version = "~> 4.60.0"\n    }\n  }\n}\n'}
    _commit(work, "Fleet 4.59", start, now - 40 * day)
    for agent in AGENT_TAGS:  # publish's notes name the newest fleetd agents (releasing-facts §4)
        run(work, "tag", agent)
    merges = {25001: _commit(work, "Software titles (#25001)", PULLS[25001][3], now - 30 * day)}
    release = {**version_files(RELEASED, "v6.6.5"), "changes/25001-software-titles": None,
               "CHANGELOG.md": f"## Fleet {RELEASED} (Nov 05, 2026)\n\n### Other improvements and bug fixes\n\n- Added software titles.\n\n" + changelog}
    merges[25002] = _commit(work, f"Adding changes for Fleet v{RELEASED} (#25002)", release, now - 28 * day)
    run(work, "tag", f"fleet-v{RELEASED}")
    for offset, number in enumerate((25101, 25102, 25103, 25104, 25105, 25106)):
        merges[number] = _commit(work, f"{PULLS[number][0]} (#{number})", PULLS[number][3], now - (20 - 2 * offset) * day)
    run(work, "branch", f"rc-minor-fleet-v{NEXT}")
    return merges


def _issue(number: int, title: str, state: str, milestone: str | None, labels: list[str], when: str, **extra: Any) -> State:
    return {
        "id": 700000 + number, "number": number, "title": title, "body": extra.pop("body", "Seeded for the release rehearsal."),
        "state": state, "state_reason": "completed" if state == "closed" else None, "labels": labels, "assignees": [],
        "milestone": MILESTONES.get(milestone) if milestone else None, "user": extra.pop("user", "lukeheath"),
        "created_at": when, "updated_at": when, "closed_at": when if state == "closed" else None, "comments": [], **extra,
    }


def seed_prepare(state: State, spec: Any) -> None:
    """The release world (module docstring): a real bare repository, its history imported, milestones, issues, pulls."""
    if not spec.release:
        return
    fleet = state["github"]["repos"][REPO]
    root = Path(spec.git_dir) if spec.git_dir else Path(tempfile.mkdtemp(prefix="fleetops-sandbox-git-"))
    bare = root / "fleetdm" / "fleet.git"
    bare.mkdir(parents=True, exist_ok=False)
    run(bare, "init", "-q", "--bare", "-b", "main")
    work = root / ".seed"
    work.mkdir()
    run(work, "init", "-q", "-b", "main")
    base = tree_at(fleet, fleet["refs"]["heads/main"])
    merges = _history(work, base, spec.now)
    run(work, "push", "-q", bare.as_uri(), "--all")
    run(work, "push", "-q", bare.as_uri(), "--tags")
    shutil.rmtree(work, ignore_errors=True)
    fleet.update(commits={}, refs={}, tag_objects={}, git_dir=str(bare))
    sync(fleet, created=lambda repo, name, sha: None)  # the seeded history is the world's past: no runs start
    _seed_github(state, fleet, merges, spec.now)
    _dogfood_runs_the_release(state, fleet)


def _dogfood_runs_the_release(state: State, fleet: State) -> None:
    """Dogfood runs 4.60.0 at its tag, a commit of this repository (the seeded one is gone), so publish's deploy compares."""
    dogfood = state.get("dogfood")
    sha = fleet["refs"].get(f"tags/fleet-v{RELEASED}")
    if dogfood is None or sha is None:
        return
    sha = fleet.get("tag_objects", {}).get(sha, {}).get("object", sha)
    dogfood.update(version=RELEASED, revision=sha, build_date=fleet["commits"][sha]["date"])


def _seed_github(state: State, fleet: State, merges: dict[int, str], now: datetime) -> None:
    day = timedelta(days=1)
    for ms in fleet["milestones"]:
        if ms["state"] == "open":
            ms.update(state="closed", closed_at=iso(now - 30 * day), updated_at=iso(now - 30 * day))
    fleet["milestones"] += [
        {"id": 7300 + number, "number": number, "title": title, "state": "closed" if title == RELEASED else "open",
         "description": f"Fleet {title}", "due_on": iso(now + (2 if title == PATCH else 21) * day), "creator": "lukeheath",
         "created_at": iso(now - 35 * day), "updated_at": iso(now - 35 * day), "closed_at": iso(now - 27 * day) if title == RELEASED else None}
        for title, number in MILESTONES.items()
    ]
    opened = iso(now - 25 * day)
    for number, (title, issue_state, milestone, labels) in ISSUES.items():
        fleet["issues"].append(_issue(number, title, issue_state, milestone, labels, opened))
    for number, (title, body, author, _) in PULLS.items():
        merged = iso(now - 20 * day)
        fleet["issues"].append(_issue(number, title, "closed", None, [], opened, body=body, user=author, pull_request={
            "head": f"{author}/{number}", "base": "main", "draft": False, "files": [], "reviews": [],
            "merged_at": merged, "merged_by": "lukeheath", "merge_commit_sha": merges[number],
        }))
    fleet["next_number"] = max(i["number"] for i in fleet["issues"]) + 1
