"""Issue 16's low findings, each reproduced against a real server: the nonce window (F7) and
malformed input answered 400 naming the problem, not 500 (F8)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from app.permissions import ZCN
from app.transaction import INT64_MAX, STORAGE_SC_ADDRESS, TransactionType

from .cosign_helpers import holder

LIMITED = {"groups": ["token_transfers"], "max_per_transaction": 10 * ZCN}


def last_nonce(h) -> int | None:
    answer = h.http.get(f"/v1/wallets/{h.wallet['client_id']}")
    assert answer.status_code == 200, answer.text
    return answer.json()["wallet"]["last_nonce"]


def test_a_limited_key_cannot_push_the_nonce_to_int64_max(cosigner):
    bob = holder(cosigner, "bob", LIMITED)
    assert bob.cosign(bob.tx(nonce=1)).status_code == 200
    answer = bob.cosign(bob.tx(nonce=INT64_MAX))
    assert answer.status_code == 403, answer.text
    error = answer.json()["error"]
    assert error["rule"] == "nonce_window"
    window = cosigner.config.nonce_window
    assert f"more than {window} above this wallet's last co-signed nonce 1" in error["message"]
    assert last_nonce(bob) == 1  # the wallet's nonce did not move
    # the edge of the window is still signed, one past it is not
    assert bob.cosign(bob.tx(nonce=1 + window)).status_code == 200
    assert last_nonce(bob) == 1 + window
    beyond = bob.cosign(bob.tx(nonce=2 + 2 * window))
    assert beyond.status_code == 403 and beyond.json()["error"]["rule"] == "nonce_window"


def test_the_owners_unrestricted_key_may_jump_the_nonce(cosigner):
    # the owner may have used the wallet with the whole key elsewhere: the chain decides
    owner = holder(cosigner, "olga")
    assert owner.cosign(owner.tx(nonce=5000)).status_code == 200
    assert last_nonce(owner) == 5000


# -- F8: 400 naming the problem, not 500 ---------------------------------------------------------

SURROGATE = "\\ud800"  # as it travels: a JSON escape of a lone UTF-16 surrogate


def post_raw(h, path: str, text: str) -> httpx.Response:
    return h.http.post(path, content=text.encode(), headers={"Content-Type": "application/json"})


def assert_400(answer: httpx.Response, words: str) -> None:
    assert answer.status_code == 400, answer.text
    assert words in answer.json()["error"]["message"], answer.text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"a":' + "[" * 20_000 + "]" * 20_000 + "}", "nested 20001 levels deep"),
        ('{"label":"x","n":' + "7" * 5000 + "}", "a number has 5000 digits"),
        ('{"label":"x","frozen":true,"frozen":false}', 'key "frozen" appears twice'),
    ],
    ids=["nested-20000", "5000-digit-int", "duplicate-key"],
)
def test_hostile_json_in_any_body_is_a_400(cosigner, text, words):
    h = holder(cosigner)
    client_id = h.wallet["client_id"]
    for path in ("/v1/wallets", f"/v1/wallets/{client_id}/splits", "/v1/sign/transaction",
                 "/v1/auth/enroll", "/v1/sign/message"):  # fmt: skip
        assert_400(post_raw(h, path, text), words)
    assert h.http.get("/v1/wallets").status_code == 200  # the server is fine


def test_lone_surrogates_are_a_400(cosigner):
    h = holder(cosigner)
    tx = h.tx(nonce=1)
    body = h.body(tx)
    sign = json.dumps(body).replace('"transaction_data": ""', f'"transaction_data": "{SURROGATE}"')
    message = json.dumps(
        {"split_id": h.split_id, "request_id": uuid.uuid4().hex, "message": "hi",
         "signature": body["transaction"]["signature"]}
    ).replace('"hi"', f'"hi{SURROGATE}"')  # fmt: skip
    cases = {
        "/v1/sign/transaction": sign,
        "/v1/sign/message": message,
        "/v1/auth/enroll": f'{{"code":"ABCD-{SURROGATE}"}}',
        f"/v1/wallets/{h.wallet['client_id']}/splits": f'{{"label":"x{SURROGATE}"}}',
    }
    for path, text in cases.items():
        assert SURROGATE in text
        assert_400(post_raw(h, path, text), "lone UTF-16 surrogate")
    assert h.cosign(tx).status_code == 200  # nothing was counted


def test_contract_data_nested_5000_deep_is_a_400(cosigner):
    h = holder(cosigner)
    deep = '{"name":"write_pool_lock","input":{"a":' + "[" * 5000 + "]" * 5000 + "}}"
    call = h.tx(
        nonce=1,
        value=0,
        to=STORAGE_SC_ADDRESS,
        transaction_type=TransactionType.SMART_CONTRACT,
        transaction_data='{"name":"write_pool_lock","input":{}}',
    )
    body = h.body(call)
    body["transaction"]["transaction_data"] = deep
    answer = h.http.post("/v1/sign/transaction", json=body)
    assert_400(answer, "nested 5002 levels deep")
    assert answer.json()["error"]["field"] == "transaction_data"


@pytest.mark.parametrize("limit", ["²", "١", "9" * 30, "-1"])
def test_audit_limit_must_be_plain_digits(cosigner, limit):
    h = holder(cosigner)
    answer = h.http.get(f"/v1/wallets/{h.wallet['client_id']}/audit", params={"limit": limit})
    assert_400(answer, "limit must be a whole number")
