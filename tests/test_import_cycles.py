"""No import cycles in app/, cosigner_server/ or ui/: the graph is read from the sources with
ast, function-level imports included (a cycle hidden inside a function is still a cycle of
design: the two modules cannot be understood, tested or moved apart)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import REPO
from tests.import_graph import cycles, describe, graph


def test_the_checker_finds_cycles_through_function_level_and_relative_imports(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from . import a\n")  # a package importing its child
    (package / "a.py").write_text("import os\n\ndef f():\n    from .sub import b\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("from pkg.sub import c\n")
    (package / "sub" / "c.py").write_text("def g():\n    from ..a import f\n")
    (package / "d.py").write_text("from pkg import a\n")  # a one-way edge, no cycle
    found = cycles(graph(tmp_path, ["pkg"]))
    assert [sorted(cycle[:-1]) for cycle in found] == [["pkg.a", "pkg.sub.b", "pkg.sub.c"]]
    assert found[0][0] == found[0][-1]
    assert "pkg.a -> pkg.sub.b -> pkg.sub.c -> pkg.a" in describe(found)
    # Break the function-level edge and the cycle is gone.
    (package / "sub" / "c.py").write_text("def g():\n    pass\n")
    assert cycles(graph(tmp_path, ["pkg"])) == []


def _cycles_in(*packages: str) -> list[list[str]]:
    return cycles(graph(Path(REPO), packages))


@pytest.mark.parametrize("package", ["app", "cosigner_server"])
def test_no_import_cycle(package):
    found = _cycles_in(package)
    assert not found, f"import cycles in {package}/: {describe(found)}"


def test_no_import_cycle_across_the_packages():
    found = _cycles_in("app", "cosigner_server")
    assert not found, f"import cycles: {describe(found)}"


def test_no_import_cycle_in_ui():
    found = _cycles_in("app", "cosigner_server", "ui")
    assert not found, f"import cycles: {describe(found)}"
