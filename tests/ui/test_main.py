"""The entry points and the main window: `splitkey` alone opens the window, with arguments it is
the headless CLI; wallets appear in their sections with status badges; an unreachable co-signer
is a normal state with Retry."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from app.client import CosignerUnreachable
from app.permissions import ZCN, Permissions
from app.session import CosignerSession
from tests.helpers import CONSOLE_SCRIPT, REPO
from tests.ui.conftest import WAIT_MS, connected, give_owner_a_wallet, wait_job
from ui.context import OFFLINE, ONLINE
from ui.main_window import MainWindow
from ui.models import ENTRY_ROLE, STATUS_ROLE


def _splitkey(*args: str, env_extra: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    command = [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.exists() else [
        sys.executable, "-m", "ui.main"
    ]  # fmt: skip
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SPLITKEY_CONFIG_DIR": str(tmp_path / "config"),
        "SPLITKEY_DATA_DIR": str(tmp_path / "data"),
        **env_extra,
    }
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
        check=False,
    )  # fmt: skip


def test_splitkey_without_arguments_opens_the_window(tmp_path):
    done = _splitkey(
        env_extra={"SPLITKEY_EXIT_WHEN_SHOWN": "1", "SPLITKEY_T0": str(time.time())},
        tmp_path=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("shown "), done.stdout
    # a first run leaves only the (empty) settings behind: no secret, no co-signer started
    assert not (tmp_path / "data" / "cosigner").exists()


def test_splitkey_with_arguments_is_the_headless_cli(tmp_path):
    done = _splitkey("keys", "new", env_extra={}, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["mnemonic"].split()) == 24


@pytest.fixture
def window(qtbot, ctx):
    made = MainWindow(ctx)
    qtbot.addWidget(made)
    made.show()
    return made


def _rows(window):
    model = window.wallets.model_
    found = {}
    for section in range(model.rowCount()):
        parent = model.index(section, 0)
        title = parent.data()
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            if index.data(ENTRY_ROLE) is not None:
                found.setdefault(title, []).append(index.data(STATUS_ROLE))
    return found


def test_wallets_appear_in_their_sections_with_badges(qtbot, ctx, window, owner_cosigner, server):
    share, created = give_owner_a_wallet(ctx, owner_cosigner)
    with owner_cosigner.client() as api:
        frozen = api.create_wallet()
        api.freeze(frozen.wallet.client_id)
        # a wallet someone else owns, shared with this account by user id
        other = owner_cosigner.__class__(server, "carol", "user")
        with other.client() as carol:
            theirs = carol.create_wallet()
            carol.create_split(
                theirs.wallet.client_id,
                "for owner",
                owner_cosigner.user.id,
                Permissions(groups=frozenset({"token_transfers"}), max_value_per_period=ZCN),
            )
    connected(qtbot, ctx)
    assert _rows(window) == {
        "My wallets": ["active", "frozen"]
        if ctx.entries[0].client_id == share.client_id
        else ["frozen", "active"],
        "Shared with me": ["active"],
    }
    assert window.entry is not None and window.badge.isVisible()
    # the Shares and Activity tabs are for owners only
    window.wallets.select(theirs.wallet.client_id)
    assert window.entry.client_id == theirs.wallet.client_id
    for tab in window.owner_tabs:
        assert not window.tabs.isTabVisible(window.tabs.indexOf(tab))
    window.wallets.select(created.wallet.client_id)
    for tab in window.owner_tabs:
        assert window.tabs.isTabVisible(window.tabs.indexOf(tab))


def test_an_unreachable_cosigner_is_a_state_with_retry(qtbot, ctx, window, owner_cosigner):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    ctx.prefs.set_cosigner("remote", f"http://127.0.0.1:{closed_port}", None)
    ctx.session = CosignerSession(ctx.prefs.url, sign_in=owner_cosigner.sign_in)
    with pytest.raises(CosignerUnreachable):
        wait_job(qtbot, ctx.refresh_wallets())
    assert ctx.state == OFFLINE
    assert window.offline_bar.isVisible() and window.retry_button.isVisible()
    assert "not reachable" in window.offline_text.text()
    assert "Traceback" not in window.offline_text.text()
    # the co-signer is back: Retry reloads, the bar goes away
    ctx.session = CosignerSession(owner_cosigner.url, sign_in=owner_cosigner.sign_in)
    window.retry_button.click()
    qtbot.waitUntil(lambda: ctx.state == ONLINE, timeout=WAIT_MS)
    assert not window.offline_bar.isVisible()


def test_the_ui_package_holds_no_server_imports():
    from tests.import_graph import imported_roots

    offenders = {
        str(path.relative_to(REPO)): sorted(bad)
        for path in sorted((REPO / "ui").rglob("*.py"))
        if (bad := imported_roots(path.read_text()) & {"cosigner_server", "aiohttp"})
    }
    assert offenders == {}


def test_switching_themes_under_open_windows_does_not_crash(qtbot, qapp, ctx):
    # A crash regression: PySide6 6.12 crashed here when the theme code asked app.style() for
    # its name. Each theme also reaches the palette the windows draw with.
    from ui.theme import apply_theme, system_is_dark
    from ui.wizard import FirstRunWizard

    wizard = FirstRunWizard(ctx)
    window = MainWindow(ctx)
    for widget in (wizard, window):
        qtbot.addWidget(widget)
        widget.show()
    for theme in ("dark", "light", "system", "dark", "light"):
        dark = apply_theme(qapp, theme)
        qtbot.wait(10)
        assert dark == (system_is_dark() if theme == "system" else theme == "dark")
        window_colour = window.palette().color(window.backgroundRole())
        assert (window_colour.lightness() < 128) == dark, theme


def test_signed_out_of_an_organisation_cosigner_offers_sign_in(
    qtbot, qapp, tmp_path, store, owner_cosigner
):
    from tests.ui.conftest import make_context
    from ui.context import SIGNED_OUT
    from ui.main import Desktop
    from ui.wizard import wizard as flow

    ctx = make_context(qapp, tmp_path / "remote", store)
    try:
        ctx.prefs.set_cosigner("remote", owner_cosigner.url, None)
        desktop = Desktop(ctx)
        desktop.start()  # configured: the window, then a refresh that needs an account token
        window = desktop.window
        qtbot.waitUntil(lambda: ctx.state == SIGNED_OUT, timeout=WAIT_MS)
        assert window.offline_bar.isVisible() and window.retry_button.text() == "Sign in…"
        window.retry_button.click()
        wizard = desktop.wizard
        assert wizard is not None and wizard.currentId() == flow.SIGNIN
        qtbot.keyClicks(wizard.page(flow.SIGNIN).code, owner_cosigner.new_code())
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentId() == flow.WALLET, timeout=WAIT_MS)
        wizard.page(flow.WALLET).set_choice(flow.SKIP)
        wizard.next()
        wizard.accept()
        qtbot.waitUntil(lambda: ctx.state == "online", timeout=WAIT_MS)
        assert not window.offline_bar.isVisible()
    finally:
        ctx.shutdown()
