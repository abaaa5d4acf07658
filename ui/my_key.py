"""This computer's key of a wallet, read inside a job (the keyring may talk to D-Bus, and the
encrypted file runs a KDF: never on the GUI thread), with the progress a person sees."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QCoreApplication

from app.client_calls import ShareInfo
from app.compose import ComposeError
from ui.context import AppContext
from ui.runner import report


async def my_share(ctx: AppContext, split_id: str) -> ShareInfo:
    """The key, or ComposeError naming the wallet when this computer does not hold it."""
    report(QCoreApplication.translate("MyKey", "Reading your key from the keyring…"))
    share = await asyncio.to_thread(ctx.load_share, split_id)
    if share is None:
        raise ComposeError("wallet", "the key for this wallet is not on this computer")
    report(QCoreApplication.translate("MyKey", "Signing with your key and the co-signer…"))
    return share
