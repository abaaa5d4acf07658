"""Issue 15, accessibility: every input a person can reach has a name a screen reader reads out
(its accessible name, or the label that is its buddy), walked over every tab of the main window
with a wallet in it, every dialog, the wizard's pages and the lock screen; and every flow can be
driven from the keyboard (each input takes focus by Tab)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

from tests.ui.window_dialogs import _dialogs, _settle
from ui.wizard import FirstRunWizard

INPUTS = (
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractSlider,
    QAbstractItemView,
    QAbstractButton,
)


def _named(widget: QWidget, buddies: set[int]) -> bool:
    if widget.accessibleName().strip():
        return True
    if id(widget) in buddies:
        return True
    if isinstance(widget, QAbstractButton):
        return bool(widget.text().replace("&", "").strip())
    return False


def unnamed_inputs(top: QWidget) -> list[str]:
    widgets = [top, *top.findChildren(QWidget)]
    buddies = {id(label.buddy()) for label in top.findChildren(QLabel) if label.buddy()}
    missing = []
    for widget in widgets:
        if not isinstance(widget, INPUTS) or isinstance(widget, (QTabBar, QHeaderView)):
            continue
        if not widget.isVisibleTo(top) or widget.parent() is None:
            continue
        if type(widget).__name__.startswith("QScrollBar") or widget.objectName().startswith("qt_"):
            continue  # Qt's own parts (scroll bars, spin box arrows, the combo's list)
        if isinstance(widget.parentWidget(), (QComboBox, QAbstractSpinBox)):
            continue
        if not _named(widget, buddies):
            missing.append(f"{type(widget).__name__} (tooltip {widget.toolTip()!r})")
        elif widget.isEnabled() and widget.focusPolicy() == Qt.FocusPolicy.NoFocus and not (
            isinstance(widget, QAbstractButton) and widget.parentWidget() is not None
            and type(widget.parentWidget()).__name__ == "QTabBar"
        ):
            missing.append(f"{type(widget).__name__} {widget.accessibleName()!r} takes no focus")
    return missing


def test_every_input_has_a_name_and_takes_focus(qtbot, furnished):
    window = furnished
    problems = []
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        _settle(qtbot, window)
        problems += [f"tab {window.tabs.tabText(index)!r}: {p}" for p in unnamed_inputs(window)]
    window.ctx.set_locked(True)
    _settle(qtbot, window)
    problems += [f"lock screen: {p}" for p in unnamed_inputs(window)]
    window.ctx.set_locked(False)
    for dialog in _dialogs(window):
        dialog.show()
        _settle(qtbot, dialog)
        problems += [f"{type(dialog).__name__}: {p}" for p in unnamed_inputs(dialog)]
        dialog.hide()
    wizard = FirstRunWizard(window.ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    for page_id in wizard.pageIds():
        page = wizard.page(page_id)
        page.show()
        _settle(qtbot, page)
        problems += [f"wizard page {type(page).__name__}: {p}" for p in unnamed_inputs(page)]
    assert problems == [], "\n".join(sorted(set(problems)))


def test_a_transfer_is_signed_from_the_keyboard_alone(qtbot, furnished):
    window = furnished
    window.activateWindow()
    sign = window.sign
    window.tabs.setCurrentWidget(sign)
    _settle(qtbot, window)
    sign.recipient.setFocus()
    qtbot.keyClicks(sign.recipient, "ab" * 32)
    qtbot.keyClick(sign.recipient, Qt.Key.Key_Tab)
    assert sign.amount.hasFocus()
    qtbot.keyClicks(sign.amount, "1.5")
    qtbot.keyClick(sign.amount, Qt.Key.Key_Return)  # Enter opens the Review ...
    review = sign.review
    assert review is not None and review.isVisible()
    qtbot.keyClick(review, Qt.Key.Key_Return)  # ... where Enter does not sign
    assert review.isVisible() and sign.job is None or not getattr(sign.job, "running", False)
    review.sign_button.setFocus()
    qtbot.keyClick(review.sign_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: sign.result_tx is not None, timeout=60_000)
