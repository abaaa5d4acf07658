"""Keyless custody keeps its promise: every byte between the client and a real co-signer passes
through a recording TCP proxy, and the master key, the mnemonic, the owner's share (before and
after a refresh), the delegates' shares and the share code's key part appear in none of it, in
any encoding. Server side, the data directory, every sealed value opened with the KEK and the
server's DEBUG log hold none of those, nor the moves d (delegation) and r (refresh) the server
used and forgot. Combined signatures verify under the unchanged wallet key; the pre-refresh and
revoked shares are refused."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.client import CosignerClient, CosignerError
from app.crypto import PublicKey, Signature
from app.crypto.params import R
from app.keyless import split_code
from app.keys import generate_mnemonic, secret_key_from_mnemonic
from app.permissions import Permissions
from app.transaction import Transaction
from cosigner_server import identity
from cosigner_server.bootstrap import init_data_dir, kek_config
from cosigner_server.config import DEFAULT_CHAIN_ID
from cosigner_server.envelope import load_kek
from tests.canaries import Canaries, data_dir_files

from .conftest import make_config, run_server

RECIPIENT = "ab" * 32


class RecordingProxy:
    """A TCP relay on 127.0.0.1 that keeps a copy of every byte, both ways."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.chunks: list[bytes] = []
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self._start(self._accept)

    def _start(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self.threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._start(self._pump, client, upstream)
            self._start(self._pump, upstream, client)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                with self.lock:
                    self.chunks.append(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def recorded(self) -> bytes:
        with self.lock:
            return b"".join(self.chunks)

    def close(self) -> None:
        self.listener.close()
        for thread in self.threads:
            thread.join(10)


def transaction(wallet_key: str, client_id: str, nonce: int) -> Transaction:
    return Transaction(
        client_id=client_id,
        public_key=wallet_key,
        chain_id=DEFAULT_CHAIN_ID,
        creation_date=int(time.time()),
        to_client_id=RECIPIENT,
        transaction_value=1,
        transaction_nonce=nonce,
    )


def cosigns(api: CosignerClient, share, nonce: int) -> None:
    """The client verifies the combined signature; check it here again, independently."""
    tx = transaction(share.wallet_public_key, share.client_id, nonce)
    signed, _answer = api.cosign_transaction(
        share.split_id, share.secret_key(), tx, share.wallet_public_key
    )
    key = PublicKey.from_hex(share.wallet_public_key)
    assert key.verify_hash(signed.hash, Signature.from_hex(signed.signature))


def refused(api: CosignerClient, share, nonce: int, rule: str) -> None:
    with pytest.raises(CosignerError) as caught:
        cosigns(api, share, nonce)
    assert rule in str(caught.value)


@pytest.fixture
def server(tmp_path: Path) -> Iterator:
    config = make_config(tmp_path / "cosigner")
    init_data_dir(config)
    yield from run_server(config)


@pytest.fixture
def proxy(server) -> Iterator[RecordingProxy]:
    relay = RecordingProxy(int(server.url.rsplit(":", 1)[1]))
    yield relay
    relay.close()


def unsealed_values(server) -> dict[str, bytes]:
    """Every sealed value in the database, opened with the KEK, as an operator could."""
    ring = load_kek(kek_config(server.config))
    opened = {}
    with sqlite3.connect(server.config.db_path) as db:
        for _client, sealed in db.execute("SELECT client_id, sealed_secret FROM wallets"):
            assert bytes(sealed) == b"", "a keyless wallet has no sealed secret"
        rows = db.execute("SELECT id, sealed_server_share, sealed_user_share FROM splits")
        for split_id, server_share, user_share in rows:
            if server_share is not None:
                record = f"split:{split_id}:server"
                opened[record] = ring.open(bytes(server_share), record)
            if user_share is not None:
                record = f"split:{split_id}:envelope"
                opened[record] = ring.open(bytes(user_share), record)
    return opened


def test_no_whole_key_and_no_user_share_reaches_the_server(server, proxy, server_log):
    alice, _ = server.add_user("alice")
    bob, _ = server.add_user("bob")
    alice_token = identity.mint(server.state, alice)["token"]
    bob_token = identity.mint(server.state, bob)["token"]
    never_sent, never_kept = Canaries(), Canaries()

    mnemonic = generate_mnemonic()
    master = secret_key_from_mnemonic(mnemonic)
    never_sent.plant_mnemonic("mnemonic", mnemonic)
    never_sent.plant_scalar("master key", master)
    with (
        CosignerClient(proxy.url, token=alice_token) as owner,
        CosignerClient(proxy.url, token=bob_token) as delegate,
    ):
        created = owner.create_keyless_wallet(master)
        assert created.wallet.custody == "keyless"
        own = created.share
        never_sent.plant_scalar("owner's share", own.secret_key())
        cosigns(owner, own, 1)

        # a delegate through a share code: only the locator is sent
        permissions = Permissions.from_dict({"groups": ["token_transfers"]})
        shared = owner.delegate(own, "bob", "code", permissions)
        _locator, key_part = split_code(shared.share_code)
        never_sent.plant_code("share code key part", key_part)
        bobs = delegate.redeem(shared.share_code)
        never_sent.plant_scalar("delegate's share", bobs.secret_key())
        d = (own.secret_key().value - bobs.secret_key().value) % R
        never_kept.plant_scalar("d, the delegation move", d)
        cosigns(delegate, bobs, 2)

        # a second device of the owner's
        phone = owner.delegate(own, "phone", "me").share
        never_sent.plant_scalar("owner's second share", phone.secret_key())
        cosigns(owner, phone, 3)

        # refresh the owner's share and the delegate's
        _split, refreshed = owner.refresh(own)
        never_sent.plant_scalar("owner's refreshed share", refreshed.secret_key())
        r = (refreshed.secret_key().value - own.secret_key().value) % R
        never_kept.plant_scalar("r, the refresh move", r)
        refused(owner, own, 4, "partial")
        cosigns(owner, refreshed, 5)
        _split, bobs_new = delegate.refresh(bobs)
        never_sent.plant_scalar("delegate's refreshed share", bobs_new.secret_key())
        refused(delegate, bobs, 6, "partial")
        cosigns(delegate, bobs_new, 7)

        # revoked: refused
        owner.revoke(shared.split.id)
        refused(delegate, bobs_new, 8, "revoked")
        # the wallet key never changed
        assert owner.wallet(created.wallet.client_id).public_key == created.wallet.public_key

        held = unsealed_values(server)
        live = data_dir_files(server.config.data_dir)
    wire = proxy.recorded()
    log = server_log.read_bytes()
    assert b"POST /v1/wallets " in wire and b"/refresh " in wire  # the proxy saw the traffic
    server_side = [(f"data dir file {n}", data) for n, data in live.items()]
    server_side += [(f"unsealed {n}", data) for n, data in held.items()]
    server_side += [("server log", log)]
    assert len(held) == 2  # the server shares of the two active splits

    found = never_sent.hits("the wire", wire)
    for where, data in server_side:
        found += never_sent.hits(where, data) + never_kept.hits(where, data)
    assert found == []
    # the search works: d and r did cross the wire (and only there)
    assert never_kept.hits("the wire", wire) != []
    assert {hit.split(" (")[0] for hit in never_kept.hits("the wire", wire)} == {
        "d, the delegation move",
        "r, the refresh move",
    }
