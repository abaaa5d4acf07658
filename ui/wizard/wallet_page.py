"""Step 3: a new wallet, an existing 0Chain wallet, or a share someone gave you."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QButtonGroup, QLabel, QRadioButton, QWidget, QWizardPage

from ui.wizard import flow

CHOICES = (
    (
        flow.CREATE,
        QT_TRANSLATE_NOOP("WalletPage", "Create a new wallet"),
        QT_TRANSLATE_NOOP(
            "WalletPage",
            "Splitkey makes a new 0Chain wallet and shows you its 24 recovery words once.",
        ),
    ),
    (
        flow.IMPORT_CHOICE,
        QT_TRANSLATE_NOOP("WalletPage", "Import a wallet I already have"),
        QT_TRANSLATE_NOOP(
            "WalletPage", "From its 24 words, or from a wallet file as zwallet writes it."
        ),
    ),
    (
        flow.REDEEM_CHOICE,
        QT_TRANSLATE_NOOP("WalletPage", "Use a share someone gave me"),
        QT_TRANSLATE_NOOP(
            "WalletPage", "Enter the one-time share code the wallet's owner sent you."
        ),
    ),
    (
        flow.SKIP,
        QT_TRANSLATE_NOOP("WalletPage", "Not now"),
        QT_TRANSLATE_NOOP("WalletPage", "Go to the main window; you can add a wallet later."),
    ),
)


class WalletPage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        from PySide6.QtWidgets import QVBoxLayout

        layout = QVBoxLayout(self)
        for key, title, text in CHOICES:
            button = QRadioButton(self.tr(title))
            button.setProperty("choice", key)
            self.group.addButton(button)
            note = QLabel(self.tr(text))
            note.setObjectName("hint")
            note.setWordWrap(True)
            note.setContentsMargins(24, 0, 0, 8)
            layout.addWidget(button)
            layout.addWidget(note)
        layout.addStretch(1)
        self.group.buttons()[0].setChecked(True)

    def choice(self) -> str:
        return self.group.checkedButton().property("choice")

    def set_choice(self, key: str) -> None:
        for button in self.group.buttons():
            if button.property("choice") == key:
                button.setChecked(True)

    def validatePage(self) -> bool:  # noqa: N802
        self.wizard().choice = self.choice()
        return True
