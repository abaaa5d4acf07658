"""Steps through the first-run wizard's real pages, for the tests that walk it."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from tests.ui.conftest import WAIT_MS
from ui.wizard import FirstRunWizard
from ui.wizard import wizard as flow


def open_wizard(qtbot, ctx) -> FirstRunWizard:
    made = FirstRunWizard(ctx)
    qtbot.addWidget(made)
    made.show()
    return made


def to_organisation(qtbot, wizard, url: str, enrollment_code: str | None = None) -> None:
    """"My organisation's co-signer" at url, then (with a code) signed in, on the wallet page."""
    page = wizard.page(flow.COSIGNER)
    page.remote.setChecked(True)
    qtbot.keyClicks(page.url, url)
    press_next(qtbot, wizard, flow.SIGNIN)
    if enrollment_code is not None:
        qtbot.keyClicks(wizard.page(flow.SIGNIN).code, enrollment_code)
        press_next(qtbot, wizard, flow.WALLET)


def press_next(qtbot, wizard, expected_page: int) -> None:
    wizard.button(QWizard.WizardButton.NextButton).click()
    page = wizard.currentPage()
    qtbot.waitUntil(
        lambda: (
            wizard.currentId() == expected_page
            or (hasattr(page, "banner") and page.banner.explanation is not None)
        ),
        timeout=WAIT_MS,
    )
    if wizard.currentId() != expected_page:
        pytest.fail(f"stayed on page {wizard.currentId()}: {page.banner.text()}")


def choose(wizard, choice: str) -> None:
    wizard.page(flow.WALLET).set_choice(choice)


def create_wallet_through_the_pages(qtbot, wizard) -> list[str]:
    press_next(qtbot, wizard, flow.WALLET)
    choose(wizard, flow.CREATE)
    press_next(qtbot, wizard, flow.WORDS)
    words_page = wizard.page(flow.WORDS)
    qtbot.waitUntil(lambda: bool(wizard.words()), timeout=WAIT_MS)
    words = wizard.words()
    assert len(words) == 24
    shown = [label.text().split()[-1] for label in words_page.labels]
    assert shown == words
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # not yet confirmed
    words_page.written.setChecked(True)
    press_next(qtbot, wizard, flow.CONFIRM)
    confirm = wizard.page(flow.CONFIRM)
    assert len(confirm.inputs) == 3
    for position, edit, _error in confirm.inputs:
        qtbot.keyClicks(edit, words[position])
    press_next(qtbot, wizard, flow.DONE)
    return words
