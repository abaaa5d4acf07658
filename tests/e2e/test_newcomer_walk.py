"""Issue 15's newcomer walk, as one end-to-end test through the real widgets, the real built-in
co-signer (a child process on its private socket) and a share store: the first-run wizard,
create a wallet, confirm its words, sign a transfer, share a limited key, revoke it, set a
password and lock, unlock, crash the co-signer, and recover without leaving the app. A
screenshot is saved after each step (SPLITKEY_WALK_SHOTS=<folder> keeps them; they were looked
at when this test was written: docs/screenshots/walk-*.png)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget, QWizard

from app.local_cosigner import start_local_cosigner
from app.share_store import KeyringShareStore
from tests.e2e.desktop_steps import WAIT_MS, sign_transfer, tab_of, verified_signature
from tests.share_store_helpers import MemoryKeyring
from tests.ui.conftest import wait_job
from tests.ui.wizard_steps import press_next
from ui.context import OFFLINE, ONLINE, AppContext
from ui.main import Desktop
from ui.shares_tab import SharesTab
from ui.wizard import wizard as flow

pytestmark = pytest.mark.slow

PASSWORD = "walk the dog 9"


@pytest.fixture
def shots(tmp_path: Path):
    folder = Path(os.environ.get("SPLITKEY_WALK_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []

    def shoot(widget: QWidget, name: str) -> None:
        QApplication.processEvents()
        path = folder / f"walk-{len(taken) + 1:02d}-{name}.png"
        assert widget.grab().save(str(path)), path
        taken.append(path)

    shoot.taken = taken
    return shoot


@pytest.fixture
def walk_ctx(qapp, tmp_path: Path):
    started = []

    def factory(directory: Path):
        started.append(start_local_cosigner(directory, kek_source="file"))
        return started[-1]

    folder = tmp_path / "desktop"
    folder.mkdir()
    ctx = AppContext(
        QSettings(str(folder / "desktop.ini"), QSettings.Format.IniFormat),
        data_directory=folder / "data",
        store=KeyringShareStore(MemoryKeyring(), "memory"),
        local_factory=factory,
    )
    yield ctx
    ctx.shutdown()
    for local in started:
        local.owned = True
        local.stop(timeout=10)


def test_a_newcomer_walks_from_the_wizard_to_a_recovered_crash(qtbot, walk_ctx, shots):
    ctx = walk_ctx
    desktop = Desktop(ctx)
    desktop.start()
    wizard = desktop.wizard
    qtbot.addWidget(wizard)
    shots(wizard, "wizard")

    # 1. the wizard: "This computer", then a new wallet
    press_next(qtbot, wizard, flow.WALLET)
    wizard.page(flow.WALLET).set_choice(flow.CREATE)
    press_next(qtbot, wizard, flow.WORDS)
    qtbot.waitUntil(lambda: bool(wizard.words()), timeout=WAIT_MS)
    words = wizard.words()
    shots(wizard, "words")

    # 2. confirm the words: only then is the wallet finished
    wizard.page(flow.WORDS).written.setChecked(True)
    press_next(qtbot, wizard, flow.CONFIRM)
    for position, edit, _error in wizard.page(flow.CONFIRM).inputs:
        qtbot.keyClicks(edit, words[position])
    shots(wizard, "confirm")
    press_next(qtbot, wizard, flow.DONE)
    client_id = wizard.client_id
    wizard.button(QWizard.WizardButton.FinishButton).click()
    window = desktop.window
    qtbot.addWidget(window)
    qtbot.waitUntil(
        lambda: window.entry is not None and window.entry.client_id == client_id,
        timeout=WAIT_MS,
    )
    assert window.entry.can_sign
    shots(window, "main")

    # 3. sign a transfer
    window.tabs.setCurrentWidget(window.sign)
    window.sign.fee.setText("0.01")
    shown = sign_transfer(qtbot, window.sign, "2.5")
    assert shown["Total"].startswith("2.51 ZCN")
    verified_signature(window.sign, shown, window.overview.public_key.value())
    shots(window, "signed")

    # 4. share a limited key
    shares = tab_of(window, SharesTab)
    window.tabs.setCurrentWidget(shares)
    wait_job(qtbot, shares.refresh())
    qtbot.mouseClick(shares.share_button, Qt.MouseButton.LeftButton)
    share = shares.dialog
    qtbot.keyClicks(share.label, "Sam's phone")
    qtbot.keyClicks(share.per_period, "5")
    made = wait_job(qtbot, share.create())
    shots(share, "share-code")
    share.done_button.click()
    qtbot.waitUntil(lambda: shares.model.row_of(made.split.id) >= 0, timeout=WAIT_MS)

    # 5. revoke it: unmistakable in the list
    shares.select(made.split.id)
    revoke = shares.open_revoke()
    wait_job(qtbot, revoke.confirm())
    qtbot.waitUntil(
        lambda: shares.model.index(shares.model.row_of(made.split.id), 0).data() == "revoked",
        timeout=WAIT_MS,
    )
    shots(window, "revoked")

    # 6. set a password and lock: nothing shown, nothing signed
    lock = window.open_lock_settings()
    lock.use_password.setChecked(True)
    qtbot.keyClicks(lock.new, PASSWORD)
    qtbot.keyClicks(lock.again, PASSWORD)
    wait_job(qtbot, lock.save())
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    window.lock_action.trigger()
    assert ctx.locked and window.pages.currentWidget() is window.lock_screen
    shots(window, "locked")

    # 7. unlock
    qtbot.keyClicks(window.lock_screen.password, PASSWORD)
    qtbot.keyClick(window.lock_screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not ctx.locked, timeout=WAIT_MS)
    shots(window, "unlocked")

    # 8. the co-signer crashes: seen at once, said plainly
    window.tabs.setCurrentWidget(window.overview)
    qtbot.waitUntil(lambda: ctx.state == ONLINE, timeout=WAIT_MS)
    os.kill(ctx.local.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: ctx.state == OFFLINE, timeout=WAIT_MS)
    assert window.connection.text() == "The co-signer on this computer stopped"
    shots(window, "crashed")

    # 9. recover without leaving the app: Retry starts it again; signing works again
    window.retry_button.click()
    qtbot.waitUntil(lambda: ctx.state == ONLINE, timeout=WAIT_MS)
    window.tabs.setCurrentWidget(window.sign)
    shown = sign_transfer(qtbot, window.sign, "1")
    verified_signature(window.sign, shown, window.overview.public_key.value())
    shots(window, "recovered")
    assert len(shots.taken) == 11
