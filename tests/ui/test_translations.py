"""Issue 15, languages: strings go through Qt's translation machinery and a translation is a
file. The committed catalogue (resources/i18n/splitkey.ts, made by PySide6's lupdate with
`make translations`) holds every tr() string the code has, and a translated catalogue compiled
with lrelease changes what the screens say, with no code change."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication

from app.client import CosignerError
from tests.helpers import REPO
from ui.errors import ErrorBanner
from ui.i18n import CATALOGUE, install_translators
from ui.lock_screen import LockScreen


def _tool(name: str) -> str:
    import shutil
    import sys

    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def _sources(ts: Path) -> set[str]:
    return {m.findtext("source") for m in ET.parse(ts).getroot().iter("message")}


def _entries(ts: Path) -> set[tuple[str, str]]:
    """(context, source) of every message: a string moved to another class is a new entry."""
    return {
        (context.findtext("name"), message.findtext("source"))
        for context in ET.parse(ts).getroot().iter("context")
        for message in context.iter("message")
    }


def test_the_catalogue_has_every_string_the_code_translates(tmp_path):
    files = subprocess.run(
        ["git", "ls-files", "ui/*.py"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    files += [
        str(p.relative_to(REPO)) for p in (REPO / "ui").rglob("*.py")
        if str(p.relative_to(REPO)) not in files
    ]  # fmt: skip
    fresh = tmp_path / "fresh.ts"
    subprocess.run(
        [_tool("pyside6-lupdate"), *files, "-locations", "none", "-ts", str(fresh)],
        cwd=REPO, capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    missing = _entries(fresh) - _entries(CATALOGUE)
    assert not missing, f"run `make translations`; not in the catalogue: {sorted(missing)}"
    stale = _entries(CATALOGUE) - _entries(fresh)
    assert not stale, f"run `make translations`; no longer in the code: {sorted(stale)}"
    # Every entry has a context: a call lupdate misread (an alias of translate) has none.
    assert all(context for context, _source in _entries(CATALOGUE))
    assert {"Unlock", "&Lock now", "Connected to {where}"} <= _sources(CATALOGUE)


def test_a_translation_is_a_file(qtbot, tmp_path):
    tree = ET.parse(CATALOGUE)
    german = {
        "Unlock": "Entsperren",
        "Splitkey is locked": "Splitkey ist gesperrt",
        "Try again": "Erneut versuchen",  # a widget's own text (ErrorBanner)
        "This key was revoked": "Dieser Schlüssel wurde widerrufen",  # a table, shown later
    }
    for message in tree.getroot().iter("message"):
        text = german.get(message.findtext("source"))
        if text:
            translation = message.find("translation")
            translation.text = text
            translation.attrib.pop("type", None)
    tree.getroot().set("language", "de_DE")
    ts = tmp_path / "splitkey_de.ts"
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    subprocess.run(
        [_tool("pyside6-lrelease"), str(ts), "-qm", str(tmp_path / "splitkey_de.qm")],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    app = QApplication.instance()
    installed = install_translators(app, QLocale("de_DE"), folder=tmp_path)
    try:
        assert installed
        screen = LockScreen()
        qtbot.addWidget(screen)
        assert screen.unlock_button.text() == "Entsperren"
        banner = ErrorBanner()
        qtbot.addWidget(banner)
        refused = CosignerError(403, "refused", "the key was revoked", rule="revoked")
        what = banner.show_error(refused)
        assert banner._button.text() == "Erneut versuchen"
        assert what.title == "Dieser Schlüssel wurde widerrufen"
    finally:
        for translator in installed:
            app.removeTranslator(translator)
    english = LockScreen()
    qtbot.addWidget(english)
    assert english.unlock_button.text() == "Unlock"
