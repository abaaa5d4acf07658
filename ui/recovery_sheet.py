"""The printable recovery sheet of a wallet: its 24 words, its client id with a QR code, and what
to do if the co-signer is gone. Built in memory and handed to a printer (or a PDF the user names);
Splitkey never stores it."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QUrl
from PySide6.QtGui import QImage, QPainter, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.widgets import qr_pixmap

QR_RESOURCE = "splitkey-recovery-qr.png"
COLUMNS = 4

WHAT_TO_DO = (
    QT_TRANSLATE_NOOP(
        "RecoverySheet",
        "These 24 words are the whole key of the wallet. The co-signer holds only a share of it "
        "and never saw them.",
    ),
    QT_TRANSLATE_NOOP(
        "RecoverySheet",
        "If the co-signer is gone (or you no longer trust it): install Splitkey, choose Add "
        "wallet, Import a wallet I already have, type the 24 words, and pick another co-signer. "
        "The wallet keeps its address and its tokens. zwallet restores it from the words too.",
    ),
    QT_TRANSLATE_NOOP(
        "RecoverySheet",
        "If this computer is lost: import the words on another computer the same way (with the "
        "same co-signer or another), then revoke the lost computer's key in the Shares tab.",
    ),
    QT_TRANSLATE_NOOP(
        "RecoverySheet",
        "Anyone who reads this sheet can take the wallet's tokens. Keep it offline and out of "
        "sight; do not photograph it. A PDF of it is a copy of the key: print it and delete the "
        "file.",
    ),
)


def _translated(text: str) -> str:
    return QCoreApplication.translate("RecoverySheet", text)


def sheet_html(words: list[str], client_id: str) -> str:
    rows = (len(words) + COLUMNS - 1) // COLUMNS
    cells = []
    for row in range(rows):
        line = []
        for column in range(COLUMNS):
            i = column * rows + row  # numbered down each column, like the words page
            word = f"{i + 1}. {html.escape(words[i])}" if i < len(words) else ""
            line.append(f'<td style="padding:6px 18px 6px 0; font-size:13pt">{word}</td>')
        cells.append("<tr>" + "".join(line) + "</tr>")
    advice = "".join(f"<li>{html.escape(text)}</li>" for text in map(_translated, WHAT_TO_DO))
    made = datetime.now(UTC).strftime("%Y-%m-%d")
    heading = QCoreApplication.translate("RecoverySheet", "Splitkey recovery sheet")
    written = QCoreApplication.translate("RecoverySheet", "0Chain wallet, written {date}.")
    address = QCoreApplication.translate("RecoverySheet", "Client id (the wallet's address)")
    words_heading = QCoreApplication.translate("RecoverySheet", "Recovery words")
    todo = QCoreApplication.translate("RecoverySheet", "What to do")
    return f"""<html><body style="font-family: sans-serif">
<h1>{heading}</h1>
<p>{written.format(date=made)}</p>
<table><tr><td style="vertical-align:top; padding-right:16px">
<p><b>{address}</b><br>
<span style="font-family: monospace">{html.escape(client_id)}</span></p>
</td><td><img src="{QR_RESOURCE}" width="140" height="140"></td></tr></table>
<h2>{words_heading}</h2>
<table style="font-family: monospace">{"".join(cells)}</table>
<h2>{todo}</h2>
<ul>{advice}</ul>
</body></html>"""


def sheet_document(words: list[str], client_id: str) -> QTextDocument:
    document = QTextDocument()
    image = qr_pixmap(client_id, 280).toImage()
    document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(QR_RESOURCE), image)
    document.setHtml(sheet_html(words, client_id))
    return document


def render_png(document: QTextDocument, path: Path, width: int = 800) -> QImage:
    """The sheet as an image (for a look at it without a printer)."""
    document.setTextWidth(width)
    size = document.size().toSize()
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    document.drawContents(painter)
    painter.end()
    image.save(str(path))
    return image


def save_pdf(document: QTextDocument, path: Path) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    document.print_(printer)


class RecoverySheetDialog(QDialog):
    """The sheet on screen, with Print… and Save as PDF…; closing it drops the words."""

    def __init__(self, words: list[str], client_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Recovery sheet"))
        self.document = sheet_document(words, client_id)
        self.preview = QTextBrowser()
        self.preview.setDocument(self.document)
        note = QLabel(
            self.tr("Print this sheet and keep it offline. Splitkey does not keep a copy.")
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.print_button = QPushButton(self.tr("Print…"))
        self.pdf_button = QPushButton(self.tr("Save as PDF…"))
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.pdf_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self._print)
        self.pdf_button.clicked.connect(self._pdf)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(720, 760)

    def _print(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self).exec() == QDialog.DialogCode.Accepted:
            self.document.print_(printer)

    def _pdf(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Save the recovery sheet"),
            self.tr("recovery-sheet.pdf"),
            self.tr("PDF (*.pdf)"),
        )
        if path:
            save_pdf(self.document, Path(path))

    def done(self, result: int) -> None:
        self.preview.clear()
        self.document.clear()
        super().done(result)
