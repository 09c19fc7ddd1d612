"""conclude-milestone and readiness reach the boards through `app.boards` only (docs/architecture.md).

The ZenHub client and its types (`Board`, `ZIssue`, pipelines, `pipeline_issue_id`, ZenHub's
milestone and repository ids) live behind the `Boards` interface, in boards/zenhub.py: these ops
modules neither import `fleetops.clients.zenhub` (not even for annotations) nor reach
`app.clients.zenhub`, nor use what only ZenHub's types have. Read with ast, lazy imports included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fleetops

OPS = Path(fleetops.__file__).parent / "ops"
MODULES = [
    "conclude/rules.py", "conclude/flow.py", "conclude/board_steps.py", "conclude/zenhub_reads.py", "conclude/zenhub.py", "qa/readiness.py",
]
# Names that only the ZenHub client's types and methods have (`rituals.zenhub.pipelines`, the rituals
# file's names of the columns, is not the client's).
ZENHUB_ONLY = {
    "ZIssue", "ZenHubClient", "Pipeline", "pipeline_issue_id", "pipeline_issues", "repository_gh_ids", "repository_ids",
    "active_sprint", "search_issues", "milestone_id", "add_milestone", "add_to_sprints", "close_issues",
    "move_pipeline_issues",
}


def _problems(tree: ast.AST) -> list[str]:
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = {a.name for a in node.names}
            if "clients.zenhub" in module or (module.endswith("clients") and "zenhub" in names):
                problems.append(f"line {node.lineno}: from {module} import {', '.join(sorted(names))}")
        elif isinstance(node, ast.Import):
            problems += [f"line {node.lineno}: import {a.name}" for a in node.names if "clients.zenhub" in a.name]
        elif isinstance(node, ast.Attribute):
            if node.attr == "zenhub" and isinstance(node.value, ast.Attribute) and node.value.attr == "clients":
                problems.append(f"line {node.lineno}: .clients.zenhub")
            elif node.attr in ZENHUB_ONLY:
                problems.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in ZENHUB_ONLY:
            problems.append(f"line {node.lineno}: {node.id}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "clients.zenhub" in node.value:
            problems.append(f"line {node.lineno}: {node.value!r}")  # a string annotation or an import by name
    return problems


@pytest.mark.parametrize("module", MODULES)
def test_the_ops_module_does_not_reference_the_zenhub_client(module):
    tree = ast.parse((OPS / module).read_text(), filename=module)
    assert _problems(tree) == []


def test_the_check_finds_what_it_looks_for():
    before = """
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from fleetops.clients.zenhub import Board, ZIssue
def read(app):
    zenhub = app.clients.zenhub
    return [i.pipeline_issue_id for i in zenhub.pipeline_issues("w", "p")]
"""
    found = _problems(ast.parse(before))
    assert any("clients.zenhub import Board, ZIssue" in p for p in found)
    assert any(".clients.zenhub" in p for p in found)
    assert any(".pipeline_issue_id" in p for p in found) and any(".pipeline_issues" in p for p in found)
    assert _problems(ast.parse("def read(app):\n    return app.boards.cards(None, 'Ready')\n")) == []
