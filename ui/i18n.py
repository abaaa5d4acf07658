"""Translations: a language is a file, not a code change. User-facing strings go through Qt's
tr() / QCoreApplication.translate; `make translations` gathers them with PySide6's lupdate into
resources/i18n/splitkey.ts (the catalogue a translator copies to splitkey_<lang>.ts and fills
in with Qt Linguist), and compiles every splitkey_<lang>.ts into the .qm file loaded here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

I18N = Path(__file__).resolve().parent.parent / "resources" / "i18n"
CATALOGUE = I18N / "splitkey.ts"


def install_translators(
    app: QApplication, locale: QLocale | None = None, folder: Path = I18N
) -> list[QTranslator]:
    """Load Splitkey's translation for the locale (and Qt's own, for its standard buttons)
    when there is one; English, the source language, needs none. The translators installed."""
    locale = locale or QLocale.system()
    installed = []
    for name, where in (
        ("splitkey", str(folder)),
        ("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
    ):
        translator = QTranslator(app)
        if translator.load(locale, name, "_", where):
            app.installTranslator(translator)
            installed.append(translator)
    return installed
