"""Overview, Messages and Settings through their widgets, and errors in the user's words."""

from __future__ import annotations

import time

import pytest

from app.client import CosignerError, CosignerUnreachable, PinMismatch, TamperedAnswer
from app.compose import ComposeError, verify_signature
from app.crypto import SecretKey
from app.permissions import ZCN, Permissions
from app.protocol.bodies import SplitView, WalletView
from app.session import SignInNeeded
from app.transaction import sha3_hex
from app.wallets import SHARED, WalletEntry
from tests.ui.conftest import WAIT_MS, connected, give_owner_a_wallet, wait_job
from ui.errors import explain
from ui.messages_tab import MessagesTab
from ui.overview_tab import OverviewTab, allowance, countdown
from ui.settings_dialog import SettingsDialog

NOW = 1_800_000_000


def _entry(permissions: Permissions, *, has_share=True, status="active") -> WalletEntry:
    key = SecretKey.from_seed(b"\x01" * 32).public_key()
    wallet = WalletView(client_id="aa" * 32, public_key=key.to_hex(), owner_id="u", created_at=1)
    split = SplitView(
        id="sp_1", client_id="aa" * 32, holder_id="me", label="for bob",
        share_public_key=key.to_hex(), permissions=permissions, status=status, uses=3,
        last_used=NOW - 60, created_at=1,
    )  # fmt: skip
    return WalletEntry(wallet, SHARED, split, has_share)


LIMITED = Permissions(
    groups=frozenset({"token_transfers"}),
    max_value_per_period=5 * ZCN,
    period_seconds=86_400,
    expires_at=NOW + 2 * 86_400 + 3 * 3600,
)


def test_countdown_words():
    assert countdown(2 * 86_400 + 3 * 3600 + 5) == "2 d 3 h"
    assert countdown(3 * 3600 + 12 * 60) == "3 h 12 min"
    assert countdown(61) == "1 min 1 s"
    assert countdown(0) == "expired"


def test_allowance_counts_only_a_receipt_inside_the_period():
    entry = _entry(LIMITED)
    assert allowance(entry, None, NOW)[:2] == (0, 5 * ZCN)
    used, cap, words = allowance(entry, (NOW - 3600, 2 * ZCN, 1), NOW)
    assert (used, cap) == (2 * ZCN, 5 * ZCN) and words.startswith(
        "2 of 5 ZCN used in the last 24 h"
    )
    assert allowance(entry, (NOW - 90_000, 2 * ZCN, 1), NOW)[0] == 0  # left the window
    assert allowance(_entry(Permissions.unlimited()), None, NOW) is None


def test_overview_shows_permissions_worst_case_meter_and_expiry(qtbot, ctx):
    tab = OverviewTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    ctx.prefs.set_receipt("sp_1", int(time.time()) - 60, 2 * ZCN, 1)
    limited = Permissions(
        groups=frozenset({"token_transfers"}),
        max_value_per_period=5 * ZCN,
        expires_at=int(time.time()) + 2 * 86_400 + 3 * 3600 + 30,
    )
    tab.set_entry(_entry(limited))
    assert tab.client_id.value() == "aa" * 32 and tab.qr.pixmap() is not None
    assert "Can send tokens" in tab.permissions.text()
    assert "At most 5 ZCN per 24 h" in tab.permissions.text()
    assert tab.worst.text().startswith("In the worst case this key can move 5 ZCN every 24 h")
    assert tab.meter.isVisible() and tab.meter.value() == 400
    assert tab.meter_text.text().startswith("2 of 5 ZCN used")
    assert tab.expiry.text().startswith("Expires in 2 d 3 h")
    assert "Used 3 times" in tab.uses.text()
    assert not tab.add_key.isVisible()  # not the owner's wallet


def test_overview_of_a_wallet_without_a_key_here_offers_one_to_its_owner(
    qtbot, ctx, owner_cosigner
):
    with owner_cosigner.client() as api:
        created = api.create_wallet()
    connected(qtbot, ctx)
    tab = OverviewTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    tab.set_entry(ctx.entry(created.wallet.client_id))
    assert tab.add_key.isVisible() and "cannot sign here" in tab.key_summary.text()
    tab.add_key.click()
    qtbot.waitUntil(lambda: ctx.entry(created.wallet.client_id).can_sign, timeout=WAIT_MS)
    assert len(ctx.prefs.share_ids()) == 1


@pytest.fixture
def messages(qtbot, ctx, owner_cosigner):
    share, created = give_owner_a_wallet(ctx, owner_cosigner)
    connected(qtbot, ctx)
    tab = MessagesTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    tab.set_entry(ctx.entry(share.client_id))
    return tab, created


def test_sign_a_message_and_verify_it_in_the_same_tab(qtbot, messages):
    tab, created = messages
    tab.message.setPlainText("hello 0chain")
    wait_job(qtbot, tab.sign_message())
    assert tab.message_result.isVisible()
    signature = tab.message_signature.value()
    assert tab.message_hash.value() == sha3_hex("hello 0chain")
    assert tab.verify_key.text() == created.wallet.public_key
    tab.verify_input.setPlainText("hello 0chain")
    tab.verify_sig.setText(signature)
    wait_job(qtbot, tab.verify())
    assert tab.verdict.text().startswith("✓ Valid")
    tab.verify_input.setPlainText("hello 0chain!")
    wait_job(qtbot, tab.verify())
    assert tab.verdict.text().startswith("✗ Not valid")
    tab.by_hash.setChecked(True)
    tab.verify_input.setPlainText(sha3_hex("hello 0chain"))
    wait_job(qtbot, tab.verify())
    assert tab.verdict.text().startswith("✓ Valid")


def test_auth_headers_are_the_wallets_checked_triple(qtbot, messages):
    tab, created = messages
    tab.header_text.setText("some allocation id")
    wait_job(qtbot, tab.make_headers())
    lines = tab.headers.toPlainText().splitlines()
    assert lines[0] == f"X-App-Client-ID: {created.wallet.client_id}"
    assert lines[1] == f"X-App-Client-Key: {created.wallet.public_key}"
    assert lines[2].startswith("X-App-Client-Signature: ")


def test_a_message_shaped_like_a_transaction_is_refused_with_its_rule(qtbot, messages):
    tab, _created = messages
    tab.message.setPlainText("ab" * 32)  # a bare hash
    with pytest.raises(CosignerError):
        wait_job(qtbot, tab.sign_message())
    assert tab.banner.isVisible() and tab.banner.explanation.rule == "looks_like_transaction"
    assert not tab.message_result.isVisible()


def test_bad_verify_input_is_marked_at_its_field(qtbot, messages):
    tab, _created = messages
    tab.verify_key.setText("not a key")
    tab.verify_sig.setText("00")
    with pytest.raises(ComposeError):
        wait_job(qtbot, tab.verify())
    assert tab.errors["public_key"].isVisible() and tab.verify_key.property("invalid")
    assert tab.verdict.text() == ""


def test_verify_signature_is_independent_of_the_cosigner():
    key = SecretKey.from_seed(b"\x02" * 32)
    signature = key.sign_hash(sha3_hex("m")).to_hex()
    public = key.public_key().to_hex()
    assert verify_signature(public, signature, message="m", hash_hex=None)
    assert not verify_signature(public, signature, message="n", hash_hex=None)
    with pytest.raises(ComposeError) as caught:
        verify_signature(public, signature, message=None, hash_hex="xyz")
    assert caught.value.field == "hash"


def test_settings_validate_and_save_only_preferences(qtbot, ctx):
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.keyring.text() != "Checking…", timeout=WAIT_MS)
    assert "memory" in dialog.keyring.text()
    dialog.chain_id.setText("xyz")
    dialog._check_chain()
    dialog.save()
    assert dialog.isVisible() and dialog.chain_error.isVisible()
    dialog.chain_id.setText("CD" * 32)
    dialog.fee.setText("0.5")
    dialog.theme.setCurrentIndex(2)
    themes = []
    dialog.theme_changed.connect(themes.append)
    dialog.save()
    assert ctx.prefs.chain_id == "cd" * 32 and ctx.prefs.default_fee == "0.5"
    assert themes == ["dark"] and ctx.prefs.theme == "dark"


# -- errors in the user's words ---------------------------------------------------------------


def test_a_refusal_names_its_rule_and_what_is_left():
    exc = CosignerError(
        403, "refused", "over the 24 h cap: 4 of 5 ZCN used, this request needs 2 ZCN",
        rule="period_value_cap",
    )  # fmt: skip
    what = explain(exc)
    assert what.title == "Over this key's limit for the period" and what.rule == "period_value_cap"
    assert "4 of 5 ZCN used" in what.text and "403" not in what.full_text()


@pytest.mark.parametrize(
    ("exc", "title", "retry", "serious"),
    [
        (CosignerUnreachable("x"), "The co-signer is not reachable", True, False),
        (PinMismatch("x"), "The co-signer's certificate has changed", False, True),
        (TamperedAnswer("x"), "The co-signer's answer did not verify", False, True),
        (CosignerError(503, "unavailable", "busy"), "The co-signer is busy or having trouble",
         True, False),
        (SignInNeeded("refused", ["the key is unknown, revoked or expired"], ["revoked"]),
         "Your key is no longer accepted", False, False),
        (CosignerError(403, "refused", "this key is revoked", rule="revoked"),
         "This key was revoked", False, False),
        (RuntimeError("boom"), "Something went wrong", False, False),
    ],
)  # fmt: skip
def test_every_failure_has_words(exc, title, retry, serious):
    what = explain(exc)
    assert (what.title, what.retry, what.serious) == (title, retry, serious)
    assert "Traceback" not in what.text


def test_a_bad_field_from_the_cosigner_is_mapped_to_the_form_field():
    exc = CosignerError(400, "bad_request", "to_client_id: must be 64 hex", field="to_client_id")
    assert explain(exc).field == "recipient"


def test_a_copied_id_leaves_the_clipboard_unless_something_else_was_copied(qtbot, qapp):
    from PySide6.QtGui import QGuiApplication

    from ui.widgets import copy_to_clipboard

    clipboard = QGuiApplication.clipboard()
    copy_to_clipboard("aa" * 32, clear_after_ms=50)
    assert clipboard.text() == "aa" * 32
    qtbot.waitUntil(lambda: clipboard.text() == "", timeout=2000)
    copy_to_clipboard("bb" * 32, clear_after_ms=50)
    clipboard.setText("something the user copied since")
    qtbot.wait(150)
    assert clipboard.text() == "something the user copied since"


def test_the_recovery_words_cannot_be_selected_or_copied(qtbot, ctx):
    from PySide6.QtCore import Qt

    from ui.wizard import FirstRunWizard
    from ui.wizard import wizard as flow

    wizard = FirstRunWizard(ctx)
    qtbot.addWidget(wizard)
    page = wizard.page(flow.WORDS)
    for label in page.labels:
        assert label.textInteractionFlags() == Qt.TextInteractionFlag.NoTextInteraction
        assert label.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu
