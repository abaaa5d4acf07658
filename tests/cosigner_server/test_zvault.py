"""0Chain's ZVault calls (the shapes of 0chain/system_test's zvault client) on Splitkey's vault:
a new wallet, a split for the app, its keys, wallets and shared wallets, restrictions, store,
revoke and delete - with Splitkey's guarantees where ZVault's shape is weaker."""

from __future__ import annotations

import httpx

from app.crypto import PublicKey, SecretKey, Signature
from app.keys import client_id_of, generate_mnemonic, secret_key_from_mnemonic

from .gosdk_shapes import GoZauthClient, decoded, go_struct
from .zauth_helpers import LocalSplit


def zvault(cosigner, subject: str) -> tuple[GoZauthClient, str]:
    user, token = cosigner.add_user(subject)
    return GoZauthClient(httpx.Client(base_url=cosigner.url, timeout=60), token), user.id


def post(go: GoZauthClient, path: str, body: dict | None = None, **headers) -> httpx.Response:
    content = None if body is None else go_struct(list(body.items())).encode()
    return go.http.post(path, content=content, headers={"X-Jwt-Token": go.jwt, **headers})


def get(go: GoZauthClient, path: str, **headers) -> httpx.Response:
    return go.http.get(path, headers={"X-Jwt-Token": go.jwt, **headers})


def test_wallet_key_keys_restrictions_sign_revoke_delete(cosigner):
    go, user_id = zvault(cosigner, "app-user")
    assert decoded(get(go, "/wallets")) == []
    made = post(go, "/wallet")
    assert made.status_code == 200, made.text
    wallet = decoded(made)
    assert len(wallet["mnemonics"].split()) == 24 and wallet["is_split"] is False
    cid = wallet["client_id"]
    key = post(go, f"/key/{cid}", {"restrictions": ["token_transfers"]})
    assert key.status_code == 200, key.text
    share = decoded(key)
    user_share = SecretKey.from_hex(share["private_key"])
    # the two shares add up to the wallet key (the app keeps keys[0], ZAuth the peer)
    peer = PublicKey.from_hex(share["peer_public_key"])
    assert user_share.public_key() + peer == PublicKey.from_hex(wallet["client_key"])
    # the new key signs through ZAuth by possession
    split = LocalSplit(
        master=None,  # type: ignore[arg-type]
        user_share=user_share,
        body={"client_id": cid, "client_key": wallet["client_key"], "peer_public_key": ""},
    )
    tx = split.tx(nonce=1)
    signed = go.sign_txn(tx, share["public_key"])
    assert signed.status_code == 200, signed.text
    wallet_key = PublicKey.from_hex(wallet["client_key"])
    assert wallet_key.verify_hash(tx["hash"], Signature.from_hex(decoded(signed)))
    # listed without key material; the share left once
    keys = decoded(get(go, f"/keys/{cid}"))["keys"]
    assert len(keys) == 1 and keys[0]["private_key"] == "" and keys[0]["user_id"] == user_id
    assert keys[0]["restrictions"] == ["token_transfers"]
    assert [w["client_id"] for w in decoded(get(go, "/wallets"))] == [cid]
    groups = get(go, "/restrictions", **{"X-Peer-Public-Key": share["public_key"]})
    assert decoded(groups) == ["token_transfers"]
    # ZVault's revoke: ?public_key= (or a form field)
    revoked = go.http.post(
        f"/revoke/{cid}", data={"public_key": share["public_key"]}, headers={"X-Jwt-Token": go.jwt}
    )
    assert revoked.status_code == 200 and decoded(revoked)["result"] == "success"
    assert decoded(get(go, f"/keys/{cid}"))["keys"][0]["is_revoked"] is True
    assert go.delete(cid).status_code == 200


def test_store_needs_a_token_and_one_wallet(cosigner):
    go, _ = zvault(cosigner, "importer")
    words = generate_mnemonic()
    secret = secret_key_from_mnemonic(words)
    # gosdk 1.18 sends /store without a JWT: refused here
    anonymous = go.http.post("/store", json={"private_key": secret.to_hex()})
    assert anonymous.status_code == 401
    other = generate_mnemonic()
    mixed = post(go, "/store", {"mnemonic": other, "private_key": secret.to_hex()})
    assert mixed.status_code == 400 and "different wallets" in mixed.json()["error"]["message"]
    stored = post(go, "/store", {"mnemonic": words, "private_key": secret.to_hex()})
    assert stored.status_code == 200, stored.text
    assert decoded(stored)["client_id"] == client_id_of(secret.public_key())
    assert post(go, "/store", {"private_key": "04e5"}).status_code == 400


def test_shared_wallets_and_others_keys(cosigner):
    owner, _ = zvault(cosigner, "owner")
    delegate, delegate_id = zvault(cosigner, "delegate")
    cid = decoded(post(owner, "/wallet"))["client_id"]
    with httpx.Client(base_url=cosigner.url, headers={"Authorization": f"Bearer {owner.jwt}"}) as h:
        made = h.post(
            f"/v1/wallets/{cid}/splits",
            json={"holder": delegate_id, "permissions": {"groups": ["token_transfers"]}},
        )
        assert made.status_code == 201, made.text
    shared = decoded(get(delegate, "/wallets/shared"))
    assert [w["client_id"] for w in shared] == [cid]
    assert decoded(get(delegate, "/wallets")) == []
    # the delegate sees only its own split of the owner's wallet; a stranger sees none
    assert len(decoded(get(delegate, f"/keys/{cid}"))["keys"]) == 1
    stranger, _ = zvault(cosigner, "stranger")
    assert decoded(get(stranger, f"/keys/{cid}"))["keys"] == []
    # and cannot cut a key of it
    assert post(stranger, f"/key/{cid}").status_code == 400
