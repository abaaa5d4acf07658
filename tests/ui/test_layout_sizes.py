"""Issue 15.7: a layout that holds. Every tab of the main window and every dialog, rendered at
800x600, 1280x800 and 1920x1080 in the light and the dark theme, with a wallet, a key and a
share in it: the test fails when a visible widget is smaller than its minimum size hint (a
squashed field, review items 9-10), when a text that must be read whole is cut (a label or a
button narrower than its text, a tab title elided), when a QR code is not fully on screen
(unscannable, review item 15), or when the window cannot be as small as the screen. Each
render is saved as a PNG under the test's folder; `make screenshots` keeps the main ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QHeaderView,
    QLabel,
    QTabBar,
    QWidget,
)

from tests.ui.window_dialogs import _dialogs, _settle
from ui.theme import apply_theme
from ui.widgets import QrLabel

SIZES = (QSize(800, 600), QSize(1280, 800), QSize(1920, 1080))
THEMES = ("light", "dark")


def _in_scroll_area(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, QLabel):
            return True
        parent = parent.parentWidget()
    return False


def layout_problems(top: QWidget, screen: QSize) -> list[str]:
    """What a person would see as broken in `top`, each in a line naming the widget."""
    problems = []
    if top.minimumSizeHint().width() > screen.width() or (
        top.minimumSizeHint().height() > screen.height()
    ):
        problems.append(
            f"{type(top).__name__} needs at least {top.minimumSizeHint().toTuple()}, "
            f"more than the screen {screen.toTuple()}"
        )
    for widget in (top, *top.findChildren(QWidget)):
        if not widget.isVisible() or (widget.isWindow() and widget is not top):
            continue
        name = f"{type(widget).__name__} {widget.accessibleName() or widget.objectName()!r}"
        hint = widget.minimumSizeHint()
        if isinstance(widget, QHeaderView):
            hint = QSize()  # a header's size comes from its sections, not this generic hint
        elif isinstance(widget, QAbstractScrollArea):
            # A scroll area's own hint is a generic 70x70; what must fit is one line of text.
            frame = 2 * widget.frameWidth() + 4
            hint = QSize(48, widget.fontMetrics().lineSpacing() + frame)
        if hint.isValid() and (
            widget.width() + 1 < hint.width() or widget.height() + 1 < hint.height()
        ):
            problems.append(f"{name} is {widget.size().toTuple()}, below {hint.toTuple()}")
        text_cut = (
            isinstance(widget, QLabel) and widget.text() and not widget.wordWrap()
        ) or (isinstance(widget, QAbstractButton) and widget.text())
        if text_cut and widget.width() + 1 < widget.sizeHint().width():
            problems.append(f"{name} cuts its text {widget.text()!r}")
        if isinstance(widget, QTabBar):
            for i in range(widget.count()):
                if widget.isTabVisible(i) and widget.tabRect(i).width() + 1 < (
                    widget.tabSizeHint(i).width()
                ):
                    problems.append(f"tab {widget.tabText(i)!r} is elided")
            if widget.sizeHint().width() > widget.width() + 1:
                problems.append("the tabs do not all fit: some are behind scroll buttons")
        if isinstance(widget, QrLabel) and widget.pixmap() is not None and (
            not widget.pixmap().isNull()
        ):
            seen = widget.visibleRegion().boundingRect().size()
            if seen != widget.size():
                problems.append(f"the QR code shows {seen.toTuple()} of {widget.size().toTuple()}")
    return problems


@pytest.mark.parametrize("theme", THEMES)
def test_every_tab_and_dialog_holds_at_three_sizes(qtbot, furnished, theme, tmp_path: Path):
    window = furnished
    apply_theme(QApplication.instance(), theme)
    problems: list[str] = []
    for size in SIZES:
        window.resize(size)
        for index in range(window.tabs.count()):
            if not window.tabs.isTabVisible(index):
                continue
            window.tabs.setCurrentIndex(index)
            _settle(qtbot, window)
            where = f"{theme} {size.width()}x{size.height()} tab {window.tabs.tabText(index)!r}"
            problems += [f"{where}: {p}" for p in layout_problems(window, size)]
            window.grab().save(str(tmp_path / f"{theme}-{size.width()}-tab{index}.png"))
        window.ctx.set_locked(True)  # the lock screen too
        _settle(qtbot, window)
        where = f"{theme} {size.width()}x{size.height()} locked"
        problems += [f"{where}: {p}" for p in layout_problems(window, size)]
        window.ctx.set_locked(False)
    for dialog in _dialogs(window):
        dialog.show()
        _settle(qtbot, dialog)
        for size in SIZES:
            if dialog.width() > size.width() or dialog.height() > size.height():
                fits = dialog.size().boundedTo(size)
                dialog.resize(fits)
                _settle(qtbot, dialog)
            where = f"{theme} {size.width()}x{size.height()} {type(dialog).__name__}"
            problems += [f"{where}: {p}" for p in layout_problems(dialog, size)]
        dialog.grab().save(str(tmp_path / f"{theme}-{type(dialog).__name__}.png"))
        dialog.hide()
    assert problems == [], "\n".join(problems)
