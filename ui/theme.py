"""Light and dark looks: Qt's Fusion style with a palette of each, plus resources/*.qss for the
few things a palette cannot say (invalid fields, banners, badges). "system" follows the
desktop's colour scheme where Qt can read it (Qt 6.5+), else light."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parent.parent / "resources"  # a checkout, or the bundle
if not RESOURCES.is_dir():  # an installed wheel: resources/ is the package ui.resources
    RESOURCES = Path(__file__).resolve().parent / "resources"


def _palette(dark: bool) -> QPalette:
    p = QPalette()
    if dark:
        colours = {
            QPalette.ColorRole.Window: "#202124",
            QPalette.ColorRole.WindowText: "#e8eaed",
            QPalette.ColorRole.Base: "#2b2c2f",
            QPalette.ColorRole.AlternateBase: "#303134",
            QPalette.ColorRole.Text: "#e8eaed",
            QPalette.ColorRole.Button: "#303134",
            QPalette.ColorRole.ButtonText: "#e8eaed",
            QPalette.ColorRole.Highlight: "#3b78e7",
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.ToolTipBase: "#303134",
            QPalette.ColorRole.ToolTipText: "#e8eaed",
            QPalette.ColorRole.PlaceholderText: "#9aa0a6",
            QPalette.ColorRole.Link: "#8ab4f8",
        }
        disabled_text = "#7f8388"
    else:
        colours = {
            QPalette.ColorRole.Window: "#f6f7f9",
            QPalette.ColorRole.WindowText: "#202124",
            QPalette.ColorRole.Base: "#ffffff",
            QPalette.ColorRole.AlternateBase: "#f1f3f4",
            QPalette.ColorRole.Text: "#202124",
            QPalette.ColorRole.Button: "#eef0f3",
            QPalette.ColorRole.ButtonText: "#202124",
            QPalette.ColorRole.Highlight: "#1a73e8",
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.ToolTipBase: "#ffffff",
            QPalette.ColorRole.ToolTipText: "#202124",
            QPalette.ColorRole.PlaceholderText: "#80868b",
            QPalette.ColorRole.Link: "#1a73e8",
        }
        disabled_text = "#9aa0a6"
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled_text))
    return p


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def _stylesheet(dark: bool) -> str:
    parts = []
    for name in ("base.qss", "dark.qss" if dark else "light.qss"):
        path = RESOURCES / name
        if path.is_file():  # a build without resources/ still works, only plainer
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


def apply_theme(app: QApplication, theme: str) -> bool:
    """Apply "light", "dark" or "system"; returns whether the result is dark."""
    dark = theme == "dark" or (theme == "system" and system_is_dark())
    # Set the style once: palette and stylesheet are what change between themes. (Asking
    # app.style() for its name is no way to tell: with PySide6 6.12 the wrapper it returns can
    # end up deleting the application's style, and the next repaint crashes.)
    if not app.property("splitkeyStyled"):
        app.setStyle("Fusion")
        app.setProperty("splitkeyStyled", True)
    app.setPalette(_palette(dark))
    app.setStyleSheet(_stylesheet(dark))
    return dark
