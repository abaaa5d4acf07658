"""The app lock (issue 15.6): an optional password asked when the app opens, after an idle time
the person picks, and on "Lock now". While locked the main window shows only the lock screen
(no wallet, key, balance or history), open dialogs are closed, and AppContext.cosigner refuses
every call, so a locked app signs nothing. The password is kept as an Argon2id hash
(app/app_lock.py); checking it takes a moment, so it runs on the runner."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app.app_lock import check_password
from ui.context import AppContext
from ui.runner import Job

# What counts as the person being there (a window merely repainting does not).
_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class AppLock(QObject):
    unlock_failed = Signal(str)  # why, in words

    def __init__(self, ctx: AppContext, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent or window)
        self.ctx = ctx
        self.window = window
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self.lock)
        self._checking: Job | None = None
        QApplication.instance().installEventFilter(self)
        self.apply_settings()

    @property
    def enabled(self) -> bool:
        return self.ctx.prefs.lock_hash is not None

    def apply_settings(self) -> None:
        """After the password or the idle time changed."""
        minutes = self.ctx.prefs.idle_minutes
        if self.enabled and minutes > 0 and not self.ctx.locked:
            self._idle.start(minutes * 60_000)
        else:
            self._idle.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in _ACTIVITY and self._idle.isActive():
            self._idle.start()  # same interval, counted again from now
        return False

    def lock(self) -> bool:
        """Lock now; False when no password is set (nothing to unlock with)."""
        if not self.enabled:
            return False
        self._idle.stop()
        # A dialog left open (a review, a share code) must not stay readable behind the lock.
        for dialog in self.window.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()
        self.ctx.set_locked(True)
        return True

    def unlock(self, attempt: str) -> Job | None:
        """Check the password off the GUI thread; unlocks on success, else unlock_failed."""
        stored = self.ctx.prefs.lock_hash
        if stored is None:
            self._unlocked()
            return None
        if self._checking is not None and self._checking.running:
            return self._checking
        job = self.ctx.runner.call(
            check_password, stored, attempt, label=self.tr("Checking the password")
        )
        self._checking = job
        job.finished.connect(lambda ok: self._unlocked() if ok else self._refused())
        job.failed.connect(lambda _exc: self._refused())
        return job

    def _unlocked(self) -> None:
        self.ctx.set_locked(False)
        self.apply_settings()

    def _refused(self) -> None:
        self.unlock_failed.emit(self.tr("That is not the password."))
