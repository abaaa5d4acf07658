"""Fixtures for the desktop tests: a real co-signer (tests/cosigner_server/conftest.py's
in-process server on 127.0.0.1, on its own loop and thread), an AppContext wired to it with its
own settings file and data folder, and a share store; `owned` and `tab` (a wallet the owner
shares, in the Shares tab) for the modules about shares; `furnished` (a main window with a
wallet, a key and a share) for the layout and accessibility walks.

Qt runs offscreen (tests/conftest.py sets QT_QPA_PLATFORM before anything imports Qt)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from app.client import AsyncCosignerClient, CosignerClient
from app.client_calls import Session
from app.share_store import KeyringShareStore
from cosigner_server import identity
from cosigner_server.bootstrap import init_data_dir
from tests.cosigner_server.conftest import RunningServer, make_config, run_server
from tests.share_store_helpers import MemoryKeyring
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.shares_tab import SharesTab
from ui.theme import apply_theme

WAIT_MS = 60_000  # generous: CI machines are slow and the pairing is pure Python there


class InThreadCosigner:
    """The in-process server dressed as the built-in co-signer (ui/context.LocalCosignerLike):
    an admin account whose enrollment codes are issued on the server's own loop, the way
    app/local_cosigner.py gets them from the CLI."""

    def __init__(self, server: RunningServer, subject: str = "owner", role: str = "admin"):
        self.server = server
        self.url = server.url
        self.unix_socket = None  # the in-process server listens on 127.0.0.1
        self.exit_code = None
        self.user, _code = server.call(identity.create_user(server.state, None, subject, role))
        self.stopped = False

    def new_code(self) -> str:
        return self.server.call(identity.issue_enrollment_code(self.server.state, None, self.user))

    async def sign_in(self, api: AsyncCosignerClient) -> Session:
        future = asyncio.run_coroutine_threadsafe(
            identity.issue_enrollment_code(self.server.state, None, self.user), self.server.loop
        )
        return await api.enroll(await asyncio.wrap_future(future))

    def client(self) -> CosignerClient:
        """A synchronous client signed in as this account (for setting things up in tests)."""
        api = CosignerClient(self.url)
        api.enroll(self.new_code())
        return api

    def running(self) -> bool:
        return not self.stopped

    def restart(self) -> None:
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    config = make_config(tmp_path / "cosigner")
    init_data_dir(config)
    yield from run_server(config)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def store(memory_keyring: MemoryKeyring) -> KeyringShareStore:
    return KeyringShareStore(memory_keyring, "memory")


def make_context(qapp, folder: Path, store, local_factory=None) -> AppContext:
    folder.mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(folder / "desktop.ini"), QSettings.Format.IniFormat)
    return AppContext(
        settings,
        data_directory=folder / "data",
        store=store,
        local_factory=local_factory,
    )


@pytest.fixture
def owner_cosigner(server: RunningServer) -> InThreadCosigner:
    return InThreadCosigner(server)


@pytest.fixture
def ctx(qapp, tmp_path: Path, store, owner_cosigner) -> Iterator[AppContext]:
    """An app whose "This computer" co-signer is the in-process server, signed in as its
    admin, with no wallet yet."""
    context = make_context(qapp, tmp_path / "app", store, lambda _dir: owner_cosigner)
    yield context
    context.shutdown()


def wait_job(qtbot, job, timeout: int = WAIT_MS):
    """Wait for a runner job to end; its result, or its exception re-raised."""
    if job.running:
        with qtbot.waitSignal(job.done, timeout=timeout):
            pass
    if job.error is not None:
        raise job.error
    return job.result


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch, tmp_path):
    """The desktop asks the 0Chain network for balances: in tests that is a closed local port
    (offline, a normal state) unless a test points it at the stand-in network; the network
    choice Settings saves goes to the test's own folder."""
    monkeypatch.setenv("SPLITKEY_NETWORK", "http://127.0.0.1:9/dns")
    monkeypatch.setenv("SPLITKEY_CONFIG_DIR", str(tmp_path / "user-config"))
    monkeypatch.delenv("SPLITKEY_CHAIN_ID", raising=False)


@pytest.fixture(autouse=True)
def _no_stray_keyring(monkeypatch):
    """A test that forgets to pass a store must not write to the real keyring of whoever runs
    the tests: the default keyring is an in-memory one here (the e2e tests opt in to the real
    Secret Service explicitly)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


def give_owner_a_wallet(ctx: AppContext, cosigner: InThreadCosigner):
    """A wallet owned by the cosigner's account with this computer's key in ctx's store, made
    through the synchronous client (the wizard tests make theirs through the widgets)."""
    with cosigner.client() as api:
        created = api.create_wallet()
        made = api.create_split(created.wallet.client_id, label="this computer", holder="me")
        share = api.retrieve_share(made.split.id)
    ctx.save_share(share)
    ctx.sync_share_index()
    return share, created


def connected(qtbot, ctx: AppContext) -> list:
    """Start the (in-thread) co-signer as "This computer", sign in, load the wallets."""
    ctx.prefs.set_cosigner("local", None, None)
    wait_job(qtbot, ctx.start_local())
    return wait_job(qtbot, ctx.refresh_wallets())


@pytest.fixture
def owned(qtbot, ctx, owner_cosigner):
    # The owner's own key stays on the co-signer side here (not in ctx's store): the app signs
    # in as the owner account, which is what the Shares and Activity tabs need.
    with owner_cosigner.client() as api:
        created = api.create_wallet()
        api.create_split(created.wallet.client_id, label="laptop", holder="me")
    entries = connected(qtbot, ctx)
    return next(e for e in entries if e.client_id == created.wallet.client_id)


@pytest.fixture
def tab(qtbot, ctx, owned):
    widget = SharesTab(ctx)
    qtbot.addWidget(widget)
    widget.set_entry(owned)
    wait_job(qtbot, widget.refresh())
    return widget


@pytest.fixture
def furnished(qtbot, ctx, owner_cosigner):
    """A main window with an owned wallet, its key on this computer, and a shared key."""
    give_owner_a_wallet(ctx, owner_cosigner)
    entries = connected(qtbot, ctx)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.wallets.select(entries[0].client_id)
    qtbot.waitUntil(lambda: window.entry is not None, timeout=WAIT_MS)
    shares = next(
        window.tabs.widget(i) for i in range(window.tabs.count())
        if isinstance(window.tabs.widget(i), SharesTab)
    )  # fmt: skip
    wait_job(qtbot, shares.refresh())
    yield window
    apply_theme(QApplication.instance(), "light")


@pytest.fixture
def wizard(qtbot, ctx):
    """The first-run wizard on ctx, shown."""
    from tests.ui.wizard_steps import open_wizard

    return open_wizard(qtbot, ctx)
