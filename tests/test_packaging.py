"""What the wheel and the bundle are made of stays in step with the tree: every package is
listed in pyproject (it lists them by hand, to map resources/ into ui.resources), the version
is one, and the files the packages name exist. The built artefacts themselves are checked by
`make dist-check` (packaging/dist_check.py)."""

from __future__ import annotations

import configparser
import subprocess
import sys
import tomllib
from pathlib import Path

from app.version import __version__

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_in_the_tree_is_in_the_wheel():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("app", "cosigner_server", "ui")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert listed - {"ui.resources"} == found
    mapped = PYPROJECT["tool"]["setuptools"]["package-dir"]["ui.resources"]
    assert sorted(p.name for p in (ROOT / mapped).glob("*.qss")) == [
        "base.qss", "dark.qss", "light.qss",
    ]  # fmt: skip


def test_the_server_and_the_clis_install_without_qt():
    core = " ".join(PYPROJECT["project"]["dependencies"]).lower()
    assert "pyside" not in core and "qrcode" not in core
    assert any(
        "pyside6" in d.lower() for d in PYPROJECT["project"]["optional-dependencies"]["desktop"]
    )


def test_both_clis_print_the_one_version():
    for module, prog in (("ui.main", "splitkey"), ("cosigner_server.cli", "splitkey-cosigner")):
        done = subprocess.run(
            [sys.executable, "-c", f"import sys; from {module} import main; sys.exit(main())",
             "--version"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == [prog, __version__]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]["attr"] == (
        "app.version.__version__"
    )


def test_the_desktop_entry_icon_and_app_id_are_the_applications(qapp):
    from ui.main import make_application

    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    desktop = ROOT / "packaging" / "linux" / "io.github.splitkey.Splitkey.desktop"
    entry.read(desktop)
    assert entry["Desktop Entry"]["Icon"] == "splitkey"
    assert entry["Desktop Entry"]["Exec"] == "splitkey"
    app = make_application()
    # The window manager matches windows to this entry by the application's desktop file name.
    assert app.desktopFileName() == desktop.stem
    icon = app.windowIcon()
    assert not icon.isNull() and not icon.pixmap(64, 64).isNull()
