"""Overview of the selected wallet: its address (with QR code and copy), public key, what the key
held here may do in plain words, how much of the period's allowance is used, and when it ends."""

from __future__ import annotations

import asyncio
import socket
import time

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
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
from ui.jobs import follow
from ui.passphrase_dialog import ensure_store
from ui.widgets import BusyStrip, CopyButton, IdLabel, QrLabel, heading, scrolling


def countdown(seconds: int) -> str:
    """Time left as "2 d 4 h", "3 h 12 min" or "45 s": two units at most, enough to plan by."""
    if seconds <= 0:
        return "expired"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return QCoreApplication.translate("OverviewTab", "{days} d {hours} h").format(
            days=days, hours=hours
        )
    if hours:
        return QCoreApplication.translate("OverviewTab", "{hours} h {minutes} min").format(
            hours=hours, minutes=minutes
        )
    if minutes:
        return QCoreApplication.translate("OverviewTab", "{minutes} min {secs} s").format(
            minutes=minutes, secs=secs
        )
    return QCoreApplication.translate("OverviewTab", "{secs} s").format(secs=secs)


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
    note = QCoreApplication.translate(
        "OverviewTab", "nothing signed in this period from this computer"
    )
    if receipt is not None:
        when, period_value, _count = receipt
        if now - when < period:
            used = period_value
            note = QCoreApplication.translate("OverviewTab", "as of {when}").format(
                when=format_time(when)
            )
    words = QCoreApplication.translate(
        "OverviewTab", "{used} of {cap} used in the last {period} ({note})"
    ).format(used=format_amount(used), cap=format_zcn(cap), period=format_period(period), note=note)
    return used, cap, words


class OverviewTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entry: WalletEntry | None = None

        self.client_id = IdLabel()
        self.client_id.setAccessibleName(self.tr("Client id"))
        self.public_key = IdLabel()
        self.public_key.setAccessibleName(self.tr("Public key"))
        self.qr = QrLabel(150)
        copy_id = CopyButton(lambda: self.client_id.value(), self.tr("Copy client id"))
        copy_key = CopyButton(lambda: self.public_key.value(), self.tr("Copy public key"))

        address = QGroupBox(self.tr("Address"))
        grid = QGridLayout(address)
        grid.addWidget(QLabel(self.tr("Client id (the wallet's address)")), 0, 0)
        grid.addWidget(self.client_id, 1, 0)
        grid.addWidget(copy_id, 2, 0, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(QLabel(self.tr("Public key")), 3, 0)
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
        self.meter.setAccessibleName(self.tr("Allowance used in this period"))
        self.meter_text = QLabel()
        self.meter_text.setWordWrap(True)
        self.expiry = QLabel()
        self.expiry.setObjectName("expiry")
        self.uses = QLabel()
        self.add_key = QPushButton(self.tr("Create a key for this computer"))
        self.add_key.setToolTip(
            self.tr(
                "Makes a new split of this wallet for you and keeps its share in this computer's "
                "keyring, so this computer can sign."
            )
        )
        self.add_key.clicked.connect(self._create_key)
        self.custody = QLabel()
        self.custody.setWordWrap(True)
        self.custody.setObjectName("custody")
        self.refresh_key = QPushButton(self.tr("Refresh this key"))
        self.refresh_key.setToolTip(
            self.tr(
                "Gives this computer and the co-signer a new pair of shares of the same wallet "
                "key. Any copy of the old key (a lost or stolen device, a backup) stops working."
            )
        )
        self.refresh_key.clicked.connect(self._refresh_key)
        self.move = QPushButton(self.tr("Move to another co-signer…"))
        self.move.setToolTip(
            self.tr("Split the key again from the 24 words and register it elsewhere")
        )
        self.move.clicked.connect(self.open_move)

        key_box = QGroupBox(self.tr("Your key for this wallet"))
        column = QVBoxLayout(key_box)
        column.addWidget(self.custody)
        column.addWidget(self.key_summary)
        column.addWidget(self.add_key, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.refresh_key, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.move, 0, Qt.AlignmentFlag.AlignLeft)
        self.headings = [heading(self.tr("What it may do")), heading(self.tr("Allowance"))]
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
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(inner))

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
            self.key_summary.setText(self.tr("Pick a wallet on the left."))
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
            self.tr("Keyless: the co-signer holds only its share; it never had this wallet's key.")
            if keyless
            else self.tr(
                "Custodial: the co-signer's vault holds this wallet's master key (like ZVault)."
            )
        )
        self.public_key.setText(entry.wallet.public_key or self.tr("(not known on this computer)"))
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
                self.tr("There is no key for this wallet on this computer: it cannot sign here.")
                if entry.kind == OWNED
                else self.tr("You no longer hold a key for this wallet.")
            )
            self._show_key(False)
            return
        where = (
            self.tr("kept in {key_place}").format(key_place=self.ctx.key_place)
            if entry.has_share
            else self.tr("not on this computer")
        )
        label = f" “{split.label}”" if split.label else ""
        self.key_summary.setText(
            self.tr("Key{label} ({id}), status {status}, {where}.").format(
                label=label, id=split.id, status=split.status, where=where
            )
        )
        self._show_key(True)
        self.other_keys.setText(other_keys_words(entry, self.ctx.has_share))
        self.other_keys.setVisible(bool(entry.others))
        lines = describe(split.permissions)
        self.permissions.setText("<ul>" + "".join(f"<li>{_html(x)}</li>" for x in lines) + "</ul>")
        self.worst.setText(worst_case(split.permissions, now=int(time.time())))
        self._update_meter()
        last = (
            self.tr(", last {when}").format(when=format_time(split.last_used))
            if split.last_used
            else ""
        )
        self.uses.setText(
            self.tr("Used once{last}.").format(last=last)
            if split.uses == 1
            else self.tr("Used {uses} times{last}.").format(uses=split.uses, last=last)
        )
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
                self.tr("No limit per period.")
                if not unrestricted
                else self.tr("Unrestricted: no limits.")
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
            self.expiry.setText(self.tr("Never expires."))
            self._tick.stop()
            return
        left = expires_at - int(time.time())
        if left <= 0:
            self.expiry.setText(self.tr("Expired at {when}.").format(when=format_time(expires_at)))
            self._tick.stop()
        else:
            self.expiry.setText(
                self.tr("Expires in {left} ({when}).").format(
                    left=countdown(left), when=format_time(expires_at)
                )
            )

    # -- a key for this computer --

    def _create_key(self) -> None:
        entry = self.entry
        if entry is None:
            return
        label = self.tr("{computer} (desktop)").format(computer=socket.gethostname()[:60])

        async def make(api):
            share = await new_device_key(api, entry.client_id, label)
            await asyncio.to_thread(self.ctx.save_share, share)
            return share

        ensure_store(self.ctx, self, lambda: self._start_job(make))

    def _start_job(self, make) -> None:
        job = self.ctx.cosigner(make, label=self.tr("Creating a key for this computer"))
        follow(job, self, success=self._key_created, trigger=self.add_key, cancellable=False)

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
        follow(
            refresh_job(self.ctx, entry.split.id),
            self,
            success=self._key_created,
            trigger=self.refresh_key,
            busy_text=self.tr("Refreshing your key…"),
            cancellable=False,
        )

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
        place = (
            QCoreApplication.translate("OverviewTab", "on this computer")
            if here(split.id)
            else QCoreApplication.translate("OverviewTab", "not on this computer")
        )
        lines.append(f"{name}: {power}, {split.status.replace('_', ' ')}, {place}")
    if not lines:
        return ""
    return QCoreApplication.translate(
        "OverviewTab", "Your other keys of this wallet (not used while the one above can sign):\n"
    ) + ("\n".join(lines))
