"""The handbook's rituals files in the sandbox's fleetdm/fleet, and fleetdm/confidential.

The files are ours, written in the real format (SPEC §3) and varied the way the real ones are:
every frequency the scheduler knows, events that are not on a calendar, a `# comment`, the
`Daily ⏰` spelling, a ritual started on 29 February and one on the 31st, and `autoIssue`s that
file into `fleet` and into `confidential`. `fleetops rituals` reads them at the default branch.
Their DRIs are sandbox users and their labels exist in the repository they file into.
"""

from __future__ import annotations

from typing import Any

CONFIDENTIAL = "fleetdm/confidential"
FLEET_LABELS = ("~engineering-initiated", "P2", "#g-digital-experience", ":help-customers", "#g-website")
CONFIDENTIAL_LABELS = ("#g-finance", "#g-sales", "#g-ceo")
DRIS = {
    "eashaw": {"id": 90101, "name": "Eric Shaw"},
    "rachaelshaw": {"id": 90102, "name": "Rachael Shaw"},
    "ireedy": {"id": 90103, "name": "Ireen Reedy"},
    "zayhanlon": {"id": 90104, "name": "Zay Hanlon"},
    "alexmitchelliii": {"id": 90105, "name": "Alex Mitchell"},
    "spokanemac": {"id": 90106, "name": "Spokane Mac"},
}

ENGINEERING = """-
  task: "Pull request review"
  startedOn: "2024-01-02"
  frequency: "Daily"
  description: "Engineers go through the pull requests whose review they were asked for."
  moreInfoUrl: "https://fleetdm.com/handbook/engineering#review-pull-requests"
  dri: "lukeheath"
-
  task: "Oncall handoff"
  startedOn: "2024-01-03"
  frequency: "Weekly" # every Wednesday
  description: "Hand off the on-call engineering responsibilities to the next on-call engineer."
  moreInfoUrl: "https://fleetdm.com/handbook/engineering#oncall-handoff"
  dri: "lukeheath"
  autoIssue:
    labels: [ "~engineering-initiated" ]
    repo: "fleet"
-
  task: "Update the Fleet releases calendar"
  startedOn: "2024-01-09"
  frequency: "Triweekly"
  description: "Put the next release's freeze, release candidate and release dates on the Fleet releases calendar."
  moreInfoUrl: "https://fleetdm.com/handbook/engineering#update-the-fleet-releases-calendar"
  dri: "lukeheath"
-
  task: "Sprint demo"
  startedOn: "2024-01-12"
  frequency: "Biweekly"
  description: "Show what the product groups shipped in the sprint."
  moreInfoUrl:
  dri: "noahtalerman"
-
  task: "Create the patch release branch"
  startedOn: "2024-01-02"
  frequency: "Every patch release"
  description: "Branch patch-fleet-vX.Y.Z from the release tag and cherry-pick the fixes."
  moreInfoUrl: "https://fleetdm.com/handbook/engineering#create-a-patch-release-branch"
  dri: "getvictor"
-
  task: "Rotate the TUF root keys"
  startedOn: "2024-02-29"
  frequency: "Annually"
  description: "Rotate the root keys of Fleet's TUF update server before they expire."
  moreInfoUrl: "https://fleetdm.com/handbook/engineering/tuf#rotate-the-root-keys"
  dri: "lukeheath"
  autoIssue:
    labels: [ "~engineering-initiated", "P2" ]
    repo: "fleet"
"""

DIGITAL_EXPERIENCE = """-
  task: "Check the website's pull requests"
  startedOn: "2024-03-01"
  frequency: "Daily ⏰"
  description: "Merge or comment on every open pull request that touches the website."
  moreInfoUrl: "https://fleetdm.com/handbook/digital-experience#review-website-pull-requests"
  dri: "eashaw"
  autoIssue:
    labels: [ "#g-digital-experience" ]
    repo: "fleet"
-
  task: "Vulnerability alerts (fleetdm.com)"
  startedOn: "2024-01-01"
  frequency: "Weekly"
  description: "Review and remediate or dismiss the vulnerability alerts of the fleetdm.com codebase."
  moreInfoUrl: "https://github.com/fleetdm/fleet/security"
  dri: "eashaw"
  autoIssue:
    labels: [ "#g-website" ]
    repo: "fleet"
"""

PRODUCT_DESIGN = """-
  task: "Prioritize for next sprint"
  startedOn: "2024-01-02"
  frequency: "Triweekly"
  description: "Drag next sprint's priorities to the top of the drafting board's 'Not yet' column."
  moreInfoUrl: "https://fleetdm.com/handbook/company/why-this-way#why-make-work-visible"
  dri: "noahtalerman"
  autoIssue:
    labels: [ ":product" ]
    repo: "fleet"
-
  task: "Design review"
  startedOn: "2024-01-04"
  frequency: "Weekly"
  description: "Review the wireframes of the stories in drafting with the product designers."
  moreInfoUrl: ""
  dri: "rachaelshaw"
"""

CUSTOMER_SUCCESS = """-
  task: "Review customer requests"
  startedOn: "2024-01-01"
  frequency: "Weekly"
  description: "Triage the week's customer requests into bugs, stories and answers."
  moreInfoUrl: "https://fleetdm.com/handbook/customer-success#respond-to-messages-and-alerts"
  dri: "zayhanlon"
  autoIssue:
    labels: [ ":help-customers" ]
    repo: "fleet"
-
  task: "Customer health review"
  startedOn: "2024-01-02"
  frequency: "Quarterly (first Tuesday)"
  description: "Review the health of Fleet's key customers and active proofs of concept."
  moreInfoUrl: ""
  dri: "zayhanlon"
"""

FINANCE = """-
  task: "Reconcile the bank accounts"
  startedOn: "2024-01-31"
  frequency: "Monthly"
  description: "Reconcile every bank account with the books for the month just ended."
  moreInfoUrl: "https://fleetdm.com/handbook/finance#reconcile-bank-accounts"
  dri: "ireedy"
  autoIssue:
    labels: [ "#g-finance" ]
    repo: "confidential"
-
  task: "Pay estimated taxes"
  startedOn: "2024-01-15"
  frequency: "Quarterly"
  description: "Pay the quarter's estimated federal and state taxes."
  moreInfoUrl: "https://fleetdm.com/handbook/finance#pay-estimated-taxes"
  dri: "ireedy"
  autoIssue:
    labels: [ "#g-finance" ]
    repo: "confidential"
-
  task: "Renew the SOC 2 report"
  startedOn: "2024-06-01"
  frequency: "Annually"
  description: "Start the SOC 2 type 2 audit for the coming year."
  moreInfoUrl: ""
  dri: "ireedy"
"""

MARKETING = """-
  task: "Publish the newsletter"
  startedOn: "2024-01-05"
  frequency: "Monthly"
  description: "Send the month's newsletter to subscribers."
  moreInfoUrl: "https://fleetdm.com/handbook/marketing#publish-the-newsletter"
  dri: "spokanemac"
-
  task: "Prepare the all hands deck"
  startedOn: "2024-01-01"
  frequency: "The night (CT) before each monthly all hands meeting"
  description: "Gather each department's slides into the all hands deck."
  moreInfoUrl: ""
  dri: "spokanemac"
"""

SALES = """-
  task: "Review Salesforce opportunities"
  startedOn: "2024-01-05"
  frequency: "Weekly"
  description: "Review every open opportunity and its next step with the account executives."
  moreInfoUrl: "https://fleetdm.com/handbook/sales#review-salesforce-opportunities"
  dri: "alexmitchelliii"
  autoIssue:
    labels: [ "#g-sales" ]
    repo: "confidential"
"""


def handbook_files() -> dict[str, str]:
    """The rituals files, at the paths of the rituals file's `handbook.rituals_files`."""
    texts = {
        "customer-success": CUSTOMER_SUCCESS,
        "digital-experience": DIGITAL_EXPERIENCE,
        "engineering": ENGINEERING,
        "finance": FINANCE,
        "marketing": MARKETING,
        "product-design": PRODUCT_DESIGN,
        "sales": SALES,
    }
    return {f"handbook/{d}/{d}.rituals.yml": text for d, text in texts.items()}


def seed_handbook(state: dict[str, Any], spec: Any) -> None:
    """The DRIs as users, the labels the rituals file into, and fleetdm/confidential."""
    gh = state["github"]
    for login, info in DRIS.items():
        gh["users"].setdefault(login, dict(info))
    fleet = gh["repos"]["fleetdm/fleet"]
    known = {lb["name"] for lb in fleet["labels"]}
    for offset, name in enumerate(FLEET_LABELS):
        if name not in known:
            fleet["labels"].append({"id": 201 + offset, "name": name, "color": "ededed", "description": None})
    # The rc world builds fleetdm/confidential first (with its Actions variable): add to it, don't replace it.
    confidential = gh["repos"].setdefault(CONFIDENTIAL, {
        "id": 30_000_010, "owner": "fleetdm", "name": "confidential",
        "description": "Fleet's private issues (sandbox copy)", "default_branch": "main",
        "created_at": "2021-03-01T17:00:00Z", "next_number": 9001, "milestones": [], "issues": [],
        "labels": [], "variables": {}, "releases": [], "commits": {}, "refs": {}, "tag_objects": {},
    })
    have = {lb["name"] for lb in confidential["labels"]}
    for n, name in enumerate(CONFIDENTIAL_LABELS):
        if name not in have:
            confidential["labels"].append({"id": 301 + n, "name": name, "color": "ededed", "description": None})
