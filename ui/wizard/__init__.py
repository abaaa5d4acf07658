"""The first-run wizard: choose a co-signer, sign in, then create, import or receive a wallet.
One file per page; wizard.py holds the flow and what the pages share."""

from ui.wizard.wizard import FirstRunWizard

__all__ = ["FirstRunWizard"]
