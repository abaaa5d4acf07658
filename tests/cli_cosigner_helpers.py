"""People at the `splitkey` command line (each with their own config directory) against a real
co-signer: the `cosigner`, `people` and `admin` fixtures and the steps the CLI test modules share
(enrolling a user, writing a transaction file, a wallet with its share). Not a test module, so
pytest collects none of it twice."""

from __future__ import annotations

import io
import itertools
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import cli
from app.cli import session as cli_session
from app.permissions import ZCN
from app.transaction import Transaction
from cosigner_server import identity
from cosigner_server.bootstrap import init_data_dir
from cosigner_server.config import DEFAULT_CHAIN_ID
from tests.cosigner_server.conftest import make_config, run_server

RECIPIENT = "ab" * 32
NONCES = itertools.count(1)


@pytest.fixture
def cosigner(tmp_path: Path):
    config = make_config(tmp_path / "cosigner")
    init_data_dir(config)
    yield from run_server(config)


@dataclass
class Done:
    status: int
    out: dict | None
    err: str


@dataclass
class User:
    """One person at the command line: their own config directory, hence their own session."""

    home: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture

    def run(self, *argv: str, stdin: str = "") -> Done:
        self.monkeypatch.setenv(cli_session.CONFIG_ENV, str(self.home))
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        status = cli.main(list(argv))
        captured = self.capsys.readouterr()
        return Done(status, json.loads(captured.out) if captured.out else None, captured.err)

    def ok(self, *argv: str, stdin: str = "") -> dict:
        done = self.run(*argv, stdin=stdin)
        assert done.status == 0, f"splitkey {' '.join(argv)} -> {done.status}: {done.err}"
        assert done.err == ""
        return done.out

    def fails(self, status: int, pattern: str, *argv: str) -> str:
        done = self.run(*argv)
        assert done.status == status, f"{done.status}: {done.out} {done.err}"
        assert done.out is None
        lines = done.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("splitkey: error: "), done.err
        assert re.search(pattern, lines[0]), lines[0]
        return lines[0]

    def file(self, name: str) -> str:
        return str(self.home / name)


@pytest.fixture
def people(tmp_path, monkeypatch, capsys):
    def person(name: str) -> User:
        home = tmp_path / name
        home.mkdir()
        return User(home, monkeypatch, capsys)

    return person


@pytest.fixture
def admin(cosigner, people) -> User:
    _, code = cosigner.call(identity.create_user(cosigner.state, None, "admin", "admin"))
    user = people("admin")
    user.ok("cosigner", "login", "--url", cosigner.url, "--code", code)
    return user


def enrolled(cosigner, admin: User, people, name: str) -> User:
    """A user the admin creates with `splitkey admin user-create`, logged in with their code."""
    made = admin.ok("admin", "user-create", "--subject", name)
    user = people(name)
    user.ok(
        "cosigner", "login", "--url", cosigner.url, "--code", "-", stdin=made["enrollment_code"]
    )
    return user


def write_tx(user: User, wallet: dict, value_zcn: float = 1, **fields) -> str:
    """A transaction file; unique nonce, created now."""
    fields.setdefault("to_client_id", RECIPIENT)
    tx = Transaction(
        client_id=wallet["client_id"],
        public_key=wallet["public_key"],
        chain_id=DEFAULT_CHAIN_ID,
        creation_date=int(time.time()),
        transaction_value=int(value_zcn * ZCN),
        transaction_nonce=next(NONCES),
        **fields,
    )
    path = user.home / f"tx-{tx.transaction_nonce}.json"
    path.write_text(tx.to_json())
    return str(path)


def my_wallet_and_share(user: User) -> tuple[dict, str, str]:
    """wallet create -> split create (holder me) -> share retrieve: (wallet, mnemonic, share)."""
    created = user.ok("wallet", "create")
    wallet = created["wallet"]
    split = user.ok("split", "create", "--wallet", wallet["client_id"], "--label", "laptop")
    share_file = user.file(f"{split['split']['id']}.share")
    user.ok("share", "retrieve", split["split"]["id"], "--out", share_file)
    return wallet, created["mnemonic"], share_file
