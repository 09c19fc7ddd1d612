"""The picks of a patch (ops/release/picks.py): GitHub's links decide, first-parent order, the ways a fix is already there."""

from __future__ import annotations

from fleetops.clients.git import Commit
from fleetops.clients.github_links import LinkedIssue, LinkedPull, MilestoneLinks
from fleetops.ops.release.picks import Fix, mark_already, order, select

A, B, C, D = ("a" * 40, "b" * 40, "c" * 40, "d" * 40)


def pull(number, sha, *, closes=True, merged=True, base="main", repo="fleetdm/fleet"):
    return LinkedPull(number, f"PR {number}", merged, sha if merged else None, base, repo, closes)


def test_select_keeps_merged_closing_fixes_into_the_default_branch_and_lists_the_rest():
    links = MilestoneLinks(1, "4.60.1", (
        LinkedIssue(10, "one", "CLOSED", (pull(100, A), pull(101, B, closes=False))),
        LinkedIssue(11, "two", "OPEN", (pull(100, A),)),  # one pull request fixing two issues: picked once
        LinkedIssue(12, "three", "OPEN", (pull(102, C, merged=False),)),  # closing, but not merged: unfixed
        LinkedIssue(13, "four", "CLOSED", (pull(103, D, base="rc-minor-fleet-v4.61.0"),)),  # not into main
        LinkedIssue(14, "five", "CLOSED", (pull(104, D, repo="someone/fork"),)),
        LinkedIssue(15, "six", "OPEN", ()),
    ))
    found = select(links, "fleetdm/fleet", "main", skip=set())
    assert [(f.pr, f.issues) for f in found.fixes] == [(100, [10, 11])]
    assert found.mentioned == [{"pr": 101, "issue": 10}]
    assert found.unfixed == [{"issue": 12}, {"issue": 13}, {"issue": 14}, {"issue": 15}]
    assert select(links, "fleetdm/fleet", "main", skip={100}).fixes == []


def test_order_is_the_first_parent_history_not_a_timestamp():
    fixes = [Fix(2, "late", B), Fix(1, "early", A), Fix(3, "elsewhere", C)]
    selection = select(MilestoneLinks(1, "x", ()), "fleetdm/fleet", "main", skip=set())
    selection.fixes = fixes
    order(selection, [D, A, B])
    assert [f.pr for f in selection.fixes] == [1, 2]
    assert [f.pr for f in selection.off_history] == [3]


def test_already_on_the_branch_by_each_sign():
    fixes = [Fix(1, "x", A), Fix(2, "y", B), Fix(3, "z", C), Fix(4, "w", D), Fix(5, "v", "e" * 40)]
    on_branch = [
        Commit("1" * 40, "Fix y (#2)", f"(cherry picked from commit {B})"),
        Commit("2" * 40, "Cherry-pick: fix z", ""),
        Commit("3" * 40, "Fix w (#4) (#4001)", ""),
    ]
    ids = {C: "p-z", "2" * 40: "p-z"}
    mark_already(fixes, on_branch, ids, contained={A})
    assert [(f.pr, f.status) for f in fixes] == [(1, "already"), (2, "already"), (3, "already"), (4, "already"), (5, "pending")]
    assert [f.why for f in fixes[:4]] == ["its commit is on the branch", "cherry-picked with -x", "the same patch is on the branch",
                                          "a commit on the branch says (#4)"]
