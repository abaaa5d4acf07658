"""Issue 15.2: creating a wallet is finished only when its words are confirmed. Review (Pass B):
Cancel on the words page closed the wizard without a question, and the main window offered
"Create a key for this computer" on a wallet whose words were never checked. Now Cancel asks;
Keep going stays; Discard deletes the wallet on the co-signer, and it can get no key."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from tests.ui.conftest import WAIT_MS, wait_job
from tests.ui.test_wizard import press_next, wizard  # noqa: F401 (fixture)
from ui.overview_tab import OverviewTab
from ui.wizard import wizard as flow


def _to_words(qtbot, wizard) -> str:  # noqa: F811 (the fixture's name)
    press_next(qtbot, wizard, flow.WALLET)
    wizard.page(flow.WALLET).set_choice(flow.CREATE)
    press_next(qtbot, wizard, flow.WORDS)
    qtbot.waitUntil(lambda: bool(wizard.words()), timeout=WAIT_MS)
    return wizard.created.wallet.client_id


@pytest.mark.parametrize("where", [flow.WORDS, flow.CONFIRM])
def test_cancel_before_the_words_are_confirmed_asks_then_discards(
    qtbot, ctx, wizard, where  # noqa: F811
):
    client_id = _to_words(qtbot, wizard)
    if where == flow.CONFIRM:
        wizard.page(flow.WORDS).written.setChecked(True)
        press_next(qtbot, wizard, flow.CONFIRM)
    cancel = wizard.button(QWizard.WizardButton.CancelButton)

    cancel.click()
    box = wizard.discard_box
    assert box.isVisible() and wizard.isVisible() and wizard.currentId() == where
    assert "not confirmed" in box.informativeText()
    assert box.defaultButton().text() == "Keep going"  # Enter does not throw the wallet away
    box.defaultButton().click()
    assert wizard.isVisible() and wizard.words()  # nothing lost

    cancel.click()
    wizard.discard_button.click()
    wait_job(qtbot, wizard.discarding)
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=WAIT_MS)
    assert wizard.words() == [] and wizard.client_id is None

    # The wallet is on its way out and cannot be given a key on this computer.
    entries = wait_job(qtbot, ctx.refresh_wallets())
    entry = next(e for e in entries if e.client_id == client_id)
    assert entry.status == "deleting" and not entry.can_sign
    overview = OverviewTab(ctx)
    qtbot.addWidget(overview)
    overview.set_entry(entry)
    assert overview.add_key.isHidden()


def test_cancel_after_the_words_are_confirmed_asks_nothing(qtbot, ctx, wizard):  # noqa: F811
    _to_words(qtbot, wizard)
    words = wizard.words()
    wizard.page(flow.WORDS).written.setChecked(True)
    press_next(qtbot, wizard, flow.CONFIRM)
    for position, edit, _error in wizard.page(flow.CONFIRM).inputs:
        qtbot.keyClicks(edit, words[position])
    press_next(qtbot, wizard, flow.DONE)
    assert not wizard.unconfirmed
    wizard.reject()
    assert not wizard.isVisible()
