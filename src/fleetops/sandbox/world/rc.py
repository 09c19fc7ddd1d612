"""The release-candidate world (`sandbox reset --world rc`): 4.59.0 on GitHub Projects, for `fleet-rc`.

The current handbook (releases.md@800f895) cuts `rc-minor-fleet-v4.59.0` from `main`, tests it,
cherry-picks fixes of unreleased bugs onto it, and tracks the work on GitHub Projects boards:

- projects 58 (#g-mdm), 71 (#g-orchestration), 70 (#g-software) and the drafting board 67, each
  with a single-select `Status` and an iteration field `Sprint` (3-week sprints: one completed,
  the current one, the next one);
- the milestone `4.59.0` (and `4.60.0` beside it), issues on the boards in the cases
  `conclude-milestone` meets (table `ITEMS`), one issue on two boards, a pull request and a
  draft on a board, and `Release QA: 4.59.0` ready on MDM and Software, not on Orchestration;
- the candidate branch, cut after PR 24100 merged: PR 24101's fix is cherry-picked with `-x`
  (`(cherry picked from commit <sha>)`), PR 24103's without it but with `(#24103)` in the
  title, PR 24102's is missing; PR 24104 is open into the candidate branch, PR 24106 (docs) fixes
  no bug; PRs 24100, 24101 and 24103 name the bug they fix with a closing keyword ("Fixes #24011"),
  PR 24102 names none: its bug #24010 is linked by hand in its "Development" sidebar
  (`LINKED_BY_HAND`, served as `closingIssuesReferences` by the sandbox's GraphQL);
- 4.59.0 published: the tag `fleet-v4.59.0` at the candidate branch's head and the image
  `fleetdm/fleet:v4.59.0` on Docker Hub, so the world is ready for `release conclude-milestone
  4.59.0` (every case of the table `ITEMS`; a merged pull request in "Ready for release" on the
  Software board, which it leaves alone) and then `release deploy-dogfood v4.59.0`;
- fleetdm/confidential, whose Actions variable `QAWOLF_DEPLOY_TAG` names the candidate branch;
- fleet-rc's QA members and engineering managers as users (the Release QA issue's assignees);
- a second GitHub token without the `project` scope (`tokens["github_no_project"]`), for the
  scope errors of GitHub's GraphQL API.

`WorldSpec.rc_items` adds that many more issues of the milestone over the three group boards
(most in "Ready for release"): the 1,500-item benchmark world is `build_world("rc", rc_items=1500)`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from fleetops.sandbox.services.github_graphql import gid, short_id
from fleetops.sandbox.world.git import GitBuilder, iso

State = dict[str, Any]

ORG = "fleetdm"
REPO = "fleetdm/fleet"
CONFIDENTIAL = "fleetdm/confidential"
RELEASE = "4.59.0"
NEXT = "4.60.0"
BRANCH = f"rc-minor-fleet-v{RELEASE}"
MILESTONES = {RELEASE: 103, NEXT: 104}
RC_PEOPLE = {"PezHub": "Pez Hub", "AndreyKizimenko": "Andrey Kizimenko", "jmwatts": "J. M. Watts", "mostlikelee": "Tim Lee"}

GROUP_STATUS = ["Ready", "In progress", "Awaiting QA", "Ready for release", "Closed"]
DRAFTING_STATUS = ["Inbox", "Prioritized", "Drafting", "Estimated", "Confirm and celebrate", "Closed"]
# number → (title, status options, the group's label)
PROJECTS: dict[int, tuple[str, list[str], str | None]] = {
    58: ("#g-mdm", GROUP_STATUS, "#g-mdm"),
    71: ("#g-orchestration", GROUP_STATUS, "#g-orchestration"),
    70: ("#g-software", GROUP_STATUS, "#g-software"),
    67: ("🎨 Drafting", DRAFTING_STATUS, None),
}
EXTRA_LABELS = ["#g-orchestration", "#g-software", "~engineering-initiated"]

# number → (title, labels, state, milestone, {project: Status})
ITEMS: dict[int, tuple[str, list[str], str, str | None, dict[int, str]]] = {
    24001: ("Apple: enroll with a custom EULA", ["story", ":release", "#g-mdm"], "open", RELEASE, {58: "Ready for release"}),
    24002: ("Scripts: show the exit code", ["story", ":release", "#g-orchestration"], "open", RELEASE,
            {71: "Ready for release", 67: "Estimated"}),
    24003: ("Software: faster title search", ["story", ":release", "~engineering-initiated", "#g-software"], "open", RELEASE,
            {70: "Ready for release"}),
    24004: ("Profiles: wrong count on the dashboard", ["bug", ":release", "#g-mdm"], "open", RELEASE, {58: "Ready for release"}),
    24005: ("Installers: upload fails for 2 GB packages", ["bug", ":release", "#g-software"], "open", RELEASE,
            {70: "Ready for release"}),
    24006: ("Policies: run scripts on failure", ["story", ":release", "#g-orchestration"], "open", RELEASE, {71: "In progress"}),
    24007: ("Setup experience: install software before the scripts", ["story", ":release", "#g-mdm", "#g-software"], "open", RELEASE,
            {58: "Ready for release", 70: "Ready for release"}),
    24008: ("Windows MDM: wipe a host", ["story", ":release", "#g-mdm"], "open", NEXT, {58: "Ready for release"}),
    24009: ("Hosts: export to CSV", ["story", ":release", "#g-orchestration"], "closed", RELEASE, {71: "Ready for release"}),
    24010: ("Scripts: a timeout kills the next script", ["bug", "~unreleased bug", "#g-orchestration"], "open", RELEASE,
            {71: "Awaiting QA"}),
    24011: ("Profiles: retries stop after a reboot", ["bug", "~unreleased bug", "#g-mdm"], "open", RELEASE, {58: "Ready for release"}),
    24012: ("Installers: the upload spinner never stops", ["bug", "~unreleased bug", "#g-software"], "open", RELEASE,
            {70: "Awaiting QA"}),
    24013: ("Software: the installer cache grows forever", ["bug", "~unreleased bug", "#g-software"], "closed", RELEASE,
            {70: "Closed"}),
    24014: ("Disk encryption: escrow the key again after a reset", ["bug", ":release", "#g-mdm"], "open", RELEASE,
            {58: "In progress"}),
    # stories of the milestone already back on the drafting board
    24015: ("Self-service: a tab in Fleet Desktop", ["story", ":product", "#g-software"], "open", RELEASE, {67: "Estimated"}),
    24016: ("Scripts: faster script listing", ["story", ":product", "~engineering-initiated", "#g-orchestration"], "open", RELEASE,
            {67: "Estimated"}),
}
QA_ISSUE = 24020
QA_STATUS = {58: "Ready for release", 71: "Awaiting QA", 70: "Ready for release"}

# number → (title, body (naming the issue it fixes), labels, author, base branch, merged)
PULLS: dict[int, tuple[str, str, list[str], str, str, bool]] = {
    24100: ("Software: bound the installer cache", "Fixes #24013", ["#g-software"], "mna", "main", True),
    24101: ("Profiles: keep retries across reboots", "Fixes #24011", ["#g-mdm"], "mna", "main", True),
    24102: ("Scripts: reset the timeout per script", "Each script gets its own timeout.", ["#g-orchestration"], "getvictor", "main",
            True),
    24103: ("Installers: stop the spinner when the upload ends", "Fixes #24012", ["#g-software"], "getvictor", "main", True),
    24104: ("Fleet Desktop: do not crash when the tray opens twice", "A fix for the candidate only.", ["#g-mdm"], "getvictor",
            BRANCH, False),
    24105: ("Scripts: show the exit code", "For #24002", ["#g-orchestration"], "getvictor", "main", False),
    24106: ("Docs: the release candidate process", "Docs only.", [], "noahtalerman", "main", True),
}

# Issues linked to a pull request by hand ("Development" sidebar), not by a keyword in its description.
LINKED_BY_HAND: dict[int, list[int]] = {24102: [24010]}


def _iterations(now: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(current and next, completed) 3-week sprints; the current one started 9 days ago."""
    start = (now - timedelta(days=9)).date()
    sprints = [(start - timedelta(days=21), "Sprint 41"), (start, "Sprint 42"), (start + timedelta(days=21), "Sprint 43")]
    out = [{"id": short_id("sprint", title), "title": title, "startDate": day.isoformat(), "duration": 21} for day, title in sprints]
    return out[1:], out[:1]


def _project(number: int, now: Any) -> State:
    title, options, _ = PROJECTS[number]
    key = f"{ORG}/{number}"
    current, completed = _iterations(now)
    return {
        "org": ORG, "number": number, "title": title, "closed": False,
        "fields": [
            {"id": gid("ProjectV2Field", f"{key}/Title"), "name": "Title", "dataType": "TITLE"},
            {"id": gid("ProjectV2Field", f"{key}/Status"), "name": "Status", "dataType": "SINGLE_SELECT",
             "options": [{"id": short_id(key, o), "name": o} for o in options]},
            {"id": gid("ProjectV2Field", f"{key}/Sprint"), "name": "Sprint", "dataType": "ITERATION",
             "iterations": current, "completed": completed},
        ],
        "items": [],
    }


def _place(project: State, content: str, status: str | None, sprint: bool = True) -> None:
    fields = {f["name"]: f for f in project["fields"]}
    values: dict[str, str] = {}
    if status is not None:
        values[fields["Status"]["id"]] = next(o["id"] for o in fields["Status"]["options"] if o["name"] == status)
    if sprint:
        values[fields["Sprint"]["id"]] = fields["Sprint"]["iterations"][0]["id"]
    number = len(project["items"]) + 1
    project["items"].append(
        {"id": gid("ProjectV2Item", f"{project['org']}/{project['number']}/{number}"), "content": content, "archived": False, "values": values}
    )


def _issue(number: int, title: str, labels: list[str], state: str, milestone: str | None, when: str, **extra: Any) -> State:
    return {
        "id": 600000 + number, "number": number, "title": title, "body": extra.pop("body", "Seeded for the release-candidate rehearsal."),
        "state": state, "state_reason": "completed" if state == "closed" else None, "labels": list(labels),
        "assignees": extra.pop("assignees", []), "milestone": MILESTONES.get(milestone) if milestone else None,
        "user": extra.pop("user", "lukeheath"), "created_at": when, "updated_at": when,
        "closed_at": when if state == "closed" else None, "comments": [], **extra,
    }


def seed_rc(state: State, spec: Any) -> None:
    """The rc world's boards, milestone, candidate branch, confidential repository and tokens."""
    if not spec.rc:
        return
    now = spec.now
    day = timedelta(days=1)
    gh = state["github"]
    fleet = gh["repos"][REPO]

    # A token without the `project` scope, for GraphQL's INSUFFICIENT_SCOPES.
    no_project = "ghp_sandbox" + secrets.token_hex(12)
    state["tokens"]["github_no_project"] = no_project
    gh["tokens"][no_project] = "fleet-release"
    gh.setdefault("scopes", {})[no_project] = ["repo", "workflow"]

    # fleet-rc's QA members and engineering managers, whom the Release QA issue is assigned to.
    for offset, login in enumerate(RC_PEOPLE):
        gh["users"].setdefault(login, {"id": 90100 + offset, "name": RC_PEOPLE[login]})

    labels = {lb["name"] for lb in fleet["labels"]}
    fleet["labels"] += [
        {"id": 102 + i, "name": name, "color": "ededed", "description": None} for i, name in enumerate(EXTRA_LABELS) if name not in labels
    ]
    for ms in fleet["milestones"]:
        if ms["state"] == "open":  # 4.58.0 shipped before the candidate period
            ms.update(state="closed", closed_at=iso(now - 14 * day), updated_at=iso(now - 14 * day))
    fleet["milestones"] += [
        {"id": 7000 + number, "number": number, "title": title, "state": "open", "description": f"Fleet {title}",
         "due_on": iso(now + (7 if title == RELEASE else 28) * day), "creator": "lukeheath",
         "created_at": iso(now - 21 * day), "updated_at": iso(now - 21 * day), "closed_at": None}
        for title, number in MILESTONES.items()
    ]

    projects = {number: _project(number, now) for number in PROJECTS}
    gh["projects"] = list(projects.values())
    opened = iso(now - 12 * day)
    for number, (title, item_labels, item_state, milestone, placement) in ITEMS.items():
        fleet["issues"].append(_issue(number, title, item_labels, item_state, milestone, opened))
        for project, status in placement.items():
            _place(projects[project], f"{REPO}#{number}", status, sprint=project != 67)
    fleet["issues"].append(
        _issue(QA_ISSUE, f"Release QA: {RELEASE}", [":release", "#g-mdm", "#g-orchestration", "#g-software"], "open", None,
               iso(now - 6 * day), assignees=["PezHub", "xpkoala", "jmwatts"])
    )
    for project, status in QA_STATUS.items():
        _place(projects[project], f"{REPO}#{QA_ISSUE}", status, sprint=False)

    _seed_git(fleet, now)
    for number, (title, body, pr_labels, author, base, merged) in PULLS.items():
        fleet["issues"].append(_issue(
            number, title, pr_labels, "closed" if merged else "open", None, iso(now - 5 * day), body=body, user=author,
            assignees=[author],
            pull_request={
                "head": f"{author}/{number}", "base": base, "draft": False, "files": [], "reviews": [],
                "merged_at": fleet["merge_dates"].get(number) if merged else None,
                "merged_by": "lukeheath" if merged else None,
                "merge_commit_sha": fleet["merge_commits"].get(number),
                "linked_issues": list(LINKED_BY_HAND.get(number, [])),
            },
        ))
    del fleet["merge_dates"], fleet["merge_commits"]
    _place(projects[71], f"{REPO}#24105", "In progress")  # a pull request on a board
    _place(projects[70], f"{REPO}#24103", "Ready for release")  # a merged pull request where the released issues are
    _seed_many(fleet, projects, spec.rc_items, opened)
    fleet["next_number"] = max(i["number"] for i in fleet["issues"]) + 1

    gh["repos"][CONFIDENTIAL] = _confidential(now)
    _publish(state, fleet, now)


def _seed_git(fleet: State, now: Any) -> None:
    """main after 4.58.0, the cut, fixes on main, and what was picked onto the candidate."""
    git = GitBuilder(fleet)
    hour = timedelta(hours=1)
    merges: dict[int, str] = {}
    dates: dict[int, str] = {}

    def merge(number: int, when: Any, files: dict[str, str]) -> str:
        sha = git.commit(f"{PULLS[number][0]} (#{number})", when, files, author=PULLS[number][3])
        merges[number], dates[number] = sha, iso(when)
        return sha

    merge(24100, now - 8 * 24 * hour, {"server/service/installer_cache.go": "package service // bounded\n"})
    git.branch(BRANCH, git.head())  # the cut: the candidate starts at main's head
    picked = merge(24101, now - 5 * 24 * hour, {"server/mdm/apple/profiles.go": "package apple // retries kept\n"})
    merge(24102, now - 4 * 24 * hour, {"server/service/scripts.go": "package service // timeout per script\n"})
    merge(24103, now - 3 * 24 * hour, {"frontend/pages/SoftwarePage/Upload.tsx": "export {} // spinner stops\n"})
    merge(24106, now - 2 * 24 * hour, {"docs/Contributing/Releasing-Fleet.md": "# Release candidates\n"})
    git.commit(
        f"{PULLS[24101][0]} (#24101)\n\n(cherry picked from commit {picked})",
        now - 4 * 24 * hour, {"server/mdm/apple/profiles.go": "package apple // retries kept\n"}, branch=BRANCH,
    )
    git.commit(  # picked by hand, without -x: only the PR number ties it to #24103
        f"{PULLS[24103][0]} (#24103)", now - 2 * 24 * hour,
        {"frontend/pages/SoftwarePage/Upload.tsx": "export {} // spinner stops\n"}, branch=BRANCH,
    )
    fleet["merge_commits"], fleet["merge_dates"] = merges, dates


def _publish(state: State, fleet: State, now: Any) -> None:
    """4.59.0 is out: the release tag at the candidate's head, and its image on Docker Hub."""
    head = GitBuilder(fleet).head(BRANCH)
    GitBuilder(fleet).tag(f"fleet-v{RELEASE}", head, annotated=True, when=now - timedelta(hours=3))
    tags = state["dockerhub"]["repositories"]["fleetdm/fleet"]["tags"]
    digest = "sha256:" + hashlib.sha256(f"fleetdm/fleet@{head}".encode()).hexdigest()
    tags.append({
        "id": 880_100_000, "name": f"v{RELEASE}", "digest": digest,
        "platform_digest": "sha256:" + hashlib.sha256(f"fleetdm/fleet@{head}/linux/amd64".encode()).hexdigest(),
        "size": 61_500_000, "last_updated": iso(now - timedelta(hours=2)).replace("Z", ".000000Z"),
    })


def _seed_many(fleet: State, projects: dict[int, State], count: int, opened: str) -> None:
    """`count` more issues of the milestone, round-robin over the group boards (the benchmark world)."""
    groups = [58, 71, 70]
    statuses = ["Ready for release"] * 7 + ["In progress", "Awaiting QA", "Ready"]
    for index in range(count):
        number = 30001 + index
        project = groups[index % 3]
        kind = "story" if index % 4 == 0 else "bug"
        item_labels = [kind, ":release", PROJECTS[project][2] or ""]
        if kind == "story" and index % 40 == 0:
            item_labels.append("~engineering-initiated")
        fleet["issues"].append(_issue(number, f"Benchmark {kind} {index + 1}", item_labels, "open", RELEASE, opened))
        _place(projects[project], f"{REPO}#{number}", statuses[index % len(statuses)])


def _confidential(now: Any) -> State:
    repo: State = {
        "id": 30_000_010, "owner": "fleetdm", "name": "confidential", "default_branch": "main",
        "description": "Fleet's private repository (sandbox copy)", "created_at": "2021-03-01T00:00:00Z",
        "next_number": 1, "milestones": [], "issues": [], "labels": [], "releases": [],
        "variables": {
            "QAWOLF_DEPLOY_TAG": {"value": BRANCH, "created_at": iso(now - 90 * timedelta(days=1)), "updated_at": iso(now - 8 * timedelta(days=1))},
        },
    }
    GitBuilder(repo).commit("Initial commit", now - timedelta(days=90), {"README.md": "# confidential\n"})
    return repo
