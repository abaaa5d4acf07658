"""Signing a transaction through the real widgets against a real co-signer: the result is shown
only after the combined signature verified, bad input is marked before anything is sent,
editing after review stops the signing, and a tampered answer is never shown as signed."""

from __future__ import annotations

import json

import httpx
import pytest
from PySide6.QtCore import Qt

from app.crypto import PublicKey, Signature
from app.keys import Wallet
from app.permissions import ZCN, Permissions
from app.session import CosignerSession
from app.transaction import STORAGE_SC_ADDRESS, Transaction, TransactionType
from tests.ui.conftest import WAIT_MS, connected, give_owner_a_wallet
from ui.sign_tab import CALL, DATA, SignTab

RECIPIENT = "ab" * 32


@pytest.fixture
def owner(qtbot, ctx, owner_cosigner):
    share, created = give_owner_a_wallet(ctx, owner_cosigner)
    connected(qtbot, ctx)
    return share, created


@pytest.fixture
def tab(qtbot, ctx, owner):
    share, _created = owner
    widget = SignTab(ctx)
    qtbot.addWidget(widget)
    widget.set_entry(ctx.entry(share.client_id))
    widget.show()
    return widget


def fill_send(qtbot, tab, recipient=RECIPIENT, amount="1.25", fee="0.01"):
    for widget, text in ((tab.recipient, recipient), (tab.amount, amount), (tab.fee, fee)):
        widget.clear()
        qtbot.keyClicks(widget, text)


def sign_reviewed(qtbot, tab):
    dialog = tab.start_review()
    assert dialog is not None and dialog.isVisible()
    shown = dialog.shown_fields()
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    return dialog, shown


def wait_outcome(qtbot, tab):
    qtbot.waitUntil(
        lambda: not tab._signing() and (tab.result_box.isVisible() or tab.banner.isVisible()),
        timeout=WAIT_MS,
    )


def test_a_transfer_is_signed_and_the_shown_json_verifies_under_the_wallet_key(qtbot, tab, owner):
    _share, created = owner
    fill_send(qtbot, tab)
    dialog, shown = sign_reviewed(qtbot, tab)
    wait_outcome(qtbot, tab)
    assert tab.result_box.isVisible(), tab.banner.text()
    signed = Transaction.from_json(tab.result.toPlainText())
    assert signed.hash == shown["Hash"] == dialog.tx.hash
    assert signed.to_client_id == RECIPIENT and signed.transaction_value == 12_500_000_000
    wallet_key = PublicKey.from_hex(created.wallet.public_key)
    assert wallet_key.verify_hash(signed.hash, Signature.from_hex(signed.signature))
    assert signed.verify()
    assert "✓ Signed" in tab.verified.text()
    # the next nonce is offered, and remembered for this wallet
    assert tab.nonce.text() == str(signed.transaction_nonce + 1)


def test_a_smart_contract_call_with_json_input_is_signed(qtbot, tab):
    tab.set_kind(CALL)
    index = tab.group.findData("allocation_token_operations")
    tab.group.setCurrentIndex(index)
    tab.method.setCurrentIndex(tab.method.findData("read_pool_lock"))
    qtbot.keyClicks(tab.input, '{"allocation": "x"}')
    tab.fee.setText("0")
    dialog, shown = sign_reviewed(qtbot, tab)
    wait_outcome(qtbot, tab)
    assert tab.result_box.isVisible(), tab.banner.text()
    signed = Transaction.from_json(tab.result.toPlainText())
    assert signed.transaction_type == TransactionType.SMART_CONTRACT
    assert signed.to_client_id == STORAGE_SC_ADDRESS
    assert json.loads(signed.transaction_data) == {
        "name": "read_pool_lock",
        "input": {"allocation": "x"},
    }
    assert shown["Method"] == "read_pool_lock" and signed.verify()


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("recipient", "abc", "64 hex digits"),
        ("amount", "1.00000000001", "at most 10 decimals"),
        ("amount", "-1", "not an amount"),
        ("amount", "0", "more than 0"),
        ("fee", "1e3", "not an amount"),
    ],
)
def test_bad_input_is_marked_at_the_field_before_anything_is_sent(
    qtbot, tab, ctx, field, text, message
):
    fill_send(qtbot, tab)
    widget = getattr(tab, field)
    widget.clear()
    qtbot.keyClicks(widget, text)
    error = tab._fields[field].error
    assert error.isVisible() and message in error.text()  # as typed, before Review
    assert widget.property("invalid") is True
    jobs_before = len(ctx.runner.jobs())
    assert tab.start_review() is None
    assert tab.review is None and len(ctx.runner.jobs()) == jobs_before


def test_json_input_is_checked_as_you_type(qtbot, tab):
    tab.set_kind(CALL)
    qtbot.keyClicks(tab.input, '{"allocation": ')
    error = tab._fields["input"].error
    assert error.isVisible() and "not JSON" in error.text()
    qtbot.keyClicks(tab.input, '"x"}')
    assert not error.isVisible()
    tab.input.setPlainText("[1, 2]")
    assert "JSON object" in error.text()


def test_editing_after_review_stops_the_signing_and_shows_nothing(qtbot, tab):
    fill_send(qtbot, tab)
    _dialog, _shown = sign_reviewed(qtbot, tab)
    assert tab._signing()
    job = tab.job
    qtbot.keyClicks(tab.amount, "5")  # before the GUI thread saw any answer
    assert job.state == "cancelled"
    assert tab.banner.isVisible() and "changed after you reviewed" in tab.banner.text()
    qtbot.wait(1500)  # whatever the co-signer answers now is dropped
    assert not tab.result_box.isVisible() and tab.result.toPlainText() == ""


def test_a_wallet_without_a_key_here_cannot_be_reviewed(qtbot, ctx, owner_cosigner):
    with owner_cosigner.client() as api:
        created = api.create_wallet()
    connected(qtbot, ctx)
    widget = SignTab(ctx)
    qtbot.addWidget(widget)
    widget.set_entry(ctx.entry(created.wallet.client_id))
    assert not widget.review_button.isEnabled()
    assert "no key" in widget.cannot_sign.text()


def _data_button(tab):
    return next(b for b in tab.kind_group.buttons() if b.property("kind") == DATA)


def test_data_transactions_need_an_unrestricted_key(qtbot, ctx, owner_cosigner, tab):
    assert _data_button(tab).isEnabled()  # the owner's own key is unrestricted
    # A wallet of which this computer holds only a key limited to token transfers:
    limits = Permissions(groups=frozenset({"token_transfers"}), max_value_per_period=5 * ZCN)
    with owner_cosigner.client() as api:
        wallet = api.create_wallet().wallet
        made = api.create_split(wallet.client_id, "limited", "me", limits)
        ctx.save_share(api.retrieve_share(made.split.id))
    ctx.sync_share_index()
    connected(qtbot, ctx)
    entry = ctx.entry(wallet.client_id)
    assert entry.can_sign and not entry.split.permissions.unrestricted
    tab.set_entry(entry)
    send = next(b for b in tab.kind_group.buttons() if b.property("kind") != DATA)
    assert send.isEnabled() and not _data_button(tab).isEnabled()


# -- tampered answers -----------------------------------------------------------------------


class Tampering(httpx.AsyncBaseTransport):
    """Forwards to the real co-signer, then changes its co-sign answer."""

    def __init__(self, change) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.change = change

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/sign/transaction") or response.status_code != 200:
            return response
        data = json.loads(await response.aread())
        self.change(data)
        return httpx.Response(200, json=data)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _other_hash_signed(wallet, data):
    other = "cd" * 32
    data["signature"] = wallet.keys[0].private_key.sign_hash(other).to_hex()


def _claims_other_hash(wallet, data):
    other = "cd" * 32
    data["hash"] = other
    data["signature"] = wallet.keys[0].private_key.sign_hash(other).to_hex()


def _garbage(wallet, data):
    data["signature"] = "11" * 32


def _other_transaction(wallet, data):
    data["transaction"] = {**data["transaction"], "to_client_id": "ef" * 32}


def _not_a_signature_at_all(wallet, data):
    data["signature"] = "zz"


@pytest.mark.parametrize(
    "change",
    [_other_hash_signed, _claims_other_hash, _garbage, _other_transaction, _not_a_signature_at_all],
)
def test_a_tampered_answer_is_never_shown_as_signed(qtbot, ctx, tab, owner, owner_cosigner, change):
    _share, created = owner
    wallet = Wallet.from_mnemonic(created.mnemonic)  # the whole key, to forge "valid" answers
    ctx.session = CosignerSession(
        owner_cosigner.url,
        shares=ctx.stored_shares,
        sign_in=owner_cosigner.sign_in,
        transport=Tampering(lambda data: change(wallet, data)),
    )
    fill_send(qtbot, tab)
    sign_reviewed(qtbot, tab)
    wait_outcome(qtbot, tab)
    assert not tab.result_box.isVisible() and tab.result.toPlainText() == ""
    assert tab.banner.explanation.serious
    assert "did not verify" in tab.banner.text() or "does not understand" in tab.banner.text()
