"""Flipped bytes in the database file of a stopped server.

The server either refuses to start with a clear message (the file is not a database, or fails
SQLite's integrity check, which start-up now runs), or starts and refuses exactly the damaged
records; 0 wrong plaintexts are ever served: every co-signed signature verifies under its wallet's
key, every delivered share is the one whose public key the split names, every wallet's master key
still makes splits whose signatures verify. Sealed values are AES-GCM under their record's id:
a flipped byte makes them refuse to open (500 damaged_record), never open to something else.

Trials: targeted (a byte inside each kind of sealed value; the header; a b-tree page) and random
(1-8 bytes anywhere, half of them in bytes that hold data). Each trial starts the real app
in-process on a fresh copy (a subprocess per trial would cost a second each); one trial goes
through `splitkey-cosigner serve` to show the message an operator sees."""

from __future__ import annotations

import contextlib
import random
import shutil
import sqlite3
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest

from app.crypto import PublicKey, SecretKey, Signature
from cosigner_server.audit import AuditError
from cosigner_server.bootstrap import InitError
from cosigner_server.config import load_config
from cosigner_server.storage.base import StorageError

from ..cosigner_server.conftest import run_server
from .harness import Load, Server, record_figures, sizes

CLEAR = ("integrity check", "not a database", "malformed", "damaged", "database unavailable")


@pytest.fixture
def pristine(tmp_path):
    """A stopped server's data dir with wallets, signing splits, splits whose user shares are
    still on the server, and revoked splits; and what the client knows about them."""
    server = Server.init(tmp_path)
    server.start()
    load = Load(server, workers=1, seed=17)
    load.setup(splits_per_wallet=2)
    load.run(30)
    pending = []
    with server.http() as http:
        for wallet in load.wallets:
            made = http.post(f"/v1/wallets/{wallet.client_id}/splits", json={"label": "pending"},
                             headers=load._auth(wallet))  # fmt: skip
            split = made.json()["split"]
            pending.append((wallet, split["id"], split["share_public_key"]))
    server.stop()
    assert not load.unexpected and not load.violations
    return server, load, pending


class Trial:
    """One damaged copy, started in-process and exercised; counts what it saw."""

    def __init__(self, load: Load, pending: list, counts: Counter) -> None:
        self.load, self.pending, self.counts = load, pending, counts

    def answer(self, what: str, answer: httpx.Response, ok: int) -> dict | None:
        if "Traceback" in answer.text or 'File "' in answer.text:
            self.counts["tracebacks"] += 1
        if answer.status_code == ok:
            return answer.json()
        body = answer.json()  # every refusal has the API's error shape
        assert set(body) == {"error"} and body["error"]["code"], answer.text
        self.counts[f"refused {what} {answer.status_code} {body['error']['code']}"] += 1
        return None

    def cosign(self, http: httpx.Client, split) -> None:
        wallet = split.wallet
        wallet.nonce += 1
        tx = self.load._tx(split, wallet.nonce)
        body = {
            "split_id": split.id,
            "request_id": uuid.uuid4().hex,
            "transaction": {**tx.to_dict(), "signature": split.share.sign_hash(tx.hash).to_hex()},
        }
        data = self.answer("cosign", http.post("/v1/sign/transaction", json=body,
                                               headers=self.load._auth(wallet)), 200)  # fmt: skip
        if data is None:
            return
        if split.revoked:
            self.counts["revoked_signed"] += 1
        good = PublicKey.from_hex(wallet.public_key).verify_hash(
            tx.hash, Signature.from_hex(data["signature"])
        )
        self.counts["signed" if good else "wrong_plaintext"] += 1

    def run(self, http: httpx.Client) -> None:
        load = self.load
        for split in [s for s in load.active if s.share][:6] + load.revoked[:3]:
            self.cosign(http, split)
        for wallet, split_id, share_public_key in self.pending:
            key = http.post(f"/v1/splits/{split_id}/key", headers=load._auth(wallet))
            data = self.answer("share", key, 200)
            if data is not None:
                share = SecretKey.from_hex(data["private_key"])
                right = share.public_key().to_hex() == share_public_key
                self.counts["share_delivered" if right else "wrong_plaintext"] += 1
        for wallet in load.wallets:  # the wallet's sealed master key cuts a new split
            made = http.post(f"/v1/wallets/{wallet.client_id}/splits", json={"label": "t"},
                             headers=load._auth(wallet))  # fmt: skip
            data = self.answer("split", made, 201)
            if data is None:
                continue
            key = self.answer("share", http.post(f"/v1/splits/{data['split']['id']}/key",
                                                 headers=load._auth(wallet)), 200)  # fmt: skip
            if key is not None:
                from .harness import SplitRec

                fresh = SplitRec(
                    data["split"]["id"], wallet, SecretKey.from_hex(key["private_key"])
                )
                self.cosign(http, fresh)


def _copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest)
    return dest


def _flip(path: Path, offsets: list[int], rng: random.Random) -> None:
    data = bytearray(path.read_bytes())
    for offset in offsets:
        data[offset] ^= rng.randrange(1, 256)
    path.write_bytes(bytes(data))


def _start_and_exercise(data_dir: Path, load: Load, pending, counts: Counter) -> str:
    """'refused: <message>' or 'started'."""
    config = load_config(data_dir)
    try:
        runner = run_server(config)
        server = next(runner)
    except (InitError, StorageError, AuditError) as exc:
        message = str(exc)
        assert any(word in message for word in CLEAR), message
        counts["refused_at_start"] += 1
        return "refused: " + next(word for word in CLEAR if word in message)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            Trial(load, pending, counts).run(http)
    finally:
        with contextlib.suppress(StopIteration):
            next(runner)
    counts["started"] += 1
    return "started"


@pytest.fixture
def in_process(monkeypatch):
    # The in-process app: crypto in threads, no rate limits (one client sends everything).
    monkeypatch.setenv("SPLITKEY_COSIGNER_CRYPTO_MODE", "thread")
    monkeypatch.setenv("SPLITKEY_COSIGNER_RATE_PER_IP", "0")
    monkeypatch.setenv("SPLITKEY_COSIGNER_RATE_PER_TOKEN", "0")


def _blob_offsets(db_path: Path) -> dict[str, list[tuple[str, int, int]]]:
    """Where each kind of sealed value sits in the file: (row key, offset, length)."""
    from cosigner_server.storage.sqlite import SEALED_COLUMNS

    raw = db_path.read_bytes()
    found: dict[str, list[tuple[str, int, int]]] = {}
    copy = db_path.with_name("offsets-probe.db")  # reading the original would leave a -shm
    copy.write_bytes(raw)
    with contextlib.closing(sqlite3.connect(copy)) as db:
        for column, (table, key) in SEALED_COLUMNS.items():
            for row_key, blob in db.execute(
                f"SELECT {key}, {column} FROM {table} WHERE length({column}) > 0"
            ):
                at = raw.find(bytes(blob))
                if at >= 0:
                    found.setdefault(column, []).append((row_key, at, len(blob)))
    return found


def test_a_flipped_byte_in_a_sealed_value_refuses_exactly_that_record(
    pristine, tmp_path, in_process
):
    server, load, pending = pristine
    db_name = server.config.db_path.name
    (tmp_path / "probe").mkdir()
    shutil.copyfile(server.config.db_path, tmp_path / "probe" / db_name)
    blobs = _blob_offsets(tmp_path / "probe" / server.config.db_path.name)
    signer = next(s for s in load.active if s.share)
    wallet_pending = pending[0]
    cases = {
        "sealed_server_share": signer.id,  # its co-signs fail, the others sign
        "sealed_user_share": wallet_pending[1],  # its delivery fails, the others deliver
        "sealed_secret": load.wallets[1].client_id,  # that wallet cannot cut splits
    }
    seen = {}
    for column, row_key in cases.items():
        (_key, at, length), = [b for b in blobs[column] if b[0] == row_key]  # fmt: skip
        copy = _copy(server.data, tmp_path / f"flip-{column}")
        _flip(copy / db_name, [at + length // 2], random.Random(column))
        counts: Counter = Counter()
        assert _start_and_exercise(copy, load, pending, counts) == "started"
        assert counts["wrong_plaintext"] == 0 and counts["tracebacks"] == 0
        damaged = {k: n for k, n in counts.items() if k.endswith("500 damaged_record")}
        seen[column] = (damaged, counts)
    # Exactly the damaged record is refused, with damaged_record; the rest works.
    cosign_damaged, counts = seen["sealed_server_share"]
    assert cosign_damaged == {"refused cosign 500 damaged_record": 1}, counts
    assert counts["share_delivered"] == len(pending)
    share_damaged, counts = seen["sealed_user_share"]
    assert share_damaged == {"refused share 500 damaged_record": 1}, counts
    assert counts["share_delivered"] == len(pending) - 1
    wallet_damaged, counts = seen["sealed_secret"]
    assert wallet_damaged == {"refused split 500 damaged_record": 1}, counts
    assert counts["signed"] >= 6 + len(load.wallets) - 1


def test_random_flips_never_serve_a_wrong_plaintext(pristine, tmp_path, in_process):
    trials = sizes(40, 400)
    server, load, pending = pristine
    db_path = server.config.db_path
    raw = db_path.read_bytes()
    data_bytes = [i for i, b in enumerate(raw) if b]
    rng = random.Random(0xF11B)
    counts: Counter = Counter()
    outcomes: Counter = Counter()
    for trial in range(trials):
        copy = _copy(server.data, tmp_path / f"t{trial}")
        n = 1 if rng.random() < 0.6 else rng.randrange(2, 9)
        offsets = [
            rng.choice(data_bytes) if rng.random() < 0.5 else rng.randrange(len(raw))
            for _ in range(n)
        ]
        _flip(copy / db_path.name, offsets, rng)
        outcomes[_start_and_exercise(copy, load, pending, counts)] += 1
        shutil.rmtree(copy)
    record_figures(
        "corruption",
        {
            "trials": trials,
            "refused_at_start": counts["refused_at_start"],
            "started": counts["started"],
            "signatures_served_all_verified": counts["signed"],
            "shares_delivered_all_correct": counts["share_delivered"],
            "wrong_plaintexts": counts["wrong_plaintext"],
            "revoked_splits_signed": counts["revoked_signed"],
            "tracebacks": counts["tracebacks"],
            "refusals_after_start": {k: n for k, n in counts.items() if k.startswith("refused ")},
            "start_outcomes": dict(outcomes),
        },
    )
    assert counts["wrong_plaintext"] == 0
    assert counts["revoked_signed"] == 0
    assert counts["tracebacks"] == 0


def test_serve_refuses_a_damaged_database_with_a_clear_message(pristine, tmp_path):
    server, _load, _pending = pristine
    db_path = server.config.db_path
    raw = db_path.read_bytes()
    # A flip SQLite's integrity check catches (a b-tree page's bytes), found by trying.
    rng = random.Random(5)
    for _ in range(2000):
        offset = rng.randrange(4096, len(raw))
        candidate = bytearray(raw)
        candidate[offset] ^= 0xFF
        probe = tmp_path / "probe.db"
        probe.write_bytes(bytes(candidate))
        with contextlib.closing(sqlite3.connect(probe)) as db:
            try:
                bad = db.execute("PRAGMA integrity_check").fetchall() != [("ok",)]
            except sqlite3.DatabaseError:
                bad = True
        if bad:
            break
    else:
        pytest.fail("no single flip that the integrity check catches")
    for name, damage in (("integrity", bytes(candidate)), ("header", b"X" + raw[1:])):
        copy = _copy(server.data, tmp_path / f"serve-{name}")
        (copy / db_path.name).write_bytes(damage)
        broken = Server(copy, server.env)
        with pytest.raises(AssertionError, match="server exited 1"):
            broken.start(deadline=20)
        last = broken.log_tail(5)
        # the integrity check's words, SQLite's, or the text a damaged page hands back first
        named = ("integrity check", "not a database", "database file is damaged")
        assert "cannot start" in last and any(words in last for words in named), last
        assert "Traceback" not in broken.log.read_text()
