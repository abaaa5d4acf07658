"""The first-run wizard's flow as data (Electrum's new wizard is the model): the pages by id and
which page follows which, given the answers so far. Pages import this for the ids and choices;
they never import the wizard, and the wizard asks this table instead of each page.

The answers are the wizard's shared state, written by a page when it is accepted: `mode` by the
co-signer page (the built-in co-signer or an organisation's), `choice` by the wallet page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ui.context import LOCAL

COSIGNER, SIGNIN, WALLET, WORDS, CONFIRM, IMPORT, REDEEM, DONE = range(8)
END = -1  # QWizard's "no next page": the Finish button
CREATE, IMPORT_CHOICE, REDEEM_CHOICE, SKIP = "create", "import", "redeem", "skip"


class Answers(Protocol):
    mode: str
    choice: str


AFTER_CHOICE = {CREATE: WORDS, IMPORT_CHOICE: IMPORT, REDEEM_CHOICE: REDEEM, SKIP: DONE}

# page -> the next page, or how to pick it from the answers
FLOW: dict[int, int | Callable[[Answers], int]] = {
    # the built-in co-signer needs no sign-in; an organisation's does
    COSIGNER: lambda answers: WALLET if answers.mode == LOCAL else SIGNIN,
    SIGNIN: WALLET,
    WALLET: lambda answers: AFTER_CHOICE[answers.choice],
    WORDS: CONFIRM,  # a new wallet is made only once its words are confirmed
    CONFIRM: DONE,
    IMPORT: DONE,
    REDEEM: DONE,
    DONE: END,
}


def next_page(page: int, answers: Answers) -> int:
    step = FLOW.get(page, END)
    return step(answers) if callable(step) else step
