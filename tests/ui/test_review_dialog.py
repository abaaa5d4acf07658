"""What you see is what you sign: for >= 500 generated transactions, the texts the Review dialog
shows (read back from its widgets) re-serialize to exactly the transaction, and so to exactly
the hash, that gets signed. Ambiguous text (control characters, bidi overrides, zero-width
marks) is shown escaped, so two different transactions never look the same."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from app.crypto import SecretKey
from app.keys import client_id_of
from app.permissions import GROUPS
from app.transaction import (
    INT64_MAX,
    Transaction,
    TransactionType,
    smart_contract_data,
)
from ui.review_dialog import ESCAPED_NOTE, ReviewDialog, data_text

KEYS = [SecretKey.from_seed(bytes([i]) * 32).public_key() for i in range(1, 4)]
HEX64 = st.text("0123456789abcdef", min_size=64, max_size=64)
AMOUNT = st.one_of(st.integers(0, 10**12), st.integers(0, INT64_MAX))
# Everything Unicode can throw at a text field, plus the characters that fool eyes on purpose.
TRICKY = st.sampled_from(["\u202e", "\u200b", "\r", "\t", "\x00", "\u2028", "\ufeff", "\u00a0"])
DATA = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.text(max_size=10), TRICKY), max_size=12).map("".join),
)
CALLS = [
    (contract, method) for contract, methods in GROUPS.values() if contract for method in methods
]
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def transactions(draw) -> Transaction:
    key = draw(st.sampled_from(KEYS))
    kind = draw(st.sampled_from(list(TransactionType)))
    fields = {
        "client_id": client_id_of(key),
        "public_key": key.to_hex(),
        "chain_id": draw(HEX64),
        "creation_date": draw(st.one_of(st.integers(1, 2**34), st.integers(1, INT64_MAX))),
        "transaction_value": draw(AMOUNT),
        "transaction_fee": draw(AMOUNT),
        "transaction_nonce": draw(st.integers(0, INT64_MAX)),
        "transaction_type": kind,
    }
    if kind == TransactionType.SEND:
        fields["to_client_id"] = draw(HEX64)
        fields["transaction_data"] = draw(DATA)
    elif kind == TransactionType.SMART_CONTRACT:
        contract, method = draw(st.sampled_from(CALLS))
        name = draw(st.one_of(st.just(method), st.text(min_size=1, max_size=30)))
        fields["to_client_id"] = contract
        fields["transaction_data"] = smart_contract_data(
            name, draw(st.dictionaries(st.text(max_size=10), JSON_VALUE, max_size=4))
        )
    else:
        fields["to_client_id"] = draw(st.one_of(st.just(""), HEX64))
        fields["transaction_data"] = draw(DATA.filter(bool))
    return Transaction(**fields)


def _int_in_parens(text: str, unit: str) -> int:
    match = re.search(rf"\((\d+){unit}\)$", text)
    assert match, text
    return int(match.group(1))


def rebuilt_from_screen(shown: dict[str, str]) -> Transaction:
    """A transaction made only from the texts on screen, the way a careful reader would."""
    data_label = next(label for label in shown if label.startswith("Data"))
    data = shown[data_label]
    if ESCAPED_NOTE in data_label:
        data = json.loads(data)
    to = shown["To"]
    return Transaction(
        transaction_type=_int_in_parens(shown["Type"], ""),
        client_id=shown["From"],
        public_key=shown["Public key"],
        to_client_id="" if to == "(none)" else to.split(" ")[0],
        transaction_value=_int_in_parens(shown["Amount"], " SAS"),
        transaction_fee=_int_in_parens(shown["Fee"], " SAS"),
        transaction_nonce=int(shown["Nonce"]),
        creation_date=int(shown["Created"].split(" ")[0]),
        chain_id=shown["Chain id"],
        version=shown["Version"],
        transaction_data=data,
    )


@settings(max_examples=500, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tx=transactions())
def test_the_review_shows_exactly_what_is_signed(qtbot, tx):
    dialog = ReviewDialog(tx, "Wallet test")
    try:
        shown = dialog.shown_fields()
        assert dialog.tx is tx  # the dialog holds the object that gets signed, not a copy
        rebuilt = rebuilt_from_screen(shown)
        assert rebuilt == tx
        assert shown["Hash"] == rebuilt.hash == tx.hash
    finally:
        dialog.deleteLater()


def test_invisible_characters_are_shown_escaped():
    for sneaky in ("pay \u202eevil", "a\u200bb", "line\rreturn", "nul\x00"):
        text, escaped = data_text(sneaky)
        assert escaped and json.loads(text) == sneaky and text.isprintable()
    assert data_text("plain\ntext") == ("plain\ntext", False)


def test_rich_text_in_a_method_name_is_shown_as_typed(qtbot):
    key = KEYS[0]
    tx = Transaction(
        client_id=client_id_of(key),
        public_key=key.to_hex(),
        chain_id="ab" * 32,
        creation_date=1,
        to_client_id=CALLS[0][0],
        transaction_type=TransactionType.SMART_CONTRACT,
        transaction_data=smart_contract_data("<b>transfer</b>", {}),
    )
    dialog = ReviewDialog(tx, "Wallet test")
    qtbot.addWidget(dialog)
    assert dialog.shown_fields()["Method"] == "<b>transfer</b>"


def test_enter_does_not_sign(qtbot):
    key = KEYS[0]
    tx = Transaction(
        client_id=client_id_of(key), public_key=key.to_hex(), chain_id="ab" * 32,
        creation_date=1, to_client_id="cd" * 32, transaction_value=1,
    )  # fmt: skip
    dialog = ReviewDialog(tx, "Wallet test")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.sign_button.isDefault() and not dialog.sign_button.autoDefault()
    signed = []
    dialog.accepted.connect(lambda: signed.append(True))
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.back_button, Qt.Key.Key_Enter)
    assert signed == []
