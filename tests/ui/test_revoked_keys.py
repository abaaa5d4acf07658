"""Issue 15.5: revoked and expired keys are unmistakable, and Activity says which key. Review:
at the default width the Status column was off-screen, revoked rows looked like active ones,
the holder read "nobody", "Revoked a key" did not say which, Activity kept stale rows until
Refresh, and double-click did nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.conftest import WAIT_MS, wait_job
from ui.activity_detail_dialog import ActivityDetailDialog
from ui.activity_tab import ActivityTab
from ui.main_window import MainWindow
from ui.shares_model import STATUS_COLUMN
from ui.shares_tab import SharesTab


def test_a_revoked_key_is_unmistakable_and_activity_names_it(qtbot, ctx, owned):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()  # the default size
    window.wallets.select(owned.client_id)
    qtbot.waitUntil(lambda: window.entry is not None, timeout=WAIT_MS)
    shares = next(
        window.tabs.widget(i) for i in range(window.tabs.count())
        if isinstance(window.tabs.widget(i), SharesTab)
    )  # fmt: skip
    window.tabs.setCurrentWidget(shares)
    wait_job(qtbot, shares.refresh())
    dialog = shares.open_share()
    dialog.label.setText("Sam's laptop")
    made = wait_job(qtbot, dialog.create())
    dialog.done_button.click()
    wait_job(qtbot, shares.refresh())
    shares.select(made.split.id)
    revoke = shares.open_revoke()
    wait_job(qtbot, revoke.confirm())
    wait_job(qtbot, shares.job)

    model, table = shares.model, shares.table
    row = model.row_of(made.split.id)
    status = model.index(row, STATUS_COLUMN)
    assert status.data() == "revoked"
    # On screen without scrolling, at the default window size.
    x = table.horizontalHeader().sectionViewportPosition(STATUS_COLUMN)
    assert 0 <= x < table.viewport().width()
    # Struck through in every other column, the status in bold; read out as revoked.
    assert model.index(row, 2).data(Qt.ItemDataRole.FontRole).strikeOut()
    assert status.data(Qt.ItemDataRole.FontRole).bold()
    assert model.index(row, 1).data() == "nobody (revoked before anyone took it)"
    assert "(key revoked)" in model.index(row, 2).data(Qt.ItemDataRole.AccessibleTextRole)
    active_row = 1 - row
    assert model.index(active_row, 2).data(Qt.ItemDataRole.FontRole) is None

    # Activity refreshes when shown, and names the key.
    activity = next(
        w for w in map(window.tabs.widget, range(window.tabs.count())) if isinstance(w, ActivityTab)
    )
    window.tabs.setCurrentWidget(activity)
    qtbot.waitUntil(
        lambda: any(r.what == "Revoked a key (“Sam's laptop”)" for r in activity.model.shown()),
        timeout=WAIT_MS,
    )
    # The detail view: double-click (or Enter) on a row.
    index = next(
        activity.model.index(i, 0) for i in range(activity.model.rowCount())
        if activity.model.shown()[i].what.startswith("Revoked a key")
    )  # fmt: skip
    activity.table.setCurrentIndex(index)
    detail = activity.open_detail(index)
    assert isinstance(detail, ActivityDetailDialog) and detail.isVisible()
    assert detail.fields["Key"].value() == made.split.id
    assert "Revoked a key" in detail.fields["What"].text()
    detail.reject()
    activity.table.doubleClicked.emit(index)
    assert activity.detail.isVisible()
