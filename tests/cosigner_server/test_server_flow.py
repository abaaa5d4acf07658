"""The co-signer end to end over real HTTP: wallets, splits, share delivery, co-signing, the
delegate's limits, revocation, and the answers' shape."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from app.crypto import PublicKey, SecretKey, Signature
from app.keys import secret_key_from_mnemonic
from app.permissions import ZCN
from app.transaction import STORAGE_SC_ADDRESS, Transaction, TransactionType, smart_contract_data
from cosigner_server.config import DEFAULT_CHAIN_ID

RECIPIENT = "ab" * 32


def tx_for(
    wallet: dict, *, value: int = ZCN, nonce: int, to: str = RECIPIENT, **fields
) -> Transaction:
    return Transaction(
        client_id=wallet["client_id"],
        public_key=wallet["public_key"],
        chain_id=DEFAULT_CHAIN_ID,
        creation_date=int(time.time()),
        to_client_id=to,
        transaction_value=value,
        transaction_nonce=nonce,
        **fields,
    )


def cosign(http: httpx.Client, token: str, split_id: str, share: SecretKey, tx: Transaction):
    partial = share.sign_hash(tx.hash).to_hex()
    body = {
        "split_id": split_id,
        "request_id": uuid.uuid4().hex,
        "transaction": {**tx.to_dict(), "signature": partial},
    }
    return http.post(
        "/v1/sign/transaction", json=body, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.fixture
def owner(cosigner):
    user, token = cosigner.add_user("alice")
    with httpx.Client(base_url=cosigner.url, headers=cosigner.headers(token), timeout=60) as http:
        yield user, token, http


def create_wallet_with_my_split(http):
    created = http.post("/v1/wallets", json={})
    assert created.status_code == 201, created.text
    wallet, mnemonic = created.json()["wallet"], created.json()["mnemonic"]
    split = http.post(f"/v1/wallets/{wallet['client_id']}/splits", json={"label": "laptop"})
    assert split.status_code == 201, split.text
    split = split.json()["split"]
    share = http.post(f"/v1/splits/{split['id']}/key")
    assert share.status_code == 200, share.text
    return wallet, mnemonic, split, SecretKey.from_hex(share.json()["private_key"])


def test_health_needs_no_token_and_the_api_does(cosigner):
    with httpx.Client(base_url=cosigner.url) as http:
        health = http.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert health.headers["X-Content-Type-Options"] == "nosniff"
        assert "aiohttp" not in health.headers.get("Server", "").lower()
        refused = http.get("/v1/wallets")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        assert http.get("/ready").json()["ready"] is True


def test_my_split_cosigns_exactly_what_the_whole_key_signs(owner, cosigner):
    _, token, http = owner
    wallet, mnemonic, split, share = create_wallet_with_my_split(http)
    # the share is delivered once
    assert http.post(f"/v1/splits/{split['id']}/key").status_code == 410
    tx = tx_for(wallet, nonce=1)
    answer = cosign(http, token, split["id"], share, tx)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["hash"] == tx.hash
    whole = secret_key_from_mnemonic(mnemonic)
    assert body["signature"] == whole.sign_hash(tx.hash).to_hex()
    assert PublicKey.from_hex(wallet["public_key"]).verify_hash(
        tx.hash, Signature.from_hex(body["signature"])
    )
    assert body["transaction"]["signature"] == body["signature"]
    assert body["receipt"]["audit_seq"] > 0 and body["receipt"]["uses"] == 1


def test_replay_returns_the_same_answer_and_counts_once(owner):
    _, token, http = owner
    wallet, _, split, share = create_wallet_with_my_split(http)
    tx = tx_for(wallet, nonce=7)
    body = {
        "split_id": split["id"],
        "request_id": "replay-test-1",
        "transaction": {**tx.to_dict(), "signature": share.sign_hash(tx.hash).to_hex()},
    }
    answers = [http.post("/v1/sign/transaction", json=body).json() for _ in range(5)]
    assert all(a == answers[0] for a in answers)
    splits = http.get(f"/v1/wallets/{wallet['client_id']}/splits").json()["splits"]
    assert splits[0]["uses"] == 1
    # the same nonce under another request id: signed again (a transaction the network refused
    # leaves its nonce unused on chain) and counted again
    body["request_id"] = "replay-test-2"
    again = http.post("/v1/sign/transaction", json=body)
    assert again.status_code == 200 and again.json()["receipt"]["uses"] == 2
    splits = http.get(f"/v1/wallets/{wallet['client_id']}/splits").json()["splits"]
    assert splits[0]["uses"] == 2


def test_delegate_limits_revocation_and_other_splits(owner, cosigner):
    _, owner_token, http = owner
    wallet, _, own_split, own_share = create_wallet_with_my_split(http)
    bob, bob_token = cosigner.add_user("bob")
    permissions = {
        "groups": ["token_transfers"],
        "max_per_transaction": ZCN,
        "max_value_per_period": 2 * ZCN,
        "period_seconds": 86400,
    }
    made = http.post(
        f"/v1/wallets/{wallet['client_id']}/splits",
        json={"label": "bob", "holder": "code", "permissions": permissions},
    )
    assert made.status_code == 201, made.text
    code = made.json()["share_code"]
    split_id = made.json()["split"]["id"]
    with httpx.Client(
        base_url=cosigner.url, headers=cosigner.headers(bob_token), timeout=60
    ) as bob_http:
        redeemed = bob_http.post("/v1/share-codes/redeem", json={"code": code})
        assert redeemed.status_code == 200, redeemed.text
        bob_share = SecretKey.from_hex(redeemed.json()["private_key"])
        assert bob_http.post("/v1/share-codes/redeem", json={"code": code}).status_code == 410
        for nonce in (1, 2):
            ok = cosign(bob_http, bob_token, split_id, bob_share, tx_for(wallet, nonce=nonce))
            assert ok.status_code == 200, ok.text
        third = cosign(bob_http, bob_token, split_id, bob_share, tx_for(wallet, nonce=3))
        assert third.status_code == 403
        assert third.json()["error"]["rule"] == "period_value_cap"
        assert "24 h" in third.json()["error"]["message"]
        storage_call = tx_for(
            wallet,
            nonce=4,
            value=0,
            to=STORAGE_SC_ADDRESS,
            transaction_type=TransactionType.SMART_CONTRACT,
            transaction_data=smart_contract_data("new_allocation_request", {"size": 1}),
        )
        refused = cosign(bob_http, bob_token, split_id, bob_share, storage_call)
        assert refused.status_code == 403
        assert "allocation_storage_operations" in refused.json()["error"]["message"]
        revoked = http.post(f"/v1/splits/{split_id}/revoke")
        assert revoked.status_code == 200 and revoked.json()["split"]["status"] == "revoked"
        after = cosign(bob_http, bob_token, split_id, bob_share, tx_for(wallet, nonce=5, value=1))
        assert after.status_code == 403 and after.json()["error"]["rule"] == "revoked"
    mine = cosign(http, owner_token, own_split["id"], own_share, tx_for(wallet, nonce=6))
    assert mine.status_code == 200, mine.text


def test_a_bad_partial_gets_no_server_signature(owner):
    _, token, http = owner
    wallet, _, split, share = create_wallet_with_my_split(http)
    tx = tx_for(wallet, nonce=9)
    other = SecretKey.generate().sign_hash(tx.hash).to_hex()
    body = {
        "split_id": split["id"],
        "request_id": uuid.uuid4().hex,
        "transaction": {**tx.to_dict(), "signature": other},
    }
    refused = http.post("/v1/sign/transaction", json=body)
    assert refused.status_code == 403 and refused.json()["error"]["rule"] == "partial_invalid"
    assert "signature" not in refused.json()
    # the refusal did not count: the same nonce still signs with a good partial
    assert cosign(http, token, split["id"], share, tx).status_code == 200
