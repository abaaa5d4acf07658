"""Steps through the real desktop widgets that the end-to-end tests share (tabs, typing over a
field, signing a transfer in the Sign tab and checking its signature); kept out of the test
modules so pytest collects none of it twice."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.crypto import PublicKey, Signature
from app.transaction import Transaction

WAIT_MS = 90_000  # the first start initialises the co-signer's data directory
RECIPIENT = "ab" * 32


def tab_of(window, cls):
    tabs = [window.tabs.widget(i) for i in range(window.tabs.count())]
    return next(tab for tab in tabs if isinstance(tab, cls))


def retype(qtbot, edit, text: str) -> None:
    """Replace a line edit's text the way a person does: select all, type over it."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def sign_transfer(qtbot, tab, amount: str, nonce: str | None = None) -> dict[str, str]:
    """Fill the Sign tab's send form, Review…, Sign; wait for the result or the refusal.
    Returns the fields the Review dialog showed."""
    retype(qtbot, tab.recipient, RECIPIENT)
    retype(qtbot, tab.amount, amount)
    if nonce is not None:
        retype(qtbot, tab.nonce, nonce)
    assert tab.review_button.isEnabled(), tab.cannot_sign.text()
    qtbot.mouseClick(tab.review_button, Qt.MouseButton.LeftButton)
    dialog = tab.review
    assert dialog is not None and dialog.isVisible(), tab.banner.text()
    shown = dialog.shown_fields()
    assert shown["To"] == RECIPIENT and shown["Amount"].startswith(f"{amount} ZCN")
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: not tab._signing() and (tab.result_box.isVisible() or tab.banner.isVisible()),
        timeout=WAIT_MS,
    )
    return shown


def verified_signature(tab, shown: dict[str, str], wallet_public_key: str) -> Transaction:
    """The transaction the Sign tab shows as signed, checked here again: the reviewed hash,
    signed by the wallet's key."""
    assert tab.result_box.isVisible() and not tab.banner.isVisible(), tab.banner.text()
    signed = Transaction.from_json(tab.result.toPlainText())
    assert signed.hash == shown["Hash"]
    assert PublicKey.from_hex(wallet_public_key).verify_hash(
        signed.hash, Signature.from_hex(signed.signature)
    )
    assert signed.verify()
    return signed
