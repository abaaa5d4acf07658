"""Send: the reviewed transfer is co-signed, broadcast to the miners, then followed until a
verified confirmation says confirmed or failed. Each stage is said in words with a progress bar;
the hash is shown (copyable) as soon as the miners have it; the History tab keeps it.

The transaction the user reviewed keeps its recipient, amount, fee and note. Its nonce comes
from the network just before the review; if the miners refuse it for its nonce (another device
sent meanwhile), the network client fetches the nonce again and the transfer is co-signed again
with it, as gosdk does. Its creation time is set when it is co-signed, since nodes refuse one
more than 30 s off and a review can take longer.
"""

from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from app.network import CONFIRMED, Submitted, TxStatus, zcn_text
from app.policy_words import short_id
from app.session import SignInNeeded
from app.transaction import Transaction
from app.wallets import WalletEntry
from ui.context import AppContext
from ui.errors import ErrorBanner, explain
from ui.my_key import my_share
from ui.network_link import network_link
from ui.runner import Job, report
from ui.widgets import CopyButton, IdLabel

REVIEW, COSIGNING, PENDING, CONFIRMED_STAGE, FAILED_STAGE = (
    "review", "cosigning", "pending", "confirmed", "failed",
)  # fmt: skip


class SendPanel(QGroupBox):
    """Shows one send from co-signing to its final status."""

    sent = Signal(object)  # Submitted: the miners took it
    final = Signal(object)  # TxStatus: confirmed or failed
    stage_changed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Send"))
        self.ctx = ctx
        self.link = network_link(ctx)
        self.stage = ""
        self.job: Job | None = None
        self.follow_job: Job | None = None
        self.submitted: Submitted | None = None
        self._last: tuple[Transaction, WalletEntry] | None = None

        self.words = QLabel()
        self.words.setObjectName("sendStage")
        self.words.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Send progress"))
        self.progress.setTextVisible(False)
        self.hash = IdLabel()
        self.hash.setAccessibleName(self.tr("Transaction hash"))
        self.copy = CopyButton(lambda: self.hash.value(), self.tr("Copy hash"))
        self.banner = ErrorBanner()
        self.banner.retry.connect(self._retry)
        row = QHBoxLayout()
        row.addWidget(self.hash, 1)
        row.addWidget(self.copy)
        column = QVBoxLayout(self)
        column.addWidget(self.words)
        column.addWidget(self.progress)
        column.addLayout(row)
        column.addWidget(self.banner)
        self.hide()

    def _set_stage(self, stage: str, words: str, step: int | None) -> None:
        self.stage = stage
        self.words.setText(words)
        if step is None:
            self.progress.setRange(0, 0)  # busy: no way to know how long a block takes
        else:
            self.progress.setRange(0, 4)
            self.progress.setValue(step)
        self.stage_changed.emit(stage)

    def busy(self) -> bool:
        return self.job is not None and self.job.running

    # -- co-sign and broadcast --

    def start(self, reviewed: Transaction, entry: WalletEntry) -> Job:
        session = self.ctx.session
        split_id = entry.split.id if entry.split else ""
        self._last = (reviewed, entry)
        self.banner.clear()
        self.hash.setText("")
        self.copy.hide()
        self.submitted = None
        self.show()
        self._set_stage(COSIGNING, self.tr("Co-signing with your key and the co-signer…"), 1)

        async def build(nonce: int, fee: int) -> Transaction:
            if session is None:
                raise SignInNeeded("choose a co-signer first")
            tx = replace(
                reviewed,
                transaction_nonce=nonce,
                transaction_fee=fee,
                creation_date=int(time.time()),
                signature="",
            )

            async def cosign(api):
                share = await my_share(self.ctx, split_id)
                return await api.cosign_transaction(
                    share.split_id, share.secret_key(), tx, share.wallet_public_key
                )

            report(self.tr("Co-signing with your key and the co-signer…"))
            signed, _answer = await session.run(cosign, split_id=split_id)
            report(self.tr("Sending to the miners…"))
            return signed

        job = self.link.run(
            lambda net: net.send(build, reviewed.client_id, reviewed.transaction_fee),
            self.tr("Sending"),
        )
        self.job = job
        job.progress.connect(self._progress)
        job.finished.connect(self._sent)
        job.failed.connect(self._failed)
        return job

    def _progress(self, text: str) -> None:
        step = 2 if text == self.tr("Sending to the miners…") else 1  # the report below
        self._set_stage(COSIGNING, text, step)

    def _sent(self, submitted: Submitted) -> None:
        self.submitted = submitted
        self.hash.setText(submitted.hash)
        self.copy.show()
        tx = submitted.transaction
        self._set_stage(
            PENDING,
            self.tr(
                "Pending: {amount} ZCN to {to} was taken by {accepted_by} of {sent_to} miners; "
                "waiting for a verified confirmation from the sharders…"
            ).format(
                amount=zcn_text(tx.transaction_value),
                to=short_id(tx.to_client_id),
                accepted_by=submitted.accepted_by,
                sent_to=submitted.sent_to,
            ),
            None,
        )
        self.sent.emit(submitted)
        self._follow(self.link.record(tx).hash)

    def _follow(self, hash_: str) -> None:
        job = self.link.following(hash_)
        if job is None:
            return
        self.follow_job = job
        job.finished.connect(self._final)
        job.failed.connect(self._follow_failed)

    def _final(self, status: TxStatus) -> None:
        if self.submitted is None or status.hash != self.submitted.hash:
            return
        if status.status == CONFIRMED:
            self._set_stage(
                CONFIRMED_STAGE,
                self.tr(
                    "Confirmed in round {round} (block {block}); {sharders_agreeing} of "
                    "{sharders_asked} sharders sent matching, verified confirmations."
                ).format(
                    round=status.round,
                    block=short_id(status.block_hash or ""),
                    sharders_agreeing=status.sharders_agreeing,
                    sharders_asked=status.sharders_asked,
                ),
                4,
            )
        else:
            why = status.output or self.tr("no reason given")
            self._set_stage(FAILED_STAGE, self.tr("Failed: {why}").format(why=why), 4)
        self.final.emit(status)

    def _follow_failed(self, exc: BaseException) -> None:
        what = explain(exc)
        self.words.setText(
            self.tr("Sent, not confirmed yet: the confirmation could not be checked.")
        )
        self.progress.setRange(0, 4)
        self.progress.setValue(3)
        self.banner.show_explanation(what)

    def _retry(self) -> None:
        if self.submitted is None:
            if self._last is not None and not self.busy():
                self.start(*self._last)  # nothing reached the network: send it again
            return
        self.banner.clear()
        self.link.follow_pending()
        self._set_stage(PENDING, self.tr("Pending: waiting for a verified confirmation…"), None)
        self._follow(self.submitted.hash)

    def _failed(self, exc: BaseException) -> None:
        what = explain(exc)
        self._set_stage(FAILED_STAGE, self.tr("Not sent. {title}.").format(title=what.title), 0)
        self.banner.show_error(exc)
