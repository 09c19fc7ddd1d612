"""Real git repositories made by a test in a temporary directory (never a fixture from outside)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from fleetops.sandbox.gitrepo import NO_CONFIG

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    **NO_CONFIG, "GIT_TERMINAL_PROMPT": "0",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True, text=True).stdout.strip()


def write(root: Path, files: dict[str, str | None]) -> None:
    for path, text in files.items():
        target = root / path
        if text is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def commit(root: Path, message: str, files: dict[str, str | None]) -> str:
    write(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def make_pair(tmp: Path, repo: str = "fleetdm/fleet") -> tuple[Path, Path]:
    """A bare 'remote' at tmp/remote/OWNER/NAME.git and a clone of it at tmp/work with one commit on main."""
    bare = tmp / "remote" / f"{repo}.git"
    bare.mkdir(parents=True)
    git(bare, "init", "-q", "--bare", "-b", "main")
    work = tmp / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    git(work, "remote", "add", "origin", bare.as_uri())
    commit(work, "Initial commit", {"README.md": "Fleet\n"})
    git(work, "push", "-q", "origin", "main")
    return bare, work


# Fleet's version files in their real shapes (releasing-facts.md §8, from fleetdm/fleet main@0f3c9fd),
# at `version`, plus the decoys a blind search-and-replace rewrote (§8: AWS provider pins, comments).
def fleet_files(version: str, chart: str = "v6.6.5") -> dict[str, str]:
    return {
        "tools/fleetctl-npm/package.json": (
            '{\n  "name": "fleetctl",\n  "version": "v%s",\n  "description": "Installer for Fleet\'s CLI tool",\n'
            '  "dependencies": {\n    "axios": "1.8.2"\n  }\n}\n' % version
        ),
        "charts/fleet/Chart.yaml": (
            "apiVersion: v1\ndescription: A Helm chart for Fleet\nname: fleet\nkeywords:\n  - fleet\n  - osquery\n"
            f"version: {chart}\nhome: https://github.com/fleetdm/fleet\nsources:\n  - https://github.com/fleetdm/fleet.git\n"
            f"appVersion: v{version}\n"
        ),
        "charts/fleet/values.yaml": (
            "## Section: Kubernetes\n# All settings related to how Fleet is deployed in Kubernetes\nhostName: fleet.localhost\n"
            f"replicas: 3 # The number of Fleet instances to deploy\nimageRepository: fleetdm/fleet\nimageTag: v{version} # Version of Fleet to deploy\n"
            "podAnnotations: {}\n"
        ),
        "infrastructure/dogfood/terraform/aws/variables.tf": (
            'variable "fleet_image" {\n  description = "the name of the container image to run"\n'
            f'  default     = "fleetdm/fleet:v{version}"\n'
        ),
        "infrastructure/dogfood/terraform/gcp/variables.tf": (
            'variable "project_id" {\n  default = "fleet-dogfood"\n}\n\nvariable "image" {\n'
            f'  default = "fleetdm/fleet:v{version}"\n'
        ),
        # decoys: must never change
        "infrastructure/guardduty/main.tf": (
            'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
            f'      version = "~> {version}"\n    }}\n  }}\n}}\n'
        ),
        "tools/release/publish_release.sh": f"#!/bin/bash\n# e.g. {version} -> the next one\necho release\n",
        "docs/Deploy/README.md": f"Run `fleetdm/fleet:v{version}` or newer.\n",
    }
