"""Issue 15.8: plain words. Review items 11-13: "64 hex digits; this has 64 characters" for a
non-hex id, "Nothing was signed" while only connecting, the nonce and chain id on the main form,
and a Review without a total that let a 6 ZCN send go to a key capped at 5 ZCN per 24 h."""

from __future__ import annotations

import pytest

from app.client import CosignerUnreachable
from app.compose import ComposeError, parse_client_id
from app.permissions import ZCN, Permissions
from tests.ui.conftest import connected
from ui.errors import explain
from ui.settings_dialog import SettingsDialog
from ui.sign_tab import SignTab


@pytest.fixture
def limited_entry(qtbot, ctx, owner_cosigner):
    """A wallet whose only key on this computer may send 5 ZCN per 24 h."""
    limits = Permissions(groups=frozenset({"token_transfers"}), max_value_per_period=5 * ZCN)
    with owner_cosigner.client() as api:
        created = api.create_wallet()
        code = api.create_split(created.wallet.client_id, "Sam", "code", limits).share_code
        share = api.redeem(code)
    ctx.save_share(share)
    ctx.sync_share_index()
    entries = connected(qtbot, ctx)
    return next(e for e in entries if e.client_id == created.wallet.client_id)


def _review(qtbot, ctx, entry, amount: str):
    tab = SignTab(ctx)
    qtbot.addWidget(tab)
    tab.set_entry(entry)
    tab.recipient.setText("ab" * 32)
    tab.amount.setText(amount)
    tab.fee.setText("0.01")
    review = tab.start_review()
    assert review is not None
    qtbot.addWidget(review)
    return tab, review


def test_review_shows_the_total_and_warns_over_the_keys_known_limit(qtbot, ctx, limited_entry):
    _tab, review = _review(qtbot, ctx, limited_entry, "6")
    shown = review.shown_fields()
    assert shown["Total"].startswith("6.01 ZCN")
    assert review.warning.isVisibleTo(review)
    assert "5 ZCN per 24 h" in review.warning.text() and "6 ZCN" in review.warning.text()
    review.reject()
    _tab, fine = _review(qtbot, ctx, limited_entry, "4")
    assert fine.shown_fields()["Total"].startswith("4.01 ZCN")
    assert not fine.warning.isVisibleTo(fine)


def test_nonce_and_chain_are_advanced_and_shown_when_wrong(qtbot, ctx, limited_entry):
    tab = SignTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    tab.set_entry(limited_entry)
    assert not tab.nonce.isVisible() and not tab.chain.isVisible()
    tab.recipient.setText("ab" * 32)
    tab.amount.setText("1")
    tab.nonce.setText("zero")
    assert tab.start_review() is None
    assert tab.advanced_toggle.isChecked() and tab.nonce.isVisible()

    settings = SettingsDialog(ctx)
    qtbot.addWidget(settings)
    settings.show()
    assert not settings.chain_id.isVisible()
    settings.chain_id.setText("xyz")
    settings.save()
    assert settings.isVisible() and settings.chain_id.isVisible()


def test_messages_say_what_is_wrong():
    with pytest.raises(ComposeError) as not_hex:
        parse_client_id("z" * 64)
    assert "64 characters" not in not_hex.value.message and "z" in not_hex.value.message
    with pytest.raises(ComposeError, match="this has 6"):
        parse_client_id("abc123")
    unreachable = explain(CosignerUnreachable("no answer"))
    assert "Nothing was signed." not in unreachable.text
