"""Overview of the selected wallet: its address (with QR code and copy), public key, what the key
held here may do in plain words, how much of the period's allowance is used, and when it ends."""

from __future__ import annotations

import asyncio
import socket
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.policy_words import (
    describe,
    format_amount,
    format_period,
    format_time,
    format_zcn,
    worst_case,
)
from app.protocol.enums import Custody
from app.wallets import OWNED, WalletEntry, new_device_key
from ui.balance_box import BalanceBox
from ui.context import AppContext
from ui.errors import ErrorBanner
from ui.passphrase_dialog import ensure_store
from ui.widgets import BusyStrip, CopyButton, IdLabel, QrLabel, heading


def countdown(seconds: int) -> str:
    """Time left as "2 d 4 h", "3 h 12 min" or "45 s": two units at most, enough to plan by."""
    if seconds <= 0:
        return "expired"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def allowance(entry: WalletEntry, receipt: tuple[int, int, int] | None, now: int):
    """(used SAS, cap SAS, words) for the meter, or None when the key has no period cap.

    The co-signer reports a key's use in the current period with every co-sign (the receipt).
    A receipt older than the period means nothing of it is left in the window; a newer one is
    what the period held then (earlier uses may have left the window since: an upper bound)."""
    split = entry.split
    if split is None or split.permissions.unrestricted:
        return None
    cap = split.permissions.max_value_per_period
    if cap is None:
        return None
    period = split.permissions.period_seconds
    used = 0
    note = "nothing signed in this period from this computer"
    if receipt is not None:
        when, period_value, _count = receipt
        if now - when < period:
            used = period_value
            note = f"as of {format_time(when)}"
    words = (
        f"{format_amount(used)} of {format_zcn(cap)} used in the last "
        f"{format_period(period)} ({note})"
    )
    return used, cap, words


class OverviewTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entry: WalletEntry | None = None

        self.client_id = IdLabel()
        self.client_id.setAccessibleName("Client id")
        self.public_key = IdLabel()
        self.public_key.setAccessibleName("Public key")
        self.qr = QrLabel(150)
        copy_id = CopyButton(lambda: self.client_id.value(), "Copy client id")
        copy_key = CopyButton(lambda: self.public_key.value(), "Copy public key")

        address = QGroupBox("Address")
        grid = QGridLayout(address)
        grid.addWidget(QLabel("Client id (the wallet's address)"), 0, 0)
        grid.addWidget(self.client_id, 1, 0)
        grid.addWidget(copy_id, 2, 0, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(QLabel("Public key"), 3, 0)
        grid.addWidget(self.public_key, 4, 0)
        grid.addWidget(copy_key, 5, 0, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.qr, 0, 1, 6, 1, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(0, 1)

        self.key_summary = QLabel()
        self.key_summary.setWordWrap(True)
        self.permissions = QLabel()
        self.permissions.setWordWrap(True)
        self.permissions.setTextFormat(Qt.TextFormat.RichText)
        self.worst = QLabel()
        self.worst.setWordWrap(True)
        self.worst.setObjectName("worstCase")
        self.meter = QProgressBar()
        self.meter.setTextVisible(False)
        self.meter.setAccessibleName("Allowance used in this period")
        self.meter_text = QLabel()
        self.meter_text.setWordWrap(True)
        self.expiry = QLabel()
        self.expiry.setObjectName("expiry")
        self.uses = QLabel()
        self.add_key = QPushButton("Create a key for this computer")
        self.add_key.setToolTip(
            "Makes a new split of this wallet for you and keeps its share in this computer's "
            "keyring, so this computer can sign."
        )
        self.add_key.clicked.connect(self._create_key)
        self.custody = QLabel()
        self.custody.setWordWrap(True)
        self.custody.setObjectName("custody")
        self.refresh_key = QPushButton("Refresh this key")
        self.refresh_key.setToolTip(
            "Gives this computer and the co-signer a new pair of shares of the same wallet key. "
            "Any copy of the old key (a lost or stolen device, a backup) stops working."
        )
        self.refresh_key.clicked.connect(self._refresh_key)
        self.move = QPushButton("Move to another co-signer…")
        self.move.setToolTip("Split the key again from the 24 words and register it elsewhere")
        self.move.clicked.connect(self.open_move)

        key_box = QGroupBox("Your key for this wallet")
        column = QVBoxLayout(key_box)
        column.addWidget(self.custody)
        column.addWidget(self.key_summary)
        column.addWidget(self.add_key, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.refresh_key, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.move, 0, Qt.AlignmentFlag.AlignLeft)
        self.headings = [heading("What it may do"), heading("Allowance")]
        column.addWidget(self.headings[0])
        column.addWidget(self.permissions)
        column.addWidget(self.worst)
        column.addWidget(self.headings[1])
        column.addWidget(self.meter)
        column.addWidget(self.meter_text)
        column.addWidget(self.expiry)
        column.addWidget(self.uses)
        self.other_keys = QLabel()
        self.other_keys.setWordWrap(True)
        self.other_keys.setObjectName("hint")
        column.addWidget(self.other_keys)

        self.banner = ErrorBanner()
        self.busy = BusyStrip()
        self.balance = BalanceBox(ctx)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(self.banner)
        layout.addWidget(self.busy)
        layout.addWidget(self.balance)
        layout.addWidget(address)
        layout.addWidget(key_box)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_expiry)
        self.set_entry(None)

    # -- showing a wallet --

    def set_entry(self, entry: WalletEntry | None) -> None:
        self.entry = entry
        self.banner.clear()
        self.balance.set_client_id(entry.client_id if entry is not None else None)
        if entry is None:
            for label in (self.client_id, self.public_key):
                label.setText("")
            self.qr.set_text("")
            self.key_summary.setText("Pick a wallet on the left.")
            self.other_keys.hide()
            self._show_key(False)
            self.add_key.hide()
            self.refresh_key.hide()
            self.move.hide()
            self.custody.setText("")
            return
        self.client_id.setText(entry.client_id)
        keyless = entry.wallet.custody == Custody.KEYLESS
        self.custody.setText(
            "Keyless: the co-signer holds only its share; it never had this wallet's key."
            if keyless
            else "Custodial: the co-signer's vault holds this wallet's master key (like ZVault)."
        )
        self.public_key.setText(entry.wallet.public_key or "(not known on this computer)")
        self.qr.set_text(entry.client_id)
        split = entry.split
        # a keyless wallet's keys are cut from the owner's share, never by the co-signer
        can_add = (
            entry.kind == OWNED
            and not entry.has_share
            and not entry.wallet.frozen
            and not keyless
            and entry.wallet.delete_after is None  # a discarded or deleted wallet gets no key
        )
        self.add_key.setVisible(can_add)
        self.refresh_key.setVisible(entry.can_sign)
        self.move.setVisible(entry.kind == OWNED and keyless)
        if split is None:
            self.other_keys.hide()
            self.key_summary.setText(
                "There is no key for this wallet on this computer: it cannot sign here."
                if entry.kind == OWNED
                else "You no longer hold a key for this wallet."
            )
            self._show_key(False)
            return
        where = f"kept in {self.ctx.key_place}" if entry.has_share else "not on this computer"
        label = f" “{split.label}”" if split.label else ""
        self.key_summary.setText(f"Key{label} ({split.id}), status {split.status}, {where}.")
        self._show_key(True)
        self.other_keys.setText(other_keys_words(entry, self.ctx.has_share))
        self.other_keys.setVisible(bool(entry.others))
        lines = describe(split.permissions)
        self.permissions.setText("<ul>" + "".join(f"<li>{_html(x)}</li>" for x in lines) + "</ul>")
        self.worst.setText(worst_case(split.permissions, now=int(time.time())))
        self._update_meter()
        last = f", last {format_time(split.last_used)}" if split.last_used else ""
        self.uses.setText(f"Used {split.uses} time{'s' if split.uses != 1 else ''}{last}.")
        self._update_expiry()
        self._tick.start()

    def _show_key(self, visible: bool) -> None:
        for widget in (self.permissions, self.worst, self.meter, self.meter_text, *self.headings):
            widget.setVisible(visible)
        self.expiry.setVisible(visible)
        self.uses.setVisible(visible)
        if not visible:
            self._tick.stop()

    def _update_meter(self) -> None:
        entry = self.entry
        receipt = self.ctx.prefs.receipt(entry.split.id) if entry and entry.split else None
        shown = allowance(entry, receipt, int(time.time())) if entry else None
        if shown is None:
            self.meter.hide()
            unrestricted = entry and entry.split and entry.split.permissions.unrestricted
            self.meter_text.setText(
                "No limit per period." if not unrestricted else "Unrestricted: no limits."
            )
            return
        used, cap, words = shown
        self.meter.show()
        # A QProgressBar holds an int32: show per mille, not SAS.
        self.meter.setRange(0, 1000)
        self.meter.setValue(min(1000, used * 1000 // cap) if cap else 1000)
        self.meter_text.setText(words)

    def _update_expiry(self) -> None:
        entry = self.entry
        if entry is None or entry.split is None:
            return
        expires_at = entry.split.permissions.expires_at
        if expires_at is None:
            self.expiry.setText("Never expires.")
            self._tick.stop()
            return
        left = expires_at - int(time.time())
        if left <= 0:
            self.expiry.setText(f"Expired at {format_time(expires_at)}.")
            self._tick.stop()
        else:
            self.expiry.setText(f"Expires in {countdown(left)} ({format_time(expires_at)}).")

    # -- a key for this computer --

    def _create_key(self) -> None:
        entry = self.entry
        if entry is None:
            return
        label = f"{socket.gethostname()[:60]} (desktop)"

        async def make(api):
            share = await new_device_key(api, entry.client_id, label)
            await asyncio.to_thread(self.ctx.save_share, share)
            return share

        ensure_store(self.ctx, self, lambda: self._start_job(make))

    def _start_job(self, make) -> None:
        self.add_key.setEnabled(False)
        job = self.ctx.cosigner(make, label="Creating a key for this computer")
        self.busy.track(job, "Creating a key for this computer…", cancellable=False)
        job.finished.connect(self._key_created)
        job.failed.connect(self.banner.show_error)
        job.done.connect(lambda: self.add_key.setEnabled(True))

    def open_move(self):
        from ui.move_dialog import MoveDialog

        if self.entry is None:
            return None
        dialog = MoveDialog(self.ctx, self.entry, self)
        dialog.open()
        return dialog

    def _refresh_key(self) -> None:
        from ui.refresh_key import refresh_job

        entry = self.entry
        if entry is None or entry.split is None:
            return
        self.refresh_key.setEnabled(False)
        job = refresh_job(self.ctx, entry.split.id)
        self.busy.track(job, "Refreshing your key…", cancellable=False)
        job.finished.connect(self._key_created)
        job.failed.connect(self.banner.show_error)
        job.done.connect(lambda: self.refresh_key.setEnabled(True))

    def _key_created(self, _share) -> None:
        self.ctx.sync_share_index()
        self.ctx.refresh_wallets()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def other_keys_words(entry: WalletEntry, here) -> str:
    """The person's other keys of this wallet, one line each (the chosen one signs)."""
    lines = []
    for split in entry.others:
        name = f"“{split.label}”" if split.label else split.id
        power = "unrestricted" if split.permissions.unrestricted else "limited"
        place = "on this computer" if here(split.id) else "not on this computer"
        lines.append(f"{name}: {power}, {split.status.replace('_', ' ')}, {place}")
    if not lines:
        return ""
    return "Your other keys of this wallet (not used while the one above can sign):\n" + (
        "\n".join(lines)
    )
