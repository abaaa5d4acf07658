"""Issue 16's figures: the hostile requests of the review, per group, against one real server,
each counted as tried and refused (spec/reliability.md counts them the same way). The finer
regression tests are in test_signature_meanings.py, test_hardening.py, test_admins.py,
test_challenges.py and test_reenrollment.py."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import replace

import httpx

from app.permissions import GROUPS, ZCN
from app.transaction import (
    INT64_MAX,
    STORAGE_SC_ADDRESS,
    TransactionError,
    TransactionType,
    smart_contract_data,
)

from .cosign_helpers import holder

VARIANT_KEYS = ("Name", "NAME", "nAmE", "namE", "Input", "INPUT", "ınput", "İnput")


def tally(figures: Counter, group: str, answer: httpx.Response, refused=(400, 403)) -> None:
    figures[group, "tried"] += 1
    figures[group, "refused"] += answer.status_code in refused
    figures[group, "5xx"] += answer.status_code >= 500


def test_hostile_requests_per_group_are_all_refused(cosigner):
    figures: Counter = Counter()
    sender = holder(cosigner, "bob", {"groups": ["token_transfers"], "max_per_transaction": ZCN})
    peer = {"X-Peer-Public-Key": sender.share.public_key().to_hex()}
    # F1: every contract method, sent as a "send" to its contract (v1 and ZAuth routes)
    for contract, methods in GROUPS.values():
        for method in methods if contract else ():
            data = smart_contract_data(method, {"allocation_id": "ab" * 32})
            tx = sender.tx(nonce=1, value=0, to=contract, transaction_data=data)
            tally(figures, "type swap (/v1)", sender.cosign(tx))
            body = {**tx.to_dict(), "signature": sender.share.sign_hash(tx.hash).to_hex()}
            tally(
                figures,
                "type swap (/sign/txn)",
                sender.http.post("/sign/txn", headers=peer, json=body),
            )
    # F2: data Go reads as another method than Python does
    pools = holder(cosigner, "carol", {"groups": ["allocation_token_operations"]})
    readings = [
        f'{{"name":"read_pool_unlock","input":{{}},"{key}":{json.dumps(value)}}}'
        for key in VARIANT_KEYS
        for value in ("cancel_allocation", {})
    ]
    readings += [
        '{"name":"read_pool_unlock","input":{},"name":"cancel_allocation"}',
        '{"name":"read_pool_unlock\\ud800","input":{}}',
        '{"name":"read_pool_unlock","input":{"n":NaN}}',
        '{"name":"read_pool_unlock","input":{"n":' + "9" * 5000 + "}}",
        '{"name":"read_pool_unlock","input":' + "[" * 100 + "]" * 100 + "}",
    ]
    for data in readings:
        call = pools.tx(
            nonce=1,
            value=0,
            to=STORAGE_SC_ADDRESS,
            transaction_type=TransactionType.SMART_CONTRACT,
            transaction_data=smart_contract_data("read_pool_unlock", {}),
        )
        body = pools.body(call)
        body["transaction"]["transaction_data"] = data
        try:  # a partial over the hash with this data, where the data can be hashed at all
            with_data = replace(call, transaction_data=data)
            body["transaction"]["signature"] = pools.share.sign_hash(with_data.hash).to_hex()
        except (TransactionError, UnicodeEncodeError):
            pass  # refused as unreadable before any partial is looked at
        tally(figures, "Go JSON reading", pools.http.post("/v1/sign/transaction", json=body))
    # F7: nonces past the window, up to INT64_MAX
    window = cosigner.config.nonce_window
    for nonce in [window + 1, window + 2, 10**6, 2**32, 2**62, INT64_MAX - 1, INT64_MAX]:
        tally(figures, "nonce window", sender.cosign(sender.tx(nonce=nonce)))
    # F8: malformed input in bodies and queries (400, never 500)
    client_id = sender.wallet["client_id"]
    texts = [
        '{"a":' + "[" * 20_000 + "]" * 20_000 + "}",
        '{"a":' + "7" * 5000 + "}",
        '{"a":"\\ud800"}',
        '{"a":"\\udfff x"}',
        '{"a":NaN}',
    ]
    routes = ["/v1/wallets", f"/v1/wallets/{client_id}/splits", "/v1/sign/transaction",
              "/v1/sign/message", "/v1/auth/enroll", "/v1/auth/challenge", "/sign/txn"]  # fmt: skip
    for route in routes:
        for text in texts:
            answer = sender.http.post(route, content=text.encode(), headers=peer)
            tally(figures, "malformed input", answer, refused=(400,))
    for limit in ("²", "١", "9" * 30, "-1", "1e3"):
        answer = sender.http.get(f"/v1/wallets/{client_id}/audit", params={"limit": limit})
        tally(figures, "malformed input", answer, refused=(400,))
    # F4: an administrator alone re-enrolling a wallet owner
    _, root_token = cosigner.add_user("root", role="admin")
    root = httpx.Client(base_url=cosigner.url, headers=cosigner.headers(root_token))
    owner_id = sender.http.get("/v1/auth/whoami").json()["user"]["id"]
    for _ in range(5):
        asked = root.post(f"/v1/admin/users/{owner_id}/enrollment-code").json()
        half, ref = asked["enrollment_code_half"], asked["approval_ref"]
        for code in (half, half + half, half + "ABCDE-FGHJK-LMNPQ-RSTUV"):
            answer = httpx.post(cosigner.url + "/v1/auth/enroll", json={"code": code})
            tally(figures, "admin as owner", answer, refused=(401,))
        tally(
            figures, "admin as owner", root.post("/v1/auth/enrollment-approvals", json={"ref": ref})
        )
        forged = ref.replace(owner_id, uuid.uuid4().hex)
        tally(
            figures,
            "admin as owner",
            root.post("/v1/auth/enrollment-approvals", json={"ref": forged}),
        )

    groups = sorted({g for g, _ in figures})
    for group in groups:
        counts = {k: figures[group, k] for k in ("tried", "refused", "5xx")}
        print(json.dumps({"figure": f"issue 16: {group}", **counts}))
    for group in groups:
        assert figures[group, "refused"] == figures[group, "tried"] > 0, (group, figures)
        assert figures[group, "5xx"] == 0
    assert sender.split()["uses"] == 0  # nothing was signed or counted
