"""Issue 16 items 3, 9 and 10 on the ZAuth routes, each reproducing the attack first:
/setup squatting from the public key alone (and an administrator removing a squatted record),
a device token reading another split through GET /key, and 404 wording as an existence oracle."""

from __future__ import annotations

import httpx

from app.crypto import PublicKey, SecretKey
from app.crypto.params import R
from app.keys import client_id_of
from app.protocol.exit_codes import ExitStatus
from app.protocol.formats import setup_proof_message
from cosigner_server.model import Wallet
from cosigner_server.state import now

from .admin_cli_helpers import run
from .cosign_helpers import holder, make_split
from .gosdk_shapes import GoZauthClient, decoded
from .zauth_helpers import go_client, local_split, set_up


def squatter_body(victim_key: str) -> dict:
    """F3: a share of mallory's choosing and peer = W - pk(s) = W + pk(-s), from W alone."""
    share = SecretKey.generate()
    wallet_key = PublicKey.from_hex(victim_key)
    peer = wallet_key + negate_secret(share).public_key()
    return {
        "client_id": client_id_of(wallet_key),
        "client_key": victim_key,
        "public_key": share.public_key().to_hex(),
        "private_key": share.to_hex(),
        "peer_public_key": peer.to_hex(),
        "restrictions": [],
        "expired_at": 0,
    }


def _int(sk: SecretKey) -> int:
    return int.from_bytes(sk.to_bytes(), "little")


def _sk(value: int) -> SecretKey:
    return SecretKey.from_bytes((value % R).to_bytes(32, "little"))


def negate_secret(a: SecretKey) -> SecretKey:
    return _sk(-_int(a))


def test_setup_squatting_from_the_public_key_is_refused(cosigner):
    victim = local_split(["token_transfers"])
    mallory = go_client(cosigner, "mallory")
    body = squatter_body(victim.body["client_key"])
    # the attack as reported: shares that add up to the victim's key, no proof
    no_proof = mallory.setup(body)
    assert no_proof.status_code == 401
    assert no_proof.json()["error"]["code"] == "proof_required"
    # a proof under mallory's own key does not verify under client_key
    challenge = mallory.setup_challenge(body["client_id"]).json()["challenge"]
    message = setup_proof_message(
        cosigner.config.issuer,
        body["client_id"],
        body["public_key"],
        body["peer_public_key"],
        challenge,
    )
    forged = SecretKey.generate().sign(message).to_hex()
    refused = mallory.setup({**body, "challenge": challenge, "proof": forged})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "proof_refused"
    # a challenge issued to someone else is refused too
    owner = go_client(cosigner, "owner")
    theirs = owner.setup_challenge(body["client_id"]).json()["challenge"]
    stolen = mallory.setup({**body, "challenge": theirs, "proof": forged})
    assert stolen.status_code == 401
    # the real owner sets up: nothing was squatted
    assert set_up(owner, victim).status_code == 200


def test_admin_removes_a_squatted_record_with_the_cli(cosigner):
    victim = local_split(["token_transfers"])
    squatter, _ = cosigner.add_user("old-squatter")
    # a record made before /setup asked for proof (as the old server stored it)
    cosigner.call(
        cosigner.state.storage.add_wallet(
            Wallet(
                client_id=victim.client_id,
                public_key=victim.body["client_key"],
                owner_id=squatter.id,
                created_at=now(),
                sealed_secret=b"",
                custody="external",
            )
        )
    )
    owner = go_client(cosigner, "owner")
    blocked = set_up(owner, victim)
    assert blocked.status_code == 403
    cosigner.add_user("root", role="admin")
    argv = ["--data-dir", str(cosigner.config.data_dir), "--url", cosigner.url, "--json"]
    done = run("remove-record", victim.client_id, "--reason", "squatted (ticket 42)", *argv)
    assert done.code == 0, done.err
    assert done.json() == {"removed": victim.client_id}
    assert set_up(owner, victim).status_code == 200
    audit = run("audit", "show", "--data-dir", str(cosigner.config.data_dir), "--json")
    records = [r for r in audit.json()["records"] if r["event"] == "wallet_record_removed"]
    assert records and records[0]["details"]["reason"] == "squatted (ticket 42)"
    assert records[0]["details"]["owner"] == squatter.id
    # a vault wallet (key held by the server) cannot be removed this way
    h = holder(cosigner, "vaulted")
    vault_wallet = run("remove-record", h.wallet["client_id"], "--reason", "x", *argv)
    assert vault_wallet.code == ExitStatus.REFUSED and "vault" in vault_wallet.err


def device_token(cosigner, split_id: str, share: SecretKey) -> str:
    with httpx.Client(base_url=cosigner.url, timeout=60) as http:
        challenge = http.post("/v1/auth/challenge", json={"split_id": split_id}).json()
        signature = share.sign(bytes.fromhex(challenge["message_hex"])).to_hex()
        proof = {"split_id": split_id, "challenge": challenge["challenge"], "signature": signature}
        answer = http.post("/v1/auth/proof", json=proof)
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]


def test_device_token_reads_only_its_own_split(cosigner):
    h = holder(cosigner, "owner")
    other_id, other_share = make_split(h.http, h.wallet["client_id"], {"groups": []})
    token = device_token(cosigner, h.split_id, h.share)
    go = GoZauthClient(httpx.Client(base_url=cosigner.url, timeout=60), token)
    own = go.key(h.wallet["client_id"], h.split()["share_public_key"])
    assert own.status_code == 200 and decoded(own)["status"] == "active"
    other_peer = other_share.public_key().to_hex()
    theirs = go.key(h.wallet["client_id"], other_peer)
    nobody = go.key(h.wallet["client_id"], SecretKey.generate().public_key().to_hex())
    assert theirs.status_code == nobody.status_code == 500
    assert theirs.json() == nobody.json()
    # the owner's full token still sees it
    full = GoZauthClient(go.http, h.token)
    assert full.key(h.wallet["client_id"], other_peer).status_code == 200
    del other_id


def test_not_yours_and_no_such_split_read_the_same(cosigner):
    h = holder(cosigner, "alice")
    peer = h.split()["share_public_key"]
    cid = h.wallet["client_id"]
    eve = go_client(cosigner, "eve")
    unknown = SecretKey.generate().public_key().to_hex()
    for call in (
        lambda p: eve.key(cid, p),
        lambda p: eve.revoke(cid, p),
        lambda p: eve.restrictions(cid, p, ["token_transfers"]),
    ):
        theirs, missing = call(peer), call(unknown)
        assert theirs.status_code == missing.status_code
        assert theirs.json() == missing.json()
    assert eve.delete(cid).json() == eve.delete("ab" * 32).json()
    assert eve.delete(cid).status_code == 400
    # alice's split still works: nothing was revoked by eve
    assert h.split()["status"] == "active"


def test_restore_rolls_a_record_removal_forward(server_config, tmp_path):
    """A backup taken before an administrator removed a squatted record: restoring it replays
    the audit record, so the squatted record does not come back."""
    import sqlite3

    from cosigner_server.backup import RestoreReport, _replay_audit

    from .conftest import run_server

    db_path = server_config.db_path
    served = run_server(server_config)
    cosigner = next(served)
    try:
        squatter, _ = cosigner.add_user("squatter")
        cosigner.call(
            cosigner.state.storage.add_wallet(
                Wallet(
                    client_id="ab" * 32,
                    public_key="cd" * 64,
                    owner_id=squatter.id,
                    created_at=now(),
                    sealed_secret=b"",
                    custody="external",
                )
            )
        )
    finally:
        served.close()
    record = {
        "seq": 99,
        "event": "wallet_record_removed",
        "wallet": "ab" * 32,
        "at": now(),
        "actor": "u_admin",
        "details": {"reason": "squatted", "owner": squatter.id},
    }
    report = RestoreReport(backup_created_at=now(), checkpoint_seq=0)
    _replay_audit(db_path, [record], report)
    with sqlite3.connect(db_path) as db:
        left = db.execute("SELECT COUNT(*) FROM wallets WHERE client_id = ?", ("ab" * 32,))
        assert left.fetchone()[0] == 0
    assert report.replayed == {"wallet_record_removed": 1}
