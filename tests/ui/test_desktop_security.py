"""The desktop side of the security review (desktop-security-review.md M2, L1-L4), each
reproduced against the real app: the built-in co-signer ends with the app whatever signal ends
it, Ctrl-C quits; the settings file is this account's only; a weak share-file passphrase is
refused on screen; a copied share code is marked for clipboard managers and cleared at quit; an
expired pinned certificate is called expired, not an interception."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from app.client import CertificateExpired, PinMismatch
from app.local_cosigner import READY_FILE, _alive
from tests.helpers import CONSOLE_SCRIPT, REPO
from ui.context import Prefs, open_settings
from ui.errors import explain
from ui.passphrase_dialog import PassphraseDialog
from ui.widgets import SENSITIVE_MIME, copy_to_clipboard


def _app_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SPLITKEY_CONFIG_DIR": str(tmp_path / "config"),
        "SPLITKEY_DATA_DIR": str(tmp_path / "data"),
    }


def _wait_for(check, seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_quits_the_app_and_its_cosigner(tmp_path, how):
    # M2: SIGTERM and SIGHUP ended the app and left the co-signer running unsealed (ppid 1);
    # SIGINT (Ctrl-C) was ignored altogether.
    config = tmp_path / "config"
    config.mkdir()
    (config / "desktop.ini").write_text("[cosigner]\nmode=local\n")
    command = [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.exists() else [
        sys.executable, "-m", "ui.main"
    ]  # fmt: skip
    app = subprocess.Popen(
        command,
        env=_app_env(tmp_path),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = tmp_path / "data" / "cosigner" / READY_FILE
    cosigner = None
    try:
        assert _wait_for(ready.exists), "the built-in co-signer did not start"
        cosigner = json.loads(ready.read_text())["pid"]
        app.send_signal(getattr(signal, how))
        out, err = app.communicate(timeout=90)
        assert app.returncode == 0, err
        assert err == ""
        assert _wait_for(lambda: not _alive(cosigner), 60), "the co-signer outlived the app"
        assert not ready.exists()
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
        if cosigner is not None and _alive(cosigner):
            os.kill(cosigner, signal.SIGKILL)


def test_the_settings_file_is_this_accounts_only(qapp, tmp_path):
    # L3: desktop.ini was 0644 and an existing 0755 config folder stayed so.
    folder = tmp_path / "config"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    old = os.umask(0o022)
    try:
        prefs = Prefs(open_settings(folder))
        prefs.set_cosigner("remote", "https://cosigner.example", "ab" * 32)
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "desktop.ini").stat().st_mode) == 0o600
    assert QSettings(str(folder / "desktop.ini"), QSettings.Format.IniFormat).value(
        "cosigner/url"
    ) == "https://cosigner.example"


@pytest.mark.parametrize("weak", ["12345678", "aaaaaaaa", "password", "1234567890"])
def test_a_weak_share_file_passphrase_is_refused_on_screen(qtbot, weak):
    # L2: length >= 8 was the only rule.
    dialog = PassphraseDialog("No safe keyring here.", create=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.passphrase, weak)
    qtbot.keyClicks(dialog.repeat, weak)
    dialog.accept_box.setChecked(True)
    dialog.ok.click()
    assert dialog.isVisible() and dialog.result() == 0
    assert "too easy to guess" in dialog.error.text() or "at least 10" in dialog.error.text()
    dialog.passphrase.clear()
    dialog.repeat.clear()
    qtbot.keyClicks(dialog.passphrase, "quiet lantern orbit")
    qtbot.keyClicks(dialog.repeat, "quiet lantern orbit")
    dialog.ok.click()
    assert dialog.result() == 1


def test_a_copied_share_code_is_marked_secret_and_cleared_at_quit(qapp):
    # L1: the code went to the clipboard as text/plain only, and a quit within the minute left
    # it there.
    clipboard = QGuiApplication.clipboard()
    copy_to_clipboard("SK1-share-code-for-test", sensitive=True)
    data = clipboard.mimeData()
    assert data.text() == "SK1-share-code-for-test"
    assert bytes(data.data("x-kde-passwordManagerHint")) == b"secret"
    assert set(SENSITIVE_MIME) <= set(data.formats())
    qapp.aboutToQuit.emit()
    assert clipboard.text() == ""
    # An id is not a secret: plain text, left for the minute.
    copy_to_clipboard("0123abcd")
    assert clipboard.text() == "0123abcd"
    assert not clipboard.mimeData().hasFormat("x-kde-passwordManagerHint")
    qapp.aboutToQuit.emit()
    assert clipboard.text() == "0123abcd"
    clipboard.clear()


def test_an_expired_pinned_certificate_is_not_called_an_interception():
    # L4: the same words as a man in the middle.
    expired = explain(CertificateExpired("the pinned certificate has expired"))
    assert "expired" in expired.title and "intercept" not in expired.full_text()
    early = explain(CertificateExpired("not valid yet", not_yet_valid=True))
    assert "not valid yet" in early.title and "date and time" in early.text
    other = explain(PinMismatch("the server's certificate is not the pinned one"))
    assert "intercepting" in other.text and other.serious
