"""The Splitkey desktop (PySide6). Start it with `splitkey` (no arguments) or `ui.main.run()`.

How the pieces fit (read this before adding a tab or a dialog):
- ui/context.py  AppContext: settings (QSettings, non-secret preferences only), the co-signer
                 session (app/session.py), the share store (app/share_store.py), the runner.
- ui/runner.py   every network call and every pure-Python pairing goes through
                 `ctx.runner.submit(...)` / `ctx.cosigner(...)`; results arrive as Qt signals
                 on the GUI thread. Nothing in ui/ blocks the GUI thread on I/O or crypto.
- ui/errors.py   exceptions -> the user's words (`explain`), inline banners, field marks.
- A tab is a QWidget made as `Tab(ctx, parent)` with `set_entry(entry)`, where entry is an
  app.wallets.WalletEntry (or None); the main window calls it when the selection changes and
  after every refresh. `ctx.wallets_changed` announces new data; `ctx.refresh_wallets()`
  asks for it.
- Business rules a headless caller also needs live in app/ (compose.py, wallets.py,
  session.py, policy_words.py), never here.
"""
