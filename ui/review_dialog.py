"""Review before signing: every field of the Transaction object that will be hashed and signed,
shown in full, and its hash. The dialog is built from that very object (not from the form), so
what is on screen is what gets signed; `shown_fields()` returns the texts as displayed, which is
what the "what you see is what you sign" test re-serializes."""

from __future__ import annotations

import json

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.permissions import method_of
from app.policy_words import format_time, format_zcn, short_id
from app.transaction import (
    FAUCET_SC_ADDRESS,
    MINER_SC_ADDRESS,
    STORAGE_SC_ADDRESS,
    ZCN_SC_ADDRESS,
    Transaction,
    TransactionType,
)
from ui.widgets import IdLabel, monospace

CTX = "ReviewDialog"  # the catalogue's context for the texts built outside the dialog
TYPE_NAMES = {
    TransactionType.SEND: QT_TRANSLATE_NOOP("ReviewDialog", "Send"),
    TransactionType.SMART_CONTRACT: QT_TRANSLATE_NOOP("ReviewDialog", "Smart-contract call"),
    TransactionType.DATA: QT_TRANSLATE_NOOP("ReviewDialog", "Data"),
}
CONTRACT_NAMES = {
    STORAGE_SC_ADDRESS: QT_TRANSLATE_NOOP("ReviewDialog", "the storage contract"),
    MINER_SC_ADDRESS: QT_TRANSLATE_NOOP("ReviewDialog", "the miner contract"),
    FAUCET_SC_ADDRESS: QT_TRANSLATE_NOOP("ReviewDialog", "the faucet contract"),
    ZCN_SC_ADDRESS: QT_TRANSLATE_NOOP("ReviewDialog", "the ZCN bridge contract"),
}
ESCAPED_NOTE = QT_TRANSLATE_NOOP(
    "ReviewDialog", "shown escaped: it contains invisible or control characters"
)


def _tr(text: str) -> str:
    """A table's text (marked with QT_TRANSLATE_NOOP above) in the user's language."""
    return QCoreApplication.translate(CTX, text)


def amount_text(sas: int) -> str:
    return QCoreApplication.translate("ReviewDialog", "{zcn} ({sas} SAS)").format(
        zcn=format_zcn(sas), sas=sas
    )


def data_text(data: str) -> tuple[str, bool]:
    """The data as shown, and whether it had to be escaped. Text with characters a screen does
    not show faithfully (controls, bidi overrides, zero-width marks) is shown as a JSON string,
    so two different transactions can never look the same."""
    if all(ch == "\n" or ch.isprintable() for ch in data):
        return data, False
    return json.dumps(data), True


def headline(tx: Transaction) -> str:
    """One sentence for the top of the dialog; the fields below are what counts."""
    fee = (
        QCoreApplication.translate("ReviewDialog", ", fee {fee}").format(
            fee=format_zcn(tx.transaction_fee)
        )
        if tx.transaction_fee
        else ""
    )
    kind = TransactionType(tx.transaction_type)
    if kind == TransactionType.SEND:
        return QCoreApplication.translate("ReviewDialog", "Send {amount} to {to}{fee}").format(
            amount=format_zcn(tx.transaction_value), to=short_id(tx.to_client_id), fee=fee
        )
    if kind == TransactionType.SMART_CONTRACT:
        _contract, method = method_of(tx)
        where = (
            _tr(CONTRACT_NAMES[tx.to_client_id])
            if tx.to_client_id in CONTRACT_NAMES
            else (short_id(tx.to_client_id))
        )
        moved = (
            QCoreApplication.translate("ReviewDialog", ", moving {amount}").format(
                amount=format_zcn(tx.transaction_value)
            )
            if tx.transaction_value
            else ""
        )
        shown = method if len(method) <= 40 else method[:40] + "…"
        return QCoreApplication.translate(
            "ReviewDialog", "Call “{method}” on {where}{moved}{fee}"
        ).format(method=shown, where=where, moved=moved, fee=fee)
    return QCoreApplication.translate("ReviewDialog", "Store {n} characters of data{fee}").format(
        n=len(tx.transaction_data), fee=fee
    )


def review_fields(tx: Transaction) -> list[tuple[str, str]]:
    """(label, text) for every field, in the order shown."""
    kind = TransactionType(tx.transaction_type)
    to = tx.to_client_id or QCoreApplication.translate("ReviewDialog", "(none)")
    if tx.to_client_id in CONTRACT_NAMES:
        to = f"{tx.to_client_id} ({_tr(CONTRACT_NAMES[tx.to_client_id])})"
    data, escaped = data_text(tx.transaction_data)
    fields = [
        (
            QCoreApplication.translate("ReviewDialog", "Type"),
            f"{_tr(TYPE_NAMES[kind])} ({int(kind)})",
        ),
        (QCoreApplication.translate("ReviewDialog", "From"), tx.client_id),
        (QCoreApplication.translate("ReviewDialog", "Public key"), tx.public_key),
        (QCoreApplication.translate("ReviewDialog", "To"), to),
        (QCoreApplication.translate("ReviewDialog", "Amount"), amount_text(tx.transaction_value)),
        (QCoreApplication.translate("ReviewDialog", "Fee"), amount_text(tx.transaction_fee)),
        # What leaves the wallet: the review asked for amount + fee = total (item 13).
        (
            QCoreApplication.translate("ReviewDialog", "Total"),
            amount_text(tx.transaction_value + tx.transaction_fee),
        ),
        (QCoreApplication.translate("ReviewDialog", "Nonce"), str(tx.transaction_nonce)),
        (
            QCoreApplication.translate("ReviewDialog", "Created"),
            f"{tx.creation_date} ({format_time(tx.creation_date)})",
        ),
        (QCoreApplication.translate("ReviewDialog", "Chain id"), tx.chain_id),
        (QCoreApplication.translate("ReviewDialog", "Version"), tx.version),
    ]
    if kind == TransactionType.SMART_CONTRACT:
        _contract, method = method_of(tx)
        fields.append((QCoreApplication.translate("ReviewDialog", "Method"), method))
    data_label = QCoreApplication.translate("ReviewDialog", "Data")
    fields.append((data_label + (f" ({_tr(ESCAPED_NOTE)})" if escaped else ""), data))
    fields.append((QCoreApplication.translate("ReviewDialog", "Hash"), tx.hash))
    return fields


class ReviewDialog(QDialog):
    """Accepted = the user chose Sign. `tx` is the object to sign; nothing else is."""

    def __init__(
        self,
        tx: Transaction,
        wallet_title: str,
        parent: QWidget | None = None,
        *,
        refusals: list[str] | tuple[str, ...] = (),
    ) -> None:
        """refusals: what the key's known limits say against tx (app/limits_preview.py)."""
        super().__init__(parent)
        self.tx = tx
        self.setWindowTitle(self.tr("Review the transaction"))
        self.setModal(True)
        self._shown: dict[str, str] = {}

        intro = QLabel(
            self.tr(
                "You are about to sign this transaction with {wallet_title}. Check every field: "
                "the signature covers exactly what is shown here."
            ).format(wallet_title=wallet_title)
        )
        intro.setWordWrap(True)
        self.headline = QLabel(headline(tx))
        self.headline.setObjectName("reviewHeadline")
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.headline.setFont(font)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for label, text in review_fields(tx):
            if label.startswith(self.tr("Data")):  # the data field, as review_fields names it
                widget = QPlainTextEdit()
                widget.setReadOnly(True)
                widget.setFont(monospace())
                widget.setPlainText(text)
                # As tall as the text (2 to 8 lines), so short data does not float in a box.
                lines = min(8, max(2, text.count("\n") + 1 + len(text) // 80))
                line_height = widget.fontMetrics().lineSpacing()
                widget.setFixedHeight(lines * line_height + 14)
                widget.setAccessibleName(self.tr("Data"))
                shown = widget
            elif label in (
                self.tr("From"),
                self.tr("Public key"),
                self.tr("Chain id"),
                self.tr("Hash"),
                self.tr("To"),
            ):
                shown = IdLabel(text)
                shown.setAccessibleName(label)
            else:
                shown = QLabel(text)
                # Never rich text: a method name like "<b>x</b>" must show as typed.
                shown.setTextFormat(Qt.TextFormat.PlainText)
                shown.setWordWrap(True)
                shown.setAccessibleName(label)
            if label == self.tr("Hash"):
                shown.setObjectName("hash")
            if label == self.tr("Amount"):
                shown.setObjectName("amount")
            form.addRow(label, shown)
            self._shown[label] = text
        self._widgets = form

        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        body = QWidget()
        body_column = QVBoxLayout(body)
        body_column.addLayout(form)
        body_column.addStretch(1)  # rows stay together instead of spreading over the height
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        buttons = QDialogButtonBox()
        self.sign_button = buttons.addButton(
            self.tr("Sign"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.back_button = buttons.addButton(
            self.tr("Back to editing"), QDialogButtonBox.ButtonRole.RejectRole
        )
        # Enter must not sign by accident: nothing is the default button.
        for button in (self.sign_button, self.back_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        self.warning = QLabel()
        self.warning.setObjectName("fieldError")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setAccessibleName(self.tr("Warning"))
        if refusals:
            self.warning.setText(
                self.tr("The co-signer will most likely refuse this: ")
                + "; ".join(refusals)
                + self.tr(". You can still send it for signing.")
            )
        self.warning.setVisible(bool(refusals))
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.warning)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        # As tall as the fields need (a long data field scrolls), within a laptop's screen.
        self.resize(720, min(720, body.sizeHint().height() + 170))

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        # QDialogButtonBox makes its first accept button the default when shown: undo that, so
        # Enter never signs; focus goes to "Back to editing" for the same reason.
        for button in (self.sign_button, self.back_button):
            button.setDefault(False)
        self.back_button.setFocus()

    def shown_fields(self) -> dict[str, str]:
        """Label -> the text on screen, read back from the widgets themselves."""
        result = {}
        for row in range(self._widgets.rowCount()):
            label_item = self._widgets.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field_item = self._widgets.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if label_item is None or field_item is None:
                continue
            label = label_item.widget().text()
            widget = field_item.widget()
            if isinstance(widget, QPlainTextEdit):
                result[label] = widget.toPlainText()
            elif isinstance(widget, IdLabel):
                result[label] = widget.text().replace("\u200b", "")  # its wrapping hints
            else:
                result[label] = widget.text()
        return result
