"""Proof-of-possession challenges cost the server nothing until a proof arrives (issue 16, F6):
10 001 unauthenticated challenge requests no longer lock a holder out, and a challenge is still
bound to its split, its expiry and a single use."""

from __future__ import annotations

import httpx

from .cosign_helpers import holder, make_split


def prove(http: httpx.Client, split_id: str, share, challenge: dict) -> httpx.Response:
    proof = share.sign(bytes.fromhex(challenge["message_hex"])).to_hex()
    body = {"split_id": split_id, "signature": proof, "challenge": challenge["challenge"]}
    return http.post("/v1/auth/proof", json=body)


def test_ten_thousand_anonymous_challenges_do_not_lock_a_holder_out(cosigner):
    owner = holder(cosigner)
    split_id, share = make_split(owner.http, owner.wallet["client_id"])
    with httpx.Client(base_url=cosigner.url, timeout=30) as http:
        for _ in range(10_001):  # the review's flood: one more than the old table held
            answer = http.post("/v1/auth/challenge", json={"split_id": split_id})
            assert answer.status_code == 200
        assert cosigner.state.challenges == {}  # nothing was stored for them
        mine = http.post("/v1/auth/challenge", json={"split_id": split_id})
        assert mine.status_code == 200, mine.text
        signed_in = prove(http, split_id, share, mine.json())
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["token"]


def test_a_challenge_is_bound_to_its_split_expiry_and_one_use(cosigner):
    owner = holder(cosigner)
    split_id, share = make_split(owner.http, owner.wallet["client_id"])
    other_id, other_share = make_split(owner.http, owner.wallet["client_id"])
    with httpx.Client(base_url=cosigner.url, timeout=30) as http:
        challenge = http.post("/v1/auth/challenge", json={"split_id": split_id}).json()
        expires, nonce, mac = challenge["challenge"].split(".")
        # a later expiry, or the challenge of one split used for another, fails the MAC
        stretched = {**challenge, "challenge": f"{int(expires) + 3600}.{nonce}.{mac}"}
        stretched["message_hex"] = challenge["message_hex"].replace(
            challenge["challenge"].encode().hex(), stretched["challenge"].encode().hex()
        )
        assert prove(http, split_id, share, stretched).status_code == 401
        assert prove(http, other_id, other_share, challenge).status_code == 401
        assert prove(http, split_id, share, challenge).status_code == 200
        again = prove(http, split_id, share, challenge)
        assert again.status_code == 401
        assert "unknown, used or expired" in again.json()["error"]["message"]
