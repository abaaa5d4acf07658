"""0Chain's ZAuth calls, shaped as gosdk and zwallet send them (spec/cosigner.md), with Splitkey's
stricter rules: a JWT, the peer key's split must be the caller's, and /sign/msg needs the
preimage."""

from __future__ import annotations

import json

import httpx

from app.crypto import PublicKey, SecretKey, Signature, split_secret_key
from app.keys import client_id_of
from app.transaction import sha3_hex

from .cosign_helpers import Holder, holder


def local_split_setup(cosigner, token: str):
    """What a gosdk client that split its key locally sends to /setup."""
    master = SecretKey.generate()
    user_share, server_share = split_secret_key(master, 2)
    wallet_key = master.public_key()
    body = {
        "client_id": client_id_of(wallet_key),
        "client_key": wallet_key.to_hex(),
        "public_key": server_share.public_key().to_hex(),
        "private_key": server_share.to_hex(),
        "peer_public_key": user_share.public_key().to_hex(),
        "restrictions": ["token_transfers"],
        "expired_at": 0,
    }
    http = httpx.Client(base_url=cosigner.url, headers={"X-Jwt-Token": token}, timeout=30)
    return http, body, master, user_share


def test_setup_then_sign_txn_and_msg_like_gosdk(cosigner):
    _, token = cosigner.add_user("zwallet")
    http, body, master, user_share = local_split_setup(cosigner, token)
    answer = http.post("/setup", json=body)
    assert answer.status_code == 200, answer.text
    peer = {"X-Peer-Public-Key": body["peer_public_key"]}
    wallet = {"client_id": body["client_id"], "public_key": body["client_key"]}
    h = Holder(http=http, token=token, wallet=wallet, split_id="", share=user_share)
    tx = h.tx(nonce=1)
    signed = http.post(
        "/sign/txn",
        headers=peer,
        content=json.dumps({**tx.to_dict(), "signature": user_share.sign_hash(tx.hash).to_hex()}),
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["signature"] == master.sign_hash(tx.hash).to_hex()
    assert signed.json()["hash"] == tx.hash
    # /sign/msg: 0Chain's body plus the preimage Splitkey insists on
    message = f"{body['client_id']}:user-1:{body['client_key']}"
    msg_hash = sha3_hex(message)
    msg_body = {
        "hash": msg_hash,
        "signature": user_share.sign_hash(msg_hash).to_hex(),
        "client_id": body["client_id"],
    }
    no_preimage = http.post("/sign/msg", headers=peer, json=msg_body)
    assert no_preimage.status_code == 400 and no_preimage.json()["error"]["field"] == "message"
    refused = http.post("/sign/msg", headers=peer, json={**msg_body, "message": message})
    # restrictions gave only token_transfers: messages need their own permission
    assert refused.status_code == 403
    assert refused.json()["error"]["rule"] == "messages_not_allowed"
    # GET /key and PUT /restrictions
    key = http.get(f"/key/{body['client_id']}", headers=peer)
    assert key.status_code == 200 and key.json()["last_used"] > 0
    changed = http.put(
        f"/restrictions/{body['client_id']}",
        headers=peer,
        json={"restrictions": ["token_transfers", "storage_rewards"]},
    )
    assert changed.json()["restrictions"] == ["storage_rewards", "token_transfers"]
    # revoke by peer key: the next signature is refused
    revoked = http.post(
        f"/revoke/{body['client_id']}", params={"peer_public_key": body["peer_public_key"]}
    )
    assert revoked.status_code == 200
    tx2 = h.tx(nonce=2)
    after = http.post(
        "/sign/txn",
        headers=peer,
        json={**tx2.to_dict(), "signature": user_share.sign_hash(tx2.hash).to_hex()},
    )
    assert after.status_code == 403 and after.json()["error"]["rule"] == "revoked"
    deleted = http.post(f"/delete/{body['client_id']}")
    assert deleted.status_code == 202 and deleted.json()["delete_after"] > 0


def test_setup_refuses_a_share_that_does_not_add_up(cosigner):
    _, token = cosigner.add_user("mallory")
    http, body, _, _ = local_split_setup(cosigner, token)
    body["peer_public_key"] = SecretKey.generate().public_key().to_hex()
    answer = http.post("/setup", json=body)
    assert answer.status_code == 400 and "add up" in answer.json()["error"]["message"]
    body2 = local_split_setup(cosigner, token)[1]
    body2["client_id"] = "00" * 32
    assert http.post("/setup", json=body2).status_code == 400


def test_sign_msg_needs_the_preimage_to_match_and_a_jwt(cosigner):
    h = holder(cosigner, permissions={"groups": [], "sign_messages": True})
    peer = {"X-Peer-Public-Key": h.split()["share_public_key"]}
    message = "hello 0box"
    body = {
        "hash": sha3_hex("something else"),
        "message": message,
        "client_id": h.wallet["client_id"],
        "signature": h.share.sign_hash(sha3_hex(message)).to_hex(),
    }
    mismatch = h.http.post("/sign/msg", headers=peer, json=body)
    assert mismatch.status_code == 400 and mismatch.json()["error"]["field"] == "hash"
    body["hash"] = sha3_hex(message)
    ok = h.http.post("/sign/msg", headers=peer, json=body)
    assert ok.status_code == 200, ok.text
    wallet_key = PublicKey.from_hex(h.wallet["public_key"])
    assert wallet_key.verify_hash(body["hash"], Signature.from_hex(ok.json()["sig"]))
    with httpx.Client(base_url=cosigner.url) as anonymous:
        assert anonymous.post("/sign/msg", headers=peer, json=body).status_code == 401
    # someone else's token does not reach this split
    _, other = cosigner.add_user("eve")
    stolen = h.http.post(
        "/sign/msg", headers={**peer, "Authorization": f"Bearer {other}"}, json=body
    )
    assert stolen.status_code in (403, 404)
