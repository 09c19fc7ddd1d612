"""Benchmark the changelog and the version bumps over a working copy the size of fleetdm/fleet (about 30,000 files).

    python bench/release_files.py [--files 30000] [--changes 88] [--runs 5]

Builds a real git repository with `--files` files (Fleet's version files among them, `--changes` change
files as main@0f3c9fd had 88, and decoys), then times what `release prepare` does for a minor's
changelog commit, with the command's own code: read the change files at the branch (one `git ls-tree`,
one `git cat-file --batch`), build the section, read and bump the version files, and write everything
into the working copy. Target (issue 21): under 1 s of the command's own time. A script, not a test.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from fleetops.clients.git import Git  # noqa: E402
from fleetops.ops.release.bumps import plan_bumps  # noqa: E402
from fleetops.ops.release.changelog import ChangeFile, build_section, with_section  # noqa: E402
from fleetops.ops.release.files import write_files  # noqa: E402
from fleetops.rituals.loader import load_rituals  # noqa: E402
from tests.git.gitrepo import ENV, fleet_files  # noqa: E402


def build(root: Path, files: int, changes: int) -> Path:
    work = root / "fleet"
    work.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=work, env=ENV, check=True)
    for i in range(files):
        target = work / f"server/pkg{i // 300}/file{i}.go"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"package pkg{i // 300} // 4.60.0 is mentioned here too ({i})\n")
    for path, text in {**fleet_files("4.60.0"), "CHANGELOG.md": "## Fleet 4.60.0 (Nov 05, 2026)\n\n- Things.\n", "changes/.keep": ""}.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(text)
    for i in range(changes):
        (work / f"changes/{30000 + i}-change").write_text(f"* Fixed thing {i}.\n" if i % 2 else f"Fixed thing {i}.")
    subprocess.run(["git", "add", "-A"], cwd=work, env=ENV, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "Fleet"], cwd=work, env=ENV, check=True)
    return work


def once(work: Path) -> float:
    releasing = load_rituals().releasing
    git = Git(work)
    started = time.perf_counter()
    paths = [p for p in git.tree_files("HEAD", "changes") if not p.endswith("/.keep")]
    blobs = git.read_files([f"HEAD:{p}" for p in paths])
    section = build_section("4.61.0", date(2026, 12, 3), [ChangeFile(p, blobs[f"HEAD:{p}"] or b"") for p in paths],
                            headings=releasing.changelog.minor_headings, heading=releasing.changelog.heading, date_format=releasing.changelog.date_format)
    wanted = ["CHANGELOG.md", *(b.file for b in releasing.bumps)]
    texts = {k.split(":", 1)[1]: v.decode() for k, v in git.read_files([f"HEAD:{p}" for p in dict.fromkeys(wanted)]).items() if v is not None}
    edits = plan_bumps(list(releasing.bumps), "4.61.0", texts.get)
    changelog = with_section(texts["CHANGELOG.md"], section, "4.61.0")
    write_files(work, {**{e.path: e.after for e in edits}, "CHANGELOG.md": changelog or ""}, section.consumed)
    elapsed = time.perf_counter() - started
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=work, env=ENV, check=True)  # back to the commit for the next round
    return elapsed


def main(argv: list[str]) -> None:
    def option(flag: str, default: int) -> int:
        return int(argv[argv.index(flag) + 1]) if flag in argv else default

    files, changes, runs = option("--files", 30000), option("--changes", 88), min(option("--runs", 5), 50)
    for key, value in ENV.items():
        os.environ.setdefault(key, value)
    with tempfile.TemporaryDirectory(prefix="fleetops-bench-files-") as tmp:
        work = build(Path(tmp), files, changes)
        tracked = len(subprocess.run(["git", "ls-files"], cwd=work, env=ENV, capture_output=True, text=True, check=True).stdout.splitlines())
        times = [once(work) for _ in range(runs)]
    print(f"changelog ({changes} change files) and version bumps in a working copy of {tracked} tracked files, {runs} runs")
    print(f"  own time: median {statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")


if __name__ == "__main__":
    main(sys.argv[1:])
