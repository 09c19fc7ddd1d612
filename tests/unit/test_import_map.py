"""The map of modules in docs/architecture.md, enforced: who may import whom (issue 10).

Every import in src/fleetops is read with ast, lazy ones inside functions included. An import
under `if TYPE_CHECKING:` is for annotations only; the map allows a few of those in the other
direction (ops name `App` in their signatures). A new top-level module or package fails here
until it is added to the map, on purpose: the map is where the layering is decided.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fleetops

SRC = Path(fleetops.__file__).parent

# Layer → the fleetops layers it may import at run time (itself always included).
RUNTIME: dict[str, set[str]] = {
    "__init__": set(),
    "__main__": {"cli"},
    "cli": {"__init__", "app", "errors", "ops", "sandbox", "views"},
    "app": {"boards", "clients", "concurrency", "errors", "journal", "lock", "plan", "redaction", "rituals", "sandbox", "settings", "ui"},
    "ops": {"clients", "concurrency", "errors", "files", "handbook", "plan", "redaction", "rituals", "schedule", "text", "versions", "views"},
    "plan": {"errors", "redaction"},
    "ui": {"redaction", "render"},
    "render": {"plan", "views"},
    "views": set(),
    "clients": {"concurrency", "errors", "redaction", "settings", "text"},
    "rituals": {"errors", "text", "versions"},
    "boards": {"clients", "errors", "text"},
    "handbook": {"errors"},
    "schedule": set(),
    "versions": {"errors", "text"},
    "text": set(),
    "sandbox": {"errors", "files", "redaction"},
    "settings": {"errors", "redaction"},
    "journal": {"redaction"},
    "lock": {"errors", "files"},
    "files": {"errors"},
    "concurrency": set(),
    "errors": set(),
    "redaction": set(),
}
# Imports for annotations only (under TYPE_CHECKING), on top of the run-time ones.
TYPES_ONLY: dict[str, set[str]] = {
    "cli": {"app"},
    "ops": {"app", "boards"},
    "plan": {"journal", "ui"},
    "ui": {"plan"},
    "render": {"ops", "ui"},
    "schedule": {"rituals"},
    "app": {"boards", "clients", "journal", "lock", "rituals", "sandbox", "settings"},
}
# Third-party libraries that belong to one layer.
OWNERS = {"rich": {"ui", "render"}, "typer": {"cli"}, "click": set(), "github": {"clients"}, "httpx": {"clients", "sandbox"}}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_module(name: str) -> bool:
    return (SRC / f"{name}.py").is_file() or (SRC / name / "__init__.py").is_file()


def imports() -> list[tuple[str, str, bool, str]]:
    """(importing layer, imported name, under TYPE_CHECKING?, where) for every absolute import in src/fleetops."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        layer = _layer(".".join(rel.parts))
        tree = ast.parse(path.read_text(), str(path))
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
                if node.module == "fleetops":  # `from fleetops import cli` (a module) or `__version__` (a name)
                    names = [f"fleetops.{a.name}" if _is_module(a.name) else "fleetops" for a in node.names]
            else:
                continue
            for name in names:
                found.append((layer, name, id(node) in typing_only, f"{rel}.py:{node.lineno}"))
    return found


def violations() -> list[str]:
    out = []
    for layer, name, typing_only, where in imports():
        if layer not in RUNTIME:
            out.append(f"{where}: {layer!r} is not in the import map (tests/unit/test_import_map.py, docs/architecture.md)")
            continue
        top = name.split(".")[0]
        if top == "fleetops":
            target = _layer(name)
            allowed = RUNTIME[layer] | {layer} | (TYPES_ONLY.get(layer, set()) if typing_only else set())
            if target not in allowed:
                out.append(f"{where}: {layer} imports {name}")
        elif top in OWNERS and layer not in OWNERS[top]:
            out.append(f"{where}: {layer} imports {name}, which only {', '.join(sorted(OWNERS[top])) or 'nobody'} may")
    return out


def test_every_import_follows_the_map():
    assert violations() == []


def _from(layer: str) -> set[str]:
    return {name for importer, name, _, _ in imports() if importer == layer}


def test_no_ops_module_imports_rich_or_cli():
    assert not {n for n in _from("ops") if n.split(".")[0] == "rich" or (n.startswith("fleetops.") and _layer(n) == "cli")}


def test_clients_import_nothing_from_ops_cli_or_plan():
    assert not {n for n in _from("clients") if _layer(n) in ("ops", "cli", "plan") and n.startswith("fleetops.")}


def test_rituals_import_nothing_from_ops_or_clients():
    assert not {n for n in _from("rituals") if _layer(n) in ("ops", "clients") and n.startswith("fleetops.")}


def test_only_app_cli_and_settings_import_the_sandbox():
    importers = {layer for layer, name, _, _ in imports() if name.startswith("fleetops.sandbox") and layer != "sandbox"}
    assert importers <= {"app", "cli", "settings"}


def test_the_map_catches_a_wrong_import(monkeypatch):
    """The check itself can fail: an ops module that imports rich or the CLI is reported."""
    fake = [("ops", "rich.table", False, "ops/x.py:1"), ("ops", "fleetops.cli.options", False, "ops/x.py:2")]
    monkeypatch.setattr(f"{__name__}.imports", lambda: fake)
    assert violations() == ["ops/x.py:1: ops imports rich.table, which only render, ui may", "ops/x.py:2: ops imports fleetops.cli.options"]


# What `ls src/fleetops/ops` shows (issue 18): one package per ritual of the handbook, and the few
# modules that serve several rituals, each named for what it does.
RITUAL_PACKAGES = {"freeze", "deps", "qa", "conclude", "dogfood", "candidate", "handbook", "release"}
SHARED_MODULES = {"__init__", "announce", "process", "runbook", "sandbox_people", "steps"}


def test_ops_holds_the_ritual_packages_and_a_few_shared_modules():
    ops = SRC / "ops"
    packages = {p.name for p in ops.iterdir() if p.is_dir() and p.name != "__pycache__"}
    modules = {p.stem for p in ops.glob("*.py")}
    assert packages <= RITUAL_PACKAGES and all((ops / p / "__init__.py").is_file() for p in packages)
    assert modules <= SHARED_MODULES
