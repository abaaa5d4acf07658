"""The Overview's balance: ZCN, "as of round N", how many sharders agreed; refreshed on its own
and on demand, always on the runner (the GUI thread only shows results). A network that cannot
be reached, or whose sharders disagree, is a normal state shown in words with a Retry button."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.network import Balance, zcn_text
from ui.context import AppContext
from ui.errors import explain
from ui.network_link import network_link
from ui.runner import Job

AUTO_REFRESH_MS = 20_000


class BalanceBox(QGroupBox):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Balance", parent)
        self.ctx = ctx
        self.link = network_link(ctx)
        self.client_id: str | None = None
        self.job: Job | None = None
        self.last: Balance | None = None

        self.amount = QLabel("—")
        self.amount.setObjectName("balanceAmount")
        self.amount.setAccessibleName("Balance")
        font = self.amount.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.amount.setFont(font)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setObjectName("hint")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Ask the network's sharders again")
        self.refresh_button.clicked.connect(self.refresh)

        row = QHBoxLayout()
        row.addWidget(self.amount, 1)
        row.addWidget(self.refresh_button)
        column = QVBoxLayout(self)
        column.addLayout(row)
        column.addWidget(self.detail)

        self.timer = QTimer(self)
        self.timer.setInterval(AUTO_REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.link.history_changed.connect(self.refresh)
        self.link.network_changed.connect(self.refresh)

    def set_client_id(self, client_id: str | None) -> None:
        if client_id == self.client_id:
            return
        self.client_id = client_id
        self.last = None
        self.amount.setText("—")
        self.detail.setText("")
        if client_id is None:
            self.timer.stop()
            return
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        client_id = self.client_id
        if not self.link.usable:
            self.timer.stop()
            return
        if client_id is None or (self.job is not None and self.job.running):
            return
        self.detail.setText(f"Asking the sharders of {self.link.settings.name}…")
        self.refresh_button.setEnabled(False)
        job = self.link.balance(client_id)
        self.job = job
        job.finished.connect(lambda balance, c=client_id: self._show(c, balance))
        job.failed.connect(lambda exc, c=client_id: self._failed(c, exc))
        job.done.connect(lambda: self.refresh_button.setEnabled(True))

    def _show(self, client_id: str, balance: Balance) -> None:
        if client_id != self.client_id:
            return  # the user picked another wallet meanwhile
        self.last = balance
        self.amount.setText(f"{zcn_text(balance.balance)} ZCN")
        where = f"as of round {balance.round}" if balance.round is not None else "a new account"
        self.detail.setText(
            f"{where} · {balance.sharders_agreeing} of {balance.sharders_asked} sharders agree "
            f"· {self.link.settings.name} network"
        )
        self.refresh_button.setText("Refresh")

    def _failed(self, client_id: str, exc: BaseException) -> None:
        if client_id != self.client_id:
            return
        what = explain(exc)
        shown = f"{zcn_text(self.last.balance)} ZCN (last known)" if self.last else "—"
        self.amount.setText(shown)
        self.detail.setText(f"{what.title}. {what.text}")
        self.refresh_button.setText("Retry" if what.retry else "Refresh")
