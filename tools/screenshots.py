"""Render the desktop's main screens to docs/screenshots/*.png, offscreen, with real data: the
built-in co-signer runs as its child process in a throw-away folder, a wallet is created, shared
and signed with through the same code paths the app uses.

    python tools/screenshots.py [--out docs/screenshots]

Pictures: main window (light and dark, an own and a shared wallet), the Sign tab with a verified
result, the wizard's first page and its recovery-words page, the Review dialog, the Share dialog
with its resulting code, and the Revoke dialog.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="splitkey-screenshots-") as tmp:
        render(Path(tmp), args.out)
    # PySide6 can crash while the interpreter tears Qt objects down at exit; all is saved.
    sys.stdout.flush()
    os._exit(0)


def render(folder: Path, out: Path) -> None:
    from keyring.backend import KeyringBackend
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from app.local_cosigner import start_local_cosigner
    from app.permissions import ZCN, Permissions
    from app.share_store import KeyringShareStore
    from app.wallets import new_device_key
    from ui.context import AppContext
    from ui.main import Desktop, make_application
    from ui.theme import apply_theme
    from ui.wizard import FirstRunWizard
    from ui.wizard import wizard as flow

    class Memory(KeyringBackend):  # the pictures need no real keyring
        priority = 1
        entries: dict = {}

        def get_password(self, service, username):
            return self.entries.get((service, username))

        def set_password(self, service, username, password):
            self.entries[(service, username)] = password

        def delete_password(self, service, username):
            self.entries.pop((service, username), None)

    app = make_application()
    apply_theme(app, "light")

    def settle(ms: int = 150) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def wait(job):
        while job.running:
            settle(20)
        if job.error is not None:
            raise job.error
        return job.result

    def save(widget: QWidget, name: str) -> None:
        widget.show()
        widget.raise_()
        settle()
        path = out / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise RuntimeError(f"could not write {path}")
        print(path)

    store = KeyringShareStore(Memory(), "GNOME Keyring")
    settings = QSettings(str(folder / "desktop.ini"), QSettings.Format.IniFormat)
    ctx = AppContext(
        settings,
        data_directory=folder / "data",
        store=store,
        local_factory=lambda d: start_local_cosigner(d, kek_source="file"),
    )
    try:
        # -- the wizard's first page, before anything exists --
        wizard = FirstRunWizard(ctx)
        wizard.resize(780, 600)
        save(wizard, "wizard")

        # -- the co-signer, two wallets of mine, one shared with me --
        ctx.prefs.set_cosigner("local", None, None)
        wait(ctx.start_local())

        async def setup(api):
            made = []
            for _ in range(2):
                created = await api.create_wallet()
                made.append(await new_device_key(api, created.wallet.client_id, "this laptop"))
            alice = await api.create_user("alice")
            return made, alice

        (mine, spare), alice = wait(ctx.cosigner(setup))
        for share in (mine, spare):
            ctx.save_share(share)

        from app.client import CosignerClient

        with CosignerClient(ctx.local.url, unix_socket=ctx.local.unix_socket) as alice_api:
            alice_api.enroll(alice.enrollment_code)
            theirs = alice_api.create_wallet()
            limits = Permissions(
                groups=frozenset({"token_transfers"}),
                max_per_transaction=2 * ZCN,
                max_value_per_period=5 * ZCN,
                expires_at=int(time.time()) + 12 * 86_400,
            )
            alice_api.create_split(theirs.wallet.client_id, "for Sam", ctx.session.user_id, limits)

        async def take_shared(api):
            splits = await api.my_splits()
            split = next(s for s in splits if s.client_id == theirs.wallet.client_id)
            return await api.retrieve_share(split.id)

        ctx.save_share(wait(ctx.cosigner(take_shared)))
        ctx.sync_share_index()

        desktop = Desktop(ctx)
        window = desktop.window
        window.resize(1180, 780)
        window.show()
        wait(ctx.refresh_wallets())

        # one real co-sign with the shared key, so its allowance meter has something to show
        window.wallets.select(theirs.wallet.client_id)
        sign = window.sign
        sign.recipient.setText(mine.client_id)
        sign.amount.setText("1.5")
        sign.fee.setText("0.01")
        sign.start_review().accept()
        wait(sign.job)
        if sign.result_tx is None:
            raise RuntimeError(sign.banner.text())
        window.tabs.setCurrentWidget(sign)
        save(window, "sign")
        wait(ctx.refresh_wallets())
        window.tabs.setCurrentWidget(window.overview)
        save(window, "main-window-shared")

        window.wallets.select(mine.client_id)
        save(window, "main-window")
        apply_theme(app, "dark")
        save(window, "main-window-dark")
        apply_theme(app, "light")
        size = window.size()
        window.resize(800, 600)  # the smallest size the layout test holds to
        save(window, "main-window-800x600")
        window.resize(size)

        # -- the app lock: its settings, then the locked window --
        from app.app_lock import hash_password

        ctx.prefs.lock_hash = hash_password("screenshot only")
        lock_settings = window.open_lock_settings()
        save(lock_settings, "app-lock-settings")
        lock_settings.reject()
        window.app_lock.lock()
        save(window, "locked")
        ctx.prefs.lock_hash = None
        ctx.set_locked(False)

        # -- the Review dialog of a transfer --
        window.tabs.setCurrentWidget(sign)
        sign.recipient.setText(theirs.wallet.client_id)
        sign.amount.setText("12.5")
        sign.fee.setText("0.01")
        sign.note.setText("invoice 2026-117")
        review = sign.start_review()
        review.resize(760, 640)
        save(review, "review")
        review.reject()

        # -- sharing: the form, then the code --
        from ui.share_dialog import ShareDialog

        share_dialog = ShareDialog(ctx, window.entry, window)
        share_dialog.label.setText("Sam's phone")
        share_dialog.per_transaction.setText("2")
        share_dialog.per_period.setText("5")
        share_dialog.update_preview()
        save(share_dialog, "share")
        wait(share_dialog.create())
        settle()
        save(share_dialog, "share-code")
        made = share_dialog.result_split
        share_dialog.accept()

        # -- revoking that key --
        from ui.revoke_dialog import RevokeDialog

        revoke = RevokeDialog(ctx, made.split, me=ctx.session.user_id, parent=window)
        save(revoke, "revoke")
        revoke.reject()

        # -- the recovery words page of a new wallet (a throw-away one) --
        words = FirstRunWizard(ctx, start=flow.WALLET)
        words.resize(780, 640)
        words.show()
        settle()
        words.next()
        page = words.page(flow.WORDS)
        deadline = time.monotonic() + 60
        while not words.words() and time.monotonic() < deadline:
            settle(50)
        page.written.setChecked(True)
        save(words, "wizard-words")
        words.forget_words()
        words.close()
    finally:
        ctx.shutdown()
    QApplication.processEvents()


if __name__ == "__main__":
    main()
