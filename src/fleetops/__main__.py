"""`python -m fleetops` and the `fleetops` console script (`entry`): the process around the CLI.

What only a fleetops process decides, not a program that imports fleetops (the tests):

- **No pydantic plugins.** pydantic looks for plugins in every installed package's entry points
  the first time it builds a validator (about 10 ms at start-up); fleetops's models (the settings,
  the rituals file) are its own configuration, not data for an observability plugin, and typer
  already builds its option adapters without plugins. `PYDANTIC_DISABLE_PLUGINS` set in the
  environment (even empty) is kept: `PYDANTIC_DISABLE_PLUGINS= fleetops ...` loads them.
"""

from __future__ import annotations

import os


def entry() -> None:
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
    from fleetops.cli import main

    main()


if __name__ == "__main__":
    entry()
