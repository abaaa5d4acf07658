"""The share store against the REAL gnome-keyring Secret Service on a private session bus
(tests/keyring_session.sh): what the desktop does on Linux."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring
import pytest
from keyring.backends import SecretService

from app.share_store import KeyringShareStore, keyring_status, open_share_store
from tests.secret_service import require_secret_service
from tests.share_store_helpers import make_share


@pytest.fixture(autouse=True)
def secret_service():
    require_secret_service()
    before = keyring.get_keyring()
    # The backend keyring itself would choose here; set explicitly so that another test's
    # keyring.set_keyring in the same worker cannot leave an in-memory backend behind.
    keyring.set_keyring(SecretService.Keyring())
    yield
    keyring.set_keyring(before)


def _items(split_id: str) -> list:
    import secretstorage

    connection = secretstorage.dbus_init()
    collection = secretstorage.get_default_collection(connection)
    found = list(collection.search_items({"service": "splitkey", "username": split_id}))
    return [(item.get_attributes(), item.get_secret()) for item in found]


def test_secret_service_is_chosen_as_safe():
    status = keyring_status()
    assert status.safe, status.reason
    assert isinstance(status.backend, SecretService.Keyring)


def test_share_round_trip_through_gnome_keyring(tmp_path):
    share = make_share()
    store = open_share_store(path=tmp_path / "shares.enc")
    assert isinstance(store, KeyringShareStore) and "SecretService" in store.where
    store.save(share)

    # What the daemon holds: one item named by service and split id, the share and metadata.
    [(attributes, secret)] = _items(share.split_id)
    assert attributes["service"] == "splitkey" and attributes["username"] == share.split_id
    value = json.loads(secret)
    assert value["private_key"] == share.private_key and value["split_id"] == share.split_id
    assert "mnemonic" not in value

    # Another store (a later run of the app) reads it back, checked.
    again = open_share_store(path=tmp_path / "shares.enc")
    assert again.load(share.split_id) == share
    again.delete(share.split_id)
    assert store.load(share.split_id) is None and _items(share.split_id) == []
    assert not (tmp_path / "shares.enc").exists()


def test_gnome_keyring_keeps_the_share_encrypted_on_disk():
    # The daemon writes the login keyring under the (throw-away) home: the share must not be
    # readable there in any encoding a careless store would use.
    share = make_share()
    open_share_store(path="/nonexistent/shares.enc").save(share)
    home = Path(os.environ["HOME"])
    needles = [share.private_key.encode(), bytes.fromhex(share.private_key)]
    hits = [
        str(path)
        for path in home.rglob("*")
        if path.is_file() and any(n in path.read_bytes() for n in needles)
    ]
    open_share_store(path="/nonexistent/shares.enc").delete(share.split_id)
    assert list(home.rglob("*.keyring")), "the daemon wrote no keyring file: nothing was checked"
    assert hits == []
