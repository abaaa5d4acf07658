"""Share… : hand a limited key of a wallet to someone else.

The owner picks what the person may do (permission groups, messages), how much (per transaction,
per period), to whom (a recipient allow-list), until when (presets or a date) and how often (max
uses). A live sentence says the worst case in the co-signer's own words (app/policy_words.py), so
the owner sees what they give away before they give it. The result is a one-time share code,
shown as text and QR code, which the other person redeems in their Splitkey.

The form's meaning lives in app/share_terms.py; this file only shows it."""

from __future__ import annotations

import asyncio
import time

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.client import NewSplit
from app.keys import KeysError
from app.permissions import GROUP_TITLES, GROUPS, Permissions
from app.policy_words import RAW_HASHES_LINE, describe, worst_case
from app.protocol.enums import Custody
from app.share_terms import (
    CUSTOM,
    EXPIRY_PRESETS,
    FIELDS,
    PERIODS,
    ShareForm,
    form_errors,
    permissions_of,
)
from app.wallets import WalletEntry
from ui.context import AppContext
from ui.errors import ErrorBanner, explain
from ui.jobs import follow
from ui.runner import Job
from ui.widgets import BusyStrip, CopyButton, FieldError, QrLabel, mark_field, monospace, scrolling

DEFAULT_EXPIRY = 7 * 24 * 3600  # seconds: a week, the preset chosen first


class NoShareHere(KeysError):
    """A keyless wallet is shared from its owner's share, which this computer does not hold."""


class ShareDialog(QDialog):
    shared = Signal(object)  # NewSplit (its share_code is shown here and nowhere else)

    def __init__(self, ctx: AppContext, entry: WalletEntry, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.entry = entry
        self.job: Job | None = None
        self.result_split: NewSplit | None = None
        self._touched: set[str] = set()
        self.current_permissions: Permissions | None = None
        self.setWindowTitle(self.tr("Share this wallet"))
        self.setModal(True)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._form_page())
        self.pages.addWidget(self._result_page())

        self.banner = ErrorBanner()
        self.banner.retry.connect(self.create)
        self.busy = BusyStrip()
        self.buttons = QDialogButtonBox()
        self.create_button = self.buttons.addButton(
            self.tr("Create share code"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.create_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.done_button = self.buttons.addButton(
            self.tr("Done"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.done_button.hide()
        self.create_button.clicked.connect(self.create)
        self.cancel_button.clicked.connect(self.reject)
        self.done_button.clicked.connect(self.accept)

        column = QVBoxLayout(self)
        column.addWidget(self.pages, 1)
        column.addWidget(self.banner)
        column.addWidget(self.busy)
        column.addWidget(self.buttons)
        self.resize(640, 720)
        self.update_preview()

    # -- the form ----------------------------------------------------------------------------

    def _form_page(self) -> QWidget:
        self.errors: dict[str, FieldError] = {name: FieldError() for name in FIELDS}
        self.inputs: dict[str, QWidget] = {}

        intro = QLabel(
            self.tr(
                "Make a key of this wallet for someone else. They can sign only what you allow "
                "here; you can revoke the key at any time."
            )
        )
        intro.setWordWrap(True)

        self.label = QLineEdit()
        self.label.setPlaceholderText(self.tr("e.g. Alice's laptop"))
        self.label.setAccessibleName(self.tr("Label"))
        self.inputs["label"] = self.label

        groups_box = QGroupBox(self.tr("This person may"))
        grid = QGridLayout(groups_box)
        self.group_boxes: dict[str, QCheckBox] = {}
        for i, name in enumerate(GROUPS):
            box = QCheckBox(GROUP_TITLES[name].capitalize())
            box.setToolTip(self.tr("0Chain permission group {name}").format(name=name))
            box.setChecked(name == "token_transfers")
            box.toggled.connect(lambda _on, n="groups": self._edited(n))
            self.group_boxes[name] = box
            grid.addWidget(box, i // 2, i % 2)
        self.sign_messages = QCheckBox(self.tr("Sign messages and auth headers"))
        self.sign_messages.toggled.connect(lambda _on: self._edited("groups"))
        grid.addWidget(self.sign_messages, (len(GROUPS) + 1) // 2, 0, 1, 2)
        self.sign_raw_hashes = QCheckBox(
            self.tr("Sign raw hashes (0Chain ZAuth clients): as powerful as an unrestricted key")
        )
        self.sign_raw_hashes.setToolTip(RAW_HASHES_LINE)
        self.sign_raw_hashes.toggled.connect(lambda _on: self._edited("groups"))
        grid.addWidget(self.sign_raw_hashes, (len(GROUPS) + 1) // 2 + 1, 0, 1, 2)
        self.inputs["groups"] = groups_box

        self.per_transaction = self._amount("per_transaction", self.tr("no limit"))
        self.per_period = self._amount("per_period", self.tr("no limit"))
        self.period = QComboBox()
        for seconds, words in PERIODS:
            self.period.addItem(self.tr("per {words}").format(words=words), seconds)
        self.period.setCurrentIndex(1)
        self.period.setAccessibleName(self.tr("Period"))
        self.period.currentIndexChanged.connect(lambda _i: self._edited("period_seconds"))
        self.inputs["period_seconds"] = self.period
        period_row = QHBoxLayout()
        period_row.addWidget(self.per_period, 1)
        period_row.addWidget(QLabel(self.tr("ZCN")))
        period_row.addWidget(self.period)

        self.recipients = QPlainTextEdit()
        self.recipients.setPlaceholderText(self.tr("Anyone. Or client ids, one per line."))
        self.recipients.setFont(monospace())
        self.recipients.setTabChangesFocus(True)
        self.recipients.setFixedHeight(72)
        self.recipients.setAccessibleName(self.tr("Recipients"))
        self.recipients.textChanged.connect(lambda: self._edited("recipients"))
        self.inputs["recipients"] = self.recipients

        self.expiry = QComboBox()
        for words, value in EXPIRY_PRESETS:
            self.expiry.addItem(words, value)
        self.expiry.setCurrentIndex(self.expiry.findData(DEFAULT_EXPIRY))
        self.expiry.setAccessibleName(self.tr("Expires"))
        self.expiry_date = QDateTimeEdit()
        self.expiry_date.setCalendarPopup(True)
        self.expiry_date.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.expiry_date.setMinimumDateTime(QDateTime.currentDateTime().addSecs(3600))
        self.expiry_date.setDateTime(QDateTime.currentDateTime().addDays(30))
        self.expiry_date.setAccessibleName(self.tr("Expiry date"))
        self.expiry.currentIndexChanged.connect(self._expiry_changed)
        self.expiry_date.dateTimeChanged.connect(lambda _d: self._edited("expires_at"))
        self.inputs["expires_at"] = self.expiry
        expiry_row = QHBoxLayout()
        expiry_row.addWidget(self.expiry)
        expiry_row.addWidget(self.expiry_date, 1)

        self.max_uses = QLineEdit()
        self.max_uses.setPlaceholderText(self.tr("no limit"))
        self.max_uses.setAccessibleName(self.tr("Maximum uses"))
        self.max_uses.textChanged.connect(lambda _t: self._edited("max_uses"))
        self.inputs["max_uses"] = self.max_uses
        self.label.textChanged.connect(lambda _t: self._edited("label"))

        # One form, so every label lines up; the permission groups span both columns.
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Who gets it"), self._with_error(self.label, "label"))
        form.addRow(groups_box)
        form.addRow(self.errors["groups"])
        tx_row = QHBoxLayout()
        tx_row.addWidget(self.per_transaction, 1)
        tx_row.addWidget(QLabel(self.tr("ZCN")))
        form.addRow(self.tr("At most per transaction"), self._with_error(tx_row, "per_transaction"))
        form.addRow(
            self.tr("At most"), self._with_error(period_row, "per_period", "period_seconds")
        )
        form.addRow(self.tr("Only to"), self._with_error(self.recipients, "recipients"))
        form.addRow(self.tr("Expires"), self._with_error(expiry_row, "expires_at"))
        form.addRow(self.tr("Uses at most"), self._with_error(self.max_uses, "max_uses"))

        self.worst = QLabel()
        self.worst.setObjectName("worstCase")
        self.worst.setWordWrap(True)
        self.worst.setAccessibleName(self.tr("Worst case"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("hint")
        preview = QGroupBox(self.tr("What this key can do"))
        preview_column = QVBoxLayout(preview)
        preview_column.addWidget(self.worst)
        preview_column.addWidget(self.summary)

        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(intro)
        column.addLayout(form)
        column.addWidget(preview)
        column.addStretch(1)
        scroll = scrolling(page)
        self._expiry_changed()
        # Tab order follows the form top to bottom (the grid of checkboxes first).
        order = [
            self.label,
            *self.group_boxes.values(),
            self.sign_messages,
            self.sign_raw_hashes,
            self.per_transaction,
            self.per_period,
            self.period,
            self.recipients,
            self.expiry,
            self.expiry_date,
            self.max_uses,
        ]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        return scroll

    def _amount(self, name: str, placeholder: str) -> QLineEdit:
        line = QLineEdit()
        line.setPlaceholderText(placeholder)
        line.setAccessibleName(name.replace("_", " "))
        line.textChanged.connect(lambda _t: self._edited(name))
        self.inputs[name] = line
        return line

    def _with_error(self, field, *names: str) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        if isinstance(field, QWidget):
            column.addWidget(field)
        else:
            column.addLayout(field)
        for name in names:
            column.addWidget(self.errors[name])
        return box

    def _expiry_changed(self, _index: int = 0) -> None:
        custom = self.expiry.currentData() == CUSTOM
        self.expiry_date.setEnabled(custom)
        self.expiry_date.setVisible(custom)
        self._edited("expires_at")

    # -- reading the form ---------------------------------------------------------------------

    def expires_at(self, now: int) -> int | None:
        value = self.expiry.currentData()
        if value == CUSTOM:
            return self.expiry_date.dateTime().toSecsSinceEpoch()
        # Presets end on a whole minute: "2026-12-05 23:34 UTC" reads better than seconds.
        return None if value is None else (now + int(value)) // 60 * 60

    def form(self, now: int | None = None) -> ShareForm:
        now = int(time.time()) if now is None else now
        return ShareForm(
            label=self.label.text(),
            groups=frozenset(name for name, box in self.group_boxes.items() if box.isChecked()),
            sign_messages=self.sign_messages.isChecked(),
            sign_raw_hashes=self.sign_raw_hashes.isChecked(),
            per_transaction=self.per_transaction.text(),
            per_period=self.per_period.text(),
            period_seconds=int(self.period.currentData()),
            recipients=self.recipients.toPlainText(),
            expires_at=self.expires_at(now),
            max_uses=self.max_uses.text(),
        )

    def _edited(self, name: str) -> None:
        self._touched.add(name)
        self.update_preview()

    def update_preview(self, *, mark_all: bool = False) -> dict[str, str]:
        """Re-read the form: mark wrong fields (those edited, or all), and say the worst case."""
        now = int(time.time())
        form = self.form(now)
        errors = form_errors(form, now)
        for name in FIELDS:
            message = errors.get(name) if (mark_all or name in self._touched) else None
            self.errors[name].set_error(message)
            mark_field(self.inputs[name], message)
        if errors:
            self.worst.setText(self.tr("Fix the marked fields to see what this key could do."))
            self.summary.setText("")
            self.current_permissions = None
            return errors
        permissions = permissions_of(form, now)
        self.current_permissions = permissions
        self.worst.setText(worst_case(permissions, now=now))
        self.summary.setText(" · ".join(describe(permissions)))
        return errors

    # -- creating the key ---------------------------------------------------------------------

    def create(self) -> Job | None:
        if self.job is not None and self.job.running:
            return self.job
        self.banner.clear()
        errors = self.update_preview(mark_all=True)
        if errors:
            first = next(name for name in FIELDS if name in errors)
            self.inputs[first].setFocus()
            return None
        now = int(time.time())
        permissions = permissions_of(self.form(now), now)
        label, client_id = self.label.text().strip(), self.entry.client_id
        keyless = self.entry.wallet.custody == Custody.KEYLESS
        own_split = self.entry.split.id if self.entry.split and self.entry.has_share else None
        ctx = self.ctx

        async def make(api):
            if keyless:
                # No master key anywhere: the new key is cut from the owner's share here.
                own = own_split and await asyncio.to_thread(ctx.load_share, own_split)
                if not own:
                    raise NoShareHere("a keyless wallet is shared from your key on this computer")
                return await api.delegate(own, label, "code", permissions)
            return await api.create_split(
                client_id, label=label, holder="code", permissions=permissions
            )

        self._set_busy(True)
        job = self.ctx.cosigner(make, label=self.tr("Creating the share code"))
        follow(
            job,
            self,
            success=self._created,
            failure=self._failed,
            busy_text=self.tr("Asking the co-signer for a new key…"),
        )
        job.done.connect(lambda: self._set_busy(False))
        self.job = job
        return job

    def _set_busy(self, busy: bool) -> None:
        self.pages.widget(0).setEnabled(not busy)
        self.create_button.setEnabled(not busy)

    def _failed(self, exc: BaseException) -> None:
        what = explain(exc)
        self.banner.show_explanation(what)
        if what.field in self.inputs:
            self.errors[what.field].set_error(what.text)
            mark_field(self.inputs[what.field], what.text)

    def _created(self, made: NewSplit) -> None:
        self.result_split = made
        code = made.share_code or ""
        self.code_text.setText(code)
        self.code_qr.set_text(code)
        minutes = (made.share_code_expires_in or 0) // 60
        validity = (
            self.tr("within {minutes} minutes").format(minutes=minutes) if minutes else "soon"
        )
        self.code_note.setText(
            self.tr(
                "Give this code to the person you share with. It works once, and only if it is "
                "redeemed {validity}. Anyone who has it before them gets the key: send it over a "
                "channel you trust, or show the QR code in person."
            ).format(validity=validity)
        )
        self.result_worst.setText(worst_case(made.split.permissions, now=int(time.time())))
        self.pages.setCurrentIndex(1)
        self.create_button.hide()
        self.cancel_button.hide()
        self.done_button.show()
        self.done_button.setDefault(True)
        self.done_button.setFocus()
        self.shared.emit(made)

    # -- the result ---------------------------------------------------------------------------

    def _result_page(self) -> QWidget:
        page = QWidget()
        title = QLabel(self.tr("Share code"))
        title.setObjectName("heading")
        self.code_text = QLabel()
        font = monospace()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        self.code_text.setFont(font)
        self.code_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_text.setAccessibleName(self.tr("Share code"))
        self.code_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_qr = QrLabel(220)
        # The code is meant to be passed on; the clipboard forgets it after a minute.
        copy = CopyButton(lambda: self.code_text.text(), self.tr("Copy code"), sensitive=True)
        self.code_note = QLabel()
        self.code_note.setWordWrap(True)
        self.result_worst = QLabel()
        self.result_worst.setObjectName("worstCase")
        self.result_worst.setWordWrap(True)
        column = QVBoxLayout(page)
        column.addWidget(title)
        column.addWidget(self.code_text)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.code_qr)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(copy, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.code_note)
        column.addWidget(self.result_worst)
        column.addStretch(1)
        return page

    # -- closing ------------------------------------------------------------------------------

    def reject(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
        super().reject()

    def done(self, result: int) -> None:
        # The code leaves the screen with the dialog; no widget keeps it.
        self.code_text.clear()
        self.code_qr.set_text("")
        super().done(result)
