"""Keyless custody on the desktop, against a real co-signer: the wizard draws the words on this
computer and registers a keyless wallet; the overview says so; the owner shares it through the
Share dialog (cut from the owner's share, no master key anywhere); the delegate redeems the code
in a second app instance and signs; the owner refreshes their key and a copy of the old one is
refused while the new one and the delegate's still sign under the unchanged wallet key; the
recovery sheet renders (as an image and as a PDF)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.cli.session import read_share
from app.client import CosignerError
from app.crypto import PublicKey, Signature
from app.keys import Wallet
from app.share_store import KeyringShareStore
from app.transaction import Transaction
from cosigner_server import identity
from cosigner_server.bootstrap import init_data_dir
from cosigner_server.config import DEFAULT_CHAIN_ID
from tests.cosigner_server.conftest import make_config, run_server
from tests.share_store_helpers import MemoryKeyring
from tests.ui.conftest import connected, make_context, wait_job
from tests.ui.wizard_steps import (
    choose,
    create_wallet_through_the_pages,
    open_wizard,
    press_next,
    to_organisation,
)
from ui.overview_tab import OverviewTab
from ui.recovery_sheet import RecoverySheetDialog, render_png, save_pdf, sheet_document
from ui.refresh_key import RefreshSchedule, due
from ui.share_dialog import ShareDialog
from ui.wallet_list import WalletList
from ui.wizard import wizard as flow

RECIPIENT = "ab" * 32
SHEET_PNG = os.environ.get("SPLITKEY_SHEET_PNG")  # set it to keep the rendered sheet for a look


def _tx(share, nonce: int) -> Transaction:
    return Transaction(
        client_id=share.client_id,
        public_key=share.wallet_public_key,
        chain_id=DEFAULT_CHAIN_ID,
        creation_date=int(time.time()),
        to_client_id=RECIPIENT,
        transaction_value=1,
        transaction_nonce=nonce,
    )


def signs(qtbot, ctx, share, nonce: int) -> None:
    async def cosign(api):
        signed, _answer = await api.cosign_transaction(
            share.split_id, share.secret_key(), _tx(share, nonce), share.wallet_public_key
        )
        return signed

    signed = wait_job(qtbot, ctx.cosigner(cosign, label="test co-sign"))
    wallet_key = PublicKey.from_hex(share.wallet_public_key)
    assert wallet_key.verify_hash(signed.hash, Signature.from_hex(signed.signature))


def redeem_in_a_second_app(qtbot, qapp, tmp_path, server, enrollment_code: str, code: str):
    other = make_context(qapp, tmp_path / "bob", KeyringShareStore(MemoryKeyring(), "memory"))
    wizard = open_wizard(qtbot, other)
    to_organisation(qtbot, wizard, server.url, enrollment_code)
    choose(wizard, flow.REDEEM_CHOICE)
    press_next(qtbot, wizard, flow.REDEEM)
    qtbot.keyClicks(wizard.page(flow.REDEEM).code, code.lower())
    press_next(qtbot, wizard, flow.DONE)
    return other, wizard.client_id


def test_keyless_wallet_share_redeem_sign_refresh(
    qtbot, qapp, tmp_path, ctx, wizard, server, owner_cosigner
):
    words = create_wallet_through_the_pages(qtbot, wizard)
    client_id = wizard.client_id
    assert client_id == Wallet.from_mnemonic(" ".join(words)).client_id
    assert wizard.words() == []  # forgotten once registered
    entries = wait_job(qtbot, ctx.refresh_wallets())
    entry = next(e for e in entries if e.client_id == client_id)
    assert entry.wallet.custody == "keyless" and entry.has_share and entry.can_sign

    overview = OverviewTab(ctx)
    qtbot.addWidget(overview)
    overview.set_entry(entry)
    assert overview.custody.text().startswith("Keyless")
    wallets = WalletList()
    qtbot.addWidget(wallets)
    wallets.set_entries(entries)
    shown = wallets.model_.index_of(client_id)
    assert "Custody: keyless" in shown.data(Qt.ItemDataRole.ToolTipRole)
    assert overview.add_key.isHidden() and not overview.refresh_key.isHidden()

    # the owner shares it through the Share dialog
    dialog = ShareDialog(ctx, entry)
    qtbot.addWidget(dialog)
    dialog.label.setText("Bob")
    dialog.per_transaction.setText("2")
    made = wait_job(qtbot, dialog.create())
    code = dialog.code_text.text()
    assert code == made.share_code and len(code.replace("-", "")) == 30
    assert made.split.holder_id is None

    # the delegate, in a second app instance, redeems and signs
    with owner_cosigner.client() as api:
        bob = api.create_user("bob")
    bob_ctx, bob_wallet = redeem_in_a_second_app(
        qtbot, qapp, tmp_path, server, bob.enrollment_code, code
    )
    try:
        assert bob_wallet == client_id
        bob_share = bob_ctx.store().load(made.split.id)
        signs(qtbot, bob_ctx, bob_share, 1)

        # the owner refreshes; a copy of the old key, kept in a file, is refused afterwards
        old = ctx.store().load(entry.split.id)
        old_file = tmp_path / "old.share"
        old_file.write_text(json.dumps({"kind": "splitkey-share", **old.to_dict()}))
        old_file.chmod(0o600)
        signs(qtbot, ctx, old, 2)
        overview.refresh_key.click()
        qtbot.waitUntil(
            lambda: ctx.store().load(entry.split.id).public_key != old.public_key, timeout=60_000
        )
        new = ctx.store().load(entry.split.id)
        with owner_cosigner.client() as api, pytest.raises(CosignerError) as refused:
            stale = read_share(str(old_file))
            api.cosign_transaction(
                stale.split_id, stale.secret_key(), _tx(stale, 3), stale.wallet_public_key
            )
        assert "partial" in str(refused.value)
        signs(qtbot, ctx, new, 4)
        signs(qtbot, bob_ctx, bob_share, 5)  # the delegate's key is untouched
        assert new.wallet_public_key == old.wallet_public_key
    finally:
        bob_ctx.shutdown()


def test_the_recovery_sheet_renders(qtbot, tmp_path):
    wallet = Wallet.create()
    words = wallet.mnemonic.split()
    document = sheet_document(words, wallet.client_id)
    text = document.toPlainText()
    assert all(f"{i + 1}. {word}" in text for i, word in enumerate(words))
    assert wallet.client_id in text and "co-signer is gone" in text
    image = render_png(document, Path(SHEET_PNG or tmp_path / "sheet.png"))
    assert image.width() == 800 and image.height() > 500
    dark = sum(
        1
        for y in range(0, image.height(), 4)
        for x in range(0, image.width(), 4)
        if image.pixelColor(x, y).lightness() < 100
    )
    assert dark > 500  # text and the QR code were drawn
    pdf = tmp_path / "sheet.pdf"
    save_pdf(document, pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    dialog = RecoverySheetDialog(words, wallet.client_id)
    qtbot.addWidget(dialog)
    assert words[0] in dialog.preview.toPlainText()
    dialog.reject()
    assert dialog.preview.toPlainText() == ""  # nothing kept once closed


@pytest.fixture
def other_server(tmp_path):
    config = make_config(tmp_path / "other-cosigner")
    init_data_dir(config)
    yield from run_server(config)


def test_move_to_another_cosigner(qtbot, ctx, owner_cosigner, other_server):
    wallet = Wallet.create()
    with owner_cosigner.client() as api:
        created = api.create_keyless_wallet(wallet.keys[0].private_key)
    ctx.save_share(created.share)
    entry = next(e for e in connected(qtbot, ctx) if e.client_id == wallet.client_id)
    overview = OverviewTab(ctx)
    qtbot.addWidget(overview)
    overview.set_entry(entry)
    assert not overview.move.isHidden()
    dialog = overview.open_move()

    # the words of another wallet are refused at the field, before anything is sent
    dialog.words.setPlainText(Wallet.create().mnemonic)
    dialog.url.setText(other_server.url)
    _user, code = other_server.call(
        identity.create_user(other_server.state, None, "owner elsewhere", "user")
    )
    dialog.code.setText(code)
    assert dialog.start() is None and "another wallet" in dialog.words_error.text()

    dialog.words.setPlainText(wallet.mnemonic)
    moved = wait_job(qtbot, dialog.start())
    assert moved[1] == [created.split.id]  # the old co-signer's key, revoked
    assert dialog.words.toPlainText() == ""
    assert ctx.prefs.url == other_server.url and ctx.session.url == other_server.url
    entries = wait_job(qtbot, ctx.refresh_wallets())
    here = next(e for e in entries if e.client_id == wallet.client_id)
    assert here.wallet.custody == "keyless" and here.can_sign
    assert here.wallet.public_key == wallet.client_key.to_hex()
    signs(qtbot, ctx, ctx.store().load(here.split.id), 1)
    # the old co-signer refuses the old key
    with owner_cosigner.client() as api, pytest.raises(CosignerError) as refused:
        api.cosign_transaction(
            created.share.split_id,
            created.share.secret_key(),
            _tx(created.share, 2),
            created.share.wallet_public_key,
        )
    assert "revoked" in str(refused.value)


def test_keys_are_refreshed_on_the_schedule_the_owner_picks(qtbot, ctx, owner_cosigner):
    wallet = Wallet.create()
    with owner_cosigner.client() as api:
        created = api.create_keyless_wallet(wallet.keys[0].private_key)
    ctx.save_share(created.share)
    schedule = RefreshSchedule(ctx)
    entries = connected(qtbot, ctx)  # wallets_changed: nothing is due, the schedule is off
    assert schedule.jobs == [] and due(ctx, entries, int(time.time())) == []
    ctx.prefs.refresh_days = 30
    split_id = created.split.id
    assert due(ctx, entries, int(time.time())) == []  # a new key
    assert due(ctx, entries, int(time.time()) + 31 * 86_400) == [split_id]
    ctx.prefs.set_refreshed_at(split_id, int(time.time()) - 31 * 86_400)
    started = schedule.check(entries)
    assert len(started) == 1
    new = wait_job(qtbot, started[0])
    assert new.public_key != created.share.public_key
    assert ctx.store().load(split_id).public_key == new.public_key
    assert due(ctx, entries, int(time.time())) == []  # just refreshed
    signs(qtbot, ctx, new, 1)
