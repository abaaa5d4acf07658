"""Step 1: which co-signer holds the other half of the keys."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from app.session import fetch_fingerprint, is_loopback_url
from ui.context import LOCAL, REMOTE
from ui.jobs import follow
from ui.runner import Job
from ui.widgets import FieldError, IdLabel, field_block, mark_field, monospace
from ui.wizard.base import AsyncPage


class CosignerPage(AsyncPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.local = QRadioButton(self.tr("This computer (recommended to start)"))
        self.local.setChecked(True)
        local_note = QLabel(
            self.tr(
                "Splitkey runs its own co-signer here, reachable only from this computer, with its "
                "data in your user folder. Good for trying Splitkey out and for one person. Be "
                "aware: both halves of your keys then live on this one computer."
            )
        )
        local_note.setWordWrap(True)
        local_note.setObjectName("hint")
        self.remote = QRadioButton(self.tr("My organisation's co-signer"))
        self.url = QLineEdit()
        self.url.setPlaceholderText(self.tr("https://cosigner.example.org"))
        self.url.setAccessibleName(self.tr("Co-signer address"))
        self.url_error = FieldError()
        self.check = QPushButton(self.tr("Show its certificate"))
        self.check.clicked.connect(self.show_certificate)
        self.fingerprint = IdLabel()
        self.fingerprint.setFont(monospace())
        self.fingerprint.setAccessibleName(self.tr("Certificate fingerprint"))
        self.matches = QCheckBox(
            self.tr("This fingerprint is the one my administrator gave me (it will be pinned)")
        )
        self.matches.toggled.connect(self.completeChanged)
        group = QButtonGroup(self)
        group.addButton(self.local)
        group.addButton(self.remote)
        group.buttonToggled.connect(self._mode_changed)
        self.url.textEdited.connect(self._url_edited)
        self.field_errors["url"] = (self.url, self.url_error)

        self.layout_.addWidget(self.local)
        self.layout_.addWidget(local_note)
        self.layout_.addSpacing(12)
        self.layout_.addWidget(self.remote)
        row = QHBoxLayout()
        row.addWidget(field_block(self.url, self.url_error), 1)
        row.addWidget(self.check)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.fingerprint)
        self.layout_.addWidget(self.matches)
        self.finish_layout()
        self._mode_changed()

    def initializePage(self) -> None:  # noqa: N802
        super().initializePage()
        w = self.wizard()
        if w.mode == REMOTE:
            self.remote.setChecked(True)
            self.url.setText(w.url or "")

    def _mode_changed(self, *_args) -> None:
        remote = self.remote.isChecked()
        for widget in (self.url, self.check, self.fingerprint, self.matches):
            widget.setEnabled(remote)
        self._update_tls_widgets()
        self.completeChanged.emit()

    def _url_edited(self, _text: str) -> None:
        self.fingerprint.setText("")
        self.matches.setChecked(False)
        self._update_tls_widgets()
        problem = self._url_problem()
        self.url_error.set_error(problem)
        mark_field(self.url, problem)
        self.completeChanged.emit()

    def _https(self) -> bool:
        return self.url.text().strip().lower().startswith("https://")

    def _update_tls_widgets(self) -> None:
        tls = self.remote.isChecked() and self._https()
        self.check.setVisible(tls)
        self.fingerprint.setVisible(tls and bool(self.fingerprint.value()))
        self.matches.setVisible(tls and bool(self.fingerprint.value()))

    def _url_problem(self) -> str | None:
        url = self.url.text().strip()
        if not url:
            return None
        if url.lower().startswith("https://"):
            return None if len(url) > 8 else self.tr("enter the server's address")
        if url.lower().startswith("http://"):
            if is_loopback_url(url):
                return None
            return self.tr("use https:// (plain http:// only for a co-signer on this computer)")
        return self.tr("the address starts with https://")

    def isComplete(self) -> bool:  # noqa: N802
        if self.local.isChecked():
            return True
        if not self.url.text().strip() or self._url_problem():
            return False
        return not self._https() or (bool(self.fingerprint.value()) and self.matches.isChecked())

    def show_certificate(self) -> Job | None:
        url = self.url.text().strip()
        if self._url_problem() or not self._https():
            return None
        job = self.ctx.runner.call(
            fetch_fingerprint, url, label=self.tr("Reading the server's certificate")
        )
        return follow(job, self, success=self._fingerprint_read)

    def _fingerprint_read(self, fingerprint: str) -> None:
        pairs = ":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2))
        self.fingerprint.setText(pairs.upper())
        self.matches.setChecked(False)
        self._update_tls_widgets()
        self.completeChanged.emit()

    def start(self) -> Job | None:
        w = self.wizard()
        if self.local.isChecked():
            self.busy_text = QT_TRANSLATE_NOOP(
                "AsyncPage", "Starting the co-signer on this computer…"
            )
            w.mode, w.url, w.pin = LOCAL, None, None
            return self.ctx.start_local()
        url = self.url.text().strip().rstrip("/")
        pin = self.fingerprint.value().replace(":", "").lower() if self._https() else None
        w.mode, w.url, w.pin = REMOTE, url, pin
        session = self.ctx.use_remote(url, pin)
        self.busy_text = QT_TRANSLATE_NOOP("AsyncPage", "Contacting the co-signer…")
        return self.ctx.runner.submit(session.api.health, label=self.tr("Contacting the co-signer"))

    def done_with(self, _result) -> None:
        if self.wizard().mode == LOCAL:
            self.ctx.prefs.set_cosigner(LOCAL, None, None)
