"""The wallet core (app/) stays free of GUI and server code, so a headless caller, the co-signer
and the tests can use it without Qt or aiohttp (spec/architecture.md)."""

from __future__ import annotations

from tests.helpers import REPO
from tests.import_graph import imported_roots

FORBIDDEN_IN_APP = {"PySide6", "aiohttp", "ui", "cosigner_server"}


def test_the_checker_sees_every_kind_of_import():
    source = (
        "import os, PySide6.QtWidgets as qt\n"
        "def late():\n"
        "    from cosigner_server.app import make\n"
        "try:\n"
        "    import aiohttp\n"
        "except ImportError:\n"
        "    pass\n"
        "from . import sibling\n"
    )
    assert imported_roots(source) == {"os", "PySide6", "cosigner_server", "aiohttp"}


def test_app_imports_no_gui_and_no_server_code():
    files = sorted((REPO / "app").rglob("*.py"))
    assert len(files) >= 5, "app/ not found where expected"
    offenders = {
        str(path.relative_to(REPO)): sorted(bad)
        for path in files
        if (bad := imported_roots(path.read_text(encoding="utf-8")) & FORBIDDEN_IN_APP)
    }
    assert offenders == {}


def test_app_has_no_stray_files_outside_packages():
    # Every folder with Python code under app/ is a package, so setuptools ships all of it.
    folders = {path.parent for path in (REPO / "app").rglob("*.py")}
    assert all((folder / "__init__.py").exists() for folder in folders)
