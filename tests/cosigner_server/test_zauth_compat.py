"""0Chain's ZAuth calls with the bytes gosdk and zwallet send (gosdk_shapes.py), against a real
co-signer: setup (with Splitkey's proof of the wallet key) -> sign txn in both answer modes ->
sign msg -> restrictions -> revoke -> delete. Possession of the user share is the credential on
/sign/*: no JWT is sent there, as no gosdk generation sends one."""

from __future__ import annotations

import httpx
import pytest

from app.crypto import PublicKey, SecretKey, Signature
from app.transaction import STORAGE_SC_ADDRESS, sha3_hex

from .conftest import make_config, run_server
from .cosign_helpers import holder
from .gosdk_shapes import GoZauthClient, decoded, sc_data, transaction_bytes
from .zauth_helpers import LocalSplit, go_client, local_split, set_up


def verifies(split: LocalSplit, hash_hex: str, signature: str) -> bool:
    return split.master.public_key().verify_hash(hash_hex, Signature.from_hex(signature))


def test_gosdk_flow_setup_sign_restrict_revoke_delete(cosigner):
    go = go_client(cosigner, "zwallet")
    split = local_split(["token_transfers"])
    setup = set_up(go, split)
    assert setup.status_code == 200, setup.text
    assert decoded(setup)["result"] == "success"

    # /sign/txn without a JWT; the answer is the combined signature as a JSON string (G3).
    tx = split.tx(nonce=1)
    signed = go.sign_txn(tx, split.peer)
    assert signed.status_code == 200, signed.text
    signature = decoded(signed)
    assert isinstance(signature, str) and verifies(split, tx["hash"], signature)
    assert signature == split.master.sign_hash(tx["hash"]).to_hex()

    # a raw hash: refused for this key, and the refusal says why
    msg_hash = sha3_hex("0box login")
    partial = split.user_share.sign_hash(msg_hash).to_hex()
    raw = go.sign_msg(msg_hash, partial, split.client_id, split.peer)
    assert raw.status_code == 400
    assert raw.json()["error"]["rule"] == "raw_hashes_not_allowed"
    assert "sign_raw_hashes" in raw.json()["error"]["message"]

    # restrictions: token_transfers only -> add storage; a storage call is then signed
    changed = go.restrictions(split.client_id, split.peer, ["token_transfers", "storage_rewards"])
    assert changed.status_code == 200 and decoded(changed)["result"] == "success"
    assert decoded(changed)["restrictions"] == ["storage_rewards", "token_transfers"]
    key = go.key(split.client_id, split.peer)
    assert key.status_code == 200 and decoded(key)["last_used"] > 0

    revoked = go.revoke(split.client_id, split.peer)
    assert revoked.status_code == 200 and decoded(revoked)["result"] == "success"
    after = go.sign_txn(split.tx(nonce=2), split.peer)
    assert after.status_code == 400 and after.json()["error"]["rule"] == "revoked"

    deleted = go.delete(split.client_id)
    assert deleted.status_code == 200, deleted.text
    assert decoded(deleted)["result"] == "success" and decoded(deleted)["delete_after"] > 0


def test_raw_hash_signed_for_a_key_with_sign_raw_hashes(cosigner):
    h = holder(cosigner, permissions={"groups": [], "sign_raw_hashes": True})
    peer = h.split()["share_public_key"]
    go = GoZauthClient(httpx.Client(base_url=cosigner.url, timeout=60), h.token)
    msg_hash = sha3_hex("allocation 1234")
    partial = h.share.sign_hash(msg_hash).to_hex()
    # upper-case hex, as Go's hex decoding accepts it
    answer = go.sign_msg(msg_hash.upper(), partial.upper(), h.wallet["client_id"], peer.upper())
    assert answer.status_code == 200, answer.text
    wallet_key = PublicKey.from_hex(h.wallet["public_key"])
    assert wallet_key.verify_hash(msg_hash, Signature.from_hex(decoded(answer)["sig"]))
    # the preimage route stays for keys with sign_messages only
    assert h.split()["permissions"]["sign_raw_hashes"] is True


def test_preimage_route_and_hash_mismatch(cosigner):
    h = holder(cosigner, permissions={"groups": [], "sign_messages": True})
    peer = {"X-Peer-Public-Key": h.split()["share_public_key"]}
    message = "hello 0box"
    body = {
        "hash": sha3_hex("something else"),
        "message": message,
        "client_id": h.wallet["client_id"],
        "signature": h.share.sign_hash(sha3_hex(message)).to_hex(),
    }
    anonymous = httpx.Client(base_url=cosigner.url, timeout=60)
    mismatch = anonymous.post("/sign/msg", headers=peer, json=body)
    assert mismatch.status_code == 400 and mismatch.json()["error"]["field"] == "hash"
    body["hash"] = sha3_hex(message)
    signed = anonymous.post("/sign/msg", headers=peer, json=body)
    assert signed.status_code == 200, signed.text
    wallet_key = PublicKey.from_hex(h.wallet["public_key"])
    assert wallet_key.verify_hash(body["hash"], Signature.from_hex(signed.json()["sig"]))
    # without the preimage this key (no sign_raw_hashes) is refused
    del body["message"]
    assert anonymous.post("/sign/msg", headers=peer, json=body).status_code == 400
    # a JWT that is sent is checked: someone else's token does not reach this split
    _, other = cosigner.add_user("eve")
    body["message"] = message
    stolen = anonymous.post("/sign/msg", headers={**peer, "X-Jwt-Token": other}, json=body)
    assert stolen.status_code == 500 and stolen.json()["error"]["code"] == "not_found"
    garbage = anonymous.post("/sign/msg", headers={**peer, "X-Jwt-Token": "x.y.z"}, json=body)
    assert garbage.status_code == 401


def test_possession_without_the_share_signs_nothing(cosigner):
    """An eavesdropper knows the peer key and the transaction; a new transaction needs a partial
    under the user share, which only its holder can make."""
    go = go_client(cosigner, "owner")
    split = local_split(["token_transfers"])
    assert set_up(go, split).status_code == 200
    forged = split.tx(nonce=5)
    forged["signature"] = SecretKey.generate().sign_hash(forged["hash"]).to_hex()
    answer = go.sign_txn(forged, split.peer)
    assert answer.status_code == 400
    assert answer.json()["error"]["rule"] == "partial_invalid"
    # a replay of a signed request gets the same signature, nothing new
    tx = split.tx(nonce=6)
    first, again = go.sign_txn(tx, split.peer), go.sign_txn(tx, split.peer)
    assert first.status_code == again.status_code == 200
    assert decoded(first) == decoded(again)


def test_gosdk_extras_input_null_and_type0_strictness(cosigner):
    go = go_client(cosigner, "builder")
    split = local_split(["storage_rewards", "allocation_storage_operations"])
    assert set_up(go, split).status_code == 200
    # a smart-contract call with "input":null, Go's bytes with txn_output_hash/transaction_status
    tx = split.tx(
        nonce=1,
        value=0,
        to=STORAGE_SC_ADDRESS,
        transaction_type=1000,
        transaction_data=sc_data("collect_reward"),
    )
    assert tx["transaction_data"] == '{"name":"collect_reward","input":null}'
    assert transaction_bytes(tx).endswith(b'"txn_output_hash":"","transaction_status":0}')
    answer = go.sign_txn(tx, split.peer)
    assert answer.status_code == 200, answer.text
    assert verifies(split, tx["hash"], decoded(answer))
    # stricter than 0Chain: a type-0 transaction named cancel_allocation is a token transfer
    swapped = split.tx(
        nonce=2, value=0, to=STORAGE_SC_ADDRESS, transaction_data=sc_data("cancel_allocation")
    )
    refused = go.sign_txn(swapped, split.peer)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "refused"


@pytest.fixture
def old_generation_cosigner(tmp_path):
    config = make_config(tmp_path / "cosigner", zauth_txn_answer="transaction")
    from cosigner_server.bootstrap import init_data_dir

    init_data_dir(config)
    yield from run_server(config)


def test_transaction_answer_for_the_older_generation(old_generation_cosigner):
    go = go_client(old_generation_cosigner, "g1")
    split = local_split(["token_transfers"])
    assert set_up(go, split).status_code == 200
    tx = split.tx(nonce=1)
    answer = go.sign_txn(tx, split.peer)
    assert answer.status_code == 200, answer.text
    signed = decoded(answer)
    assert signed["hash"] == tx["hash"] and verifies(split, tx["hash"], signed["signature"])
    # G1 copies signature and creation_date after verifying under client_key: both present
    assert signed["creation_date"] == tx["creation_date"]


def test_setup_refuses_shares_that_do_not_add_up(cosigner):
    go = go_client(cosigner, "mallory")
    split = local_split([])
    split.body["peer_public_key"] = SecretKey.generate().public_key().to_hex()
    answer = set_up(go, split)
    assert answer.status_code == 400 and "add up" in answer.json()["error"]["message"]
    other = local_split([])
    other.body["client_id"] = "00" * 32
    assert set_up(go, other).status_code == 400


def test_zauth_txn_answer_setting(tmp_path, monkeypatch):
    from cosigner_server.config import ConfigError, load_config

    assert load_config(tmp_path).zauth_txn_answer == "signature"
    (tmp_path / "config.toml").write_text('zauth_txn_answer = "transaction"\n')
    assert load_config(tmp_path).zauth_txn_answer == "transaction"
    monkeypatch.setenv("SPLITKEY_COSIGNER_ZAUTH_TXN_ANSWER", "object")
    with pytest.raises(ConfigError, match="zauth_txn_answer"):
        load_config(tmp_path)
