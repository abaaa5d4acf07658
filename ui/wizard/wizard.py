"""The wizard: its pages (which follows which is ui/wizard/flow.py) and the state they share
(never written anywhere: the recovery words live in memory only until they are confirmed, then
they are dropped)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import QWidget, QWizard, QWizardPage

from app.client_calls import CreatedWallet
from ui.context import LOCAL, AppContext
from ui.jobs import follow
from ui.wizard.confirm_page import ConfirmPage
from ui.wizard.cosigner_page import CosignerPage
from ui.wizard.done_page import DonePage
from ui.wizard.flow import (
    CONFIRM,
    COSIGNER,
    CREATE,
    DONE,
    IMPORT,
    IMPORT_CHOICE,
    REDEEM,
    REDEEM_CHOICE,
    SIGNIN,
    SKIP,
    WALLET,
    WORDS,
    next_page,
)
from ui.wizard.import_page import ImportPage
from ui.wizard.redeem_page import RedeemPage
from ui.wizard.signin_page import SignInPage
from ui.wizard.wallet_page import WalletPage
from ui.wizard.words_page import WordsPage

# The page ids and choices are ui/wizard/flow.py's; named here too for the wizard's callers.
__all__ = [
    "CONFIRM", "COSIGNER", "CREATE", "DONE", "IMPORT", "IMPORT_CHOICE", "REDEEM",
    "REDEEM_CHOICE", "SIGNIN", "SKIP", "WALLET", "WORDS", "FirstRunWizard",
]  # fmt: skip

# Each page of the flow: its widget, title and subtitle (translated when the wizard is made)
# and the first words of its progress strip (translated by the page: AsyncPage's context).
PAGES: dict[int, tuple[type[QWizardPage], str, str | None, str | None]] = {
    COSIGNER: (
        CosignerPage,
        QT_TRANSLATE_NOOP("FirstRunWizard", "Where should the co-signer run?"),
        QT_TRANSLATE_NOOP(
            "FirstRunWizard",
            "Splitkey splits each key in two: one half stays with you, the other with a "
            "co-signer that signs only what your rules allow.",
        ),
        QT_TRANSLATE_NOOP("AsyncPage", "Starting the co-signer…"),
    ),
    SIGNIN: (
        SignInPage,
        QT_TRANSLATE_NOOP("FirstRunWizard", "Sign in to the co-signer"),
        QT_TRANSLATE_NOOP(
            "FirstRunWizard",
            "Your administrator gave you an enrollment code, or your organisation "
            "signs you in with its own token.",
        ),
        QT_TRANSLATE_NOOP("AsyncPage", "Signing in…"),
    ),
    WALLET: (
        WalletPage,
        QT_TRANSLATE_NOOP("FirstRunWizard", "Your wallet"),
        QT_TRANSLATE_NOOP("FirstRunWizard", "What would you like to do?"),
        None,
    ),
    WORDS: (
        WordsPage,
        QT_TRANSLATE_NOOP("FirstRunWizard", "Write down your 24 recovery words"),
        QT_TRANSLATE_NOOP(
            "FirstRunWizard",
            "These words are your wallet's master key. They were drawn on this computer and "
            "the co-signer never sees them. With them alone you can recover the wallet, even "
            "if the co-signer disappears. Splitkey does not keep them and will not show them "
            "again.",
        ),
        QT_TRANSLATE_NOOP("AsyncPage", "Creating your wallet…"),
    ),
    CONFIRM: (
        ConfirmPage,
        QT_TRANSLATE_NOOP("FirstRunWizard", "Check your recovery words"),
        QT_TRANSLATE_NOOP(
            "FirstRunWizard", "Type these words from your paper, to be sure nothing is missing."
        ),
        QT_TRANSLATE_NOOP("AsyncPage", "Making this computer's key…"),
    ),
    IMPORT: (
        ImportPage,
        QT_TRANSLATE_NOOP("FirstRunWizard", "Import a wallet"),
        QT_TRANSLATE_NOOP(
            "FirstRunWizard",
            "The key is split on this computer: the co-signer gets only its own share.",
        ),
        QT_TRANSLATE_NOOP("AsyncPage", "Importing your wallet…"),
    ),
    REDEEM: (
        RedeemPage,
        QT_TRANSLATE_NOOP("FirstRunWizard", "Use a share someone gave you"),
        QT_TRANSLATE_NOOP(
            "FirstRunWizard",
            "Enter the share code from the wallet's owner. It works once and "
            "expires after a few minutes.",
        ),
        QT_TRANSLATE_NOOP("AsyncPage", "Receiving the share…"),
    ),
    DONE: (
        DonePage,
        QT_TRANSLATE_NOOP("FirstRunWizard", "All set"),
        None,
        None,
    ),
}


class FirstRunWizard(QWizard):
    """start: COSIGNER on first run (or to change co-signer), WALLET to add another wallet."""

    def __init__(self, ctx: AppContext, start: int = COSIGNER, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.mode = ctx.prefs.mode or LOCAL
        self.url: str | None = ctx.prefs.url
        self.pin: str | None = ctx.prefs.pin
        self.choice = CREATE
        self.created: CreatedWallet | None = None
        self.client_id: str | None = None  # the wallet this run ends with
        self._words: list[str] = []

        self.setWindowTitle(self.tr("Set up Splitkey"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.pages = {}
        for page_id, (kind, title, subtitle, busy_text) in PAGES.items():
            page = self.pages[page_id] = kind()
            page.setTitle(self.tr(title))
            if subtitle:
                page.setSubTitle(self.tr(subtitle))
            if busy_text:
                page.busy_text = busy_text
        for page_id, page in self.pages.items():
            self.setPage(page_id, page)
        self.setStartId(start)
        self.resize(760, 620)

    def nextId(self) -> int:  # noqa: N802 (Qt's name)
        """The flow's table decides, from the answers so far (self.mode, self.choice)."""
        return next_page(self.currentId(), self)

    # -- the recovery words, in memory only --

    def set_created(self, created: CreatedWallet) -> None:
        self.created = created
        self.client_id = created.wallet.client_id
        self._words = (created.mnemonic or "").split()

    def set_drawn(self, mnemonic: str) -> None:
        """Words drawn on this computer for a keyless wallet: the co-signer learns of the wallet
        only once they are confirmed, and never sees them."""
        self.created = None
        self.client_id = None
        self._words = mnemonic.split()

    def words(self) -> list[str]:
        return list(self._words)

    def forget_words(self) -> None:
        """After confirmation: drop every reference this app holds to the words (Python cannot
        wipe the strings themselves, but nothing reachable points at them any more)."""
        self._words = []
        if self.created is not None:
            self.created = CreatedWallet(wallet=self.created.wallet, mnemonic=None)
        self.pages[WORDS].clear_words()

    @property
    def unconfirmed(self) -> bool:
        """New words are shown and were not confirmed yet (no backup): drawn here for a keyless
        wallet the co-signer does not know yet, or drawn by a co-signer that already holds the
        wallet."""
        return bool(self._words) or (self.created is not None and bool(self.created.mnemonic))

    @property
    def registered_unconfirmed(self) -> bool:
        """The unconfirmed wallet already exists on the co-signer (it drew the words)."""
        return self.created is not None and bool(self.created.mnemonic)

    def registering(self) -> bool:
        """The confirmed words are being turned into a wallet on the co-signer right now."""
        job = getattr(self.pages[CONFIRM], "_job", None)
        return job is not None and job.running

    def reject(self) -> None:
        # Issue 15.2: Cancel on the words page used to leave a usable wallet whose words were
        # never confirmed. Creating is finished only by confirming; Cancel discards, after
        # asking. While the confirmed wallet is being registered there is nothing left to
        # discard (the co-signer may already hold it): the window stays until that ends.
        if self.registering():
            return
        if self.unconfirmed:
            self._ask_discard()
            return
        self.forget_words()
        super().reject()

    def _ask_discard(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Discard the new wallet?"))
        box.setText(self.tr("Discard the new wallet?"))
        if self.registered_unconfirmed:
            box.setInformativeText(
                self.tr(
                    "Its recovery words were not confirmed, so nothing could bring it back. "
                    "Splitkey deletes it; you can create another one at any time."
                )
            )
        else:
            box.setInformativeText(
                self.tr(
                    "Its recovery words were not confirmed, so it was not made yet. Splitkey "
                    "forgets the words and registers nothing; you can create another wallet at "
                    "any time."
                )
            )
        destructive = QMessageBox.ButtonRole.DestructiveRole
        self.discard_button = box.addButton(self.tr("Discard wallet"), destructive)
        keep = box.addButton(self.tr("Keep going"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.buttonClicked.connect(lambda button: self._discard() if button is self.discard_button
                                  else None)  # fmt: skip
        self.discard_box = box
        box.open()

    def _discard(self):
        """Throw the unconfirmed wallet away, then close. Words drawn here (keyless) were never
        sent anywhere: forgetting them is all there is to do. A wallet the co-signer drew the
        words for is deleted there (its deletion is scheduled, so it can sign nothing from now
        on). Returns the deletion's job, or None when there is nothing to wait for."""

        def close(_result=None) -> None:
            self.created, self.client_id = None, None
            self.forget_words()
            QWizard.reject(self)

        if not self.registered_unconfirmed:
            self.discarding = None
            close()
            return None
        client_id = self.created.wallet.client_id
        job = self.ctx.cosigner(
            lambda api: api.delete_wallet(client_id), self.tr("Discarding the wallet")
        )
        self.discarding = job
        return follow(job, self, success=close, title=self.tr("The wallet could not be discarded"))

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # Escape on the words page must not silently drop a wallet that was just created.
        if event.key() == Qt.Key.Key_Escape and self.currentId() in (WORDS, CONFIRM):
            return
        super().keyPressEvent(event)
