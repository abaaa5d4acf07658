"""Opening the share store, and the one question it may need answered.

With a real OS keyring nothing is asked. When the only keyring is unsafe (plain text, none at
all), app/share_store.py refuses to store a share unless the user explicitly accepts an
encrypted file protected by a passphrase; when that file exists, its passphrase unlocks it.
This dialog asks exactly that, in those words, and never stores the passphrase."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.share_store import passphrase_problem
from ui.context import AppContext
from ui.errors import show_error
from ui.widgets import FieldError, field_block, mark_field


class PassphraseDialog(QDialog):
    """create=True: accept the fallback file and choose its passphrase (twice);
    create=False: unlock the existing file."""

    def __init__(self, reason: str, *, create: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.create = create
        self.setWindowTitle(
            self.tr("Keep your keys in an encrypted file?") if create else self.tr("Unlock")
        )
        intro = QLabel(reason)
        intro.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase"))
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setAccessibleName(self.tr("Passphrase again"))
        self.accept_box = QCheckBox(
            self.tr("Keep my keys in a file on this computer, encrypted with this passphrase")
        )
        self.error = FieldError()
        form = QFormLayout()
        form.addRow(self.tr("Passphrase"), field_block(self.passphrase, self.error))
        if create:
            form.addRow(self.tr("Again"), self.repeat)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Use the encrypted file") if create else self.tr("Unlock"))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        if create:
            note = QLabel(
                self.tr(
                    "Without the passphrase the file cannot be opened, by you either: the keys in "
                    "it can then only be replaced by the wallet's owner (or your recovery words)."
                )
            )
            note.setObjectName("hint")
            note.setWordWrap(True)
            layout.addWidget(note)
            layout.addWidget(self.accept_box)
        else:
            self.accept_box.setChecked(True)
            self.accept_box.hide()
        layout.addWidget(buttons)

    def _check(self) -> None:
        text = self.passphrase.text()
        problem = None
        if self.create and passphrase_problem(text):
            problem = passphrase_problem(text)
        elif self.create and text != self.repeat.text():
            problem = self.tr("the two passphrases differ")
        elif self.create and not self.accept_box.isChecked():
            problem = self.tr("tick the box to accept the encrypted file")
        elif not text:
            problem = self.tr("enter the passphrase")
        self.error.set_error(problem)
        mark_field(self.passphrase, problem)
        if problem is None:
            self.accept()

    def value(self) -> str:
        return self.passphrase.text()


def ensure_store(
    ctx: AppContext,
    parent: QWidget | None,
    then: Callable[[], None],
    on_cancel: Callable[[], None] | None = None,
) -> None:
    """Call then() once ctx.store() works, asking the user first if the store needs it. Opening
    may talk to D-Bus or run Argon2, so it runs on the runner, never on the GUI thread."""
    if ctx.store_ready:
        then()
        return
    job = ctx.runner.call(
        ctx.store, label=QCoreApplication.translate("PassphraseDialog", "Opening the keyring")
    )
    job.finished.connect(lambda _store: then())
    job.failed.connect(lambda exc: _ask(ctx, parent, exc, then, on_cancel))


def _ask(ctx, parent, exc, then, on_cancel) -> None:
    from app.share_store import PassphraseNeeded, UnsafeKeyring

    if not isinstance(exc, (UnsafeKeyring, PassphraseNeeded)):
        show_error(parent, exc)
        if on_cancel:
            on_cancel()
        return
    create = isinstance(exc, UnsafeKeyring)
    dialog = PassphraseDialog(str(exc), create=create, parent=parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        if on_cancel:
            on_cancel()
        return
    passphrase = dialog.value()
    job = ctx.runner.call(
        ctx.open_store,
        passphrase,
        label=QCoreApplication.translate("PassphraseDialog", "Opening the encrypted file"),
    )

    def opened(store) -> None:
        then()
        if not create:
            offer_keyring(ctx, parent)

    job.finished.connect(opened)
    job.failed.connect(lambda error: _ask(ctx, parent, error, then, on_cancel))


_asking: set[int] = set()


def unlock_store(ctx: AppContext, parent: QWidget | None, then: Callable[[], None]) -> None:
    """The keys are in the encrypted file and something needs them (at start, or a signing):
    ask for its passphrase, once at a time (review 15.1: nothing let the user enter it)."""
    if id(ctx) in _asking or ctx.store_ready:
        return
    _asking.add(id(ctx))

    def done() -> None:
        _asking.discard(id(ctx))

    def unlocked() -> None:
        done()
        then()

    ensure_store(ctx, parent, unlocked, on_cancel=done)


def offer_keyring(ctx: AppContext, parent: QWidget | None) -> None:
    """The file is open and a safe keyring is there now (one appeared after setup): offer to
    move the keys into it, so the passphrase is not needed any more."""
    from app.share_store import EncryptedFileShareStore, keyring_status, move_to_keyring

    store = ctx.store() if ctx.store_ready else None
    if not isinstance(store, EncryptedFileShareStore):
        return
    job = ctx.runner.call(
        keyring_status, label=QCoreApplication.translate("PassphraseDialog", "Checking the keyring")
    )

    def checked(status) -> None:
        if not status.safe:
            return
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(
            QCoreApplication.translate("PassphraseDialog", "Move your keys to the keyring?")
        )
        box.setText(
            QCoreApplication.translate("PassphraseDialog", "This computer has a safe keyring now.")
        )
        box.setInformativeText(
            QCoreApplication.translate(
                "PassphraseDialog",
                "Your keys are in the encrypted file. Move them to the system keyring ({name})? "
                "Splitkey then no longer asks for the file's passphrase, and deletes the file "
                "once every key is in the keyring.",
            ).format(name=status.name)
        )
        move = box.addButton(
            QCoreApplication.translate("PassphraseDialog", "Move my keys"),
            QMessageBox.ButtonRole.AcceptRole,
        )
        box.addButton(
            QCoreApplication.translate("PassphraseDialog", "Not now"),
            QMessageBox.ButtonRole.RejectRole,
        )
        box.setDefaultButton(move)
        ctx.keyring_offer = box  # kept for the tests and against garbage collection

        def chosen(button) -> None:
            if button is not move:
                return
            moving = ctx.runner.call(
                move_to_keyring,
                store,
                label=QCoreApplication.translate("PassphraseDialog", "Moving your keys"),
            )
            ctx.keyring_move = moving
            moving.finished.connect(ctx.use_store)
            moving.failed.connect(lambda error: show_error(parent, error))

        box.buttonClicked.connect(chosen)
        box.open()

    job.finished.connect(checked)
