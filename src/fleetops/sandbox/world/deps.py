"""Seeds what `release check-deps` reads outside GitHub: go.dev's release list and the vulnerability feeds.

The Go list follows go.dev's real one (../apis/go-dl.md): every patch of the lines in
`WorldSpec.go_latest_patch` (1.22.0..1.22.12, 1.23.0..1.23.10, 1.24.0..1.24.4 by default), two
older lines (1.21.x and 1.20, whose first release was spelled "go1.20"), and the next line's
beta and release candidate, which are not stable. The feeds are fresh unless a spec says how old.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fleetops.sandbox.world.git import iso

if TYPE_CHECKING:
    from fleetops.sandbox.world.spec import WorldSpec

# Lines older than the spec's, with their real last patch.
OLDER_LINES = {"1.21": 13, "1.20": 14}


def go_release_names(latest_patch: dict[str, str]) -> list[str]:
    """Every Go version go.dev would list for these lines (unsorted), e.g. 'go1.22.3', 'go1.25rc1'."""
    lines = dict(OLDER_LINES)
    for line, latest in latest_patch.items():
        lines[line] = int(latest.split(".")[2])
    names: list[str] = []
    for line, last in lines.items():
        minor = int(line.split(".")[1])
        for patch in range(last + 1):
            # Before Go 1.21 the first release of a line had no ".0".
            names.append(f"go{line}" if patch == 0 and minor < 21 else f"go{line}.{patch}")
    newest = max((tuple(int(p) for p in line.split(".")) for line in lines))
    upcoming = f"{newest[0]}.{newest[1] + 1}"
    names += [f"go{upcoming}beta1", f"go{upcoming}rc1"]
    return names


def seed_deps(state: dict[str, Any], spec: WorldSpec) -> None:
    """go.dev's release list and the NVD and CISA feeds (with their own dates)."""
    state["godev"] = {
        "releases": [
            {"version": name, "stable": "beta" not in name and "rc" not in name}
            for name in go_release_names(spec.go_latest_patch)
        ]
    }
    cisa_date = spec.now - timedelta(hours=spec.cisa_age_hours)
    state["feeds"] = {
        # NVD's API stamps every answer with the time it was made: None means "now, live".
        "nvd": {"timestamp": None if spec.nvd_age_hours is None else iso(spec.now - timedelta(hours=spec.nvd_age_hours))},
        "cisa": {"dateReleased": iso(cisa_date), "catalogVersion": cisa_date.strftime("%Y.%m.%d")},
    }
