"""The Go-shaped client (gosdk's field order and JSON escaping) against a real `serve`
subprocess, once per answer mode (the second set through the environment variable):
setup -> sign txn -> sign msg (raw hash) -> restrictions -> key -> revoke -> delete."""

from __future__ import annotations

import pytest

from app.crypto import Signature
from app.transaction import sha3_hex

from .gosdk_shapes import GoZauthClient, decoded
from .ops_helpers import serving
from .zauth_helpers import local_split, set_up

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("mode", ["signature", "transaction"])
def test_go_client_full_flow_against_serve(tmp_path, mode):
    with serving(tmp_path, tls=False, zauth_txn_answer=mode) as served:
        with served.client() as api:
            token = api.enroll(served.code).token
        with served.http(timeout=60) as http:
            go = GoZauthClient(http, token)
            split = local_split(["token_transfers"])
            setup = set_up(go, split)
            assert setup.status_code == 200, setup.text
            assert decoded(setup)["result"] == "success"
            split_id = decoded(setup)["split"]["id"]

            tx = split.tx(nonce=1)
            signed = go.sign_txn(tx, split.peer)
            assert signed.status_code == 200, signed.text
            answer = decoded(signed)
            if mode == "signature":
                signature = answer
                assert isinstance(signature, str)
            else:
                assert answer["hash"] == tx["hash"] and answer["client_id"] == split.client_id
                signature = answer["signature"]
            wallet_key = split.master.public_key()
            assert wallet_key.verify_hash(tx["hash"], Signature.from_hex(signature))

            # the owner grants raw hashes through /v1; gosdk's /sign/msg then signs
            granted = http.put(
                f"/v1/splits/{split_id}/permissions",
                json={"permissions": {"groups": ["token_transfers"], "sign_raw_hashes": True}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert granted.status_code == 200, granted.text
            msg_hash = sha3_hex("blobber auth ticket")
            partial = split.user_share.sign_hash(msg_hash).to_hex()
            message = go.sign_msg(msg_hash, partial, split.client_id, split.peer)
            assert message.status_code == 200, message.text
            sig = Signature.from_hex(decoded(message)["sig"])
            assert wallet_key.verify_hash(msg_hash, sig)

            changed = go.restrictions(split.client_id, split.peer, ["storage_rewards"])
            assert decoded(changed)["restrictions"] == ["storage_rewards"]
            assert decoded(go.key(split.client_id, split.peer))["last_used"] > 0
            assert decoded(go.revoke(split.client_id, split.peer))["result"] == "success"
            refused = go.sign_txn(split.tx(nonce=2), split.peer)
            assert refused.status_code == 400 and refused.json()["error"]["rule"] == "revoked"
            deleted = go.delete(split.client_id)
            assert deleted.status_code == 200 and decoded(deleted)["result"] == "success"
        assert "Traceback" not in served.stderr()
