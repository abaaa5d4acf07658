"""Splitkey's co-signer: the vault (keys, splits, permissions) and auth (co-signing) roles."""
