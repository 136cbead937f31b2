"""The project's import graph has no cycle (issue 7, "done when"): every .py under core/, sync/ and app/ is parsed
with `ast`; every import counts — at module level and inside functions or methods (a lazy import does not make
a cycle go away, it hides it) — except those under `if TYPE_CHECKING:`, which never run. Relative imports
(`from . import x`, `from ..core import y`) are resolved. A cycle is a strongly connected component of more
than one module, or a module importing itself."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "sync", "app")


def project_modules() -> dict[str, Path]:
    """{dotted module name: file} for every .py under PACKAGES (a package is its __init__.py)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """Every Import/ImportFrom in `tree`, at any depth, skipping the bodies of `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _closest(name: str, modules: dict) -> str | None:
    """`name` if it is a project module, else its nearest enclosing project module (or None)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, modules: dict) -> set[str]:
    """The project modules `module` (at `path`) imports anywhere in its body."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base_parts = module.split(".") if is_package else module.split(".")[:-1]
                base_parts = base_parts[:len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # `from pkg import name`: name is a submodule (an edge to it) or an attribute of pkg (edge to pkg).
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        found.update(t for t in (_closest(name, modules) for name in targets) if t)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module, and self-imports (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, ()):
                    found.append(sorted(component))
    return sorted(found)


def test_cycle_finder_finds_components_and_self_imports():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}, "e": {"a"}, "f": set()}
    assert cycles(graph) == [["a", "b", "c"], ["d"]]


def test_relative_and_function_level_imports_are_resolved(tmp_path):
    pkg = tmp_path / "core"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from . import b\n")
    (pkg / "b.py").write_text("from .a import f\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from core import c\n")
    (pkg / "c.py").write_text("from core.a import f\n")
    modules = {"core": pkg / "__init__.py", "core.a": pkg / "a.py", "core.b": pkg / "b.py", "core.c": pkg / "c.py"}
    assert imports_of("core.a", modules["core.a"], modules) == {"core.b"}
    assert imports_of("core.b", modules["core.b"], modules) == {"core.a"}
    assert cycles({m: imports_of(m, p, modules) for m, p in modules.items()}) == [["core.a", "core.b"]]


def test_the_project_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 50 and "core.db" in graph  # the walk found the project
    found = cycles(graph)
    listing = "\n".join(" <-> ".join(component) for component in found)
    assert not found, f"{len(found)} import cycle(s):\n{listing}"


if __name__ == "__main__":  # python tests/test_import_graph.py: list the cycles
    for component in cycles(import_graph()):
        print(" <-> ".join(component))
    sys.exit(0)
