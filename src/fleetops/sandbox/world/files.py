"""The files of the sandbox's fleetdm/fleet repository, written for the sandbox.

They follow the structure of the real files (go.mod, the osquery targets workflow, the
dogfood workflow, the Release QA template) so that the same parsers work on both, but
their text is ours.
"""

from __future__ import annotations


def go_mod(go: str, macadmins: str, *, toolchain: str | None = None) -> str:
    toolchain_line = f"\ntoolchain go{toolchain}\n" if toolchain else ""
    return f"""module github.com/fleetdm/fleet/v4

go {go}
{toolchain_line}
require (
\tgithub.com/AbGuthrie/goquery/v2 v2.0.1
\tgithub.com/Masterminds/semver v1.5.0
\tgithub.com/WatchBeam/clock v0.0.0-20170901150240-b08e6b4da7ea
\tgithub.com/aws/aws-sdk-go v1.44.288
\tgithub.com/go-kit/kit v0.12.0
\tgithub.com/google/uuid v1.6.0
\tgithub.com/gorilla/mux v1.8.1
\tgithub.com/macadmins/osquery-extension {macadmins}
\tgithub.com/osquery/osquery-go v0.0.0-20231130195733-61ac79279aaa
\tgithub.com/spf13/cobra v1.8.0
\tgithub.com/stretchr/testify v1.9.0
\tgolang.org/x/sync v0.7.0
)

require (
\tgithub.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc // indirect
\tgithub.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2 // indirect
\tgopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/kolide/kit => github.com/zwass/kit v0.0.0-20210625184505-ec5b5c5cce9c
"""


def osqueryd_targets_workflow(osquery: str) -> str:
    return f"""name: Generate osqueryd targets for Fleet

# Builds the osqueryd binaries that fleetd ships, for every platform.
# The workflow can be triggered by modifying OSQUERY_VERSION env.

on:
  push:
    branches:
      - main
    paths:
      - '.github/workflows/generate-osqueryd-targets.yml'
  workflow_dispatch:

env:
  OSQUERY_VERSION: {osquery}

permissions:
  contents: read

jobs:
  generate-macos:
    runs-on: macos-latest
    steps:
      - name: Checkout
        uses: actions/checkout@v4
      - name: Build osqueryd app bundle
        run: make osqueryd-app-tar-gz out-path=. version=$OSQUERY_VERSION

  generate-linux:
    runs-on: ubuntu-latest
    steps:
      - name: Download the osquery package
        run: |
          curl -L https://github.com/osquery/osquery/releases/download/${{{{ env.OSQUERY_VERSION }}}}/osquery_${{{{ env.OSQUERY_VERSION }}}}-1.linux_amd64.deb --output osquery.deb
"""


def dogfood_workflow(input_name: str = "DOCKER_IMAGE") -> str:
    return f"""name: Deploy Dogfood Environment

on:
  workflow_dispatch:
    inputs:
      {input_name}:
        description: "The full name of the docker image to deploy (e.g. fleetdm/fleet:v4.58.0). Do not use fleetdm/fleet:main: use a commit hash instead."
        required: true

defaults:
  run:
    shell: bash

env:
  AWS_REGION: us-east-2
  TF_VAR_fleet_image: ${{{{ github.event.inputs.{input_name} || 'fleetdm/fleet:main' }}}}

permissions:
  id-token: write
  contents: read

jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Terraform apply
        run: terraform apply -auto-approve
"""


RELEASE_QA_TEMPLATE = """---
name:  Release QA
about: Checklist of the tests that must pass before a release ships
title: 'Release QA:'
labels: '#g-mdm,#g-endpoint-ops,:release'
assignees: 'xpkoala,sabrinabuckets'

---

# Goal: a checklist anyone can follow to test a release by hand

# Reference

1. [Set up fleetctl preview](https://fleetdm.com/fleetctl-preview)
2. [Permissions](https://fleetdm.com/docs/using-fleet/permissions)

# Smoke tests
Smoke tests cover the core of Fleet. A release does not ship while one fails.

## Fleet core:

**Fleet version** (from "My account" or `fleetctl version`):

**Browser** _(e.g. Chrome 126.0.6478)_:

### Prerequisites

1. `fleetctl preview` runs the version under test (`--tag`).
2. The browser is current, with local storage cleared.

<table>
<tr><th>Test</th><th>Steps</th><th>Expected</th><th>pass/fail</td></tr>
<tr><td>Upgrade</td><td>Start the last stable release, add a host and a query, then start the version under test.</td><td>The host and the query are still there.</td><td>pass/fail</td></tr>
<tr><td>Log in</td><td>Log in with good and bad passwords, and with SSO.</td><td>Errors say "authentication failed"; good credentials log in.</td><td>pass/fail</td></tr>
<tr><td>Queries</td><td>Create, edit, run and delete a query.</td><td>Permissions match the documentation; syntax errors are reported.</td><td>pass/fail</td></tr>
<tr><td>MDM enrollment</td><td>Enroll a macOS host through ADE and a Windows host.</td><td>Both show MDM on.</td><td>pass/fail</td></tr>
<tr><td>Release blockers</td><td>Open the `~release blocker` label.</td><td>No open issue carries it.</td><td>pass/fail</td></tr>
</table>

### Notes

Issues new in this version:

Issues that also reproduce in the last stable version:

Not tested:

## `fleetd` agent:

Includes updates to:
- Orbit: True / False
- Desktop: True / False
- Chrome extension: True / False

List versions changes for any component updates below:
<!-- Remove items without updates -->
- Orbit `v1.xx.x` > `v1.xx.x`
- Desktop `v1.xx.x` > `v1.xx.x`
- Chrome extension `v1.xx.x` > `v1.xx.x`

### Prerequisites

1. Build `fleetd` from the release candidate branch for each component that changed.

<table>
<tr><th>Test</th><th>Steps</th><th>Expected</th><th>pass/fail</td></tr>
<tr><td>`fleetd` on edge</td><td>Install fleetd on macOS, Windows and Ubuntu from the `edge` channel.</td><td>Hosts update and keep checking in.</td><td>pass/fail</td></tr>
<tr><td>Auto-update</td><td>Run the n+1 auto-update test, then promote to `stable` after one business day.</td><td>Agents update; QA certifies in this issue.</td><td>pass/fail</td></tr>
</table>

# Notes

Anything else the release DRI should know:
"""
