"""The import graph of our packages, read with ast (module-level and function-level imports
alike, relative ones resolved), and its cycles; and the top-level names a source file imports.
Used by tests/test_import_cycles.py, tests/test_layout.py and tests/ui/test_main.py."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path


def modules(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Module name -> file, for every .py file under root/<package>."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_roots(source: str) -> set[str]:
    """Top-level names of the absolute imports in source, wherever they stand in the file."""
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def _imported(node: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    """The dotted names one import statement may load (submodule candidates first)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".")
            # `from . import x` in a package's __init__ is relative to the package itself.
            base = base[: len(base) - node.level + (1 if is_package else 0)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        for alias in node.names:
            yield f"{prefix}.{alias.name}"
        yield prefix


def graph(root: Path, packages: Iterable[str]) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports anywhere in its source. A module's own parent
    packages are not edges: Python imports them first, and an __init__ that imports its
    children is not a cycle."""
    known = modules(root, packages)
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            candidates = list(_imported(node, name, is_package))
            for target in _resolve(candidates, known, node):
                if target != name and not name.startswith(target + "."):
                    edges[name].add(target)
    return edges


def _resolve(candidates: list[str], known: dict[str, Path], node: ast.AST) -> set[str]:
    if isinstance(node, ast.ImportFrom):
        *names, prefix = candidates
        submodules = {n for n in names if n in known}
        if len(submodules) == len(names):
            return submodules
        return submodules | ({prefix} if prefix in known else set())
    out = set()
    for dotted in candidates:
        parts = dotted.split(".")
        while parts and ".".join(parts) not in known:
            parts.pop()
        if parts:
            out.add(".".join(parts))
    return out


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a path that returns to its start) per strongly connected component of more
    than one module, found with Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)

    for name in sorted(edges):
        if name not in index:
            visit(name)
    return [_a_cycle(component, edges) for component in components]


def _a_cycle(component: set[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest path inside the component from its first module back to itself."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(edges[node] & component):
            if child == start:
                return [*paths[node], start]
            if child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError("a strongly connected component always has a cycle")


def describe(found: list[list[str]]) -> str:
    return "; ".join(" -> ".join(cycle) for cycle in found)
