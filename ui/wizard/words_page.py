"""Step 4 (new wallet): this computer draws the wallet's 24 recovery words (keyless custody: the
co-signer never sees them); they are shown here once for the user to write down or print on a
recovery sheet, and are not selectable or copyable (a clipboard is no place for a master key)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QPushButton, QWidget

from app.keys import Wallet, generate_mnemonic
from app.policy_words import short_id
from ui.passphrase_dialog import ensure_store
from ui.wizard.base import AsyncPage


class WordsPage(AsyncPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
            self.tr(
                "On paper, in this order, kept somewhere safe and offline. Anyone who reads them "
                "can take the wallet's tokens, without the co-signer."
            )
        )
        advice.setWordWrap(True)
        advice.setObjectName("hint")
        self.print_sheet = QPushButton(self.tr("Print a recovery sheet…"))
        self.print_sheet.setToolTip(
            self.tr("The words, the address, and what to do without the co-signer")
        )
        self.print_sheet.clicked.connect(self._print_sheet)
        self.written = QCheckBox(self.tr("I have written down all 24 words, in order"))
        self.written.toggled.connect(self.completeChanged)
        self.layout_.addWidget(self.address)
        self.layout_.addLayout(self.grid)
        self.layout_.addWidget(advice)
        self.layout_.addWidget(self.print_sheet)
        self.layout_.addWidget(self.written)
        self.finish_layout()

    def initializePage(self) -> None:  # noqa: N802
        super().initializePage()
        w = self.wizard()
        if w.words():
            self._show(w.words(), self.client_id())
            return
        self.written.setChecked(False)
        # The words are worthless without a place for the key that follows: make sure the
        # store can be used before the words are drawn.
        ensure_store(self.ctx, self, self._create)

    def _create(self) -> None:
        self.wizard().set_drawn(generate_mnemonic())
        self._client_id = ""
        self._show(self.wizard().words(), self.client_id())

    def client_id(self) -> str:
        if not getattr(self, "_client_id", ""):
            self._client_id = Wallet.from_mnemonic(" ".join(self.wizard().words())).client_id
        return self._client_id

    def _print_sheet(self) -> None:
        from ui.recovery_sheet import RecoverySheetDialog

        words = self.wizard().words()
        if words:
            RecoverySheetDialog(words, self.client_id(), self).exec()

    def _show(self, words: list[str], client_id: str) -> None:
        self.address.setText(
            self.tr("Your new wallet {wallet}. Its recovery words:").format(
                wallet=short_id(client_id)
            )
        )
        for i, (label, word) in enumerate(zip(self.labels, words, strict=False)):
            label.setText(f"{i + 1:>2}.  {word}")
        self.completeChanged.emit()

    def clear_words(self) -> None:
        self._client_id = ""
        for label in self.labels:
            label.clear()
        self.written.setChecked(False)

    def isComplete(self) -> bool:  # noqa: N802
        # Called from C++: it must not raise (an exception there takes the process down).
        wizard = self.wizard()
        return wizard is not None and bool(wizard.words()) and self.written.isChecked()
