"""Canary check of the desktop: a GUI flow with known secrets, then a search for them in every
place the app writes — its data directory (including the built-in co-signer's data, its
desktop.json and serve.log), its config (the QSettings file) and its log (every record at DEBUG
level while the flow ran). Zero hits expected.

The flow drives the real widgets against the real built-in co-signer (a child process, as
"This computer" runs it): the first-run wizard imports a wallet from known recovery words, the
Messages tab co-signs with the share from the store, the Shares tab's Share dialog makes a
one-time code. The planted secrets: the mnemonic (whole and any 4 consecutive words), the
wallet's master key, this computer's user share, the share code and the session's bearer token,
each searched raw, hex (any case), base64 and base64url at every alignment, and the keys also
as big-endian and decimal numbers (tests/canaries.py).

The search is checked to work: a secret planted on purpose is found in each kind of place."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import QSettings

from app.crypto import SecretKey
from app.keys import generate_mnemonic, secret_key_from_mnemonic
from app.local_cosigner import start_local_cosigner
from app.share_store import KeyringShareStore
from tests.canaries import Canaries, data_dir_files
from tests.log_capture import debug_log_to
from tests.secret_service import secret_service_problem
from tests.ui.conftest import WAIT_MS, wait_job
from ui.context import AppContext
from ui.messages_tab import MessagesTab
from ui.shares_tab import SharesTab
from ui.wizard.wizard import DONE, IMPORT, IMPORT_CHOICE, WALLET, FirstRunWizard

pytestmark = pytest.mark.slow


@pytest.fixture
def app_log(tmp_path: Path):
    """Everything the app logs, at every level, into a file (what a user's log would hold)."""
    with debug_log_to(tmp_path / "logs" / "splitkey.log") as path:
        yield path


@pytest.fixture
def share_store():
    """The real Secret Service where there is one (CI), else the in-memory backend: the
    keyring is where the share belongs, so it is not one of the places searched."""
    if secret_service_problem() is None:
        from keyring.backends import SecretService

        backend = SecretService.Keyring()
        keyring.set_keyring(backend)  # the built-in co-signer's child uses the same backend
        return KeyringShareStore(backend, "SecretService Keyring")
    from tests.share_store_helpers import MemoryKeyring

    return KeyringShareStore(MemoryKeyring(), "memory")


def _places(data: Path, config: Path, log: Path) -> dict[str, bytes]:
    files = {f"data/{k}": v for k, v in data_dir_files(data).items()}
    files.update({f"config/{k}": v for k, v in data_dir_files(config).items()})
    files["log"] = log.read_bytes()
    return files


def test_no_secret_reaches_the_apps_files_settings_or_log(qtbot, tmp_path, app_log, share_store):
    data, config = tmp_path / "data", tmp_path / "config"
    config.mkdir()
    settings = QSettings(str(config / "desktop.ini"), QSettings.Format.IniFormat)
    # The KEK goes to a file in the data directory: the keyring's one co-signer KEK entry is
    # the subject of tests/test_local_cosigner.py, which may run at the same time.
    started = []

    def local_factory(directory: Path):
        started.append(start_local_cosigner(directory, kek_source="file"))
        return started[-1]

    ctx = AppContext(settings, data_directory=data, store=share_store, local_factory=local_factory)
    mnemonic = generate_mnemonic()
    try:
        # First run: "This computer" (the default), then import the wallet from its words.
        wizard = FirstRunWizard(ctx)
        qtbot.addWidget(wizard)
        wizard.show()
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentId() == WALLET, timeout=WAIT_MS)
        assert started and started[0].data_dir == data / "cosigner"
        wizard.currentPage().set_choice(IMPORT_CHOICE)
        wizard.next()
        assert wizard.currentId() == IMPORT
        wizard.currentPage().words.setPlainText(mnemonic)
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentId() == DONE, timeout=WAIT_MS)
        client_id = wizard.client_id
        wizard.accept()

        entries = wait_job(qtbot, ctx.refresh_wallets())
        entry = next(e for e in entries if e.client_id == client_id)
        [share] = ctx.stored_shares()

        # Sign a message with this computer's share and the co-signer.
        messages = MessagesTab(ctx)
        qtbot.addWidget(messages)
        messages.set_entry(entry)
        messages.message.setPlainText("hello from the canary test")
        answer = wait_job(qtbot, messages.sign_message())
        assert answer.signature

        # Share the wallet: a one-time code.
        shares = SharesTab(ctx)
        qtbot.addWidget(shares)
        shares.set_entry(entry)
        dialog = shares.open_share()
        dialog.per_period.setText("5")
        made = wait_job(qtbot, dialog.create())
        share_code = made.share_code
        dialog.accept()
        token = ctx.session.api.token
    finally:
        ctx.shutdown()
    settings.sync()
    assert not any(s.running() for s in started), "the built-in co-signer was not stopped"

    canaries = Canaries()
    canaries.plant_mnemonic("mnemonic", mnemonic)
    canaries.plant_scalar("master key", secret_key_from_mnemonic(mnemonic))
    canaries.plant_scalar("user share", SecretKey.from_hex(share.private_key))
    canaries.plant_code("share code", share_code)
    canaries.plant("bearer token", token)

    places = _places(data, config, app_log)
    # The flow really wrote to each place searched.
    assert "config/desktop.ini" in places and b"cosigner" in places["config/desktop.ini"]
    assert any(name.startswith("data/cosigner/cosigner.db") for name in places)
    assert b"POST /v1/sign/message" in places["data/cosigner/serve.log"]
    assert places["log"], "nothing was logged: the log search would prove nothing"
    hits = [hit for where, blob in places.items() for hit in canaries.hits(where, blob)]
    assert hits == []

    # The search finds a secret where it would be: in a data file, the settings and the log.
    planted = tmp_path / "planted"
    planted.mkdir()
    for place in ("data", "config"):
        (planted / place).mkdir()
    (planted / "data" / "oops.json").write_text(f'{{"k": "{share.private_key.upper()}"}}')
    leaky = QSettings(str(planted / "config" / "desktop.ini"), QSettings.Format.IniFormat)
    leaky.setValue("words", " ".join(mnemonic.split()[5:9]))
    leaky.sync()
    (planted / "log").write_text(f"DEBUG code {share_code.replace('-', '')}\n")
    found = [
        hit
        for where, blob in _places(planted / "data", planted / "config", planted / "log").items()
        for hit in canaries.hits(where, blob)
    ]
    assert any(h.startswith("user share (") and "data/oops.json" in h for h in found)
    assert any(h.startswith("mnemonic (words 6-9)") and "config/" in h for h in found)
    assert any(h.startswith("share code (bare-") and h.endswith("in log") for h in found)
    assert os.environ.get("HOME")  # the run used a home directory (throw-away under make test)
