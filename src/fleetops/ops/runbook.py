"""A multi-step ritual's runbook for its `--help`: the steps the rituals file in force lists."""

from __future__ import annotations

import os
import textwrap

from fleetops.errors import FleetopsError
from fleetops.rituals.loader import load_rituals, resolve_source
from fleetops.rituals.steps import runbook


def steps_runbook(ritual: str) -> str:
    """The numbered steps of `ritual` from FLEETOPS_RITUALS's file (bundled `fleet` when unset).

    Help must print even when the file is broken: then one line says so, and the command itself
    reports the problem when it runs.
    """
    source = resolve_source(os.environ.get("FLEETOPS_RITUALS"))
    try:
        rituals = load_rituals(source)
        if rituals.steps_of(ritual):
            return runbook(rituals, ritual)
        # This process does not run the ritual (cut-rc under the merge freeze): show the one that does.
        other = load_rituals(resolve_source("fleet-rc"))
        note = f"(not run by the rituals file in force, process {rituals.process}; FLEETOPS_RITUALS=fleet-rc runs:)"
        return "\n".join(textwrap.wrap(note, width=74, initial_indent=" ", subsequent_indent=" ")) + "\n" + runbook(other, ritual)
    except FleetopsError as err:
        return f" (the steps come from the rituals file, which cannot be read: {err.message})"
