"""Which network addresses stay on this machine: the one rule for the client (plain http:// only
to a co-signer on loopback) and the server (no TLS only on a loopback bind)."""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str) -> bool:
    """localhost or a loopback IP (v4 or v6, bracketed or not). Any other name may resolve
    anywhere, so it is not loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
