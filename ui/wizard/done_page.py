"""The last step: what was set up, in one paragraph."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget, QWizardPage

from app.policy_words import short_id
from ui.context import LOCAL


class DonePage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        self.setFinalPage(True)

    def initializePage(self) -> None:  # noqa: N802
        w = self.wizard()
        lines = []
        if w.client_id:
            where = w.ctx.store_where
            lines.append(
                self.tr("Wallet {wallet} is ready. Your half of its key is in {where}.").format(
                    wallet=short_id(w.client_id), where=where
                )
            )
        else:
            lines.append(self.tr("You can add a wallet later from the Wallet menu."))
        if w.mode == LOCAL:
            lines.append(self.tr("The co-signer runs on this computer and starts with Splitkey."))
        else:
            lines.append(self.tr("Co-signer: {url}.").format(url=w.url))
        lines.append(self.tr("Signing always shows you the whole transaction first."))
        self.summary.setText("\n\n".join(lines))
