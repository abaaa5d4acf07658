"""Issue 15.6, the app lock. Review: "No password or PIN was asked on open. Anyone at the
unlocked desktop can open Splitkey and sign." Now: an optional password set in App lock
settings, asked when the app opens, after the idle time the person picked and on Lock now
(Ctrl+L); while locked nothing about wallets, keys or history is on screen, open dialogs are
closed, and a call to the co-signer is refused."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.app_lock import AppLocked, check_password
from tests.ui.conftest import WAIT_MS, connected, give_owner_a_wallet, wait_job
from ui.errors import explain
from ui.lock_settings_dialog import LockSettingsDialog
from ui.main_window import MainWindow

PASSWORD = "blue harbour 42"


def _window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    return window


def _set_password(qtbot, ctx, window, minutes: int = 5) -> None:
    dialog = window.open_lock_settings()
    assert isinstance(dialog, LockSettingsDialog)
    dialog.use_password.setChecked(True)
    qtbot.keyClicks(dialog.new, PASSWORD)
    qtbot.keyClicks(dialog.again, PASSWORD)
    dialog.idle.setCurrentIndex(dialog.idle.findData(minutes))
    wait_job(qtbot, dialog.save())
    assert dialog.result() == QDialog.DialogCode.Accepted


def _unlock(qtbot, window, password: str) -> None:
    window.lock_screen.password.clear()
    qtbot.keyClicks(window.lock_screen.password, password)
    qtbot.keyClick(window.lock_screen.password, Qt.Key.Key_Return)


def test_without_a_password_the_app_opens_unlocked_and_lock_now_asks_for_one(qtbot, ctx):
    window = _window(qtbot, ctx)
    assert not ctx.locked and window.pages.currentWidget() is window.content
    window.lock_action.trigger()  # no password yet: the settings open instead of a dead lock
    assert not ctx.locked
    dialogs = [d for d in window.findChildren(LockSettingsDialog) if d.isVisible()]
    assert len(dialogs) == 1


def test_a_password_is_asked_on_open_and_nothing_is_shown_or_signed_until_then(
    qtbot, ctx, owner_cosigner
):
    give_owner_a_wallet(ctx, owner_cosigner)
    connected(qtbot, ctx)
    first = _window(qtbot, ctx)
    _set_password(qtbot, ctx, first)
    stored = ctx.prefs.lock_hash
    assert stored and PASSWORD not in stored and check_password(stored, PASSWORD)
    assert PASSWORD not in open(ctx.prefs.qsettings.fileName()).read()
    first.close()

    # The next start: locked before anything is shown.
    window = _window(qtbot, ctx)
    assert ctx.locked and window.pages.currentWidget() is window.lock_screen
    assert not window.wallets.isVisible() and not window.tabs.isVisible()
    assert not window.overview.isVisible()
    assert not any(action.isEnabled() for action in window.lockable_actions)  # only Quit

    # A locked app signs nothing: every call to the co-signer is refused before it is sent.
    job = ctx.cosigner(lambda api: api.wallets(), "List")
    with pytest.raises(AppLocked):
        wait_job(qtbot, job)
    assert explain(AppLocked()).title == "Splitkey is locked"

    _unlock(qtbot, window, "not it at all")
    qtbot.waitUntil(lambda: window.lock_screen.error.text() != "", timeout=WAIT_MS)
    assert "not the password" in window.lock_screen.error.text() and ctx.locked

    _unlock(qtbot, window, PASSWORD)
    qtbot.waitUntil(lambda: not ctx.locked, timeout=WAIT_MS)
    assert window.pages.currentWidget() is window.content and window.wallets.isVisible()
    wait_job(qtbot, ctx.refresh_wallets())


def test_lock_now_and_the_idle_lock_hide_everything_and_close_dialogs(qtbot, ctx):
    window = _window(qtbot, ctx)
    _set_password(qtbot, ctx, window, minutes=1)
    assert window.app_lock._idle.isActive() and window.app_lock._idle.interval() == 60_000

    # Lock now, with a dialog open: the dialog goes, the lock screen comes.
    open_dialog = window.open_lock_settings()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    window.lock_action.trigger()
    assert ctx.locked and not open_dialog.isVisible()
    assert window.pages.currentWidget() is window.lock_screen
    _unlock(qtbot, window, PASSWORD)
    qtbot.waitUntil(lambda: not ctx.locked, timeout=WAIT_MS)

    # Idle: the timer the person picked locks the app by itself (shortened here).
    window.app_lock._idle.start(200)
    qtbot.waitUntil(lambda: ctx.locked, timeout=WAIT_MS)
    assert window.pages.currentWidget() is window.lock_screen


def test_changing_or_removing_the_password_needs_the_current_one(qtbot, ctx):
    window = _window(qtbot, ctx)
    _set_password(qtbot, ctx, window)
    dialog = window.open_lock_settings()
    dialog.use_password.setChecked(False)
    assert dialog.save() is None  # no current password typed
    assert "current password" in dialog.current_error.text()
    qtbot.keyClicks(dialog.current, "wrong guess")
    wait_job(qtbot, dialog.save())
    assert dialog.isVisible() and "not the current password" in dialog.current_error.text()
    assert ctx.prefs.lock_hash is not None
    dialog.current.clear()
    qtbot.keyClicks(dialog.current, PASSWORD)
    wait_job(qtbot, dialog.save())
    assert ctx.prefs.lock_hash is None and not window.app_lock.enabled


def test_the_window_comes_back_where_it_was_left(qtbot, ctx):
    window = _window(qtbot, ctx)
    window.resize(700, 530)  # within the offscreen screen (800x600)
    window.close()
    again = _window(qtbot, ctx)
    assert (again.width(), again.height()) == (700, 530)
