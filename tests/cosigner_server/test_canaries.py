"""Planted canary secrets must not leak: master keys and mnemonics of imported and generated
wallets, user and server shares, share and enrollment codes, a bearer token and the server's own
secrets (token signing key, audit and code HMAC keys) are searched in raw bytes, hex (both cases)
and base64 (standard and URL-safe, padded or not, at every alignment) in every file of the data
directory (database, -wal, -shm, journals, audit log), the server's DEBUG log and every error
answer the test provoked - including requests that carry the secrets in the wrong places.

The search is checked to work: a canary planted on purpose in a file, an answer and the log is
found (test_the_search_finds_a_planted_canary)."""

from __future__ import annotations

import base64
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from app.crypto import SecretKey, split_secret_key
from app.crypto.params import R
from app.keys import _bip39, client_id_of, generate_mnemonic, secret_key_from_mnemonic
from app.protocol.formats import setup_proof_message
from app.transaction import Transaction
from cosigner_server import identity
from cosigner_server.bootstrap import (
    SECRETS_FILE,
    SECRETS_RECORD,
    ServerSecrets,
    init_data_dir,
    kek_config,
)
from cosigner_server.config import DEFAULT_CHAIN_ID
from cosigner_server.envelope import load_kek
from tests.canaries import Canaries, data_dir_files

from .conftest import make_config, run_server

RECIPIENT = "ab" * 32


# -- the provoking client --------------------------------------------------------------------


@dataclass
class Recorder:
    """Every error answer the test provoked: status line, headers and body."""

    answers: list[tuple[str, bytes]] = field(default_factory=list)

    def hook(self, response: httpx.Response) -> None:
        response.read()
        if response.status_code >= 400:
            head = "".join(f"{k}: {v}\n" for k, v in response.headers.items())
            where = f"{response.status_code} answer to {response.request.method} "
            where += response.request.url.path
            self.answers.append((where, head.encode() + response.content))


def tx_body(wallet: dict, split_id: str, share: SecretKey, nonce: int, **changes) -> dict:
    tx = Transaction(
        client_id=wallet["client_id"],
        public_key=wallet["public_key"],
        chain_id=DEFAULT_CHAIN_ID,
        creation_date=int(time.time()),
        to_client_id=RECIPIENT,
        transaction_value=1,
        transaction_nonce=nonce,
    )
    transaction = {**tx.to_dict(), "signature": share.sign_hash(tx.hash).to_hex(), **changes}
    return {"split_id": split_id, "request_id": uuid.uuid4().hex, "transaction": transaction}


def one_word_changed(mnemonic: str) -> str:
    """The mnemonic with its 5th word replaced by another list word, failing the checksum."""
    words, wordlist = mnemonic.split(), _bip39().wordlist
    for candidate in wordlist:
        if candidate != words[4]:
            changed = " ".join(words[:4] + [candidate] + words[5:])
            if not _bip39().check(changed):
                return changed
    raise AssertionError("unreachable: every word kept the checksum")


def expect(answer: httpx.Response, *statuses: int) -> httpx.Response:
    assert answer.status_code in statuses, (answer.status_code, answer.text)
    return answer


def exercise(server, canaries: Canaries, recorder: Recorder) -> None:
    """Import, generate, split, deliver, redeem and co-sign with planted secrets, then send the
    requests that carry them where they do not belong."""
    alice, alice_code = server.call(_create_user(server, "alice"))
    bob, bob_code = server.call(_create_user(server, "bob"))
    canaries.plant_code("enrollment code (alice)", alice_code)
    canaries.plant_code("enrollment code (bob)", bob_code)
    alice_token = identity.mint(server.state, alice)["token"]
    bob_token = identity.mint(server.state, bob)["token"]
    canaries.plant("bearer token (alice)", alice_token)
    hooks = {"response": [recorder.hook]}
    http = httpx.Client(
        base_url=server.url, headers=server.headers(alice_token), event_hooks=hooks, timeout=60
    )
    bob_http = httpx.Client(
        base_url=server.url, headers=server.headers(bob_token), event_hooks=hooks, timeout=60
    )
    with http, bob_http:
        # wallet A: imported from a mnemonic
        mnemonic_a = generate_mnemonic()
        master_a = secret_key_from_mnemonic(mnemonic_a)
        canaries.plant_mnemonic("mnemonic (imported wallet A)", mnemonic_a)
        canaries.plant_scalar("master key A", master_a)
        wallet_a = expect(http.post("/v1/wallets", json={"mnemonic": mnemonic_a}), 201)
        wallet_a = wallet_a.json()["wallet"]
        # wallet B: imported from a private key
        master_b = SecretKey.generate()
        canaries.plant_scalar("master key B", master_b)
        wallet_b = expect(http.post("/v1/wallets", json={"private_key": master_b.to_hex()}), 201)
        wallet_b = wallet_b.json()["wallet"]
        # wallet C: generated by the server, the mnemonic shown once
        made = expect(http.post("/v1/wallets", json={}), 201).json()
        wallet_c, mnemonic_c = made["wallet"], made["mnemonic"]
        canaries.plant_mnemonic("mnemonic (generated wallet C)", mnemonic_c)
        master_c = secret_key_from_mnemonic(mnemonic_c)
        canaries.plant_scalar("master key C", master_c)

        shares = {}
        for name, wallet, master in (("A", wallet_a, master_a), ("B", wallet_b, master_b)):
            split = expect(http.post(f"/v1/wallets/{wallet['client_id']}/splits", json={}), 201)
            split_id = split.json()["split"]["id"]
            got = expect(http.post(f"/v1/splits/{split_id}/key"), 200).json()
            user = SecretKey.from_hex(got["private_key"])
            canaries.plant_scalar(f"user share {name}", user)
            # the server's half of an additive split: master = user + server (mod r)
            canaries.plant_scalar(f"server share {name}", (master.value - user.value) % R)
            shares[name] = (wallet, split_id, user)
            expect(http.post(f"/v1/splits/{split_id}/key"), 410)  # delivered once

        # wallet C shared with bob through a one-time share code
        permissions = {"groups": ["token_transfers"], "max_per_transaction": 10}
        made = http.post(
            f"/v1/wallets/{wallet_c['client_id']}/splits",
            json={"label": "bob", "holder": "code", "permissions": permissions},
        )
        made = expect(made, 201).json()
        share_code, split_c = made["share_code"], made["split"]["id"]
        canaries.plant_code("share code (C for bob)", share_code)
        redeemed = expect(bob_http.post("/v1/share-codes/redeem", json={"code": share_code}), 200)
        user_c = SecretKey.from_hex(redeemed.json()["private_key"])
        canaries.plant_scalar("user share C", user_c)
        canaries.plant_scalar("server share C", (master_c.value - user_c.value) % R)

        # wallet D: split by its owner, the server share handed over by 0Chain's /setup
        master_d = SecretKey.generate()
        user_d, server_d = split_secret_key(master_d, 2)
        canaries.plant_scalar("master key D", master_d)
        canaries.plant_scalar("server share D (handed over by /setup)", server_d)
        setup = {
            "client_id": client_id_of(master_d.public_key()),
            "client_key": master_d.public_key().to_hex(),
            "public_key": server_d.public_key().to_hex(),
            "private_key": server_d.to_hex(),
            "peer_public_key": user_d.public_key().to_hex(),
        }
        # /setup proves the wallet key over a server challenge (issue 16 item 3)
        challenge = expect(
            http.post("/setup/challenge", json={"client_id": setup["client_id"]}), 200
        ).json()["challenge"]
        proof = setup_proof_message(
            server.config.issuer,
            setup["client_id"],
            setup["public_key"],
            setup["peer_public_key"],
            challenge,
        )
        setup.update(challenge=challenge, proof=master_d.sign(proof).to_hex())
        expect(http.post("/setup", json=setup), 200)

        # real co-signs, so that the database and its WAL hold cosign rows and answers
        for nonce, (wallet, split_id, user) in enumerate(shares.values(), start=1):
            expect(
                http.post("/v1/sign/transaction", json=tx_body(wallet, split_id, user, nonce)), 200
            )
        expect(
            bob_http.post("/v1/sign/transaction", json=tx_body(wallet_c, split_c, user_c, 1)), 200
        )

        provoke(
            http,
            bob_http,
            canaries,
            shares,
            share_code,
            alice_code,
            mnemonic_a,
            master_b,
            setup,
            server_d,
        )


def provoke(
    http, bob_http, canaries, shares, share_code, alice_code, mnemonic_a, master_b, setup, server_d
) -> None:
    """Requests that embed canaries where they do not belong; each must fail, and its answer
    (recorded by the hook), the log and the database must not carry them."""
    bad_mnemonic = one_word_changed(mnemonic_a)
    canaries.plant("mnemonic A with one word changed", bad_mnemonic)
    expect(http.post("/v1/wallets", json={"mnemonic": bad_mnemonic}), 400)
    words = mnemonic_a.split()
    typo = " ".join(words[:7] + [words[7] + "q"] + words[8:])
    expect(http.post("/v1/wallets", json={"mnemonic": typo}), 400)
    expect(http.post("/v1/wallets", json={"mnemonic": " ".join(words[:-1])}), 400)
    expect(http.post("/v1/wallets", json={"mnemonic": mnemonic_a}), 409)  # already imported
    # master key B + r: the same key mod r, out of range as a scalar
    above_r = master_b.value + R
    canaries.plant("private key >= r (B + r)", above_r.to_bytes(32, "little"))
    expect(
        http.post("/v1/wallets", json={"private_key": above_r.to_bytes(32, "little").hex()}), 400
    )
    expect(http.post("/v1/wallets", json={"private_key": master_b.to_hex() + "00"}), 400)
    expect(http.post("/v1/wallets", json={"private_key": master_b.to_hex()[:-1] + "g"}), 400)
    both = {"mnemonic": mnemonic_a, "private_key": master_b.to_hex()}
    expect(http.post("/v1/wallets", json=both), 400)
    expect(http.post("/v1/wallets", content=b'{"mnemonic": "' + mnemonic_a.encode()), 400)
    # share and enrollment codes: wrong, reused
    bad_code = share_code[:-2] + ("22" if share_code[-2:] != "22" else "33")
    canaries.plant_code("share code with two characters changed", bad_code)
    expect(bob_http.post("/v1/share-codes/redeem", json={"code": bad_code}), 410)
    expect(bob_http.post("/v1/share-codes/redeem", json={"code": share_code}), 410)
    expect(http.post("/v1/auth/enroll", json={"code": alice_code}), 200)
    expect(http.post("/v1/auth/enroll", json={"code": alice_code}), 401)  # used
    # transactions carrying a share in a field
    wallet, split_id, user = shares["A"]
    share_hex = user.to_hex()
    for nonce, changes in enumerate(
        (
            {"transaction_value": share_hex},
            {"transaction_nonce": share_hex},
            {"signature": share_hex},
            {"signature": share_hex + share_hex},
            {"chain_id": share_hex},
            {"client_id": share_hex},
            {"public_key": share_hex * 2},
            {"hash": share_hex},
            {"transaction_type": share_hex},
            {"memo": share_hex},
            {"transaction_data": share_hex, "transaction_type": 1000},
        ),
        start=100,
    ):
        body = tx_body(wallet, split_id, user, nonce, **changes)
        answer = http.post("/v1/sign/transaction", json=body)
        assert 400 <= answer.status_code < 500, (changes, answer.status_code, answer.text)
    bad = tx_body(wallet, split_id, user, 200)
    bad["split_id"] = share_hex
    expect(http.post("/v1/sign/transaction", json=bad), 400, 404)
    expect(
        http.post(
            "/v1/sign/message",
            json={
                "split_id": split_id,
                "request_id": "canary-message-1",
                "message": mnemonic_a,
                "signature": share_hex,
            },
        ),
        400,
        403,
    )
    # a share as a bearer token, a token with its signature swapped for a share
    expect(http.get("/v1/wallets", headers={"Authorization": f"Bearer {share_hex}"}), 401)
    token = http.headers["Authorization"].split()[1]
    head, payload, _sig = token.split(".")
    forged = f"{head}.{payload}.{base64.urlsafe_b64encode(user.to_bytes()).rstrip(b'=').decode()}"
    expect(http.get("/v1/wallets", headers={"Authorization": f"Bearer {forged}"}), 401)
    # /setup with a server share that does not match the public key it claims
    other = SecretKey.generate()
    canaries.plant_scalar("mismatched /setup server share", other)
    wrong = {**setup, "private_key": other.to_hex()}
    expect(http.post("/setup", json=wrong), 400)
    wrong_len = {**setup, "private_key": server_d.to_hex() + "00"}
    expect(http.post("/setup", json=wrong_len), 400)
    expect(http.post("/setup", json=setup), 409)  # the same peer key again


async def _create_user(server, subject: str):
    return await identity.create_user(server.state, None, subject, "user")


def plant_server_secrets(config, canaries: Canaries) -> None:
    """The server's own secrets are not observable over HTTP: read them from secrets.sealed with
    the KEK, as an operator could, and search for them too."""
    ring = load_kek(kek_config(config))
    sealed = (config.data_dir / SECRETS_FILE).read_bytes()
    secrets = ServerSecrets.from_bytes(ring.open(sealed, SECRETS_RECORD))
    canaries.plant("token signing key (Ed25519 issuer)", secrets.issuer_key)
    canaries.plant("audit HMAC key", secrets.audit_key)
    canaries.plant("code HMAC key", secrets.hmac_key)


def search(canaries: Canaries, data_dir: Path, log: Path, answers) -> list[str]:
    found = []
    for name, data in data_dir_files(data_dir).items():
        found += canaries.hits(f"data dir file {name}", data)
    found += canaries.hits("server log", log.read_bytes())
    for where, data in answers:
        found += canaries.hits(where, data)
    return found


# -- the tests -------------------------------------------------------------------------------


@pytest.fixture
def planted(tmp_path: Path, server_log: Path):
    """A server run with canaries planted and provoked: (canaries, config, log, recorder,
    files seen while running)."""
    config = make_config(tmp_path / "cosigner")
    init_data_dir(config)
    canaries, recorder = Canaries(), Recorder()
    plant_server_secrets(config, canaries)
    servers = run_server(config)
    server = next(servers)
    try:
        exercise(server, canaries, recorder)
        # the log handler really receives the server's DEBUG records
        logging.getLogger("splitkey.cosigner").debug("canary-log-check")
        live = data_dir_files(config.data_dir)
    finally:
        servers.close()  # stops the server, closes the database and the audit log
    return canaries, config, server_log, recorder, live


def test_twenty_canaries_are_nowhere(planted) -> None:
    canaries, config, log, recorder, live = planted
    assert len(canaries.forms) >= 20
    assert b"canary-log-check" in log.read_bytes()
    # the files that matter were there to be searched while the server ran
    for name in ("cosigner.db", "cosigner.db-wal", "cosigner.db-shm", "audit.log"):
        assert name in live, sorted(live)
    assert len(recorder.answers) >= 30
    found = []
    for name, data in live.items():  # as they were while the server ran (WAL, shm)
        found += canaries.hits(f"data dir file {name} (server running)", data)
    found += search(canaries, config.data_dir, log, recorder.answers)  # as left on disk
    assert found == []


def test_the_search_finds_a_planted_canary(planted) -> None:
    """The test above can fail: a canary put on purpose in a file, an answer or the log is
    found, whatever its encoding and its position in a longer base64 text."""
    canaries, config, log, recorder, _live = planted
    secret = (12345678901234567890).to_bytes(32, "little")
    probe = Canaries()
    probe.plant("probe", secret)
    for shift in (0, 1, 2):
        blob = base64.urlsafe_b64encode(b"x" * shift + secret + b"tail").rstrip(b"=")
        (config.data_dir / "planted.bin").write_bytes(b"\x00junk" + blob + b"junk")
        found = search(probe, config.data_dir, log, [])
        assert f"probe (base64url@{shift}) in data dir file planted.bin" in found
        assert all(hit.endswith("planted.bin") for hit in found)
    (config.data_dir / "planted.bin").unlink()
    assert search(probe, config.data_dir, log, []) == []
    # a real canary of this run, upper-case hex, in an error answer and in the log
    name = "server share A"
    needle = canaries.forms[name]["hex"].upper()
    answers = [*recorder.answers, ("planted answer", b'{"error": {"message": "' + needle + b'"}}')]
    assert f"{name} (hex) in planted answer" in search(canaries, config.data_dir, log, answers)
    with log.open("ab") as out:
        out.write(b"DEBUG " + base64.b64encode(bytes.fromhex(needle.decode())) + b"\n")
    found = search(canaries, config.data_dir, log, [])
    assert f"{name} (base64) in server log" in found
