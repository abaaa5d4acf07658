"""Conformance with 0Chain's ZAuth as its own system tests exercise it
(0chain/system_test tests/api_tests/zauth_operations_test.go @0091b0b1, read with the search
tools; ../shared/research/0chain-wire.md section 1.6 for the exact bytes Go sends).

The system test's vectors are a real split: pk(PRIVATE_KEY_B) + PEER_PUBLIC_KEY_I = PUBLIC_KEY_I
and SIGNATURE is the user share's partial on HASH. Its /setup cannot be replayed as is - Splitkey
asks for proof of the wallet key (issue 16 item 3), which nobody holding only these vectors has -
so the split is stored directly, as a server that had accepted that setup would hold it (the one
test boundary here). Every case then goes over HTTP to a real server, with the exact bytes.

Cases that contradict a documented stricter rule (docs/cosigner.md, "0Chain ZAuth"): the
system test signs a /sign/txn body of only hash, client_id, signature and transaction_data
(a type-0 transaction named cancel_allocation). Splitkey recomputes the hash from the fields and
refuses a body it cannot (400, naming the missing field), and a type-0 transaction is always
token_transfers. Both are asserted below as 400 with the reason."""

from __future__ import annotations

import httpx
import pytest

from app.crypto import PublicKey, Signature
from app.permissions import Permissions
from cosigner_server.model import Split, Wallet
from cosigner_server.services import seal
from cosigner_server.state import now

from .gosdk_shapes import GoZauthClient, auth_message_bytes, decoded, sc_data, transaction_bytes

CLIENT_ID_A = "03df8919e4d76f6ffa9e23c388576f0baa02360d6e903a84d69689e0b2b5a28c"
PUBLIC_KEY_I = (
    "ff132aaf4eeb517478c7bdd19ba887dbd909c4527b78ac989f723e5b5c349f03"
    "dc5a737071040edd5ba7a593e12264d895ad9cace1a50321886653ca8c366e13"
)
PRIVATE_KEY_B = "863f94d6deacc75c658db3e22d27c31944fc562aeef6e5b97a31d9e25294111a"
PEER_PUBLIC_KEY_I = (
    "f06fe5513831714965ca33080052b3873bb2e785c5d2abd88a2f958e74872617"
    "adf6e8c5fe5cb8ed0e0c218cde796707c0a9ef8f7e77756032eada0d5f3c9d00"
)
HASH = "7a8950d472c3a5a7cf0f27019c4507275d24e0bd3a97e1dedc7d77a132d9d6d3"
SIGNATURE = "5d65c31f8bcf64c259c3e155b78bb4c7c5ea2dae1d0d6da1a8b735f2bda2db84"
OTHER_CLIENT_ID = "ab" * 32

# 0chain-wire.md section 1.6: the system test's /sign/txn body as Go's encoding/json writes it.
SIGN_TXN_BYTES = (
    b'{"hash":"7a8950d472c3a5a7cf0f27019c4507275d24e0bd3a97e1dedc7d77a132d9d6d3",'
    b'"client_id":"03df8919e4d76f6ffa9e23c388576f0baa02360d6e903a84d69689e0b2b5a28c",'
    b'"transaction_data":"{\\"name\\":\\"cancel_allocation\\",\\"input\\":null}",'
    b'"transaction_value":0,'
    b'"signature":"5d65c31f8bcf64c259c3e155b78bb4c7c5ea2dae1d0d6da1a8b735f2bda2db84",'
    b'"transaction_type":0,"transaction_fee":0,"transaction_nonce":0,'
    b'"txn_output_hash":"","transaction_status":0}'
)


def test_our_go_shapes_reproduce_the_recorded_bytes():
    body = {
        "hash": HASH,
        "client_id": CLIENT_ID_A,
        "signature": SIGNATURE,
        "transaction_data": sc_data("cancel_allocation"),
    }
    assert transaction_bytes(body) == SIGN_TXN_BYTES


class Zauth:
    """The system test's zauthClient: X-Jwt-Token on every call, X-Peer-Public-Key as set."""

    def __init__(self, cosigner, token: str) -> None:
        self.cosigner = cosigner
        self.http = httpx.Client(base_url=cosigner.url, timeout=60)
        self.go = GoZauthClient(self.http, token)
        self.token = token

    def headers(self, peer: str | None) -> dict[str, str]:
        out = {"Content-Type": "application/json", "X-Jwt-Token": self.token}
        if peer:
            out["X-Peer-Public-Key"] = peer
        return out

    def sign_txn(self, content: bytes, peer: str | None) -> httpx.Response:
        return self.http.post("/sign/txn", content=content, headers=self.headers(peer))

    def sign_msg(self, client_id: str, peer: str | None) -> httpx.Response:
        content = auth_message_bytes(HASH, SIGNATURE, client_id)
        return self.http.post("/sign/msg", content=content, headers=self.headers(peer))


@pytest.fixture
def zauth(cosigner):
    user, token = cosigner.add_user("system-test")
    z = Zauth(cosigner, token)
    z.user = user
    yield z
    z.http.close()


def store_setup(cosigner, user_id: str, groups: list[str], raw_hashes: bool = False) -> str:
    """The system test's split, as a server that accepted its /setup would hold it."""
    state = cosigner.state
    split_id = "sp_systemtest"
    wallet = Wallet(
        client_id=CLIENT_ID_A,
        public_key=PUBLIC_KEY_I,
        owner_id=user_id,
        created_at=now(),
        sealed_secret=b"",
        custody="external",
    )
    split = Split(
        id=split_id,
        client_id=CLIENT_ID_A,
        holder_id=user_id,
        label="system test",
        share_public_key=PEER_PUBLIC_KEY_I,
        permissions=Permissions(groups=frozenset(groups), sign_raw_hashes=raw_hashes),
        created_at=now(),
        sealed_server_share=seal(state, bytes.fromhex(PRIVATE_KEY_B), f"split:{split_id}:server"),
        sealed_user_share=None,
    )
    cosigner.call(state.storage.add_wallet(wallet))
    cosigner.call(state.storage.add_split(split))
    return split_id


def error(answer: httpx.Response) -> dict:
    return answer.json()["error"]


def test_setup_as_the_system_test_sends_it_is_refused_for_a_reason(zauth):
    """public_key = client_key there (not pk(private_key)), and no proof of the wallet key."""
    answer = zauth.go.setup(
        {
            "client_id": CLIENT_ID_A,
            "client_key": PUBLIC_KEY_I,
            "public_key": PUBLIC_KEY_I,
            "private_key": PRIVATE_KEY_B,
            "peer_public_key": PEER_PUBLIC_KEY_I,
            "restrictions": ["allocation_storage_operations"],
        }
    )
    assert answer.status_code == 400
    assert error(answer)["message"] == "private_key does not match public_key"


def test_sign_transaction_cases(zauth):
    # "missing split key": no setup -> 500
    missing = zauth.sign_txn(SIGN_TXN_BYTES, PEER_PUBLIC_KEY_I)
    assert missing.status_code == 500 and error(missing)["code"] == "not_found"
    store_setup(zauth.cosigner, zauth.user.id, ["allocation_storage_operations"])
    # "missing peer public key" -> 400
    no_peer = zauth.sign_txn(SIGN_TXN_BYTES, None)
    assert no_peer.status_code == 400 and error(no_peer)["field"] == "X-Peer-Public-Key"
    # "missing signature" -> 400
    # Signature "" is dropped by omitempty, as Go sends it
    unsigned = transaction_bytes(
        {"hash": HASH, "client_id": CLIENT_ID_A, "transaction_data": sc_data("cancel_allocation")}
    )
    assert b"signature" not in unsigned
    answer = zauth.sign_txn(unsigned, PEER_PUBLIC_KEY_I)
    assert answer.status_code == 400 and error(answer)["field"] == "signature"
    # "allowed restrictions" / "correct payload": 200 at 0Chain; 400 here (stricter, documented):
    # the hash cannot be recomputed without chain_id and creation_date. Go's extras are not
    # what is refused.
    strict = zauth.sign_txn(SIGN_TXN_BYTES, PEER_PUBLIC_KEY_I)
    assert strict.status_code == 400
    assert error(strict)["field"] == "chain_id"


def test_sign_transaction_not_allowed_restrictions(zauth):
    store_setup(zauth.cosigner, zauth.user.id, [])  # no restrictions: default deny
    answer = zauth.sign_txn(SIGN_TXN_BYTES, PEER_PUBLIC_KEY_I)
    assert answer.status_code == 400


def test_sign_message_cases(zauth):
    missing = zauth.sign_msg(CLIENT_ID_A, PEER_PUBLIC_KEY_I)
    assert missing.status_code == 500 and error(missing)["code"] == "not_found"
    store_setup(zauth.cosigner, zauth.user.id, ["allocation_storage_operations"], raw_hashes=True)
    no_peer = zauth.sign_msg(CLIENT_ID_A, None)
    assert no_peer.status_code == 400
    wrong_client = zauth.sign_msg(OTHER_CLIENT_ID, PEER_PUBLIC_KEY_I)
    assert wrong_client.status_code == 500 and error(wrong_client) == error(missing)
    key = zauth.go.key(CLIENT_ID_A, PEER_PUBLIC_KEY_I)
    assert key.status_code == 200 and decoded(key)["last_used"] == 0
    # "correct payload": the combined signature verifies under the wallet key
    signed = zauth.sign_msg(CLIENT_ID_A, PEER_PUBLIC_KEY_I)
    assert signed.status_code == 200, signed.text
    sig = decoded(signed)["sig"]
    assert PublicKey.from_hex(PUBLIC_KEY_I).verify_hash(HASH, Signature.from_hex(sig))
    # "last used updated after message signing"
    assert decoded(zauth.go.key(CLIENT_ID_A, PEER_PUBLIC_KEY_I))["last_used"] != 0
    # and possession alone does it too: the same bytes without any JWT
    anonymous = zauth.http.post(
        "/sign/msg",
        content=auth_message_bytes(HASH, SIGNATURE, CLIENT_ID_A),
        headers={"Content-Type": "application/json", "X-Peer-Public-Key": PEER_PUBLIC_KEY_I},
    )
    assert anonymous.status_code == 200 and decoded(anonymous)["sig"] == sig


def test_raw_hash_without_the_permission_is_refused_with_the_reason(zauth):
    store_setup(zauth.cosigner, zauth.user.id, ["allocation_storage_operations"])
    answer = zauth.sign_msg(CLIENT_ID_A, PEER_PUBLIC_KEY_I)
    assert answer.status_code == 400
    assert error(answer)["rule"] == "raw_hashes_not_allowed"


def test_key_details_unknown_is_500(zauth):
    answer = zauth.go.key(CLIENT_ID_A, PEER_PUBLIC_KEY_I)
    assert answer.status_code == 500 and error(answer)["code"] == "not_found"


def test_revoke_and_delete_cases(zauth):
    assert zauth.go.revoke(CLIENT_ID_A, PEER_PUBLIC_KEY_I).status_code == 400
    assert zauth.go.delete(CLIENT_ID_A).status_code == 400
    store_setup(zauth.cosigner, zauth.user.id, ["allocation_storage_operations"])
    # the system test sends the peer key as a form field and a header
    revoked = zauth.http.post(
        f"/revoke/{CLIENT_ID_A}",
        data={"peer_public_key": PEER_PUBLIC_KEY_I},
        headers={"X-Jwt-Token": zauth.token, "X-Peer-Public-Key": PEER_PUBLIC_KEY_I},
    )
    assert revoked.status_code == 200 and decoded(revoked)["result"] == "success"
    deleted = zauth.go.delete(CLIENT_ID_A)
    assert deleted.status_code == 200 and decoded(deleted)["result"] == "success"
