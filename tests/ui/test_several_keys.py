"""Issue 15.3: several keys of one wallet on one computer. Review: redeeming a share code of a
wallet one already holds replaced one's own unrestricted key with the limited one (signing then
refused with "ask the owner", to the owner), with no way back. Now every key is kept and
labelled, the best one signs (active, here, unrestricted before limited), and the others are
listed on the Overview."""

from __future__ import annotations

from app.permissions import ZCN, Permissions
from tests.ui.conftest import connected, give_owner_a_wallet, wait_job
from ui.messages_tab import MessagesTab
from ui.overview_tab import OverviewTab


def test_redeeming_a_share_of_ones_own_wallet_keeps_the_unrestricted_key(
    qtbot, ctx, owner_cosigner
):
    own, created = give_owner_a_wallet(ctx, owner_cosigner)
    client_id = created.wallet.client_id
    limits = Permissions(groups=frozenset({"token_transfers"}), max_value_per_period=5 * ZCN)
    with owner_cosigner.client() as api:
        code = api.create_split(client_id, "Sam", "code", limits).share_code
        limited = api.redeem(code)  # "let me try it": the owner redeems on the same computer
    ctx.save_share(limited)
    ctx.sync_share_index()
    assert set(ctx.prefs.share_ids()) == {own.split_id, limited.split_id}

    entries = connected(qtbot, ctx)
    entry = next(e for e in entries if e.client_id == client_id)
    assert entry.kind == "owned" and entry.can_sign
    assert entry.split.id == own.split_id and entry.split.permissions.unrestricted
    assert [s.id for s in entry.others] == [limited.split_id]

    overview = OverviewTab(ctx)
    qtbot.addWidget(overview)
    overview.set_entry(entry)
    assert "unrestricted" in overview.key_summary.text() or own.split_id in (
        overview.key_summary.text()
    )
    assert overview.other_keys.isVisibleTo(overview)
    assert "“Sam”: limited, active, on this computer" in overview.other_keys.text()

    # Signing uses the unrestricted key: a message (which "Sam" may not sign) is co-signed.
    messages = MessagesTab(ctx)
    qtbot.addWidget(messages)
    messages.set_entry(entry)
    messages.message.setPlainText("still mine")
    assert wait_job(qtbot, messages.sign_message()).signature
