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
        super().__init__(parent)
        self.setTitle(self.tr("Balance"))
        self.ctx = ctx
        self.link = network_link(ctx)
        self.client_id: str | None = None
        self.job: Job | None = None
        self.last: Balance | None = None

        self.amount = QLabel("—")
        self.amount.setObjectName("balanceAmount")
        self.amount.setAccessibleName(self.tr("Balance"))
        font = self.amount.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.amount.setFont(font)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setObjectName("hint")
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.setToolTip(self.tr("Ask the network's sharders again"))
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
        self.detail.setText(
            self.tr("Asking the sharders of {name}…").format(name=self.link.settings.name)
        )
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
        self.amount.setText(self.tr("{amount} ZCN").format(amount=zcn_text(balance.balance)))
        where = (
            self.tr("as of round {round}").format(round=balance.round)
            if balance.round is not None
            else self.tr("a new account")
        )
        self.detail.setText(
            self.tr(
                "{where} · {sharders_agreeing} of {sharders_asked} sharders agree · {name} network"
            ).format(
                where=where,
                sharders_agreeing=balance.sharders_agreeing,
                sharders_asked=balance.sharders_asked,
                name=self.link.settings.name,
            )
        )
        self.refresh_button.setText(self.tr("Refresh"))

    def _failed(self, client_id: str, exc: BaseException) -> None:
        if client_id != self.client_id:
            return
        what = explain(exc)
        shown = (
            self.tr("{amount} ZCN (last known)").format(amount=zcn_text(self.last.balance))
            if self.last
            else "—"
        )
        self.amount.setText(shown)
        self.detail.setText(f"{what.title}. {what.text}")
        self.refresh_button.setText(self.tr("Retry") if what.retry else self.tr("Refresh"))
