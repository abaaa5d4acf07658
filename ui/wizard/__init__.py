"""The first-run wizard: choose a co-signer, sign in, then create, import or receive a wallet.
One file per page; flow.py is which page follows which, wizard.py the pages and what they share.
"""

from __future__ import annotations

__all__ = ["FirstRunWizard"]


def __getattr__(name: str):
    # Imported when asked for, so that a page importing ui.wizard.flow does not load the wizard
    # (and through it every page) first: no cycle between the pages and the wizard.
    if name == "FirstRunWizard":
        from ui.wizard.wizard import FirstRunWizard

        return FirstRunWizard
    raise AttributeError(name)
