"""Step 4 (new wallet): the co-signer makes the wallet and returns its 24 recovery words this once;
they are shown here for the user to write down, and are not selectable or copyable (a clipboard
is no place for a master key)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QWidget

from app.policy_words import short_id
from ui.passphrase_dialog import ensure_store
from ui.wizard import wizard as flow
from ui.wizard.base import AsyncPage


class WordsPage(AsyncPage):
    busy_text = "Creating your wallet…"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Write down your 24 recovery words")
        self.setSubTitle(
            "These words are your wallet's master key. With them alone you can recover the "
            "wallet, even if the co-signer disappears. Splitkey does not keep them and will not "
            "show them again."
        )
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.address = QLabel()
        self.address.setWordWrap(True)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(6)
        self.labels: list[QLabel] = []
        for i in range(24):
            label = QLabel()
            label.setObjectName("mnemonicWord")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            label.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
            # Column-major, like the paper forms: 1-6 down the first column.
            self.grid.addWidget(label, i % 6, i // 6)
            self.labels.append(label)
        advice = QLabel(
            "On paper, in this order, kept somewhere safe and offline. Anyone who reads them "
            "can take the wallet's tokens, without the co-signer."
        )
        advice.setWordWrap(True)
        advice.setObjectName("hint")
        self.written = QCheckBox("I have written down all 24 words, in order")
        self.written.toggled.connect(self.completeChanged)
        self.layout_.addWidget(self.address)
        self.layout_.addLayout(self.grid)
        self.layout_.addWidget(advice)
        self.layout_.addWidget(self.written)
        self.finish_layout()

    def initializePage(self) -> None:  # noqa: N802
        super().initializePage()
        w = self.wizard()
        if w.created is not None and w.words():
            self._show(w.words(), w.created.wallet.client_id)
            return
        self.written.setChecked(False)
        # The words are worthless without a place for the key that follows: make sure the
        # store can be used before the co-signer draws a wallet.
        ensure_store(self.ctx, self, self._create)

    def _create(self) -> None:
        job = self.ctx.cosigner(lambda api: api.create_wallet(), label="Creating your wallet")
        self.busy.track(job, self.busy_text, cancellable=False)
        job.finished.connect(self._created)
        job.failed.connect(self.banner.show_error)
        self.banner.retry.disconnect()
        self.banner.retry.connect(self._create)

    def _created(self, created) -> None:
        w = self.wizard()
        w.set_created(created)
        self._show(w.words(), created.wallet.client_id)

    def _show(self, words: list[str], client_id: str) -> None:
        self.address.setText(f"Wallet {short_id(client_id)} was created. Its recovery words:")
        for i, (label, word) in enumerate(zip(self.labels, words, strict=False)):
            label.setText(f"{i + 1:>2}.  {word}")
        self.completeChanged.emit()

    def clear_words(self) -> None:
        for label in self.labels:
            label.clear()
        self.written.setChecked(False)

    def isComplete(self) -> bool:  # noqa: N802
        # Called from C++: it must not raise (an exception there takes the process down).
        wizard = self.wizard()
        return wizard is not None and bool(wizard.words()) and self.written.isChecked()

    def nextId(self) -> int:  # noqa: N802
        return flow.CONFIRM
