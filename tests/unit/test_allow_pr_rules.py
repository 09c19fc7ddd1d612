"""allow-pr's rules without a server: closing keywords, documentation paths, approvals, the verdicts."""

from __future__ import annotations

import pytest

from fleetops.clients.github import FileChange, IssueInfo, PullInfo, ReviewInfo
from fleetops.errors import UsageError
from fleetops.ops.freeze.allow_rules import approvers, closing_references, decide, is_docs_path, not_docs, rules_for
from fleetops.rituals import load_rituals

RITUALS = load_rituals()
DOCS = RITUALS.freeze.allow.docs_paths


def pr(labels=(), body="", changed_files=1, number=7) -> PullInfo:
    return PullInfo(
        number=number, title="t", url="u", state="open", merged=False, draft=False, base="main", head="h",
        head_sha="0" * 40, body=body, labels=tuple(labels), author="mna", changed_files=changed_files,
    )


def issue(number, *labels, is_pr=False) -> IssueInfo:
    return IssueInfo(number=number, title=f"issue {number}", state="open", url="u", labels=tuple(labels), is_pull_request=is_pr)


def files(*paths) -> list[FileChange]:
    return [FileChange(p, "modified") for p in paths]


def review(who, state) -> ReviewInfo:
    return ReviewInfo(reviewer=who, state=state)


# --- closing keywords ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, ours, elsewhere",
    [
        ("Fixes #123", [123], []),
        ("closes #1, fixed #2 and RESOLVES #3", [1, 2, 3], []),
        ("Close #4\nResolved: #5", [4, 5], []),
        ("Closes fleetdm/fleet#23002", [23002], []),
        ("Fixes FleetDM/Fleet#9", [9], []),
        ("Resolves https://github.com/fleetdm/fleet/issues/77", [77], []),
        ("Fixes fleetdm/confidential#12 and fixes #3", [3], ["fleetdm/confidential#12"]),
        ("Fixes #1, #2", [1], []),  # GitHub: each issue needs its own keyword
        ("For #23004; see #5; fixes123; hotfixes #8; prefix #9", [], []),
        ("<!-- Add the related issue, like: Resolves #123 -->\nResolves #", [], []),
        ("Fixes #6 fixes #6", [6], []),
        ("", [], []),
    ],
)
def test_closing_references(body, ours, elsewhere):
    assert closing_references(body, "fleetdm/fleet") == (ours, elsewhere)


# --- documentation paths ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path, docs",
    [
        ("docs/Using Fleet/MDM-migration-guide.md", True),
        ("docs/images/a.png", True),
        ("website/assets/images/docs/x.png", True),
        ("handbook/engineering/README.md", True),
        ("articles/a.md", True),
        ("server/README.md", True),  # *.md matches a file name in any directory
        ("README.md", True),
        ("server/service/hosts.go", False),
        ("docsite/index.js", False),  # docs/** is the docs directory, not a prefix
        ("frontend/docs.tsx", False),
        ("changes/23001-profile-retries", False),
        ("server/README.md.go", False),
    ],
)
def test_docs_paths(path, docs):
    assert is_docs_path(path, DOCS) is docs


def test_glob_forms():
    assert is_docs_path("docs/a/b", ["docs/"])
    assert is_docs_path("a/b/c.txt", ["a/**/*.txt"]) and is_docs_path("a/c.txt", ["a/**/*.txt"])
    assert not is_docs_path("x/a/c.txt", ["a/**/*.txt"])
    assert is_docs_path("CHANGELOG.md", ["/CHANGELOG.md"]) and not is_docs_path("x/CHANGELOG.md", ["/CHANGELOG.md"])
    assert is_docs_path("a/b.md", ["a/?.md"]) and not is_docs_path("a/bc.md", ["a/?.md"])


def test_a_rename_out_of_code_is_not_documentation():
    moved = [FileChange("docs/contrib/tool.go", "renamed", previous_path="server/tool.go")]
    assert not_docs(moved, DOCS) == ["server/tool.go"]


# --- approvals --------------------------------------------------------------------------------------------
def test_latest_decisive_review_per_reviewer_counts():
    reviews = [
        review("A", "CHANGES_REQUESTED"), review("a", "APPROVED"),  # logins compare case-insensitively
        review("b", "APPROVED"), review("b", "COMMENTED"),  # a comment leaves the approval standing
        review("c", "APPROVED"), review("c", "CHANGES_REQUESTED"),  # withdrawn
        review("d", "APPROVED"), review("d", "DISMISSED"),
        review("e", "COMMENTED"), review("f", "PENDING"),
    ]
    assert approvers(reviews) == {"a", "b"}


# --- phases ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "phase, rules",
    [("freeze", "freeze"), ("open", "freeze"), ("released", "freeze"), ("deep-freeze", "deep-freeze"), (None, "deep-freeze")],
)
def test_which_rules_apply(phase, rules):
    assert rules_for(phase) == rules


# --- verdicts ------------------------------------------------------------------------------------------------
def verdict(the_pr, issues=(), changed=("server/x.go",), reviews=(), *, rules="freeze", exception=False, rituals=RITUALS):
    return decide(rituals, the_pr, list(issues), files(*changed), list(reviews), rules=rules, exception=exception)


def test_freeze_allows_a_fix_of_a_bug_issue():
    v = verdict(pr(body="Fixes #1"), [issue(1, "bug", "#g-mdm")])
    assert (v.allowed, v.rule, v.reason) == (True, "bug-fix", "it closes #1, labelled bug")


def test_freeze_allows_unreleased_bugs_and_a_bug_label_on_the_pr():
    assert verdict(pr(), [issue(1, "~unreleased bug")]).rule == "bug-fix"
    v = verdict(pr(labels=["bug"]))
    assert (v.allowed, v.reason) == (True, "the pull request is labelled bug")


def test_freeze_allows_documentation_only():
    v = verdict(pr(changed_files=2), changed=("docs/a.md", "website/b.png"))
    assert (v.allowed, v.rule) == (True, "docs-only")


def test_freeze_refuses_feature_work_naming_the_rule_and_a_code_file():
    v = verdict(pr(changed_files=2), [issue(4, "story")], changed=("docs/a.md", "server/x.go"))
    assert (v.allowed, v.rule) == (False, "freeze-no-feature-work")
    assert "only bug fixes and documentation or website changes merge" in v.reason
    assert "bug, ~release blocker or ~unreleased bug" in v.reason and "e.g. server/x.go" in v.reason
    assert "--exception" in (v.hint or "")


def test_freeze_refuses_docs_when_github_lists_only_part_of_the_files():
    v = verdict(pr(changed_files=3001), changed=tuple(f"docs/{i}.md" for i in range(3000)))
    assert not v.allowed and "GitHub lists only 3000 of its 3001 changed files" in v.reason


def test_freeze_refuses_a_pr_without_files():
    assert not verdict(pr(changed_files=0), changed=()).allowed


def test_a_referenced_pull_request_is_not_an_issue():
    assert not verdict(pr(), [issue(9, "bug", is_pr=True)]).allowed


def test_deep_freeze_allows_only_blocker_and_unreleased_bug_fixes():
    assert verdict(pr(), [issue(2, "bug", "~release blocker")], rules="deep-freeze").rule == "deep-freeze-fix"
    v = verdict(pr(), [issue(3, "~unreleased bug")], rules="deep-freeze")
    assert (v.allowed, v.reason) == (True, "it closes #3, labelled ~unreleased bug")
    refused = verdict(pr(), [issue(1, "bug")], rules="deep-freeze")
    assert (refused.allowed, refused.rule) == (False, "deep-freeze-fixes-only")
    assert "labelled ~release blocker or ~unreleased bug merge; #7 closes #1, labelled neither" in refused.reason


def test_deep_freeze_refuses_documentation_and_a_label_on_the_pr_itself():
    assert not verdict(pr(changed_files=1), changed=("docs/a.md",), rules="deep-freeze").allowed
    v = verdict(pr(labels=["~release blocker"]), rules="deep-freeze")
    assert not v.allowed and "does not count" in (v.hint or "") and "Fixes #N" in (v.hint or "")


def test_exception_needs_the_group_em_qa_and_release_dri():
    the_pr = pr(labels=["#g-endpoint-ops"])
    none = verdict(the_pr, exception=True)
    assert (none.allowed, none.rule) == (False, "exception-approvals")
    assert none.approvals["missing"] == [
        "the engineering manager of Endpoint ops (@sharon-fdm)", "the QA lead of Endpoint ops (@sabrinabuckets)",
        "the release DRI (@lukeheath)",
    ]
    two = verdict(the_pr, reviews=[review("sharon-fdm", "APPROVED"), review("lukeheath", "APPROVED")], exception=True)
    assert not two.allowed and two.approvals["missing"] == ["the QA lead of Endpoint ops (@sabrinabuckets)"]
    assert "is missing the QA lead of Endpoint ops (@sabrinabuckets)" in two.reason
    three = verdict(
        the_pr, reviews=[review(w, "APPROVED") for w in ("sharon-fdm", "SabrinaBuckets", "lukeheath")], exception=True
    )
    assert (three.allowed, three.rule, three.groups) == (True, "exception", ["Endpoint ops"])


def test_exception_with_two_groups_needs_both_groups():
    v = verdict(pr(labels=["#g-mdm"], body="Resolves #4"), [issue(4, "story", "#g-endpoint-ops")],
                reviews=[review(w, "APPROVED") for w in ("georgekarrv", "xpkoala", "lukeheath")], exception=True)
    assert v.groups == ["MDM", "Endpoint ops"] and not v.allowed
    assert [m.split(" (")[0] for m in v.approvals["missing"]] == [
        "the engineering manager of Endpoint ops", "the QA lead of Endpoint ops",
    ]


def test_exception_without_a_group_label_says_which_labels():
    v = verdict(pr(), exception=True)
    assert not v.allowed and "group label" in v.reason and "#g-mdm, #g-endpoint-ops" in (v.hint or "")


def test_exception_is_not_needed_for_an_allowed_pr():
    v = verdict(pr(labels=["bug"]), exception=True)
    assert (v.allowed, v.rule, v.approvals) == (True, "bug-fix", None)


def test_exception_in_the_deep_freeze():
    v = verdict(pr(labels=["#g-mdm"]), [issue(1, "bug")], rules="deep-freeze", exception=True,
                reviews=[review(w, "APPROVED") for w in ("georgekarrv", "xpkoala", "lukeheath")])
    assert (v.allowed, v.rule) == (True, "exception")


def test_exception_when_the_rituals_file_lacks_a_person_is_a_usage_error():
    data = RITUALS.model_dump()
    data["people"]["product_groups"][0]["em"] = None
    no_em = type(RITUALS).model_validate(data)
    with pytest.raises(UsageError, match="no engineering manager for MDM"):
        verdict(pr(labels=["#g-mdm"]), exception=True, rituals=no_em)
    data = RITUALS.model_dump()
    data["people"]["release_dri"] = None
    with pytest.raises(UsageError, match="FLEETOPS_RELEASE_DRI"):
        verdict(pr(labels=["#g-mdm"]), exception=True, rituals=type(RITUALS).model_validate(data))
