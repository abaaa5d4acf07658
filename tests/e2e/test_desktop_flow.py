"""The desktop end to end, through its real widgets, as the issue's first "must show" tells it:

1. first run with "This computer" (the bundled co-signer as a real child process,
   app/local_cosigner.py), create a wallet, confirm the words;
2. sign a transfer; the signature shown verifies under the wallet key shown in the Overview;
   signing the same nonce again is allowed (a refused transaction leaves it free) and verifies;
3. the owner makes a user for the delegate with the co-signer's own admin CLI
   (`splitkey-cosigner users add`, against the running built-in co-signer) and shares the wallet
   in the Share dialog: token transfers only, at most 5 ZCN per 24 h;
4. the delegate is a second app instance (its own settings, data folder and share file): its
   first-run wizard signs in to the owner's co-signer with the enrollment code and redeems the
   share code; its Sign tab proposes the nonce after the owner's (the co-signer tells the last
   one it signed), signs
   within the cap (verified under the wallet key) and is refused over it, the banner naming the
   rule ("Over the 24 h cap: 3 of 5 ZCN used…", rule period_value_cap);
5. the owner revokes the key in the Revoke dialog; the delegate's next transfer (one the cap
   would allow) is refused as revoked, in its Sign tab, and its wallet then says "revoked" and
   offers no signing; the owner's Activity tab shows the refusals in words;
6. no planted secret (words, shares, the one-time codes) is found in either app's folders, the
   co-signer's data and logs included.

The shares go to the real keyring (gnome-keyring's Secret Service under tests/keyring_session.sh,
as `make test` runs it)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QWizard

from app.local_cosigner import _run_cli
from app.permissions import ZCN
from app.wallets import OWNED, SHARED
from tests.canaries import Canaries
from tests.e2e.desktop_steps import WAIT_MS, sign_transfer, tab_of, verified_signature
from tests.secret_service import secret_service_problem
from tests.share_store_helpers import MemoryKeyring
from tests.socket_bridge import tcp_bridge
from tests.ui.wizard_steps import press_next
from ui.activity_tab import ActivityTab
from ui.context import AppContext
from ui.main import Desktop
from ui.revoke_dialog import RevokeDialog
from ui.share_dialog import ShareDialog
from ui.shares_tab import SharesTab
from ui.wizard import wizard as flow

pytestmark = pytest.mark.slow

DAY = 24 * 3600


def canary_hits(folders: list[Path], canaries: Canaries) -> list[str]:
    return [
        hit
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file()
        for hit in canaries.hits(str(path), path.read_bytes())
    ]


def refusal(tab) -> str:
    """The refusal the Sign tab shows (nothing shown as signed)."""
    assert tab.banner.isVisible() and not tab.result_box.isVisible()
    return tab.banner.text()


def click_row(qtbot, table, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# -- two app instances, each with its own settings, data folder and share file --------------------


@pytest.fixture
def keyring_setup():
    """(store factory, built-in co-signer factory): the real Secret Service when there is one;
    outside `make test` an in-memory keyring (the keyring itself is tested in
    tests/test_share_store*), the flow is still worth running."""
    problem = secret_service_problem()
    if problem is None:
        yield (lambda: None), None
        return
    from app.local_cosigner import start_local_cosigner
    from app.share_store import KeyringShareStore

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    # the child process cannot see this process's memory: its KEK goes to a 0600 file
    yield (
        (lambda: KeyringShareStore(keyring.get_keyring(), "memory")),
        (lambda folder: start_local_cosigner(folder, kek_source="file")),
    )
    keyring.set_keyring(previous)


def app_context(folder: Path, keyring_setup) -> AppContext:
    from app.share_store import open_share_store

    store_factory, local_factory = keyring_setup
    folder.mkdir()
    settings = QSettings(str(folder / "desktop.ini"), QSettings.Format.IniFormat)
    # Its own fallback-file path: another test's encrypted share file in the shared throw-away
    # HOME must not make this app ask for a passphrase.
    return AppContext(
        settings,
        data_directory=folder / "data",
        store=store_factory(),
        store_opener=lambda: open_share_store(path=folder / "shares.enc"),
        local_factory=local_factory,
    )


@pytest.fixture
def app_folder(tmp_path):
    return tmp_path / "desktop"


@pytest.fixture
def delegate_folder(tmp_path):
    return tmp_path / "delegate"


@pytest.fixture
def ctx(qapp, app_folder, keyring_setup):
    context = app_context(app_folder, keyring_setup)
    yield context
    context.shutdown()


@pytest.fixture
def delegate_ctx(qapp, delegate_folder, keyring_setup):
    context = app_context(delegate_folder, keyring_setup)
    yield context
    context.shutdown()


def test_first_run_sign_share_cap_and_revoke(
    qtbot, request, ctx, app_folder, delegate_ctx, delegate_folder
):
    desktop = Desktop(ctx)
    desktop.start()
    wizard = desktop.wizard
    assert wizard is not None and wizard.isVisible()
    assert wizard.page(flow.COSIGNER).local.isChecked()

    # 1. "This computer": the bundled co-signer starts and signs its owner in
    press_next(qtbot, wizard, flow.WALLET)
    assert ctx.local is not None and ctx.local.unix_socket.endswith("cosigner.sock")

    # 2. a new wallet: 24 words shown, three typed back
    wizard.page(flow.WALLET).set_choice(flow.CREATE)
    press_next(qtbot, wizard, flow.WORDS)
    qtbot.waitUntil(lambda: bool(wizard.words()), timeout=WAIT_MS)
    words = wizard.words()
    mnemonic = " ".join(words)
    wizard.page(flow.WORDS).written.setChecked(True)
    press_next(qtbot, wizard, flow.CONFIRM)
    for position, edit, _error in wizard.page(flow.CONFIRM).inputs:
        qtbot.keyClicks(edit, words[position])
    press_next(qtbot, wizard, flow.DONE)
    client_id = wizard.client_id
    wizard.button(QWizard.WizardButton.FinishButton).click()

    # 3. the main window, with the wallet selected and active
    window = desktop.window
    qtbot.waitUntil(lambda: window.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: window.entry is not None and window.entry.client_id == client_id,
        timeout=WAIT_MS,
    )
    assert window.entry.kind == OWNED and window.entry.status == "active"
    assert window.entry.can_sign and window.badge.text() == "active"
    wallet_key = window.overview.public_key.value()

    # 4. sign a transfer through the Sign tab and its Review dialog; the signature shown
    #    verifies under the wallet key shown in the Overview
    tab = window.sign
    window.tabs.setCurrentWidget(tab)
    tab.fee.setText("0.01")
    shown = sign_transfer(qtbot, tab, "3.5")
    signed = verified_signature(tab, shown, wallet_key)
    assert shown["Amount"].startswith("3.5 ZCN")
    assert signed.client_id == client_id and signed.transaction_nonce == 1
    assert tab.nonce.text() == "2"

    #    the same nonce may be co-signed again (a transaction the chain refused leaves its nonce
    #    unused; counted again against any cap, docs/cosigner.md "Signing a nonce again"): the
    #    owner's second signature of nonce 1 verifies too, and the next proposal stays 2
    shown = sign_transfer(qtbot, tab, "3.5", nonce="1")
    again = verified_signature(tab, shown, wallet_key)
    assert again.client_id == client_id and again.transaction_nonce == 1
    assert tab.nonce.text() == "2"

    # 5. the delegate gets an account on the owner's co-signer from its admin CLI
    local = ctx.local
    added = _run_cli(
        ["users", "add", "delegate", "--data-dir", str(local.data_dir),
         "--unix-socket", local.unix_socket],  # fmt: skip
        local._keyring_backend,
    )
    enrollment_code = added["enrollment_code"]
    assert added["user"]["subject"] == "delegate" and added["user"]["role"] == "user"

    # 6. the owner shares the wallet: token transfers only, at most 5 ZCN per 24 h
    shares = tab_of(window, SharesTab)
    window.tabs.setCurrentWidget(shares)
    qtbot.waitUntil(lambda: shares.model.rowCount() == 1, timeout=WAIT_MS)  # this computer's key
    assert shares.share_button.isEnabled()
    qtbot.mouseClick(shares.share_button, Qt.MouseButton.LeftButton)
    share_dialog = shares.dialog
    assert isinstance(share_dialog, ShareDialog) and share_dialog.isVisible()
    qtbot.keyClicks(share_dialog.label, "Delegate")
    ticked = [name for name, box in share_dialog.group_boxes.items() if box.isChecked()]
    assert ticked == ["token_transfers"] and not share_dialog.sign_messages.isChecked()
    qtbot.keyClicks(share_dialog.per_period, "5")
    share_dialog.period.setCurrentIndex(share_dialog.period.findData(DAY))
    assert share_dialog.worst.text().startswith(
        "In the worst case this key can move 5 ZCN every 24 h"
    ), share_dialog.worst.text()
    qtbot.mouseClick(share_dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: share_dialog.pages.currentIndex() == 1, timeout=WAIT_MS)
    made = share_dialog.result_split
    permissions = made.split.permissions
    assert permissions.groups == frozenset({"token_transfers"})
    assert not permissions.sign_messages
    assert permissions.max_value_per_period == 5 * ZCN and permissions.period_seconds == DAY
    share_code = share_dialog.code_text.text()
    assert share_code == made.share_code and not share_dialog.code_qr.pixmap().isNull()
    qtbot.mouseClick(share_dialog.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shares.model.row_of(made.split.id) >= 0, timeout=WAIT_MS)

    # 7. the delegate: a second app instance whose first-run wizard signs in to the owner's
    #    co-signer with the enrollment code and redeems the share code
    other = Desktop(delegate_ctx)
    other.start()
    d_wizard = other.wizard
    assert d_wizard is not None and d_wizard.isVisible()
    cosigner_page = d_wizard.page(flow.COSIGNER)
    # on its label's first letters (the button is wider than its text)
    remote = cosigner_page.remote
    qtbot.mouseClick(remote, Qt.MouseButton.LeftButton, pos=QPoint(8, remote.height() // 2))
    assert cosigner_page.remote.isChecked()
    # The built-in co-signer listens on a socket only this account reaches; the test bridges
    # it to a loopback port so that a second app can use it as its organisation's co-signer.
    bridge = contextlib.ExitStack()
    request.addfinalizer(bridge.close)
    qtbot.keyClicks(cosigner_page.url, bridge.enter_context(tcp_bridge(local.unix_socket)))
    press_next(qtbot, d_wizard, flow.SIGNIN)
    qtbot.keyClicks(d_wizard.page(flow.SIGNIN).code, enrollment_code)
    press_next(qtbot, d_wizard, flow.WALLET)
    d_wizard.page(flow.WALLET).set_choice(flow.REDEEM_CHOICE)
    press_next(qtbot, d_wizard, flow.REDEEM)
    qtbot.keyClicks(d_wizard.page(flow.REDEEM).code, share_code)
    press_next(qtbot, d_wizard, flow.DONE)
    assert d_wizard.client_id == client_id
    d_wizard.button(QWizard.WizardButton.FinishButton).click()
    assert delegate_ctx.local is None  # the delegate runs no co-signer of its own

    d_window = other.window
    qtbot.waitUntil(lambda: d_window.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: d_window.entry is not None and d_window.entry.client_id == client_id,
        timeout=WAIT_MS,
    )
    d_entry = d_window.entry
    assert d_entry.kind == SHARED and d_entry.split.id == made.split.id and d_entry.can_sign
    assert d_window.badge.text() == "active"
    assert d_window.overview.public_key.value() == wallet_key
    assert "5 ZCN every 24 h" in d_window.overview.worst.text()
    assert not d_window.tabs.isTabVisible(d_window.tabs.indexOf(tab_of(d_window, SharesTab)))
    (delegate_split,) = delegate_ctx.prefs.share_ids()
    assert delegate_split == made.split.id

    # 8. the delegate's app proposes nonce 2: the co-signer said it last signed 1 for this
    #    wallet (the owner's transfers).
    d_sign = d_window.sign
    d_window.tabs.setCurrentWidget(d_sign)
    assert d_sign.nonce.text() == "2"

    # 9. within the cap: 3 of 5 ZCN, shown only once it verified under the wallet key
    shown = sign_transfer(qtbot, d_sign, "3", nonce="2")
    signed = verified_signature(d_sign, shown, wallet_key)
    assert signed.client_id == client_id and signed.transaction_nonce == 2
    assert d_sign.nonce.text() == "3"

    # 10. over the cap (3 + 3 > 5 ZCN in 24 h): refused, and the Sign tab names the rule and
    #     what is left
    sign_transfer(qtbot, d_sign, "3")
    words_shown = refusal(d_sign)
    assert "Over this key's limit for the period" in words_shown
    assert "Over the 24 h cap: 3 of 5 ZCN used, this request needs 3 ZCN." in words_shown
    assert "Rule: period_value_cap" in words_shown
    assert d_sign.banner.explanation.rule == "period_value_cap"
    assert d_sign.nonce.text() == "3"  # nothing was signed: the nonce is still free

    # 11. the owner revokes the key in the Revoke dialog; the table shows it at once
    qtbot.mouseClick(shares.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not shares.job.running, timeout=WAIT_MS)
    row = shares.model.row_of(made.split.id)
    assert shares.model.index(row, 2).data() == "Delegate"
    assert shares.model.index(row, 5).data() == "1"  # one signature; the refusal did not count
    click_row(qtbot, shares.table, row)
    assert shares.selected().id == made.split.id and shares.revoke_button.isEnabled()
    qtbot.mouseClick(shares.revoke_button, Qt.MouseButton.LeftButton)
    revoke = shares.dialog
    assert isinstance(revoke, RevokeDialog) and revoke.isVisible()
    assert "Delegate" in revoke.question.text()
    assert "cannot be undone" in revoke.consequence.text()
    with qtbot.waitSignal(revoke.revoked, timeout=WAIT_MS):
        qtbot.mouseClick(revoke.revoke_button, Qt.MouseButton.LeftButton)
    assert shares.model.index(shares.model.row_of(made.split.id), 0).data() == "revoked"
    assert not shares.revoke_button.isEnabled()

    # 12. the delegate's next transfer, one the cap would allow (3 + 1 <= 5 ZCN), is refused
    #     as revoked in its Sign tab
    sign_transfer(qtbot, d_sign, "1")
    words_shown = refusal(d_sign)
    assert "This key was revoked" in words_shown and "Rule: revoked" in words_shown
    assert "Ask the wallet's owner for a new share" in words_shown
    assert d_sign.banner.explanation.rule == "revoked"
    # ... and the app reloads its wallets at that answer: the badge says so too, no more
    #     signing is offered, and the refusal stays on screen
    qtbot.waitUntil(lambda: d_window.entry.status == "revoked", timeout=WAIT_MS)
    assert d_window.badge.text() == "revoked" and not d_window.entry.can_sign
    assert d_sign.cannot_sign.text() == "This wallet's key is revoked."
    assert not d_sign.review_button.isEnabled()
    assert refusal(d_sign) == words_shown

    # 13. the owner's Activity tab tells the story in words, refusals with their rule
    activity = tab_of(window, ActivityTab)
    window.tabs.setCurrentWidget(activity)
    qtbot.waitUntil(lambda: activity.model.total() > 0, timeout=WAIT_MS)
    decisions = [(r.who, r.decision) for r in activity.model.shown()]
    assert decisions[0] == ("holder of “Delegate”", "refused: revoked")  # newest first
    assert ("holder of “Delegate”", "refused: period_value_cap") in decisions
    assert [r.what for r in activity.model.shown()].count("Revoked a key (“Delegate”)") == 1

    # 14. both apps keep their shares in the keyring (the real Secret Service under `make
    #     test`, the co-signer's KEK too), and no planted secret is in either app's settings,
    #     data (incl. the co-signer's) or logs
    if secret_service_problem() is None:
        assert local.kek_source == "keyring"
        for context in (ctx, delegate_ctx):
            assert "SecretService" in context.store_where, context.store_where
    (split_id,) = ctx.prefs.share_ids()
    owner_share = ctx.store().load(split_id)
    delegate_share = delegate_ctx.store().load(delegate_split)
    assert delegate_share is not None and delegate_share.client_id == client_id
    canaries = Canaries()  # every encoding, and any 4 consecutive words of the mnemonic
    canaries.plant_mnemonic("mnemonic", mnemonic)
    canaries.plant("share private key", bytes.fromhex(owner_share.private_key))
    canaries.plant("delegate's share", bytes.fromhex(delegate_share.private_key))
    canaries.plant_code("share code", share_code)
    canaries.plant_code("enrollment code", enrollment_code)
    ctx.prefs.qsettings.sync()
    delegate_ctx.prefs.qsettings.sync()
    folders = [app_folder, delegate_folder]
    assert canary_hits(folders, canaries) == []
    planted = delegate_folder / "data" / "planted.txt"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text(f"oops {owner_share.private_key.upper()}")  # the search finds what it must
    hits = canary_hits(folders, canaries)
    assert hits and all(hit.endswith(f" in {planted}") for hit in hits)
