"""Issue 15.2: creating a wallet is finished only when its words are confirmed. Review (Pass B):
Cancel on the words page closed the wizard without a question, and the main window offered
"Create a key for this computer" on a wallet whose words were never checked. Now Cancel asks;
Keep going stays; Discard throws the wallet away. With keyless custody the words are drawn on
this computer and the wallet is registered only once they are confirmed, so discarding forgets
the words and the co-signer never hears of the wallet: no entry, no share, nothing to give a key.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from tests.ui.conftest import WAIT_MS, wait_job
from tests.ui.wizard_steps import press_next
from ui.wizard import wizard as flow


def _to_words(qtbot, wizard) -> str:
    press_next(qtbot, wizard, flow.WALLET)
    wizard.page(flow.WALLET).set_choice(flow.CREATE)
    press_next(qtbot, wizard, flow.WORDS)
    qtbot.waitUntil(lambda: bool(wizard.words()), timeout=WAIT_MS)
    assert wizard.created is None  # drawn here: the co-signer knows nothing yet
    return wizard.page(flow.WORDS).client_id()


@pytest.mark.parametrize("where", [flow.WORDS, flow.CONFIRM])
def test_cancel_before_the_words_are_confirmed_asks_then_discards(
    qtbot, ctx, wizard, where
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
    if wizard.discarding is not None:  # only a wallet the co-signer drew is deleted there
        wait_job(qtbot, wizard.discarding)
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=WAIT_MS)
    assert wizard.words() == [] and wizard.client_id is None
    assert all(label.text() == "" for label in wizard.page(flow.WORDS).labels)

    # Nothing was registered and nothing usable remains: no wallet on the co-signer (so the
    # main window lists none to offer a key for), no share kept on this computer.
    entries = wait_job(qtbot, ctx.refresh_wallets())
    assert all(e.client_id != client_id for e in entries)
    assert ctx.prefs.share_ids() == []

def test_cancel_after_the_words_are_confirmed_asks_nothing(qtbot, ctx, wizard):
    _to_words(qtbot, wizard)
    words = wizard.words()
    wizard.page(flow.WORDS).written.setChecked(True)
    press_next(qtbot, wizard, flow.CONFIRM)
    for position, edit, _error in wizard.page(flow.CONFIRM).inputs:
        qtbot.keyClicks(edit, words[position])
    cancel = wizard.button(QWizard.WizardButton.CancelButton)
    wizard.button(QWizard.WizardButton.NextButton).click()
    # Registering the confirmed wallet: Cancel waits (the co-signer may already hold it).
    assert wizard.registering() and not cancel.isEnabled()
    wizard.reject()
    assert wizard.isVisible() and not hasattr(wizard, "discard_box")
    qtbot.waitUntil(lambda: wizard.currentId() == flow.DONE, timeout=WAIT_MS)
    entries = wait_job(qtbot, ctx.refresh_wallets())
    assert any(e.client_id == wizard.client_id and e.can_sign for e in entries)
    assert not wizard.unconfirmed
    wizard.reject()
    assert not wizard.isVisible()
