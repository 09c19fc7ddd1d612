"""The release notes' preview under the publish plan's step: the title, then the body as a diff against the draft's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text

from fleetops.render.qa_issue import body_diff

if TYPE_CHECKING:
    from fleetops.ops.release.notes import NotesPreview
    from fleetops.ui import UI


# The notes are what the world reads: shown whole, however long the run of added lines.
WHOLE = 10_000


def notes(ui: UI, data: NotesPreview) -> None:
    ui.print(Group(Text.assemble(("Title ", "bold"), data.title), Text("Notes, as a diff against the draft's body:", style="bold"), body_diff(data.draft_body, data.body, max_run=WHOLE)))
