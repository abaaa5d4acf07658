"""Settings: which co-signer (and its pinned certificate), chain id, default fee, where the keys
are kept (the keyring backend in use), light or dark. Only non-secret preferences live here."""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.compose import ComposeError, parse_zcn
from app.network.settings import KNOWN_NETWORKS, NetworkSettingsError, network_by_name
from app.transaction import MAINNET_CHAIN_ID
from ui.context import LOCAL, AppContext
from ui.network_link import network_link
from ui.widgets import (
    FieldError,
    IdLabel,
    field_block,
    mark_field,
    monospace,
    room_for_one_line,
)

THEMES = (
    ("system", QT_TRANSLATE_NOOP("SettingsDialog", "Same as the system")),
    ("light", QT_TRANSLATE_NOOP("SettingsDialog", "Light")),
    ("dark", QT_TRANSLATE_NOOP("SettingsDialog", "Dark")),
)
_HEX64 = re.compile(r"[0-9a-f]{64}")


def keyring_words(ctx: AppContext) -> str:
    """Where shares are kept, as the Settings page says it (may talk to D-Bus: off the GUI
    thread)."""
    if ctx.store_ready:
        where = getattr(ctx.store(), "where", None)
        if where:
            return QCoreApplication.translate(
                "SettingsDialog", "Your keys are kept in {where}."
            ).format(where=where)
    from app.share_store import keyring_status

    status = keyring_status()
    if status.safe:
        return QCoreApplication.translate(
            "SettingsDialog", "Your keys are kept in the system keyring ({name})."
        ).format(name=status.name)
    return QCoreApplication.translate("SettingsDialog", "No safe keyring: {reason}").format(
        reason=status.reason
    )


class SettingsDialog(QDialog):
    change_cosigner = Signal()  # the user wants to pick another co-signer (the wizard)
    theme_changed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Settings"))
        prefs = ctx.prefs

        if prefs.mode == LOCAL:
            where = self.tr("This computer (the built-in co-signer)")
        else:
            where = prefs.url or self.tr("not chosen yet")
        self.cosigner = QLabel(where)
        self.cosigner.setWordWrap(True)
        self.pin = IdLabel(prefs.pin or "—")
        change = QPushButton(self.tr("Change co-signer…"))
        change.clicked.connect(self._change)

        self.chain_id = QLineEdit(prefs.chain_id)
        self.chain_id.setFont(monospace())
        self.chain_id.setAccessibleName(self.tr("Chain id"))
        self.chain_error = FieldError()
        self.chain_id.textEdited.connect(lambda _t: self._check_chain())
        self.fee = QLineEdit(prefs.default_fee)
        self.fee.setAccessibleName(self.tr("Default fee"))
        self.fee_error = FieldError()
        self.fee.textEdited.connect(lambda _t: self._check_fee())

        # The 0Chain network: a known name or a block_worker URL (shared with the CLI).
        link = network_link(ctx)
        self.network = QComboBox()
        self.network.setEditable(True)
        self.network.setAccessibleName(self.tr("Network"))
        self.network.addItems(sorted(KNOWN_NETWORKS))
        current = link.settings
        shown = current.name if current.name != "custom" else current.block_worker
        self.network.setCurrentText(shown)
        room_for_one_line(self.network)
        self.network_error = FieldError()

        self.keyring = QLabel(self.tr("Checking…"))
        self.keyring.setWordWrap(True)
        job = ctx.runner.call(keyring_words, ctx, label=self.tr("Checking the keyring"))
        job.finished.connect(self.keyring.setText)
        job.failed.connect(
            lambda exc: self.keyring.setText(self.tr("Unknown ({exc})").format(exc=exc))
        )

        self.theme = QComboBox()
        self.theme.setAccessibleName(self.tr("Theme"))
        for key, label in THEMES:
            self.theme.addItem(self.tr(label), key)
        self.theme.setCurrentIndex([k for k, _ in THEMES].index(prefs.theme))

        form = QFormLayout()
        form.addRow(self.tr("Co-signer"), self.cosigner)
        form.addRow(self.tr("Pinned certificate"), self.pin)
        form.addRow("", change)
        form.addRow(
            self.tr("Network"),
            field_block(
                self.network,
                self.network_error,
                self.tr("mainnet, or the block_worker URL of another 0Chain network."),
            ),
        )
        form.addRow(self.tr("Default fee (ZCN)"), field_block(self.fee, self.fee_error))
        form.addRow(self.tr("Keys"), self.keyring)
        self.refresh_days = QSpinBox()
        self.refresh_days.setRange(0, 3650)
        self.refresh_days.setSpecialValueText(self.tr("never"))
        self.refresh_days.setSuffix(self.tr(" days"))
        self.refresh_days.setValue(prefs.refresh_days)
        self.refresh_days.setAccessibleName(self.tr("Refresh my keys every"))
        room_for_one_line(self.refresh_days)
        self.refresh_days.setToolTip(
            self.tr(
                "A refreshed key makes every copy of the old one (a lost device, a backup) useless"
            )
        )
        form.addRow(self.tr("Refresh my keys every"), self.refresh_days)
        form.addRow(self.tr("Theme"), self.theme)
        # The chain id is jargon most people never change (review item 12): under Advanced.
        self.advanced = QGroupBox(self.tr("Advanced"))
        self.advanced.setCheckable(True)
        self.advanced.setChecked(False)
        self.advanced.setAccessibleName(self.tr("Advanced settings"))
        advanced_form = QFormLayout(self.advanced)
        advanced_form.addRow(
            self.tr("Chain id"),
            field_block(
                self.chain_id,
                self.chain_error,
                self.tr(
                    "Transactions are made for this 0Chain network (mainnet unless you change it)."
                ),
            ),
        )
        self.chain_id.setVisible(False)
        self.advanced.toggled.connect(self.chain_id.setVisible)
        form.addRow(self.advanced)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(640, 0)

    def _check_chain(self) -> str | None:
        value = self.chain_id.text().strip().lower()
        problem = None if _HEX64.fullmatch(value) else self.tr("a chain id is 64 hex digits")
        self.chain_error.set_error(problem)
        mark_field(self.chain_id, problem)
        return problem

    def _check_fee(self) -> str | None:
        try:
            parse_zcn(self.fee.text(), "fee")
            problem = None
        except ComposeError as exc:
            problem = exc.message
        self.fee_error.set_error(problem)
        mark_field(self.fee, problem)
        return problem

    def _check_network(self) -> str | None:
        try:
            network_by_name(self.network.currentText(), self.chain_id.text().strip().lower())
            problem = None
        except NetworkSettingsError as exc:
            problem = str(exc)
        self.network_error.set_error(problem)
        return problem

    def save(self) -> None:
        if self._check_chain():
            self.advanced.setChecked(True)  # show the field that is wrong
            return
        if self._check_fee() or self._check_network():
            return
        prefs = self.ctx.prefs
        chain = self.chain_id.text().strip().lower()
        network_link(self.ctx).set_network(
            self.network.currentText().strip(), chain if chain != MAINNET_CHAIN_ID else None
        )
        prefs.chain_id = chain if chain != MAINNET_CHAIN_ID else ""
        prefs.default_fee = self.fee.text().strip()
        prefs.refresh_days = self.refresh_days.value()
        theme = self.theme.currentData()
        if theme != prefs.theme:
            prefs.theme = theme
            self.theme_changed.emit(theme)
        self.accept()

    def _change(self) -> None:
        self.reject()
        self.change_cosigner.emit()
