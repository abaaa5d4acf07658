"""Issue 15.4: the built-in co-signer is supervised. Review step 6: after it was killed the status
bar kept saying "Connected", and Retry and Try again did nothing; only restarting the app helped.
Now a crash is seen within SUPERVISE_MS, the status bar and the banner say what happened, it is
restarted with a growing wait, and Retry restarts it at once. The real child process is used
(app/local_cosigner.py), with its KEK in a file (tests/test_local_cosigner.py covers the
keyring)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from app.local_cosigner import start_local_cosigner
from tests.ui.conftest import WAIT_MS, make_context, wait_job
from ui.context import OFFLINE, ONLINE
from ui.main_window import MainWindow

pytestmark = pytest.mark.slow


@pytest.fixture
def local_ctx(qapp, tmp_path: Path, store):
    started = []

    def factory(directory: Path):
        started.append(start_local_cosigner(directory, kek_source="file"))
        return started[-1]

    context = make_context(qapp, tmp_path / "app", store, factory)
    yield context
    context.shutdown()
    for local in started:
        local.owned = True
        local.stop(timeout=10)


def test_a_crashed_builtin_cosigner_is_seen_restarted_and_retry_restarts_it(qtbot, local_ctx):
    ctx = local_ctx
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    ctx.prefs.set_cosigner("local", None, None)
    wait_job(qtbot, ctx.start_local())
    wait_job(qtbot, ctx.refresh_wallets())
    assert ctx.state == ONLINE
    assert window.connection.text() == "Connected to the co-signer on this computer"

    # Killed (an OOM kill, a crash): seen without the user doing anything.
    first = ctx.local.pid
    os.kill(first, signal.SIGKILL)
    qtbot.waitUntil(lambda: ctx.state == OFFLINE, timeout=WAIT_MS)
    assert window.connection.text() == "The co-signer on this computer stopped"
    assert window.offline_bar.isVisible() and window.retry_button.text() == "Retry"
    assert "signal 9" in window.offline_text.text()
    assert "starts it again in 1 s" in window.offline_text.text()

    # ... and restarted after the wait, without the user.
    qtbot.waitUntil(lambda: ctx.state == ONLINE, timeout=WAIT_MS)
    second = ctx.local.pid
    assert second != first and ctx.local.running()
    assert not window.offline_bar.isVisible()
    wait_job(qtbot, ctx.refresh_wallets())  # signed in again, on the new server

    # Killed again: Retry restarts it at once (no wait for the timer).
    os.kill(second, signal.SIGKILL)
    qtbot.waitUntil(lambda: ctx.state == OFFLINE, timeout=WAIT_MS)
    window.retry_button.click()
    qtbot.waitUntil(lambda: ctx.state == ONLINE, timeout=WAIT_MS)
    third = ctx.local.pid
    assert third not in (first, second) and ctx.local.running()
    wait_job(qtbot, ctx.refresh_wallets())

    # Killed again, and the person presses a tab's "Try again" (any call to the co-signer)
    # before the timer: the call starts it again first and then goes through.
    os.kill(third, signal.SIGKILL)
    ctx.local.process.wait(10)
    assert wait_job(qtbot, ctx.cosigner(lambda api: api.wallets(), "Try again")) is not None
    assert ctx.local.pid != third and ctx.local.running()


def test_restarts_that_fail_wait_longer_each_time(qtbot, local_ctx, monkeypatch):
    ctx = local_ctx
    ctx.prefs.set_cosigner("local", None, None)
    wait_job(qtbot, ctx.start_local())
    local = ctx.local

    def broken(timeout: float = 0) -> None:
        from app.local_cosigner import LocalCosignerError

        raise LocalCosignerError("the built-in co-signer stopped: cannot open its data")

    monkeypatch.setattr(local, "restart", broken)
    os.kill(local.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: ctx.restart_in == 1, timeout=WAIT_MS)
    waits = []
    for _ in range(3):
        job = ctx.restart_local()
        with pytest.raises(Exception, match="cannot open its data"):
            wait_job(qtbot, job)
        waits.append(ctx.restart_in)
    assert waits == [2, 4, 8]
    assert ctx.state == OFFLINE and "cannot open its data" in ctx.last_problem.text
