"""Small widgets several screens share: copy buttons that clean the clipboard up, QR codes,
monospace id labels, the busy strip with Cancel, and field error marks."""

from __future__ import annotations

import qrcode
from PySide6.QtCore import QByteArray, QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui.runner import Job

# Copied ids leave the clipboard after this long unless the user copied something else since.
CLIPBOARD_CLEAR_MS = 60_000
# A job that takes longer than this shows the busy strip (shorter ones would only flicker).
BUSY_DELAY_MS = 200


def monospace() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


# Clipboard managers (Klipper, GNOME's, Windows' Win+V history) keep no copy of data marked
# with these: KDE's hint, and the format Windows' clipboard history skips.
SENSITIVE_MIME = {
    "x-kde-passwordManagerHint": b"secret",
    'application/x-qt-windows-mime;value="ExcludeClipboardContentFromMonitorProcessing"': b"1",
}
_copied_secrets: set[str] = set()


def copy_to_clipboard(
    text: str, clear_after_ms: int = CLIPBOARD_CLEAR_MS, sensitive: bool = False
) -> None:
    """Copy text; clear it later if it is still what the clipboard holds (a copied address
    should not linger for whatever pastes next week). sensitive: a one-time share code and the
    like, marked for clipboard managers and cleared at quit too."""
    clipboard = QGuiApplication.clipboard()
    if sensitive:
        data = QMimeData()
        data.setText(text)
        for kind, value in SENSITIVE_MIME.items():
            data.setData(kind, QByteArray(value))
        clipboard.setMimeData(data)
        if not _copied_secrets:
            QGuiApplication.instance().aboutToQuit.connect(_clear_secrets_at_quit)
        _copied_secrets.add(text)
    else:
        clipboard.setText(text)

    def clear() -> None:
        _copied_secrets.discard(text)
        if clipboard.text() == text:
            clipboard.clear()

    QTimer.singleShot(clear_after_ms, clear)


def _clear_secrets_at_quit() -> None:
    clipboard = QGuiApplication.clipboard()
    if clipboard.text() in _copied_secrets:
        clipboard.clear()
    _copied_secrets.clear()


class CopyButton(QPushButton):
    def __init__(
        self,
        text_source,
        label: str | None = None,
        parent: QWidget | None = None,
        *,
        sensitive: bool = False,
    ) -> None:
        super().__init__(parent)
        label = label or self.tr("Copy")
        self.setText(label)
        self._source = text_source
        self._label = label
        self._sensitive = sensitive
        self.setToolTip(self.tr("Copy to the clipboard (cleared again after a minute)"))
        self.clicked.connect(self._copy)

    def _copy(self) -> None:
        value = self._source() if callable(self._source) else str(self._source)
        if value:
            copy_to_clipboard(value, sensitive=self._sensitive)
            self.setText(self.tr("Copied"))
            QTimer.singleShot(1500, lambda: self.setText(self._label))


class IdLabel(QLabel):
    """A long hex id shown whole, in monospace, selectable, wrapping anywhere."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(monospace())
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        # A zero-width space every 16 characters lets a 64-digit id wrap at a narrow width
        # without hiding digits; copying uses the real value, not the label.
        self._value = text
        super().setText("\u200b".join(text[i : i + 16] for i in range(0, len(text), 16)))

    def value(self) -> str:
        return self._value


def qr_pixmap(text: str, size: int = 160) -> QPixmap:
    """A QR code of text, black on white with its quiet zone, scaled without blurring."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    image = QImage(n, n, QImage.Format.Format_RGB32)
    black, white = QColor("black").rgb(), QColor("white").rgb()
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            image.setPixel(x, y, black if dark else white)
    scale = max(1, size // n)
    pixmap = QPixmap(n * scale, n * scale)
    painter = QPainter(pixmap)
    painter.drawImage(pixmap.rect(), image)
    painter.end()
    return pixmap


class QrLabel(QLabel):
    def __init__(self, size: int = 160, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._size = size
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFixedSize(size + 8, size + 8)

    def set_text(self, text: str) -> None:
        self.setAccessibleName(self.tr("QR code of {text}").format(text=text) if text else "")
        if text:
            self.setPixmap(qr_pixmap(text, self._size))
        else:
            self.clear()


class BusyStrip(QFrame):
    """Progress of one job: appears after BUSY_DELAY_MS, says what is going on, can cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("busyStrip")
        self._job: Job | None = None
        self._label = QLabel()
        self._bar = QProgressBar()
        self._bar.setRange(0, 0)  # indeterminate: a co-sign has no meaningful percentage
        self._bar.setMaximumWidth(160)
        self._bar.setTextVisible(False)
        self._cancel = QPushButton(self.tr("Cancel"))
        self._cancel.clicked.connect(self.cancel)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self._bar)
        row.addWidget(self._label, 1)
        row.addWidget(self._cancel)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._appear)
        self.hide()

    def track(self, job: Job, text: str, cancellable: bool = True) -> None:
        self._job = job
        self._label.setText(text)
        self._cancel.setVisible(cancellable)
        job.progress.connect(self._label.setText)
        job.done.connect(self._finished)
        self._timer.start(BUSY_DELAY_MS)

    def _appear(self) -> None:
        if self._job is not None and self._job.running:
            self.show()

    def _finished(self) -> None:
        self._timer.stop()
        self._job = None
        self.hide()

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    @property
    def busy(self) -> bool:
        return self._job is not None and self._job.running


class FieldError(QLabel):
    """The line under a form field that says what is wrong with it, before anything is sent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.hide()

    def set_error(self, message: str | None) -> None:
        self.setText(message or "")
        self.setVisible(bool(message))


def mark_field(widget: QWidget, error: str | None) -> None:
    """Mark the field itself (the stylesheet draws invalid fields with a red border)."""
    widget.setProperty("invalid", bool(error))
    widget.setToolTip(error or "")
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def field_block(field: QWidget, error: FieldError, hint: str | None = None) -> QWidget:
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    column.addWidget(field)
    if hint:
        note = QLabel(hint)
        note.setObjectName("hint")
        note.setWordWrap(True)
        column.addWidget(note)
    column.addWidget(error)
    return box


class Badge(QLabel):
    """A status word in a coloured pill (active, frozen, expired, revoked)."""

    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("badge")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def set_status(self, status: str) -> None:
        self.setText(status)
        self.setProperty("status", status)
        self.style().unpolish(self)
        self.style().polish(self)
        self.changed.emit(status)


def scrolling(inner: QWidget) -> QScrollArea:
    """inner in a frameless scroll area: a form that holds at 800x600 scrolls, never clips."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(inner)
    return scroll


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading")
    # A stylesheet margin gives a QLabel an automatic indent of half an "x": headings would sit
    # a few pixels right of the text they head.
    label.setIndent(0)
    return label


def room_for_one_line(box: QWidget) -> None:
    """A spin box or editable combo box whose text field gets a whole line of text. With
    Fusion their own size hint leaves the field inside them 2-3 px shorter than a line edit
    needs (descenders and the caret touch the frame); the box is made as much taller."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import (
        QAbstractSpinBox,
        QComboBox,
        QStyle,
        QStyleOptionComboBox,
        QStyleOptionSpinBox,
    )

    edit = box.lineEdit()
    if edit is None:
        return
    if isinstance(box, QAbstractSpinBox):
        option = QStyleOptionSpinBox()
        option.initFrom(box)
        option.frame = box.hasFrame()
        option.subControls = QStyle.SubControl.SC_All
        control, field = QStyle.ComplexControl.CC_SpinBox, QStyle.SubControl.SC_SpinBoxEditField
    elif isinstance(box, QComboBox):
        option = QStyleOptionComboBox()
        option.initFrom(box)
        option.editable = True
        option.frame = box.hasFrame()
        option.subControls = QStyle.SubControl.SC_All
        control, field = QStyle.ComplexControl.CC_ComboBox, QStyle.SubControl.SC_ComboBoxEditField
    else:
        raise TypeError(f"not a spin box or combo box: {type(box).__name__}")
    hint = box.sizeHint()
    option.rect = QRect(0, 0, hint.width(), hint.height())
    shown = box.style().subControlRect(control, option, field, box).height()
    short = edit.minimumSizeHint().height() - shown
    if short > 0:
        box.setMinimumHeight(hint.height() + short)
