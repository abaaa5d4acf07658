"""Which 0Chain network: by name or by block_worker URL, with its chain id and the gosdk
parameters that decide how many nodes are asked. One place for the desktop and the CLI:
<config dir>/splitkey/network.json holds the choice ({"network": NAME_OR_URL, "chain_id": ...});
--network / SPLITKEY_NETWORK and SPLITKEY_CHAIN_ID override it for one command."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import platformdirs

from app.transaction import HEX64, MAINNET_CHAIN_ID

NETWORK_ENV = "SPLITKEY_NETWORK"
CHAIN_ID_ENV = "SPLITKEY_CHAIN_ID"
TIMEOUT_ENV = "SPLITKEY_NETWORK_TIMEOUT"
CONFIG_ENV = "SPLITKEY_CONFIG_DIR"  # the same directory as the co-signer session
SETTINGS_FILE = "network.json"


@dataclass(frozen=True)
class NetworkSettings:
    """gosdk's knobs, with zwallet's defaults (zwalletcli cmd/config.yaml)."""

    name: str
    block_worker: str
    chain_id: str
    min_submit: int = 50  # % of miners a transaction is sent to (at least 3)
    min_confirmation: int = 50  # % of sharders whose verified confirmations must agree
    sharder_consensus: int = 3  # sharders asked for a balance (at least 3)
    timeout: float = 10.0  # seconds per request to one node

    def to_dict(self) -> dict:
        return asdict(self)


KNOWN_NETWORKS = {
    "mainnet": NetworkSettings("mainnet", "https://mainnet.zus.network/dns", MAINNET_CHAIN_ID),
}


class NetworkSettingsError(ValueError):
    pass


def settings_path() -> Path:
    base = os.environ.get(CONFIG_ENV) or platformdirs.user_config_dir("splitkey")
    return Path(base) / SETTINGS_FILE


def saved_choice() -> dict:
    try:
        data = json.loads(settings_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_choice(network: str, chain_id: str | None = None) -> NetworkSettings:
    """Remember the network for the desktop and the CLI; checked first."""
    settings = network_by_name(network, chain_id)
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"network": network.strip(), **({"chain_id": chain_id} if chain_id else {})}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return settings


def network_by_name(name_or_url: str, chain_id: str | None = None) -> NetworkSettings:
    """A known name ("mainnet"), or a block_worker URL (chain id: mainnet's unless given)."""
    text = (name_or_url or "").strip()
    if text.lower() in KNOWN_NETWORKS:
        settings = KNOWN_NETWORKS[text.lower()]
    elif re.match(r"https?://[^/\s]+", text):
        settings = NetworkSettings("custom", text.rstrip("/"), MAINNET_CHAIN_ID)
    else:
        known = ", ".join(sorted(KNOWN_NETWORKS))
        raise NetworkSettingsError(
            f"network {text!r} is neither a known name ({known}) nor an http(s) block_worker URL"
        )
    if chain_id:
        chain_id = chain_id.strip().lower()
        if not HEX64.fullmatch(chain_id):
            raise NetworkSettingsError("the chain id must be 64 hex digits")
        settings = replace(settings, chain_id=chain_id)
    return settings


def current_network(option: str | None = None) -> NetworkSettings:
    """--network, else $SPLITKEY_NETWORK, else the saved choice, else mainnet."""
    saved = saved_choice()
    name = option or os.environ.get(NETWORK_ENV) or saved.get("network") or "mainnet"
    chain_id = os.environ.get(CHAIN_ID_ENV) or (
        saved.get("chain_id") if name == saved.get("network") else None
    )
    settings = network_by_name(name, chain_id)
    timeout = os.environ.get(TIMEOUT_ENV)
    if timeout:
        try:
            settings = replace(settings, timeout=float(timeout))
        except ValueError:
            raise NetworkSettingsError(f"{TIMEOUT_ENV} must be a number of seconds") from None
    return settings
