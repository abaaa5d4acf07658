"""The desktop's network views on their own: History follows a pending transaction left by an
earlier run until the sharders confirm it; the balance box treats an unreachable network or
disagreeing sharders as a normal state with Retry. Against the stand-in network (tests/netsim,
a test double of 0Chain) or a closed port."""

from __future__ import annotations

import pytest

from app.history import History, HistoryEntry
from tests.network_helpers import ZCN, KeyWallet, client, netsim
from tests.ui.conftest import WAIT_MS
from ui.balance_box import BalanceBox
from ui.history_tab import HistoryTab
from ui.network_link import HISTORY_FILE

__all__ = ["netsim"]
OTHER = "cd" * 32


@pytest.fixture
def on_netsim(netsim, monkeypatch, tmp_path):
    monkeypatch.setenv("SPLITKEY_NETWORK", netsim.block_worker)
    monkeypatch.setenv("SPLITKEY_CHAIN_ID", netsim.chain_id)
    monkeypatch.setenv("SPLITKEY_CONFIG_DIR", str(tmp_path / "config"))
    return netsim


class _Entry:
    def __init__(self, client_id: str) -> None:
        self.client_id = client_id


def test_a_pending_send_from_an_earlier_run_is_followed_until_confirmed(qtbot, ctx, on_netsim):
    alice = KeyWallet(on_netsim, zcn=3)
    on_netsim.paused = True
    with client(on_netsim) as net:
        sent = net.send(alice.builder(OTHER, ZCN), alice.client_id)
    # what the earlier run wrote before it was closed
    History(ctx.data_dir / HISTORY_FILE).add(
        HistoryEntry.pending(sent.transaction, on_netsim.block_worker)
    )
    tab = HistoryTab(ctx)
    qtbot.addWidget(tab)
    tab.set_entry(_Entry(alice.client_id))
    assert tab.table.item(0, 0).text() == "Pending" and tab.retry_button.isVisibleTo(tab)
    on_netsim.paused = False
    qtbot.waitUntil(
        lambda: tab.table.item(0, 0).text().startswith("Confirmed (round"), timeout=WAIT_MS
    )
    assert tab.table.item(0, 5).text() == sent.hash
    tab._copy_hash(0, 5)
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == sent.hash


def test_an_unreachable_network_is_a_normal_state_with_retry(qtbot, ctx):
    box = BalanceBox(ctx)  # tests/ui/conftest.py points the network at a closed port
    qtbot.addWidget(box)
    box.set_client_id(OTHER)
    qtbot.waitUntil(lambda: "not reachable" in box.detail.text(), timeout=WAIT_MS)
    assert box.refresh_button.text() == "Retry" and box.amount.text() == "—"


def test_disagreeing_sharders_show_no_balance_but_say_so(qtbot, ctx, on_netsim):
    alice = KeyWallet(on_netsim, zcn=2)
    box = BalanceBox(ctx)
    qtbot.addWidget(box)
    box.set_client_id(alice.client_id)
    qtbot.waitUntil(lambda: box.last is not None, timeout=WAIT_MS)
    assert box.amount.text() == "2 ZCN"
    for sharder, fault in zip(on_netsim.sharders, ("stale", "lie", "down"), strict=False):
        sharder.fault = fault
    box.refresh()
    qtbot.waitUntil(lambda: "do not agree" in box.detail.text(), timeout=WAIT_MS)
    assert box.amount.text() == "2 ZCN (last known)" and box.refresh_button.text() == "Retry"


def test_the_network_picked_in_settings_is_the_clis_too(qtbot, ctx, monkeypatch, netsim):
    from app.network import current_network
    from ui.network_link import network_link
    from ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.network.setCurrentText("moonnet")
    dialog.save()
    assert dialog.isVisible() and "neither a known name" in dialog.network_error.text()
    dialog.network.setCurrentText(netsim.block_worker)
    dialog.chain_id.setText(netsim.chain_id)
    dialog.save()
    assert not dialog.isVisible()
    assert network_link(ctx).settings.block_worker == netsim.block_worker
    assert ctx.prefs.chain_id == netsim.chain_id
    monkeypatch.delenv("SPLITKEY_NETWORK")
    chosen = current_network()  # what `splitkey balance` now talks to
    assert (chosen.block_worker, chosen.chain_id) == (netsim.block_worker, netsim.chain_id)
