"""Keyless requests that must be refused, against a real co-signer: each gets a 4xx that names the
problem, changes nothing, and carries no secret back. Shares that do not add up, a proof made
with another key or for another wallet, a delegation from someone else's split or from a revoked
one, a refresh by someone who is not the holder, a tampered envelope (the delegate's client
refuses it), and a custodial split request on a keyless wallet."""

from __future__ import annotations

import httpx
import pytest

from app.client import CosignerClient, CosignerError, TamperedAnswer
from app.client_calls import share_info
from app.crypto import SecretKey
from app.keyless import delegation, keyless_wallet, refresh, split_code
from app.keys import client_id_of
from app.permissions import Permissions
from app.protocol.bodies import SplitView
from app.protocol.formats import keyless_message

SENDS = Permissions.from_dict({"groups": ["token_transfers"]}).to_dict()


@pytest.fixture
def people(cosigner):
    alice, alice_token = cosigner.add_user("alice")
    _bob, bob_token = cosigner.add_user("bob")
    headers = cosigner.headers
    with (
        httpx.Client(base_url=cosigner.url, headers=headers(alice_token), timeout=60) as a,
        httpx.Client(base_url=cosigner.url, headers=headers(bob_token), timeout=60) as b,
    ):
        yield a, b, alice_token, bob_token


def refused(answer: httpx.Response, status: int, words: str, *secrets: str) -> None:
    assert answer.status_code == status, answer.text
    assert words in answer.json()["error"]["message"], answer.text
    for secret in secrets:
        assert secret.lower() not in answer.text.lower()


def registered(http: httpx.Client):
    master = SecretKey.generate()
    request, mine = keyless_wallet(master)
    made = http.post("/v1/wallets", json={"keyless": request.to_dict()})
    assert made.status_code == 201, made.text
    return master, mine, made.json()


def test_wallet_registration_refusals(cosigner, people):
    alice, _bob, _at, _bt = people
    master = SecretKey.generate()
    request, mine = keyless_wallet(master)
    good = request.to_dict()
    other = SecretKey.generate()
    # a server share that does not complete the wallet key with the owner's share
    wrong = {**good, "server_share": other.to_hex()}
    refused(
        alice.post("/v1/wallets", json={"keyless": wrong}), 400, "do not add up", other.to_hex()
    )
    # a proof by another key, or for another wallet
    client_id = client_id_of(master.public_key())
    by_other = other.sign(keyless_message("wallet", client_id, mine.public_key().to_hex()))
    refused(
        alice.post("/v1/wallets", json={"keyless": {**good, "proof": by_other.to_hex()}}),
        400,
        "proof of possession",
    )
    elsewhere = mine.sign(keyless_message("wallet", "ab" * 32, mine.public_key().to_hex()))
    refused(
        alice.post("/v1/wallets", json={"keyless": {**good, "proof": elsewhere.to_hex()}}),
        400,
        "proof of possession",
    )
    # malformed fields name themselves
    answer = alice.post("/v1/wallets", json={"keyless": {**good, "server_share": "zz"}})
    refused(answer, 400, "malformed")
    answer = alice.post("/v1/wallets", json={"keyless": {"client_key": good["client_key"]}})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "server_share"
    # nothing was registered by any of these
    assert alice.get("/v1/wallets").json()["owned"] == []
    assert alice.post("/v1/wallets", json={"keyless": good}).status_code == 201


def test_delegation_and_refresh_refusals(cosigner, people):
    alice, bob, alice_token, bob_token = people
    _master, mine, made = registered(alice)
    client_id, own_split = made["wallet"]["client_id"], made["split"]["id"]
    path = f"/v1/wallets/{client_id}/splits"

    # the vault cannot cut a split of a keyless wallet
    answer = alice.post(path, json={"holder": "code", "permissions": SENDS})
    refused(answer, 409, "no master key")
    # a delegation signed by another key (the owner's token alone is not enough)
    request, fresh, _key = delegation(own_split, SecretKey.generate(), client_id, sealed=True)
    body = {"holder": "code", "permissions": SENDS, "delegation": request.to_dict()}
    refused(alice.post(path, json=body), 400, "did not sign", fresh.to_hex())
    # a d that does not match the new share's public key
    request, fresh, _key = delegation(own_split, mine, client_id, sealed=True)
    tampered = {**request.to_dict(), "d": SecretKey.generate().to_hex()}
    body = {"holder": "code", "permissions": SENDS, "delegation": tampered}
    refused(alice.post(path, json=body), 400, "does not complete the wallet key")
    # a user id as holder: keyless shares travel behind share codes
    body = {"holder": "u_someone", "permissions": SENDS, "delegation": request.to_dict()}
    refused(alice.post(path, json=body), 400, "share code")
    # not base64
    not_base64 = {**request.to_dict(), "envelope": "%%"}
    body = {"holder": "code", "permissions": SENDS, "delegation": not_base64}
    refused(alice.post(path, json=body), 400, "base64")
    # bob is not the owner: 404, the wallet is not even confirmed to exist
    body = {"holder": "code", "permissions": SENDS, "delegation": request.to_dict()}
    assert bob.post(path, json=body).status_code == 404
    # nothing was made by any of these: the owner's own split only
    assert [s["id"] for s in alice.get(f"/v1/wallets/{client_id}/splits").json()["splits"]] == [
        own_split
    ]

    # bob cannot refresh alice's split, even with her share's signature
    refreshed, _new = refresh(own_split, mine)
    answer = bob.post(f"/v1/splits/{own_split}/refresh", json=refreshed.to_dict())
    assert answer.status_code == 404
    # a refresh whose r does not match the new public key changes nothing
    bad = {**refreshed.to_dict(), "r": SecretKey.generate().to_hex()}
    refused(alice.post(f"/v1/splits/{own_split}/refresh", json=bad), 400, "does not complete")
    split = alice.get(f"/v1/splits/{own_split}").json()["split"]
    assert split["share_public_key"] == mine.public_key().to_hex()

    # a wrong key part: the envelope does not open on the delegate's machine (and the code,
    # redeemed, is used up: a mistyped code costs a new one, never a wrong key)
    share = share_info(SplitView.from_dict(made["split"]), made["wallet"]["public_key"], mine)
    with CosignerClient(cosigner.url, token=alice_token) as owner:
        shared = owner.delegate(share, "bob", "code", Permissions.from_dict(SENDS))
    locator, key_part = split_code(shared.share_code)
    wrong_key = ("A" if key_part[0] != "A" else "B") + key_part[1:]
    with CosignerClient(cosigner.url, token=bob_token) as delegate:
        with pytest.raises(TamperedAnswer):
            delegate.redeem(locator + wrong_key)
        with pytest.raises(CosignerError) as gone:
            delegate.redeem(shared.share_code)
        assert gone.value.status == 410

    # revoked: no delegation from it, no refresh of it
    alice.post(f"/v1/splits/{own_split}/revoke")
    request, _fresh, _key = delegation(own_split, mine, client_id, sealed=True)
    body = {"holder": "code", "permissions": SENDS, "delegation": request.to_dict()}
    refused(alice.post(path, json=body), 410, "revoked")
    refreshed, _new = refresh(own_split, mine)
    refused(alice.post(f"/v1/splits/{own_split}/refresh", json=refreshed.to_dict()), 410, "revoked")
