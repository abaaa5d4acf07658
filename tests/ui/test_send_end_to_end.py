"""Issue 8's "done when", through the desktop's real widgets: a wallet funded on the stand-in
network (tests/netsim, a test double of 0Chain on real ports), a 1.5 ZCN send through Send
with the real co-signer — pending, then confirmed — the balance down by value + fee, the
History entry; a delegate's send over its cap refused by the co-signer before any miner sees
it; a miner's refusal shown in words."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.permissions import ZCN, Permissions
from app.share_store import KeyringShareStore
from tests.network_helpers import netsim, netsim_cosigner
from tests.share_store_helpers import MemoryKeyring
from tests.ui.conftest import (
    WAIT_MS,
    InThreadCosigner,
    connected,
    give_owner_a_wallet,
    make_context,
)
from ui.history_tab import HistoryTab
from ui.main_window import MainWindow
from ui.send_flow import CONFIRMED_STAGE, FAILED_STAGE, PENDING
from ui.sign_tab import SignTab

__all__ = ["netsim"]
RECIPIENT = "ab" * 32


@pytest.fixture
def server(tmp_path: Path):
    """The co-signer signs for the stand-in's chain (overrides tests/ui/conftest.py's)."""
    yield from netsim_cosigner(tmp_path)


@pytest.fixture
def on_netsim(netsim, monkeypatch, tmp_path):
    monkeypatch.setenv("SPLITKEY_NETWORK", netsim.block_worker)
    monkeypatch.setenv("SPLITKEY_CHAIN_ID", netsim.chain_id)
    monkeypatch.setenv("SPLITKEY_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SPLITKEY_NETWORK_TIMEOUT", "3")
    return netsim


def miners_saw(net) -> int:
    return sum(len(m.seen) for m in net.miners)


def send_through_the_tab(qtbot, tab: SignTab, amount: str) -> None:
    for widget, text in ((tab.recipient, RECIPIENT), (tab.amount, amount)):
        widget.clear()
        qtbot.keyClicks(widget, text)
    assert tab.send_button.isEnabled(), tab.cannot_sign.text()
    qtbot.mouseClick(tab.send_button, Qt.MouseButton.LeftButton)
    # the network's nonce and fee come first; a refusal there shows in the banner, not a review
    qtbot.waitUntil(
        lambda: tab.review is not None or tab.banner.explanation is not None, timeout=WAIT_MS
    )
    assert tab.review is not None, tab.banner.text()
    dialog = tab.review
    shown = dialog.shown_fields()
    assert any("1.5" in str(v) or amount in str(v) for v in shown.values()), shown
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)


def test_send_pending_then_confirmed_balance_history_and_refusals(
    qtbot, qapp, tmp_path, on_netsim, ctx, owner_cosigner, server
):
    share, _created = give_owner_a_wallet(ctx, owner_cosigner)
    on_netsim.fund(share.client_id, 10 * ZCN)
    connected(qtbot, ctx)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.show_entry(ctx.entry(share.client_id))

    balance = window.overview.balance
    qtbot.waitUntil(lambda: balance.last is not None, timeout=WAIT_MS)
    assert balance.amount.text() == "10 ZCN"
    assert "as of round" in balance.detail.text() and "sharders agree" in balance.detail.text()

    # -- 1.5 ZCN through Send: review, co-sign, broadcast, pending, confirmed --
    tab = window.sign
    window.tabs.setCurrentWidget(tab)
    stages: list[str] = []
    tab.send_panel.stage_changed.connect(stages.append)
    send_through_the_tab(qtbot, tab, "1.5")
    qtbot.waitUntil(
        lambda: tab.send_panel.stage in (CONFIRMED_STAGE, FAILED_STAGE), timeout=WAIT_MS
    )
    assert tab.send_panel.stage == CONFIRMED_STAGE, tab.send_panel.words.text()
    assert PENDING in stages and stages.index(PENDING) < stages.index(CONFIRMED_STAGE)
    words = tab.send_panel.words.text()
    assert words.startswith("Confirmed in round") and "verified" in words
    sent = tab.send_panel.submitted
    fee = sent.transaction.transaction_fee
    assert tab.send_panel.hash.value() == sent.hash

    qtbot.waitUntil(
        lambda: (
            balance.last is not None and balance.last.balance == 10 * ZCN - 15 * ZCN // 10 - fee
        ),
        timeout=WAIT_MS,
    )
    assert balance.amount.text() == f"{(10 * ZCN - 15 * ZCN // 10 - fee) / ZCN:g} ZCN"

    history = next(
        window.tabs.widget(i)
        for i in range(window.tabs.count())
        if isinstance(window.tabs.widget(i), HistoryTab)
    )
    qtbot.waitUntil(lambda: history.table.rowCount() == 1, timeout=WAIT_MS)
    row = [history.table.item(0, c).text() for c in range(history.table.columnCount())]
    assert row[0].startswith("Confirmed (round") and row[1] == "1.5" and row[3] == "0.01"
    assert row[5] == sent.hash and history.table.item(0, 2).toolTip() == RECIPIENT

    # -- a miner's refusal, in words: more than the balance --
    before = len(history.shown)
    send_through_the_tab(qtbot, tab, "100")
    qtbot.waitUntil(lambda: tab.send_panel.stage == FAILED_STAGE, timeout=WAIT_MS)
    banner = tab.send_panel.banner.text()
    assert "The network refused the transaction" in banner
    assert "Insufficient balance to send" in banner
    assert len(history.link.history.for_wallet(share.client_id)) == before

    # -- a delegate over its cap: refused by the co-signer, nothing reaches a miner --
    bob = InThreadCosigner(server, subject="bob", role="user")
    limits = Permissions(groups=frozenset({"token_transfers"}), max_per_transaction=ZCN)
    with owner_cosigner.client() as api:
        made = api.create_split(share.client_id, label="bob", holder="code", permissions=limits)
    with bob.client() as api:
        bob_share = api.redeem(made.share_code)
    bob_ctx = make_context(
        qapp, tmp_path / "bob", KeyringShareStore(MemoryKeyring(), "memory"), lambda _d: bob
    )
    try:
        bob_ctx.save_share(bob_share)
        bob_ctx.sync_share_index()
        connected(qtbot, bob_ctx)
        bob_tab = SignTab(bob_ctx)
        qtbot.addWidget(bob_tab)
        bob_tab.set_entry(bob_ctx.entry(share.client_id))
        bob_tab.show()
        seen = miners_saw(on_netsim)
        send_through_the_tab(qtbot, bob_tab, "2")
        qtbot.waitUntil(lambda: bob_tab.send_panel.stage == FAILED_STAGE, timeout=WAIT_MS)
        explanation = bob_tab.send_panel.banner.explanation
        assert explanation.rule == "per_transaction_cap", explanation
        assert miners_saw(on_netsim) == seen
    finally:
        bob_ctx.shutdown()


def test_send_still_reviews_when_the_wallet_list_reloads_while_the_network_answers(
    qtbot, qapp, on_netsim, ctx, owner_cosigner, server
):
    """The first send's broadcast reloads the wallet list; when that reload lands while the
    next Send is asking for the nonce and fee, the tab holds a new entry object for the same
    wallet. The answer is still this wallet's: the review must open (it was silently dropped)."""
    share, _created = give_owner_a_wallet(ctx, owner_cosigner)
    on_netsim.fund(share.client_id, 10 * ZCN)
    connected(qtbot, ctx)
    tab = SignTab(ctx)
    qtbot.addWidget(tab)
    tab.set_entry(ctx.entry(share.client_id))
    tab.show()
    for widget, text in ((tab.recipient, RECIPIENT), (tab.amount, "1")):
        qtbot.keyClicks(widget, text)
    qtbot.mouseClick(tab.send_button, Qt.MouseButton.LeftButton)
    # what the main window does on wallets_changed, before the network's answer is delivered
    tab.set_entry(dataclasses.replace(tab.entry))
    qtbot.waitUntil(
        lambda: tab.review is not None or tab.banner.explanation is not None, timeout=WAIT_MS
    )
    assert tab.review is not None, tab.banner.text()
    assert tab.review.tx.client_id == share.client_id
