"""Sign a transaction: compose a send, a smart-contract call or a data transaction; review the
exact object that will be hashed; sign with the key kept here and the co-signer; show the result
only once the combined signature verified under the wallet key (app/client.py checks it and
raises TamperedAnswer otherwise; this tab also checks that the signed hash is the reviewed one).

Fields are checked as you type (app/compose.py says what is wrong and where); a change to any
field while a reviewed transaction is being signed stops the signing: what was reviewed is no
longer what the form says.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.client import TamperedAnswer
from app.compose import (
    ComposeError,
    call_groups,
    compose_call,
    compose_data,
    compose_send,
    methods_of,
    parse_client_id,
    parse_count,
    parse_input_json,
    parse_zcn,
)
from app.network import zcn_text
from app.permissions import GROUP_TITLES
from app.policy_words import short_id
from app.protocol.enums import Rule
from app.transaction import Transaction
from app.wallets import WalletEntry, proposed_nonce
from ui.context import AppContext
from ui.errors import ErrorBanner, Explanation, explain
from ui.jobs import follow
from ui.models import wallet_title
from ui.my_key import my_share
from ui.network_link import network_link
from ui.review_dialog import ReviewDialog
from ui.runner import Job
from ui.send_flow import SendPanel
from ui.widgets import BusyStrip, CopyButton, FieldError, field_block, mark_field, monospace

SEND, CALL, DATA = "send", "call", "data"
# Refusals that mean the wallet list is out of date (the key or the wallet changed state).
KEY_STATE_RULES = frozenset({Rule.REVOKED, Rule.EXPIRED, Rule.FROZEN})
LABELS = (
    QT_TRANSLATE_NOOP("SignTab", "Recipient (client id)"),
    QT_TRANSLATE_NOOP("SignTab", "Tokens moved (ZCN)"),
    QT_TRANSLATE_NOOP("SignTab", "Input (JSON)"),
)


class _Field:
    """A form field, its error line, and the check that runs as the user types."""

    def __init__(self, name: str, widget: QWidget, check) -> None:
        self.name = name
        self.widget = widget
        self.error = FieldError()
        self.check = check
        self.touched = False

    def text(self) -> str:
        w = self.widget
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText()
        if isinstance(w, QComboBox):
            return w.currentData() or ""
        return w.text()

    def validate(self, force: bool = False) -> str | None:
        try:
            self.check(self.text())
            problem = None
        except ComposeError as exc:
            problem = exc.message
        if self.touched or force:
            self.error.set_error(problem)
            mark_field(self.widget, problem)
        return problem

    def show(self, message: str | None) -> None:
        self.error.set_error(message)
        mark_field(self.widget, message)


class SignTab(QWidget):
    signed = Signal(object)  # the signed Transaction, after verification

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entry: WalletEntry | None = None
        self.job: Job | None = None
        self.reviewed: Transaction | None = None
        self.review: ReviewDialog | None = None
        self.result_tx: Transaction | None = None
        self._fields: dict[str, _Field] = {}
        self._request_ids: dict[str, str] = {}

        # -- what kind of transaction --
        self.kind_group = QButtonGroup(self)
        kinds = QHBoxLayout()
        for key, label in (
            (SEND, self.tr("Send ZCN")),
            (CALL, self.tr("Smart-contract call")),
            (DATA, self.tr("Data")),
        ):
            button = QRadioButton(label)
            button.setProperty("kind", key)
            self.kind_group.addButton(button)
            kinds.addWidget(button)
        kinds.addStretch(1)
        self.kind_group.buttons()[0].setChecked(True)
        self.kind_group.buttonToggled.connect(self._kind_changed)

        # One page per kind, only the chosen one visible (a QStackedWidget would keep the
        # tallest page's height and leave a hole under the short send form).
        self.pages = [self._send_page(), self._call_page(), self._data_page()]
        pages_box = QWidget()
        pages_column = QVBoxLayout(pages_box)
        pages_column.setContentsMargins(0, 0, 0, 0)
        for page in self.pages:
            pages_column.addWidget(page)
        self._show_page(0)

        # -- shared fields --
        self.fee = self._line("fee", lambda t: parse_zcn(t, "fee"), "0.01")
        self.nonce = self._line("nonce", lambda t: parse_count(t, "nonce", minimum=1), "1")
        self.chain = QLabel()
        self.chain.setFont(monospace())
        common = self._form()
        common.addRow(self._label("Fee (ZCN)"), self._block("fee"))
        # The nonce and the chain are filled in by Splitkey; most people never change them
        # (review item 12: jargon on screen), so they sit behind "Advanced".
        self.advanced = QWidget()
        advanced_form = self._form()
        advanced_form.setContentsMargins(0, 0, 0, 0)
        self.advanced.setLayout(advanced_form)
        advanced_form.addRow(
            self._label(self.tr("Nonce")),
            self._block(
                "nonce", self.tr("The transaction's number for this wallet; Splitkey counts it up.")
            ),
        )
        advanced_form.addRow(self._label(self.tr("Chain")), self.chain)
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText(self.tr("Advanced: transaction number and chain"))
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setAccessibleName(self.tr("Show advanced fields"))
        self.advanced_toggle.toggled.connect(self._show_advanced)
        self.advanced.hide()
        common.addRow(self.advanced_toggle)
        common.addRow(self.advanced)

        self.review_button = QPushButton(self.tr("Sign only…"))
        self.review_button.setToolTip(
            self.tr("Review, then sign without sending (to send it elsewhere)")
        )
        self.review_button.clicked.connect(lambda: self.start_review())
        # Send: nonce and fee from the network, review, co-sign, broadcast, confirmation.
        self.sending = False
        self.send_button = QPushButton(self.tr("Send…"))
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.start_send)
        self.send_panel = SendPanel(ctx)
        self.send_panel.sent.connect(self._broadcast)
        self.cannot_sign = QLabel()
        self.cannot_sign.setObjectName("hint")
        self.cannot_sign.setWordWrap(True)

        compose = QGroupBox(self.tr("Compose"))
        column = QVBoxLayout(compose)
        column.addLayout(kinds)
        column.addWidget(pages_box)
        column.addLayout(common)
        row = QHBoxLayout()
        row.addWidget(self.cannot_sign, 1)
        row.addWidget(self.review_button)
        row.addWidget(self.send_button)
        column.addLayout(row)

        # -- progress, errors, result --
        self.busy = BusyStrip()
        self.banner = ErrorBanner()
        self.banner.retry.connect(self._sign_reviewed)
        self.result_box = QGroupBox(self.tr("Signed transaction"))
        self.verified = QLabel()
        self.verified.setObjectName("verified")
        self.verified.setWordWrap(True)
        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        self.result.setFont(monospace())
        self.result.setAccessibleName(self.tr("Signed transaction JSON"))
        copy = CopyButton(lambda: self.result.toPlainText(), self.tr("Copy JSON"))
        save = QPushButton(self.tr("Save…"))
        save.clicked.connect(self._save_result)
        result_column = QVBoxLayout(self.result_box)
        result_column.addWidget(self.verified)
        result_column.addWidget(self.result)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(copy)
        buttons.addWidget(save)
        result_column.addLayout(buttons)
        self.result_box.hide()

        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(compose)
        layout.addWidget(self.busy)
        layout.addWidget(self.banner)
        layout.addWidget(self.send_panel)
        layout.addWidget(self.result_box)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.set_entry(None)

    # -- building the form --

    def _form(self, parent: QWidget | None = None) -> QFormLayout:
        form = QFormLayout(parent) if parent is not None else QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        return form

    def _label(self, text: str) -> QLabel:
        """Form labels of one width across the kind's page and the shared fields below it, so
        all fields line up in one column."""
        label = QLabel(text)
        widest = max(label.fontMetrics().horizontalAdvance(self.tr(t)) for t in LABELS)
        label.setMinimumWidth(widest + 8)
        return label

    def _line(self, name: str, check, placeholder: str = "") -> QLineEdit:
        widget = QLineEdit()
        widget.setPlaceholderText(placeholder)
        widget.setAccessibleName(name)
        self._add_field(name, widget, check)
        widget.textEdited.connect(lambda _t, n=name: self._edited(n))
        # Enter in a field opens the Review (review item 18); the Review never signs on Enter.
        widget.returnPressed.connect(self.start_review)
        return widget

    def _add_field(self, name: str, widget: QWidget, check) -> None:
        self._fields[name] = _Field(name, widget, check)

    def _block(self, name: str, hint: str | None = None) -> QWidget:
        field = self._fields[name]
        return field_block(field.widget, field.error, hint)

    def _send_page(self) -> QWidget:
        page = QWidget()
        self.recipient = self._line("recipient", parse_client_id, self.tr("64 hex digits"))
        self.recipient.setFont(monospace())
        self.amount = self._line("amount", lambda t: parse_zcn(t, allow_zero=False), "0.0")
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("optional, stored with the transaction"))
        self.note.setAccessibleName(self.tr("note"))
        self._add_field("note", self.note, lambda t: None)
        self.note.textEdited.connect(lambda _t: self._edited("note"))
        form = self._form(page)
        form.addRow(self._label(self.tr("Recipient (client id)")), self._block("recipient"))
        form.addRow(
            self._label("Amount (ZCN)"), self._block("amount", self.tr("Up to 10 decimals."))
        )
        form.addRow(self._label(self.tr("Note")), self.note)
        return page

    def _call_page(self) -> QWidget:
        page = QWidget()
        self.group = QComboBox()
        self.group.setAccessibleName(self.tr("group"))
        self.method = QComboBox()
        self.method.setAccessibleName(self.tr("method"))
        self.input = QPlainTextEdit()
        self.input.setFont(monospace())
        self.input.setPlaceholderText(self.tr('{"allocation": "…"}'))
        self.input.setAccessibleName(self.tr("input"))
        self.input.setTabChangesFocus(True)
        self.input.setMaximumHeight(120)
        self._add_field("group", self.group, lambda t: None)
        self._add_field("method", self.method, lambda t: None)
        self._add_field("input", self.input, parse_input_json)
        self.input.textChanged.connect(lambda: self._edited("input"))
        self.call_amount = self._line("call_amount", lambda t: parse_zcn(t or "0"), "0")
        self.group.currentIndexChanged.connect(self._group_changed)
        self.group.currentIndexChanged.connect(lambda _i: self._edited("group"))
        self.method.currentIndexChanged.connect(lambda _i: self._edited("method"))
        form = self._form(page)
        form.addRow(self._label(self.tr("Group")), self.group)
        form.addRow(self._label(self.tr("Method")), self.method)
        form.addRow(
            self._label("Input (JSON)"),
            self._block("input", self.tr("A JSON object; checked as you type.")),
        )
        form.addRow(
            self._label(self.tr("Tokens moved (ZCN)")),
            self._block("call_amount", self.tr("What the call takes from the wallet (often 0).")),
        )
        return page

    def _data_page(self) -> QWidget:
        page = QWidget()
        self.data = QPlainTextEdit()
        self.data.setFont(monospace())
        self.data.setAccessibleName(self.tr("data"))
        self.data.setTabChangesFocus(True)
        self.data.setMaximumHeight(140)
        self._add_field("data", self.data, lambda t: None if t else _missing("data"))
        self.data.textChanged.connect(lambda: self._edited("data"))
        form = self._form(page)
        form.addRow(self._label(self.tr("Data")), self._block("data"))
        return page

    # -- state --

    def kind(self) -> str:
        button = self.kind_group.checkedButton()
        return button.property("kind") if button else SEND

    def set_kind(self, kind: str) -> None:
        for button in self.kind_group.buttons():
            if button.property("kind") == kind:
                button.setChecked(True)

    def _kind_changed(self, _button, checked: bool) -> None:
        if checked:
            self._show_page([SEND, CALL, DATA].index(self.kind()))
            self._edited(None)
            if hasattr(self, "send_button"):  # Send is for transfers only
                self._update_can_sign()

    def _show_page(self, index: int) -> None:
        for i, page in enumerate(self.pages):
            page.setVisible(i == index)

    def _group_changed(self, _index: int) -> None:
        group = self.group.currentData()
        self.method.blockSignals(True)
        self.method.clear()
        for method in methods_of(group or ""):
            self.method.addItem(method, method)
        self.method.blockSignals(False)

    def set_entry(self, entry: WalletEntry | None) -> None:
        same_wallet = (
            self.entry is not None
            and entry is not None
            and (self.entry.client_id == entry.client_id)
        )
        self.entry = entry
        self.chain.setText(short_id(self.ctx.prefs.chain_id))
        self.chain.setToolTip(self.ctx.prefs.chain_id)
        if not same_wallet:
            self._abort(self.tr("You picked another wallet."))
            self.result_box.hide()
            self.banner.clear()
            self.nonce.setText(
                str(proposed_nonce(self.ctx.prefs.nonce(entry.client_id), entry.wallet.last_nonce))
                if entry
                else ""
            )
            if not self.fee.text():
                self.fee.setText(self.ctx.prefs.default_fee)
        self._fill_groups()
        self._update_can_sign()

    def _fill_groups(self) -> None:
        """Only the groups this key may use: offering a call the co-signer must refuse helps
        nobody (the co-signer still decides)."""
        split = self.entry.split if self.entry else None
        allowed = call_groups()
        if split is not None and not split.permissions.unrestricted:
            allowed = [g for g in allowed if g in split.permissions.groups]
        current = self.group.currentData()
        self.group.blockSignals(True)
        self.group.clear()
        for group in allowed:
            self.group.addItem(f"{GROUP_TITLES[group]} ({group})", group)
        self.group.blockSignals(False)
        if current in allowed:
            self.group.setCurrentIndex(allowed.index(current))
        self._group_changed(0)
        call_button = next(b for b in self.kind_group.buttons() if b.property("kind") == CALL)
        call_button.setEnabled(bool(allowed))
        call_button.setToolTip(
            "" if allowed else self.tr("This key may not make smart-contract calls.")
        )
        data_button = next(b for b in self.kind_group.buttons() if b.property("kind") == DATA)
        data_ok = split is None or split.permissions.unrestricted
        data_button.setEnabled(data_ok)
        data_button.setToolTip("" if data_ok else self.tr("Only an unrestricted key signs data."))

    def _update_can_sign(self) -> None:
        entry = self.entry
        reason = None
        if entry is None:
            reason = self.tr("Pick a wallet first.")
        elif entry.split is None or not entry.has_share:
            reason = self.tr("This computer holds no key for this wallet.")
        elif entry.status != "active":
            reason = self.tr("This wallet's key is {status}.").format(status=entry.status)
        self.cannot_sign.setText(reason or "")
        self.review_button.setEnabled(reason is None and not self._signing())
        self.send_button.setEnabled(
            reason is None
            and not self._signing()
            and self.kind() == SEND
            and not self.send_panel.busy()
        )

    def _signing(self) -> bool:
        return self.job is not None and self.job.running

    # -- checking as you type --

    def _edited(self, name: str | None) -> None:
        if name is not None and name in self._fields:
            field = self._fields[name]
            field.touched = True
            field.validate()
        if self._signing():
            self._abort(self.tr("The transaction was changed after you reviewed it."))
        elif self.reviewed is not None and self.review is None:
            self.reviewed = None  # a new review is needed before signing

    def _visible_fields(self) -> list[str]:
        per_kind = {SEND: ["recipient", "amount"], CALL: ["input", "call_amount"], DATA: ["data"]}
        return [*per_kind[self.kind()], "fee", "nonce"]

    def compose(self, chain_id: str | None = None) -> Transaction:
        """The transaction the form describes, or ComposeError (also marked at the field)."""
        entry = self.entry
        if entry is None or entry.split is None:
            raise ComposeError("wallet", "pick a wallet whose key is on this computer")
        for name in self._visible_fields():
            self._fields[name].touched = True
        problems = {n: self._fields[n].validate(force=True) for n in self._visible_fields()}
        first = next(((n, p) for n, p in problems.items() if p), None)
        if first:
            raise ComposeError(*first)
        common = {
            "client_id": entry.client_id,
            "public_key": entry.wallet.public_key,
            "chain_id": chain_id or self.ctx.prefs.chain_id,
            "nonce": self.nonce.text(),
            "fee": self.fee.text(),
            "creation_date": int(time.time()),
        }
        try:
            kind = self.kind()
            if kind == SEND:
                return compose_send(
                    **common,
                    recipient=self.recipient.text(),
                    amount=self.amount.text(),
                    note=self.note.text(),
                )
            if kind == CALL:
                return compose_call(
                    **common,
                    group=self.group.currentData() or "",
                    method=self.method.currentData() or "",
                    input_json=self.input.toPlainText(),
                    amount=self.call_amount.text(),
                )
            return compose_data(**common, data=self.data.toPlainText())
        except ComposeError as exc:
            name = "call_amount" if (kind == CALL and exc.field == "amount") else exc.field
            if name in self._fields:
                self._fields[name].show(exc.message)
            raise

    # -- review and sign --

    def _show_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        arrow = Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        self.advanced_toggle.setArrowType(arrow)

    def start_review(self, chain_id: str | None = None) -> ReviewDialog | None:
        self.banner.clear()
        if not chain_id:
            self.sending = False  # "Sign only" after a cancelled send
        try:
            tx = self.compose(chain_id)
        except ComposeError as exc:
            what = explain(exc)
            field = self._fields.get(exc.field)
            if field is not None:
                if self.advanced.isAncestorOf(field.widget):
                    self.advanced_toggle.setChecked(True)  # the problem is in there: show it
                field.widget.setFocus()
            else:
                self.banner.show_explanation(what)
            return None
        self.reviewed = tx
        self.review = ReviewDialog(
            tx, wallet_title(self.entry), self, refusals=known_refusals_of(self.ctx, self.entry, tx)
        )
        self.review.accepted.connect(self._review_accepted)
        self.review.rejected.connect(self._review_closed)
        self.review.open()
        return self.review

    def _review_closed(self) -> None:
        self.review = None
        self.reviewed = None
        self.sending = False

    def _review_accepted(self) -> None:
        dialog, self.review = self.review, None
        if dialog is None or self.reviewed is None or dialog.tx is not self.reviewed:
            return
        if self.sending:
            self.sending = False
            self.result_box.hide()
            job = self.send_panel.start(self.reviewed, self.entry)
            job.done.connect(self._update_can_sign)
            self.reviewed = None
            self._update_can_sign()
            return
        self._sign_reviewed()

    # -- send: the network's nonce and fee first, then the same review --

    def start_send(self) -> None:
        entry = self.entry
        if entry is None:
            return
        self.banner.clear()
        link = network_link(self.ctx)
        self.chain.setText(short_id(link.settings.chain_id))
        self.chain.setToolTip(link.settings.chain_id)

        async def ask(net):
            return await net.next_nonce(entry.client_id), await net.transfer_fee()

        job = link.run(ask, self.tr("Asking the network for the wallet's nonce and the fee"))
        follow(
            job,
            self,
            success=lambda result: self._review_send(entry, *result),
            failure=self._send_not_started,
        )
        self.send_button.setEnabled(False)
        job.done.connect(self._update_can_sign)

    def _send_not_started(self, exc: BaseException) -> None:
        # nothing was signed yet: the way to try again is Send… itself, not the banner's Retry
        self.banner.show_explanation(replace(explain(exc), retry=False))

    def _review_send(self, entry: WalletEntry, nonce: int, fee: int) -> None:
        # A wallet-list refresh while the network answered replaces the entry objects: only
        # another wallet picked in the meantime makes this answer stale.
        if self.entry is None or entry.client_id != self.entry.client_id:
            return
        self.nonce.setText(str(nonce))
        self.fee.setText(zcn_text(fee))
        self.sending = True
        if self.start_review(chain_id=network_link(self.ctx).settings.chain_id) is None:
            self.sending = False

    def _broadcast(self, submitted) -> None:
        tx = submitted.transaction
        entry = self.entry
        if entry is not None and entry.client_id == tx.client_id:
            self.ctx.prefs.set_nonce(entry.client_id, tx.transaction_nonce + 1)
            self.nonce.setText(str(tx.transaction_nonce + 1))
        self.ctx.refresh_wallets()

    def _sign_reviewed(self) -> None:
        tx, entry = self.reviewed, self.entry
        if tx is None or entry is None or entry.split is None:
            return
        self.banner.clear()
        self.result_box.hide()
        split_id = entry.split.id
        # One request id per reviewed transaction: "Try again" after a lost answer cannot make
        # the co-signer sign or count twice.
        request_id = self._request_ids.get(tx.hash) or uuid.uuid4().hex
        self._request_ids = {tx.hash: request_id}

        async def sign(api):
            share = await my_share(self.ctx, split_id)
            return await api.cosign_transaction(
                share.split_id,
                share.secret_key(),
                tx,
                share.wallet_public_key,
                request_id=request_id,
            )

        self.job = follow(
            self.ctx.cosigner(sign, label=self.tr("Signing"), split_id=split_id),
            self,
            success=lambda result, tx=tx: self._signed(tx, result),
            failure=self._failed,
        )
        self.job.done.connect(self._update_can_sign)
        self.job.cancelled.connect(self._cancelled)
        self._update_can_sign()

    def _signed(self, reviewed: Transaction, result) -> None:
        signed, answer = result
        # app/client.py verified the signature under the wallet key for this hash; the hash
        # must also be the one reviewed (the same object went in, so this is a tripwire).
        if signed.hash != reviewed.hash or answer.hash != reviewed.hash:
            self._failed(TamperedAnswer(self.tr("the signed hash is not the reviewed one")))
            return
        entry = self.entry
        self.result_tx = signed
        self.result.setPlainText(json.dumps(signed.to_dict(), indent=2))
        self.verified.setText(
            self.tr(
                "✓ Signed. The combined signature was checked against the wallet's public key for "
                "hash {hash}."
            ).format(hash=signed.hash)
        )
        self.result_box.show()
        if entry is not None and entry.split is not None:
            receipt = answer.receipt
            self.ctx.prefs.set_receipt(
                entry.split.id, int(time.time()), receipt.period_value, receipt.period_count
            )
            self.ctx.prefs.set_nonce(entry.client_id, reviewed.transaction_nonce + 1)
            if self.nonce.text() == str(reviewed.transaction_nonce):
                self.nonce.setText(str(reviewed.transaction_nonce + 1))
        self.reviewed = None
        self.signed.emit(signed)
        self.ctx.refresh_wallets()

    def _failed(self, exc: BaseException) -> None:
        self.result_box.hide()
        what = self.banner.show_error(exc)
        if what.field and what.field in self._fields:
            self._fields[what.field].show(what.text)
        if what.rule in KEY_STATE_RULES:
            # The co-signer says the key (or wallet) changed state since the list was loaded:
            # reload it so the badge and the Review button agree with the refusal shown here
            # (the same wallet stays selected, so this banner stays).
            session = self.ctx.session
            if session is not None and (session.signed_in or session.can_sign_in):
                self.ctx.refresh_wallets()

    def _cancelled(self) -> None:
        if not self.banner.isVisible():
            self.banner.show_explanation(
                explain_abort(self.tr("You cancelled the signing."), retry=True)
            )

    def _abort(self, why: str) -> None:
        job = self.job
        if job is not None and job.running:
            self.banner.show_explanation(explain_abort(why))
            job.cancel()
            self.reviewed = None

    def _save_result(self) -> None:
        if self.result_tx is None:
            return
        suggested = str(Path.home() / f"transaction-{self.result_tx.hash[:12]}.json")
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the signed transaction"), suggested
        )
        if path:
            Path(path).write_text(json.dumps(self.result_tx.to_dict(), indent=2) + "\n")


def explain_abort(why: str, retry: bool = False) -> Explanation:
    return Explanation(
        QCoreApplication.translate("SignTab", "Signing stopped"),
        QCoreApplication.translate(
            "SignTab",
            "{why} Nothing is shown as signed; review the transaction again to sign it. If the "
            "co-signer already signed, the signature is in the wallet's activity but was not used.",
        ).format(why=why),
        retry=retry,
    )


def _missing(name: str):
    raise ComposeError(name, f"enter the {name}")


def known_refusals_of(ctx, entry, tx) -> list[str]:
    """What the signing key's known limits say against tx, for the Review (issue 15.8)."""
    from app.limits_preview import known_refusals
    from ui.overview_tab import allowance

    if entry is None or entry.split is None:
        return []
    now = int(time.time())
    shown = allowance(entry, ctx.prefs.receipt(entry.split.id), now)
    return known_refusals(
        entry.split.permissions,
        tx,
        now=now,
        period_used=shown[0] if shown else 0,
        uses=entry.split.uses,
    )
