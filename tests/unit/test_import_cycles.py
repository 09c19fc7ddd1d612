"""No import circle anywhere in src/fleetops (issue 18): the graph of who imports whom, lazy imports included.

Every import is read with ast, those inside functions too (a lazy import that closes a circle still
ties two modules together: neither can be understood, moved or tested without the other). Imports
under `if TYPE_CHECKING:` are left out: they never run. `from package import name` counts as an
import of the submodule `package.name` when there is one, else of the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fleetops

SRC = Path(fleetops.__file__).parent


def _name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _typing_only(tree: ast.AST) -> set[int]:
    return {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }


def graph(modules: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """module name → the fleetops modules it imports; `modules`: name → (source, is it a package's __init__)."""
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, (source, is_package) in modules.items():
        tree = ast.parse(source)
        skip = _typing_only(tree)
        package = name if is_package else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            edges[name].update(t for t in targets if t in modules and t != name)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _sources() -> dict[str, tuple[str, bool]]:
    return {_name(path): (path.read_text(), path.name == "__init__.py") for path in sorted(SRC.rglob("*.py"))}


def test_no_import_circle_in_fleetops():
    assert cycles(graph(_sources())) == []


def test_the_check_finds_a_circle_through_a_lazy_import_and_ignores_type_checking():
    """The check itself can fail: a lazy import closing a circle is found; one under TYPE_CHECKING is not."""
    modules = {
        "fleetops.a": ("from fleetops import b\n", False),
        "fleetops.b": ("def f():\n    from .c import x\n", False),
        "fleetops.c": ("from fleetops.a import y\n", False),
        "fleetops.d": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from fleetops.e import z\n", False),
        "fleetops.e": ("from fleetops.d import w\n", False),
    }
    assert cycles(graph(modules)) == [["fleetops.a", "fleetops.b", "fleetops.c"]]
