"""An administrator cannot become a wallet owner by re-issuing the owner's enrollment code
(issue 16, F4): the code of a user who owns wallets comes in two halves, the second released only
to the owner's signed-in device or to another administrator, and the owner sees both steps in
the wallet's activity."""

from __future__ import annotations

import httpx

from cosigner_server.principal import LOCAL_OPERATOR_CLAIM

from .cosign_helpers import holder


def user_id(h) -> str:
    return h.http.get("/v1/auth/whoami").json()["user"]["id"]


def enroll(cosigner, code: str) -> httpx.Response:
    return httpx.post(cosigner.url + "/v1/auth/enroll", json={"code": code})


def admin_http(cosigner, name: str) -> httpx.Client:
    _, token = cosigner.add_user(name, role="admin")
    return httpx.Client(base_url=cosigner.url, headers=cosigner.headers(token), timeout=30)


def test_an_administrator_alone_cannot_take_over_an_owner(cosigner):
    alice = holder(cosigner, "alice")
    mallory = admin_http(cosigner, "mallory")
    asked = mallory.post(f"/v1/admin/users/{user_id(alice)}/enrollment-code")
    assert asked.status_code == 202, asked.text
    half, ref = asked.json()["enrollment_code_half"], asked.json()["approval_ref"]
    assert "enrollment_code" not in asked.json()
    # the attack: enroll with what the administrator holds, or approve it themself
    assert enroll(cosigner, half).status_code == 401
    own = mallory.post("/v1/auth/enrollment-approvals", json={"ref": ref})
    assert own.status_code == 403, own.text
    forged = ref[:-4] + ("0000" if not ref.endswith("0000") else "1111")
    assert mallory.post("/v1/auth/enrollment-approvals", json={"ref": forged}).status_code == 400
    # a plain user who is not the owner cannot approve either
    _, eve_token = cosigner.add_user("eve")
    eve = httpx.Client(base_url=cosigner.url, headers=cosigner.headers(eve_token))
    assert eve.post("/v1/auth/enrollment-approvals", json={"ref": ref}).status_code == 403
    # the owner sees the request in the wallet's activity
    audit = alice.http.get(f"/v1/wallets/{alice.wallet['client_id']}/audit").json()["records"]
    assert "reenrollment_requested" in [r["event"] for r in audit]


def test_the_owner_or_a_second_administrator_completes_the_code(cosigner):
    alice = holder(cosigner, "alice")
    first, second = admin_http(cosigner, "root1"), admin_http(cosigner, "root2")
    uid = user_id(alice)
    # the owner approves from the device already signed in
    asked = first.post(f"/v1/admin/users/{uid}/enrollment-code").json()
    approved = alice.http.post("/v1/auth/enrollment-approvals", json={"ref": asked["approval_ref"]})
    assert approved.status_code == 200, approved.text
    code = asked["enrollment_code_half"] + " " + approved.json()["enrollment_code_half"]
    signed_in = enroll(cosigner, code)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["user_id"] == uid
    # or another administrator approves (the owner lost every device)
    asked = first.post(f"/v1/admin/users/{uid}/enrollment-code").json()
    by_admin = second.post("/v1/auth/enrollment-approvals", json={"ref": asked["approval_ref"]})
    assert by_admin.status_code == 200, by_admin.text
    code = asked["enrollment_code_half"] + by_admin.json()["enrollment_code_half"]
    token = enroll(cosigner, code).json()["token"]
    mine = httpx.get(cosigner.url + "/v1/wallets", headers=cosigner.headers(token))
    assert [w["client_id"] for w in mine.json()["owned"]] == [alice.wallet["client_id"]]
    audit = alice.http.get(f"/v1/wallets/{alice.wallet['client_id']}/audit").json()["records"]
    approvals = [r for r in audit if r["event"] == "reenrollment_approved"]
    assert [r["details"]["by_owner"] for r in approvals] == [True, False]


def test_a_user_without_wallets_still_gets_a_whole_code(cosigner):
    admin = admin_http(cosigner, "root")
    bob, _ = cosigner.add_user("bob")
    answer = admin.post(f"/v1/admin/users/{bob.id}/enrollment-code")
    assert answer.status_code == 200, answer.text
    assert enroll(cosigner, answer.json()["enrollment_code"]).status_code == 200


def test_the_local_operator_gets_a_whole_code_and_the_owner_sees_it(cosigner):
    # what `splitkey-cosigner enroll` does on the server's machine (the built-in co-signer signs
    # its desktop in so): an admin token minted with the sealed issuer key, marked as local
    alice = holder(cosigner, "alice")
    admin, _ = cosigner.add_user("operator", role="admin")
    local = cosigner.state.issuer.mint(
        admin.id, role="admin", ttl=60, extra_claims={LOCAL_OPERATOR_CLAIM: True}
    )
    answer = httpx.post(
        f"{cosigner.url}/v1/admin/users/{user_id(alice)}/enrollment-code",
        headers=cosigner.headers(local),
    )
    assert answer.status_code == 200, answer.text
    assert enroll(cosigner, answer.json()["enrollment_code"]).status_code == 200
    audit = alice.http.get(f"/v1/wallets/{alice.wallet['client_id']}/audit").json()["records"]
    assert "reenrollment_by_operator" in [r["event"] for r in audit]
