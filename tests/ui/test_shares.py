"""Shares and Activity against a real co-signer: the owner shares a wallet in the Share dialog
(fields marked before anything is sent, a live worst case, the code as text and QR), a delegate
redeems it and signs within the cap and is refused over it, the owner revokes in the Revoke
dialog (the table shows it at once), the delegate is refused as revoked, and the Activity tab
shows all of it, filtered and exported to CSV."""

from __future__ import annotations

import csv
import re
import time

import pytest
import shiboken6
from PySide6.QtCore import Qt

from app.client import CosignerClient, CosignerError
from app.permissions import ZCN
from app.transaction import Transaction
from cosigner_server.config import DEFAULT_CHAIN_ID
from tests.ui.conftest import wait_job
from ui.activity_tab import ActivityTab
from ui.shares_tab import SharesTab

RECIPIENT = "ab" * 32
CODE = re.compile(r"[0-9A-Z]{4,6}(-[0-9A-Z]{4,6})+")


def _tx(share, nonce: int, value: int) -> Transaction:
    return Transaction(
        client_id=share.client_id,
        public_key=share.wallet_public_key,
        chain_id=DEFAULT_CHAIN_ID,
        creation_date=int(time.time()),
        to_client_id=RECIPIENT,
        transaction_value=value,
        transaction_nonce=nonce,
    )


def _statuses(tab) -> list[str]:
    return [tab.model.index(row, 0).data() for row in range(tab.model.rowCount())]


def test_share_sign_refuse_revoke_and_read_the_activity(qtbot, ctx, server, tab, owned, tmp_path):
    assert tab.model.rowCount() == 1
    assert tab.model.index(0, 1).data() == "you"

    dialog = tab.open_share()
    assert [n for n, box in dialog.group_boxes.items() if box.isChecked()] == ["token_transfers"]

    # Bad input is marked at the field, and nothing is sent.
    dialog.per_transaction.setText("two")
    assert dialog.errors["per_transaction"].isVisibleTo(dialog)
    assert "not an amount" in dialog.errors["per_transaction"].text()
    assert dialog.inputs["per_transaction"].property("invalid") is True
    assert "Fix the marked fields" in dialog.worst.text()
    assert dialog.create() is None
    assert wait_job(qtbot, tab.refresh()) and tab.model.rowCount() == 1

    # The worst case follows every edit, in the co-signer's words.
    dialog.per_transaction.setText("2")
    dialog.per_period.setText("5")
    assert not dialog.errors["per_transaction"].isVisibleTo(dialog)
    assert dialog.worst.text().startswith("In the worst case this key can move 5 ZCN every 24 h")
    dialog.max_uses.setText("10")
    dialog.label.setText("Alice")
    assert dialog.worst.text().endswith("at most 20 ZCN in total.")  # 2 ZCN x 10 uses
    dialog.expiry.setCurrentIndex(dialog.expiry.findText("Never"))
    assert "until" not in dialog.worst.text()
    dialog.expiry.setCurrentIndex(dialog.expiry.findText("7 days"))

    made = wait_job(qtbot, dialog.create())
    assert made.split.permissions.max_value_per_period == 5 * ZCN
    assert made.split.permissions.groups == frozenset({"token_transfers"})
    code = dialog.code_text.text()
    assert CODE.fullmatch(code) and code == made.share_code
    assert not dialog.code_qr.pixmap().isNull()
    assert dialog.pages.currentIndex() == 1 and dialog.done_button.isVisible()
    assert "5 ZCN every 24 h" in dialog.result_worst.text()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=30_000)  # refreshed by itself
    assert "waiting for the code" in _statuses(tab)
    code_label = dialog.code_text
    dialog.done_button.click()
    assert not shiboken6.isValid(code_label) or code_label.text() == ""

    # The delegate redeems the code and signs within the cap; over it the rule is named.
    _user, token = server.add_user("delegate")
    with CosignerClient(server.url, token=token) as delegate:
        share = delegate.redeem(code)
        for nonce in (1, 2):
            delegate.cosign_transaction(
                share.split_id, share.secret_key(), _tx(share, nonce, 2 * ZCN),
                share.wallet_public_key,
            )  # fmt: skip
        with pytest.raises(CosignerError) as over:
            delegate.cosign_transaction(
                share.split_id, share.secret_key(), _tx(share, 3, 2 * ZCN),
                share.wallet_public_key,
            )  # fmt: skip
        assert over.value.rule == "period_value_cap"

        # The owner revokes it in the dialog; the table shows it at once.
        wait_job(qtbot, tab.refresh())
        tab.select(share.split_id)
        assert tab.selected().id == share.split_id and tab.revoke_button.isEnabled()
        assert tab.model.index(tab.model.row_of(share.split_id), 5).data() == "2 of 10"
        revoke = tab.open_revoke()
        assert "Alice" in revoke.question.text() and "at once" not in revoke.question.text()
        assert "cannot be undone" in revoke.consequence.text()
        # Enter does not revoke: Cancel is the default button.
        assert revoke.cancel_button.isDefault() and not revoke.revoke_button.isDefault()
        wait_job(qtbot, revoke.confirm())
        assert revoke.result() == revoke.DialogCode.Accepted
        row = tab.model.row_of(share.split_id)
        assert tab.model.index(row, 0).data() == "revoked"
        assert not tab.revoke_button.isEnabled()
        wait_job(qtbot, tab.job)
        assert tab.model.index(tab.model.row_of(share.split_id), 0).data() == "revoked"

        with pytest.raises(CosignerError) as after:
            delegate.cosign_transaction(
                share.split_id, share.secret_key(), _tx(share, 4, ZCN), share.wallet_public_key
            )
        assert after.value.rule == "revoked"

    # Activity: everything above, newest first, filterable, exportable.
    activity = ActivityTab(ctx)
    qtbot.addWidget(activity)
    activity.set_entry(owned)
    wait_job(qtbot, activity.refresh())
    rows = activity.model.shown()
    whats = [r.what for r in rows]
    assert sum(w.startswith("Co-signed a transaction: 2 ZCN to abababab") for w in whats) == 2
    assert any(w == "Revoked a key (“Alice”)" for w in whats)  # which key (15.5)
    assert rows[0].decision == "refused: revoked"  # the newest
    assert [r.who for r in rows if r.what.startswith("Revoked a key")] == ["you"]
    assert {r.who for r in rows if r.what.startswith("Co-signed")} == {"holder of “Alice”"}

    activity.decision.setCurrentIndex(activity.decision.findData("refused"))
    assert [r.decision for r in activity.model.shown()] == [
        "refused: revoked",
        "refused: period_value_cap",
    ]
    activity.filter.setText("value_cap")
    assert activity.model.rowCount() == 1
    assert activity.count.text() == f"1 of {len(rows)} records match"
    path = tmp_path / "activity.csv"
    assert activity.export_csv(path)
    lines = list(csv.DictReader(path.open()))
    assert [line["decision"] for line in lines] == ["refused: period_value_cap"]


def test_revoke_asks_first_and_cancel_changes_nothing(qtbot, ctx, tab, owner_cosigner, owned):
    split_id = tab.model.split_at(0).id
    tab.select(split_id)
    dialog = tab.open_revoke()
    assert "This is your own key" in dialog.consequence.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # the default button is Cancel
    assert dialog.result() == dialog.DialogCode.Rejected
    wait_job(qtbot, tab.refresh())
    assert _statuses(tab) == ["active"]
    with owner_cosigner.client() as api:
        assert api.split(split_id).status == "active"


def test_every_field_is_checked_before_sending(qtbot, tab):
    dialog = tab.open_share()
    for box in dialog.group_boxes.values():
        box.setChecked(False)
    dialog.recipients.setPlainText("not-a-client-id")
    dialog.max_uses.setText("0")
    dialog.label.setText("x" * 101)
    assert dialog.create() is None
    shown = {name for name, error in dialog.errors.items() if error.isVisibleTo(dialog)}
    assert shown == {"groups", "recipients", "max_uses", "label"}
    assert dialog.focusWidget() is dialog.label  # the first wrong field, for the keyboard
    assert dialog.pages.currentIndex() == 0
    # Messages only is a valid share that moves no tokens.
    dialog.sign_messages.setChecked(True)
    dialog.recipients.setPlainText("")
    dialog.max_uses.setText("")
    dialog.label.setText("signer")
    assert dialog.worst.text() == "This key cannot move tokens."
    made = wait_job(qtbot, dialog.create())
    assert made.split.permissions.sign_messages and not made.split.permissions.groups


def test_raw_hashes_box_says_it_is_as_powerful_as_unrestricted(qtbot, tab):
    dialog = tab.open_share()
    assert "as powerful as an unrestricted key" in dialog.sign_raw_hashes.text()
    dialog.sign_raw_hashes.setChecked(True)
    assert "as powerful as an unrestricted key" in dialog.worst.text()
    made = wait_job(qtbot, dialog.create())
    assert made.split.permissions.sign_raw_hashes
    from ui.shares_model import permission_words

    assert "as powerful as unrestricted" in permission_words(made.split)


def test_not_the_owner_sees_no_keys(qtbot, ctx, owned):
    from dataclasses import replace

    shared = replace(owned, kind="shared")
    tab, activity = SharesTab(ctx), ActivityTab(ctx)
    qtbot.addWidget(tab)
    qtbot.addWidget(activity)
    tab.set_entry(shared)
    activity.set_entry(shared)
    assert tab.refresh() is None and activity.refresh() is None
    assert not tab.share_button.isEnabled() and tab.open_share() is None
    assert "only its owner" in tab.note.text() and "its owner sees" in activity.note.text()


def test_a_custom_expiry_date_and_period_reach_the_key(qtbot, tab):
    from PySide6.QtCore import QDateTime

    dialog = tab.open_share()
    assert not dialog.expiry_date.isVisibleTo(dialog)  # only for "On a date…"
    dialog.expiry.setCurrentIndex(dialog.expiry.findText("On a date…"))
    assert dialog.expiry_date.isVisibleTo(dialog) and dialog.expiry_date.isEnabled()
    when = QDateTime.currentDateTime().addDays(3)
    dialog.expiry_date.setDateTime(when)
    dialog.period.setCurrentIndex(dialog.period.findData(3600))
    dialog.per_period.setText("0.5")
    assert "0.5 ZCN every 1 h" in dialog.worst.text()
    made = wait_job(qtbot, dialog.create())
    p = made.split.permissions
    assert p.expires_at == when.toSecsSinceEpoch() and p.period_seconds == 3600
    assert p.max_value_per_period == ZCN // 2


def test_an_unreachable_co_signer_is_explained_with_a_retry(qtbot, ctx, tab):
    dialog = tab.open_share()
    api = ctx.session.api
    url = api.base_url
    # Nothing listens on port 9 (discard) here: the request fails to connect.
    wait_job(qtbot, ctx.runner.submit(api.aclose))
    api.base_url = "http://127.0.0.1:9"
    job = dialog.create()
    with pytest.raises(Exception, match="no answer"):
        wait_job(qtbot, job)
    assert dialog.banner.isVisibleTo(dialog)
    assert "not reachable" in dialog.banner.text() and dialog.banner.explanation.retry
    assert dialog.pages.currentIndex() == 0 and dialog.create_button.isEnabled()
    assert dialog.code_text.text() == ""
    api.base_url = url
    wait_job(qtbot, ctx.runner.submit(api.aclose))  # the next request makes a new client
    made = wait_job(qtbot, dialog.create())  # the retry works once the co-signer answers
    assert made.share_code == dialog.code_text.text()
