"""The first-run wizard through its widgets, against a real co-signer: "This computer", create a
wallet (words shown, three confirmed, then forgotten), import by words or wallet file, sign in to
an organisation's co-signer with an enrollment code and redeem a share code."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from app.keys import Wallet
from app.permissions import ZCN, Permissions
from tests.ui.conftest import WAIT_MS, InThreadCosigner, make_context
from tests.ui.wizard_steps import (
    choose,
    create_wallet_through_the_pages,
    open_wizard,
    press_next,
    to_organisation,
)
from ui.wizard import wizard as flow


def test_this_computer_then_a_new_wallet(qtbot, ctx, wizard, owner_cosigner):
    assert wizard.page(flow.COSIGNER).local.isChecked()  # the default
    words = create_wallet_through_the_pages(qtbot, wizard)
    assert ctx.prefs.mode == "local"
    client_id = wizard.client_id
    assert client_id == Wallet.from_mnemonic(" ".join(words)).client_id
    # the share is in the store, checked, and its id remembered (only the id)
    (split_id,) = ctx.prefs.share_ids()
    share = ctx.store().load(split_id)
    assert share.client_id == client_id
    # the words are gone from the wizard and from the screen
    assert wizard.words() == [] and wizard.created.mnemonic is None
    assert all(label.text() == "" for label in wizard.page(flow.WORDS).labels)
    assert "is ready" in wizard.page(flow.DONE).summary.text()
    assert ctx.prefs.qsettings.allKeys()  # settings were written ...
    settings_text = open(ctx.prefs.qsettings.fileName()).read()
    assert share.private_key not in settings_text and words[0] not in settings_text.split()


def test_a_wrong_word_keeps_the_wallet_unconfirmed(qtbot, ctx, wizard):
    press_next(qtbot, wizard, flow.WALLET)
    press_next(qtbot, wizard, flow.WORDS)
    qtbot.waitUntil(lambda: bool(wizard.words()), timeout=WAIT_MS)
    wizard.page(flow.WORDS).written.setChecked(True)
    press_next(qtbot, wizard, flow.CONFIRM)
    confirm = wizard.page(flow.CONFIRM)
    position, edit, error = confirm.inputs[0]
    wrong = next(w for w in ("zoo", "abandon", "ability") if w != wizard.words()[position])
    qtbot.keyClicks(edit, wrong)
    assert error.isVisible() and not confirm.isComplete()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_import_by_words(qtbot, ctx, wizard):
    wallet = Wallet.create()
    press_next(qtbot, wizard, flow.WALLET)
    choose(wizard, flow.IMPORT_CHOICE)
    press_next(qtbot, wizard, flow.IMPORT)
    page = wizard.page(flow.IMPORT)
    page.words.setPlainText(wallet.mnemonic.replace(" ", "  ").upper())
    assert page.isComplete()
    press_next(qtbot, wizard, flow.DONE)
    assert wizard.client_id == wallet.client_id
    assert page.words.toPlainText() == ""


def test_import_a_zwallet_file(qtbot, ctx, wizard, tmp_path):
    wallet = Wallet.create()
    path = tmp_path / "wallet.json"
    path.write_text(wallet.to_json())
    press_next(qtbot, wizard, flow.WALLET)
    choose(wizard, flow.IMPORT_CHOICE)
    press_next(qtbot, wizard, flow.IMPORT)
    page = wizard.page(flow.IMPORT)
    page.by_file.setChecked(True)
    page.load_file(path)
    press_next(qtbot, wizard, flow.DONE)
    assert wizard.client_id == wallet.client_id


def test_a_split_wallet_file_is_refused_at_the_field(qtbot, ctx, wizard, tmp_path):
    path = tmp_path / "split.json"
    path.write_text(Wallet.create().split().to_json())
    press_next(qtbot, wizard, flow.WALLET)
    choose(wizard, flow.IMPORT_CHOICE)
    press_next(qtbot, wizard, flow.IMPORT)
    page = wizard.page(flow.IMPORT)
    page.by_file.setChecked(True)
    page.load_file(path)
    assert not page.isComplete() and "split" in page.file_error.text()


def test_bad_words_are_marked_as_typed(qtbot, ctx, wizard):
    press_next(qtbot, wizard, flow.WALLET)
    choose(wizard, flow.IMPORT_CHOICE)
    press_next(qtbot, wizard, flow.IMPORT)
    page = wizard.page(flow.IMPORT)
    page.words.setPlainText(" ".join(["abandon"] * 23 + ["zzzz"]))
    assert page.words_error.isVisible() and "24" in page.words_error.text()
    assert not page.isComplete()


@pytest.fixture
def delegate_setup(qtbot, server, owner_cosigner):
    """The owner has a wallet and shares it by code, limited to sends; the delegate has an
    account (an enrollment code from the owner, who administers the built-in co-signer)."""
    with owner_cosigner.client() as api:
        created = api.create_wallet()
        limits = Permissions(groups=frozenset({"token_transfers"}), max_value_per_period=2 * ZCN)
        shared = api.create_split(created.wallet.client_id, "for bob", "code", limits)
        bob = api.create_user("bob")
    return created, shared, bob


def test_organisation_cosigner_with_an_enrollment_code_then_redeem(
    qtbot, qapp, tmp_path, store, server, delegate_setup
):
    created, shared, bob = delegate_setup
    ctx = make_context(qapp, tmp_path / "bob", store)
    try:
        wizard = open_wizard(qtbot, ctx)
        # http:// is fine for a co-signer on this machine
        to_organisation(qtbot, wizard, server.url, bob.enrollment_code)
        assert ctx.prefs.mode == "remote" and ctx.prefs.url == server.url
        choose(wizard, flow.REDEEM_CHOICE)
        press_next(qtbot, wizard, flow.REDEEM)
        qtbot.keyClicks(wizard.page(flow.REDEEM).code, shared.share_code.lower())
        press_next(qtbot, wizard, flow.DONE)
        assert wizard.client_id == created.wallet.client_id
        share = ctx.store().load(shared.split.id)
        assert share is not None and share.client_id == created.wallet.client_id
    finally:
        ctx.shutdown()


def test_a_used_enrollment_code_is_explained_at_the_field(
    qtbot, qapp, tmp_path, store, server, delegate_setup
):
    _created, _shared, bob = delegate_setup
    with InThreadCosigner(server, "someone").client() as api:
        api.enroll(bob.enrollment_code)  # used up
    ctx = make_context(qapp, tmp_path / "bob", store)
    try:
        wizard = open_wizard(qtbot, ctx)
        to_organisation(qtbot, wizard, server.url)
        signin = wizard.page(flow.SIGNIN)
        qtbot.keyClicks(signin.code, bob.enrollment_code)
        wizard.button(QWizard.WizardButton.NextButton).click()
        qtbot.waitUntil(lambda: signin.banner.explanation is not None, timeout=WAIT_MS)
        assert wizard.currentId() == flow.SIGNIN
        assert "enrollment code" in signin.banner.text()
        assert "Traceback" not in signin.banner.text() and "401" not in signin.banner.text()
    finally:
        ctx.shutdown()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://cosigner.example.org", "https://"),
        ("ftp://x", "starts with https://"),
    ],
)
def test_an_unsafe_address_is_marked_before_anything_is_sent(qtbot, wizard, url, problem):
    page = wizard.page(flow.COSIGNER)
    page.remote.setChecked(True)
    qtbot.keyClicks(page.url, url)
    assert problem in page.url_error.text() and not page.isComplete()


def test_an_https_address_needs_its_fingerprint_confirmed(qtbot, wizard):
    page = wizard.page(flow.COSIGNER)
    page.remote.setChecked(True)
    qtbot.keyClicks(page.url, "https://cosigner.example.org")
    assert not page.isComplete()  # no fingerprint seen and confirmed yet
    page._fingerprint_read("ab" * 32)
    assert page.fingerprint.value() == ":".join(["AB"] * 32)
    assert not page.isComplete()
    page.matches.setChecked(True)
    assert page.isComplete()
