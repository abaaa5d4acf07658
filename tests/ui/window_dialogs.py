"""Every dialog of a furnished main window, built for a look (and the wait for it to settle):
walked by test_layout_sizes.py and test_accessibility.py alike."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget

from app.activity import ActivityRow
from app.transaction import Transaction
from ui.activity_detail_dialog import ActivityDetailDialog
from ui.lock_settings_dialog import LockSettingsDialog
from ui.main_window import MainWindow
from ui.passphrase_dialog import PassphraseDialog
from ui.review_dialog import ReviewDialog
from ui.settings_dialog import SettingsDialog
from ui.shares_tab import SharesTab


def _settle(qtbot, widget: QWidget) -> None:
    QApplication.processEvents()
    qtbot.wait(10)
    QApplication.processEvents()


def _dialogs(window: MainWindow) -> list[QWidget]:
    ctx, entry = window.ctx, window.entry
    shares = next(
        window.tabs.widget(i) for i in range(window.tabs.count())
        if isinstance(window.tabs.widget(i), SharesTab)
    )  # fmt: skip
    share = shares.open_share()
    shares.select(shares.model.split_at(0).id)
    revoke = shares.open_revoke()
    tx = Transaction(
        client_id=entry.client_id,
        public_key=entry.wallet.public_key,
        chain_id=ctx.prefs.chain_id,
        creation_date=1_790_000_000,
        to_client_id="ab" * 32,
        transaction_value=25_000_000_000,
        transaction_fee=100_000_000,
        transaction_nonce=1,
    )
    review = ReviewDialog(tx, "Wallet", window)
    passphrase = PassphraseDialog("No safe keyring here.", create=True, parent=window)
    passphrase.passphrase.setText("short")
    passphrase._check()  # with its error showing: the field must not collapse (review 10)
    detail = ActivityDetailDialog(
        ActivityRow(
            seq=7, at=1_790_000_000, time="2026-09-21 14:13 UTC", who="you",
            what="Revoked a key (“Sam's laptop”)", split="sp_" + "1" * 20, hash="cd" * 32,
            decision="ok", details='{"revoked_at":1790000000}',
        ),
        window,
    )  # fmt: skip
    made = [
        share,
        revoke,
        review,
        SettingsDialog(ctx, window),
        LockSettingsDialog(ctx, window),
        passphrase,
        detail,
    ]
    return [d for d in made if d is not None]
