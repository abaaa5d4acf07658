"""The desktop end to end, through its real widgets: first run with "This computer" (the bundled
co-signer as a real child process, app/local_cosigner.py), create a wallet, confirm the words,
sign a transfer, and check that the signature shown verifies under the wallet key. The shares
go to the real keyring (gnome-keyring's Secret Service under tests/keyring_session.sh, as
`make test` runs it); afterwards no planted secret is found in the app's folders.

The second half of the issue's flow (share with a delegate, cap, revoke) follows once the share
and revoke dialogs are in (ui/share_dialog.py, ui/revoke_dialog.py)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QWizard

from app.crypto import PublicKey, Signature
from app.transaction import Transaction
from tests.secret_service import secret_service_problem
from tests.share_store_helpers import MemoryKeyring
from ui.context import AppContext
from ui.main import Desktop
from ui.wizard import wizard as flow

pytestmark = pytest.mark.slow

WAIT_MS = 90_000  # the first start initialises the co-signer's data directory
RECIPIENT = "ab" * 32


def press_next(qtbot, wizard, expected_page: int) -> None:
    page = wizard.currentPage()
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(
        lambda: (
            wizard.currentId() == expected_page
            or (hasattr(page, "banner") and page.banner.explanation is not None)
        ),
        timeout=WAIT_MS,
    )
    if wizard.currentId() != expected_page:
        pytest.fail(f"stayed on page {wizard.currentId()}: {page.banner.text()}")


def forms(secret: str | bytes) -> list[bytes]:
    """A secret as it could sit in a file: raw, hex (both cases) and base64."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return [raw, raw.hex().encode(), raw.hex().upper().encode(), base64.b64encode(raw)]


def canary_hits(folders: list[Path], secrets: dict[str, str | bytes]) -> list[str]:
    hits = []
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file():
                continue
            content = path.read_bytes()
            for name, secret in secrets.items():
                if any(form in content for form in forms(secret)):
                    hits.append(f"{name} in {path}")
    return hits


@pytest.fixture
def app_folder(tmp_path):
    return tmp_path / "desktop"


@pytest.fixture
def ctx(qapp, app_folder):
    app_folder.mkdir()
    settings = QSettings(str(app_folder / "desktop.ini"), QSettings.Format.IniFormat)
    store = None  # the real keyring: app/share_store.py picks the Secret Service
    local_factory = None  # app/local_cosigner.py: its KEK in that keyring
    problem = secret_service_problem()
    if problem is not None:
        # Outside `make test` there may be no Secret Service; the flow is still worth running,
        # with an in-memory keyring (the keyring itself is tested in tests/test_share_store*).
        import keyring

        from app.local_cosigner import start_local_cosigner
        from app.share_store import KeyringShareStore

        keyring.set_keyring(MemoryKeyring())
        store = KeyringShareStore(keyring.get_keyring(), "memory")
        # the child process cannot see this process's memory: its KEK goes to a 0600 file
        local_factory = lambda folder: start_local_cosigner(folder, kek_source="file")  # noqa: E731
    from app.share_store import open_share_store

    # Its own fallback-file path: another test's encrypted share file in the shared throw-away
    # HOME must not make this app ask for a passphrase.
    context = AppContext(
        settings,
        data_directory=app_folder / "data",
        store=store,
        store_opener=lambda: open_share_store(path=app_folder / "shares.enc"),
        local_factory=local_factory,
    )
    yield context
    context.shutdown()


def test_first_run_create_wallet_and_sign_a_transfer(qtbot, ctx, app_folder):
    desktop = Desktop(ctx)
    desktop.start()
    wizard = desktop.wizard
    assert wizard is not None and wizard.isVisible()
    assert wizard.page(flow.COSIGNER).local.isChecked()

    # 1. "This computer": the bundled co-signer starts and signs its owner in
    press_next(qtbot, wizard, flow.WALLET)
    assert ctx.local is not None and ctx.local.url.startswith("http://127.0.0.1:")

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
    assert window.entry.status == "active" and window.entry.can_sign
    assert window.badge.text() == "active"
    shown_public_key = window.overview.public_key.value()

    # 4. sign a transfer through the Sign tab and its Review dialog
    tab = window.sign
    window.tabs.setCurrentWidget(tab)
    qtbot.keyClicks(tab.recipient, RECIPIENT)
    qtbot.keyClicks(tab.amount, "3.5")
    tab.fee.setText("0.01")
    qtbot.mouseClick(tab.review_button, Qt.MouseButton.LeftButton)
    dialog = tab.review
    assert dialog is not None and dialog.isVisible()
    shown = dialog.shown_fields()
    assert shown["To"] == RECIPIENT and shown["Amount"].startswith("3.5 ZCN")
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: not tab._signing() and (tab.result_box.isVisible() or tab.banner.isVisible()),
        timeout=WAIT_MS,
    )
    assert tab.result_box.isVisible(), tab.banner.text()

    # 5. the shown signature verifies under the wallet key shown in the Overview
    signed = Transaction.from_json(tab.result.toPlainText())
    assert signed.hash == shown["Hash"]
    assert PublicKey.from_hex(shown_public_key).verify_hash(
        signed.hash, Signature.from_hex(signed.signature)
    )
    assert signed.client_id == client_id and signed.verify()

    # 6. no planted secret in the app's settings, data (incl. the co-signer's) or logs
    (split_id,) = ctx.prefs.share_ids()
    share = ctx.store().load(split_id)
    secrets = {
        "mnemonic": mnemonic,
        "share private key (hex)": share.private_key,
        "share private key (bytes)": bytes.fromhex(share.private_key),
    }
    for i in range(3):
        secrets[f"mnemonic words {i + 1}-{i + 4}"] = " ".join(words[i : i + 4])
    ctx.prefs.qsettings.sync()
    assert canary_hits([app_folder], secrets) == []
    planted = app_folder / "data" / "planted.txt"
    planted.write_text(f"oops {share.private_key.upper()}")  # the search finds what it must
    hits = canary_hits([app_folder], secrets)
    assert hits and all(hit.endswith(f" in {planted}") for hit in hits)
