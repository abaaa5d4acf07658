"""Issue 15.1: without a keyring, signing stopped after a restart. Review (Pass B): the message
said "enter its passphrase" (with a full home-folder path) but nothing anywhere let the user
enter it. Now the main window asks for the key file's passphrase as soon as something needs
the keys (at start, when the wallets load), signing then works, and when a safe keyring has
appeared since, the app offers to move the keys into it and stops asking."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from app.share_store import (
    EncryptedFileShareStore,
    KeyringShareStore,
    PassphraseNeeded,
    open_share_store,
)
from tests.ui.conftest import WAIT_MS, give_owner_a_wallet, wait_job
from ui.context import AppContext
from ui.errors import explain
from ui.main_window import MainWindow
from ui.messages_tab import MessagesTab
from ui.passphrase_dialog import PassphraseDialog

PASSPHRASE = "amber kettle through fog"


def _answer_passphrase_dialogs(qtbot, passphrase: str) -> list[str]:
    """Fill in every passphrase dialog that opens (they are modal: exec() runs its own loop)."""
    seen: list[str] = []

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, PassphraseDialog) and dialog.isVisible():
            seen.append(dialog.windowTitle())
            dialog.passphrase.setText(passphrase)
            dialog.ok.click()

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(50)
    _keep.append(timer)
    return seen


_keep: list[QTimer] = []


@pytest.fixture(autouse=True)
def _stop_timers():
    yield
    for timer in _keep:
        timer.stop()
    _keep.clear()


@pytest.fixture
def file_with_a_key(qapp, tmp_path: Path, owner_cosigner):
    """The first run on a computer without a keyring: the key went into the encrypted file."""
    path = tmp_path / "keys" / "shares.enc"
    folder = tmp_path / "app"
    folder.mkdir()
    first = AppContext(
        QSettings(str(folder / "desktop.ini"), QSettings.Format.IniFormat),
        data_directory=folder / "data",
        store=EncryptedFileShareStore.create(path, PASSPHRASE),
        local_factory=lambda _d: owner_cosigner,
    )
    share, _created = give_owner_a_wallet(first, owner_cosigner)
    first.shutdown()
    return path, folder, share


def _restarted(folder: Path, path: Path, owner_cosigner) -> AppContext:
    return AppContext(
        QSettings(str(folder / "desktop.ini"), QSettings.Format.IniFormat),
        data_directory=folder / "data",
        fallback_path=path,
        local_factory=lambda _d: owner_cosigner,
    )


def _start(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    ctx.prefs.set_cosigner("local", None, None)
    wait_job(qtbot, ctx.start_local())
    ctx.refresh_wallets()
    return window


def test_after_a_restart_the_passphrase_is_asked_and_signing_works(
    qtbot, file_with_a_key, owner_cosigner, monkeypatch
):
    path, folder, share = file_with_a_key
    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())  # still no keyring
    ctx = _restarted(folder, path, owner_cosigner)
    try:
        seen = _answer_passphrase_dialogs(qtbot, PASSPHRASE)
        _start(qtbot, ctx)
        qtbot.waitUntil(lambda: ctx.store_ready, timeout=WAIT_MS)
        assert seen == ["Unlock"]
        assert isinstance(ctx.store(), EncryptedFileShareStore)
        qtbot.waitUntil(lambda: bool(ctx.entries), timeout=WAIT_MS)
        entry = ctx.entry(share.client_id)
        assert entry is not None and entry.can_sign
        assert "encrypted key file" in ctx.key_place

        # Signing works after the restart.
        messages = MessagesTab(ctx)
        qtbot.addWidget(messages)
        messages.set_entry(entry)
        messages.message.setPlainText("after a restart")
        assert wait_job(qtbot, messages.sign_message()).signature
        assert not hasattr(ctx, "keyring_offer")  # no safe keyring: nothing to offer
    finally:
        ctx.shutdown()


def test_the_locked_file_is_explained_without_a_path(file_with_a_key):
    path, _folder, _share = file_with_a_key
    with pytest.raises(PassphraseNeeded) as locked:
        open_share_store(path=path)
    what = explain(locked.value)
    assert what.title == "Your keys are locked" and what.retry
    assert str(path.parent) not in what.full_text() and "/" not in what.full_text()


def test_keys_move_into_a_keyring_that_appeared_later(qtbot, file_with_a_key, owner_cosigner):
    path, folder, share = file_with_a_key
    ctx = _restarted(folder, path, owner_cosigner)  # the tests' default keyring is a safe one
    try:
        _answer_passphrase_dialogs(qtbot, PASSPHRASE)
        _start(qtbot, ctx)
        qtbot.waitUntil(lambda: hasattr(ctx, "keyring_offer"), timeout=WAIT_MS)
        offer = ctx.keyring_offer
        assert "Move them to the system keyring" in offer.informativeText()
        offer.defaultButton().click()
        wait_job(qtbot, ctx.keyring_move)
        assert not path.exists()
        assert isinstance(ctx.store(), KeyringShareStore)
        assert ctx.store().load(share.split_id) == share
        assert ctx.key_place == "this computer's keyring"
    finally:
        ctx.shutdown()

    # The next start opens the keyring: no passphrase asked.
    again = _restarted(folder, path, owner_cosigner)
    try:
        assert isinstance(again.store(), KeyringShareStore)
        assert again.load_share(share.split_id) == share
    finally:
        again.shutdown()
