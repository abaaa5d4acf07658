"""The rest of the API against a real server: the OpenAPI document stays true to the routes,
a sealed server answers only health, wallet freeze and deletion with its waiting period, the
audit trail as owners and admins see it, and errors that name the problem."""

from __future__ import annotations

import os

import httpx
import pytest

from cosigner_server.openapi import document

from .conftest import make_config, run_server
from .cosign_helpers import holder
from .ops_helpers import served_routes


def test_openapi_document_lists_exactly_the_served_routes(server_config):
    served = served_routes(server_config)
    documented = {(m, p) for p, ops in document()["paths"].items() for m in ops}
    assert served == documented


def test_served_document_is_the_same(cosigner):
    with httpx.Client(base_url=cosigner.url) as http:
        assert http.get("/openapi.json").json() == document()


def test_a_sealed_server_answers_only_health(tmp_path, monkeypatch):
    config = make_config(tmp_path / "sealed")
    from cosigner_server.bootstrap import init_data_dir

    init_data_dir(config)
    os.remove(config.path("kek_file"))  # the key-encryption key is gone: sealed
    monkeypatch.delenv("SPLITKEY_KEK", raising=False)
    servers = run_server(config)
    server = next(servers)
    try:
        with httpx.Client(base_url=server.url) as http:
            assert http.get("/health").json() == {"status": "ok", "sealed": True}
            assert http.get("/ready").status_code == 503
            refused = http.get("/v1/wallets")
            assert refused.status_code == 503 and refused.json()["error"]["code"] == "sealed"
    finally:
        servers.close()


def test_freeze_stops_signing_and_deletion_waits(cosigner):
    h = holder(cosigner)
    client_id = h.wallet["client_id"]
    frozen = h.http.post(f"/v1/wallets/{client_id}/freeze", json={"frozen": True})
    assert frozen.json()["wallet"]["frozen"] is True
    refused = h.cosign(h.tx(nonce=1))
    assert refused.status_code == 403 and refused.json()["error"]["rule"] == "frozen"
    h.http.post(f"/v1/wallets/{client_id}/freeze", json={"frozen": False})
    assert h.cosign(h.tx(nonce=1)).status_code == 200
    scheduled = h.http.delete(f"/v1/wallets/{client_id}")
    assert scheduled.status_code == 202
    delete_after = scheduled.json()["wallet"]["delete_after"]
    assert delete_after >= cosigner.config.deletion_wait - 5 + h.tx(nonce=0).creation_date
    cancelled = h.http.post(f"/v1/wallets/{client_id}/cancel-deletion")
    assert cancelled.json()["wallet"]["delete_after"] is None
    assert h.http.get(f"/v1/wallets/{client_id}").status_code == 200


def test_owners_read_their_trail_and_only_theirs(cosigner):
    h = holder(cosigner)
    h.cosign(h.tx(nonce=1))
    trail = h.http.get(f"/v1/wallets/{h.wallet['client_id']}/audit").json()["records"]
    events = [r["event"] for r in trail]
    assert "wallet_created" in events and "cosign_transaction" in events
    assert all(r["wallet"] == h.wallet["client_id"] for r in trail)
    other = holder(cosigner, subject="dave")
    assert other.http.get(f"/v1/wallets/{h.wallet['client_id']}/audit").status_code == 404
    assert other.http.get("/v1/admin/audit").status_code == 403
    _, admin = cosigner.add_user("root", role="admin")
    with httpx.Client(base_url=cosigner.url, headers=cosigner.headers(admin)) as http:
        report = http.get("/v1/admin/audit/verify").json()
        assert report["ok"] is True and report["records"] >= len(trail)
        everything = http.get("/v1/admin/audit").json()["records"]
        assert {r["wallet"] for r in everything} >= {
            h.wallet["client_id"],
            other.wallet["client_id"],
        }


@pytest.mark.parametrize(
    "body, field",
    [
        ({"mnemonic": "one two three"}, "mnemonic"),
        ({"private_key": "zz"}, "private_key"),
        ({"private_key": "ff" * 32}, "private_key"),
        ({"mnemonic": 5}, "mnemonic"),
    ],
)
def test_bad_wallet_input_is_named(cosigner, body, field):
    h = holder(cosigner)
    answer = h.http.post("/v1/wallets", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == field


def test_malformed_bodies_and_sizes(cosigner):
    h = holder(cosigner)
    bad_json = h.http.post("/v1/sign/transaction", content=b"{not json")
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()["error"]["message"]
    huge = h.http.post("/v1/sign/transaction", content=b"{" + b" " * (1 << 20) + b"}")
    assert huge.status_code == 413
    missing = h.http.post("/v1/sign/transaction", json={"split_id": h.split_id})
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "request_id"
    unknown = h.http.get("/v1/nothing-here")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


def test_the_last_enabled_admin_cannot_be_disabled(cosigner):
    admin, token = cosigner.add_user("root", role="admin")
    with httpx.Client(base_url=cosigner.url, headers=cosigner.headers(token)) as http:
        refused = http.post(f"/v1/admin/users/{admin.id}/enabled", json={"enabled": False})
        assert refused.status_code == 409
        second, _ = cosigner.add_user("root2", role="admin")
        assert (
            http.post(f"/v1/admin/users/{second.id}/enabled", json={"enabled": False}).status_code
            == 200
        )


def test_admins_stop_harm_but_never_act_as_owners(cosigner):
    alice = holder(cosigner)
    client_id = alice.wallet["client_id"]
    _, admin = cosigner.add_user("root", role="admin")
    with httpx.Client(base_url=cosigner.url, headers=cosigner.headers(admin)) as http:
        assert http.post(f"/v1/wallets/{client_id}/splits", json={}).status_code == 404
        assert http.delete(f"/v1/wallets/{client_id}").status_code == 404
        loosen = http.put(
            f"/v1/splits/{alice.split_id}/permissions",
            json={"permissions": {"groups": ["token_transfers"]}},
        )
        assert loosen.status_code == 404
        frozen = http.post(f"/v1/admin/wallets/{client_id}/freeze", json={"frozen": True})
        assert frozen.status_code == 200
        assert http.post(f"/v1/admin/splits/{alice.split_id}/revoke").status_code == 200


def test_a_proof_of_possession_token_only_signs_with_its_key(cosigner):
    alice = holder(cosigner)
    with httpx.Client(base_url=cosigner.url) as http:
        challenge = http.post("/v1/auth/challenge", json={"split_id": alice.split_id}).json()
        proof = alice.share.sign(bytes.fromhex(challenge["message_hex"])).to_hex()
        token = http.post(
            "/v1/auth/proof",
            json={
                "split_id": alice.split_id,
                "signature": proof,
                "challenge": challenge["challenge"],
            },
        ).json()
        scoped = {"Authorization": f"Bearer {token['token']}"}
        assert http.get("/v1/auth/whoami", headers=scoped).json()["split"] == alice.split_id
        assert http.get("/v1/wallets", headers=scoped).status_code == 403
        assert http.post("/v1/wallets", json={}, headers=scoped).status_code == 403
        tx = alice.tx(nonce=1)
        signed = http.post("/v1/sign/transaction", json=alice.body(tx), headers=scoped)
        assert signed.status_code == 200, signed.text


def test_revoked_shares_leave_the_shared_list_and_expired_splits_are_refused(cosigner):
    alice = holder(cosigner)
    client_id = alice.wallet["client_id"]
    bob, bob_token = cosigner.add_user("bob")
    past = alice.http.post(
        f"/v1/wallets/{client_id}/splits",
        json={"holder": bob.id, "permissions": {"groups": ["token_transfers"], "expires_at": 1000}},
    )
    assert past.status_code == 400 and past.json()["error"]["field"] == "permissions"
    made = alice.http.post(
        f"/v1/wallets/{client_id}/splits",
        json={"holder": bob.id, "permissions": {"groups": ["token_transfers"]}},
    )
    split_id = made.json()["split"]["id"]
    with httpx.Client(base_url=cosigner.url, headers=cosigner.headers(bob_token)) as bob_http:
        assert [w["client_id"] for w in bob_http.get("/v1/wallets").json()["shared"]] == [client_id]
        alice.http.post(f"/v1/splits/{split_id}/revoke")
        assert bob_http.get("/v1/wallets").json()["shared"] == []
        assert bob_http.get(f"/v1/wallets/{client_id}").status_code == 404


def test_a_signed_transaction_is_audited_with_its_hash(cosigner):
    h = holder(cosigner)
    tx = h.tx(nonce=1)
    assert h.cosign(tx).status_code == 200
    trail = h.http.get(f"/v1/wallets/{h.wallet['client_id']}/audit").json()["records"]
    signed = [r for r in trail if r["event"] == "cosign_transaction"]
    assert [r["details"]["hash"] for r in signed] == [tx.hash]


def test_a_share_code_may_be_typed_without_dashes_in_any_case(cosigner):
    alice = holder(cosigner)
    made = alice.http.post(
        f"/v1/wallets/{alice.wallet['client_id']}/splits",
        json={"holder": "code", "permissions": {"groups": ["token_transfers"]}},
    )
    typed = made.json()["share_code"].replace("-", " ").lower()
    _, bob_token = cosigner.add_user("bob")
    with httpx.Client(base_url=cosigner.url, headers=cosigner.headers(bob_token)) as http:
        assert http.post("/v1/share-codes/redeem", json={"code": typed}).status_code == 200


def test_wallets_tell_their_signers_the_last_nonce_co_signed(cosigner):
    h = holder(cosigner)
    client_id = h.wallet["client_id"]
    assert h.http.get(f"/v1/wallets/{client_id}").json()["wallet"]["last_nonce"] is None
    for nonce in (3, 12, 7):
        assert h.cosign(h.tx(nonce=nonce)).status_code == 200
    assert h.http.get(f"/v1/wallets/{client_id}").json()["wallet"]["last_nonce"] == 12
    listed = h.http.get("/v1/wallets").json()["owned"]
    assert [w["last_nonce"] for w in listed] == [12]
