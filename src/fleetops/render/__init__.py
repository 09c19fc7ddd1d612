"""Renderers: the data that ops return (plans, reports, facts, previews) turned into Rich output.

ops modules never import Rich: they hand data to the UI (`app.ui.show(data)`, a step's `preview`),
and the UI looks up the renderer for the data's type here. Each renderer takes the UI first and
prints through it, so that NO_COLOR, the width and redaction stay in one place (ui.py).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fleetops.ui import UI

# The type of the data (module.qualname) → "module:function" of its renderer, imported on first use.
RENDERERS = {
    "fleetops.views.Facts": "fleetops.render.facts:facts",
    "fleetops.views.Quote": "fleetops.render.facts:quote",
    "fleetops.views.RequestLog": "fleetops.render.facts:request_log",
    "fleetops.views.FileDiffs": "fleetops.render.diffs:file_diffs",
    "fleetops.ops.freeze.window.FreezeView": "fleetops.render.freeze:status",
    "fleetops.ops.deps.check.Report": "fleetops.render.check_deps:report",
    "fleetops.ops.qa.readiness.Readiness": "fleetops.render.readiness:readiness",
    "fleetops.ops.qa.issue.IssuePreview": "fleetops.render.qa_issue:preview",
    "fleetops.ops.release.notes.NotesPreview": "fleetops.render.release:notes",
    "fleetops.ops.handbook.commands.RitualsTable": "fleetops.render.rituals:rituals_list",
    "fleetops.ops.handbook.commands.DueTable": "fleetops.render.rituals:rituals_due",
    "fleetops.ops.handbook.commands.ProblemLines": "fleetops.render.rituals:problem_lines",
}


def renderer_for(data: Any) -> Any:
    kind = type(data)
    target = RENDERERS.get(f"{kind.__module__}.{kind.__qualname__}")
    if target is None:
        raise TypeError(f"no renderer for {kind.__module__}.{kind.__qualname__}")
    module, _, function = target.partition(":")
    return getattr(import_module(module), function)


def show(ui: UI, data: Any, **context: Any) -> None:
    renderer_for(data)(ui, data, **context)
