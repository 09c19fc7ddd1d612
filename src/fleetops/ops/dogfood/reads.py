"""What deploy-dogfood read, in one type that the plan, the policy and the watch share (no import circle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fleetops.clients.dockerhub import ImageTag
    from fleetops.clients.github import Comparison, Workflow, WorkflowRun
    from fleetops.ops.dogfood.ref import Running


@dataclass
class DeployReads:
    """What deploy-dogfood read, handed to the policy (policy.py) and the dispatch (watch.py)."""

    tag: ImageTag
    target_sha: str
    branch: str
    workflow: Workflow
    running: Running
    comparison: Comparison | None = None
    compare_error: str | None = None
    declared: dict[str, dict[str, Any]] | None = None
    runs: list[WorkflowRun] = field(default_factory=list)
