"""Keyless custody at the command line, against a real co-signer on 127.0.0.1: the owner's machine
draws and splits the key, delegates from its own share through an end-to-end encrypted share
code, refreshes its share (the old one is refused), and every combined signature verifies under
the unchanged wallet key, which is the key of the mnemonic shown once."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest

from app.cli import session as cli_session
from app.client import CosignerClient
from app.crypto import SecretKey
from app.keys import Wallet, secret_key_from_mnemonic
from app.protocol.exit_codes import ExitStatus
from app.protocol.formats import CODE_KEY_CHARS, LOCATOR_CHARS
from cosigner_server.bootstrap import init_data_dir
from tests import cli_cosigner_helpers as cli_helpers
from tests.cli_cosigner_helpers import enrolled, write_tx
from tests.cosigner_server.conftest import make_config, run_server

# the fixtures, shared
cosigner, admin, people = cli_helpers.cosigner, cli_helpers.admin, cli_helpers.people


def keyless_wallet(user, name: str = "own.share") -> tuple[dict, str]:
    made = user.ok("wallet", "create", "--keyless", "--share-out", user.file(name))
    return made, user.file(name)


def signs(user, share_file: str, wallet: dict, value: float = 1) -> dict:
    tx_file = write_tx(user, wallet, value)
    return user.ok("cosign", "tx", "--share-file", share_file, "--file", tx_file)["transaction"]


def assert_verifies(user, wallet: dict, signed: dict) -> None:
    verified = user.ok(
        "verify",
        "--public-key",
        wallet["public_key"],
        "--hash",
        signed["hash"],
        "--signature",
        signed["signature"],
    )
    assert verified == {"valid": True}


def test_keyless_create_prints_the_contract_and_signs_under_the_mnemonics_key(
    cosigner, admin, people
):
    alice = enrolled(cosigner, admin, people, "alice")
    made, share_file = keyless_wallet(alice)
    assert set(made) == {"wallet", "mnemonic", "split", "share_file"}
    wallet = made["wallet"]
    assert wallet["custody"] == "keyless"
    assert made["share_file"] == share_file
    assert stat.S_IMODE(os.stat(share_file).st_mode) == 0o600
    # the words shown once are the wallet's key; the share file holds a share, not that key
    master = secret_key_from_mnemonic(made["mnemonic"])
    assert master.public_key().to_hex() == wallet["public_key"]
    share = json.loads(Path(share_file).read_text())
    assert share["split_id"] == made["split"]["id"]
    assert share["private_key"] != master.to_hex()
    assert made["split"]["share_public_key"] == share["public_key"]

    signed = signs(alice, share_file, wallet)
    assert_verifies(alice, wallet, signed)
    # the same signature the unsplit key makes (BLS is deterministic)
    tx_file = write_tx(alice, wallet)
    cosigned = alice.ok("cosign", "tx", "--share-file", share_file, "--file", tx_file)
    whole = alice.ok("tx", "sign", "--private-key", master.to_hex(), "--file", tx_file)
    assert cosigned["transaction"]["signature"] == whole["signature"]
    assert alice.ok("wallet", "show", wallet["client_id"])["wallet"]["custody"] == "keyless"


def test_delegation_refresh_and_revocation(cosigner, admin, people):
    alice = enrolled(cosigner, admin, people, "alice")
    made, own = keyless_wallet(alice)
    wallet = made["wallet"]
    shared = alice.ok(
        "split",
        "create",
        "--wallet",
        wallet["client_id"],
        "--from-share",
        own,
        "--holder",
        "code",
        "--label",
        "bob",
        "--groups",
        "token_transfers",
        "--max-per-tx",
        "2",
    )
    assert set(shared) == {"split", "share_code"}
    code = shared["share_code"]
    assert len(code.replace("-", "")) == LOCATOR_CHARS + CODE_KEY_CHARS
    assert shared["split"]["holder_id"] is None

    bob = enrolled(cosigner, admin, people, "bob")
    # mistyped (a 0 is never in a code): refused here, never sent whole to the co-signer
    mistyped = "0" + code[1:]
    bob.fails(2, "characters", "share", "redeem", mistyped, "--out", bob.file("typo.share"))
    assert not Path(bob.file("typo.share")).exists()
    got = bob.ok("share", "redeem", code, "--out", bob.file("bob.share"))
    assert got["split_id"] == shared["split"]["id"] and "private_key" not in got
    assert_verifies(bob, wallet, signs(bob, bob.file("bob.share"), wallet, 1))
    # a device signed in with the share alone (proof of possession) may refresh that share
    device = people("bob-device")
    device.ok("cosigner", "login", "--url", cosigner.url, "--share-file", bob.file("bob.share"))
    before = json.loads(Path(bob.file("bob.share")).read_text())["public_key"]
    assert (
        device.ok("split", "refresh", "--share-file", bob.file("bob.share"))["split"][
            "share_public_key"
        ]
        != before
    )
    assert_verifies(bob, wallet, signs(bob, bob.file("bob.share"), wallet, 1))
    bob.fails(
        ExitStatus.REFUSED,
        "per_transaction_cap",
        "cosign",
        "tx",
        "--share-file",
        bob.file("bob.share"),
        "--file",
        write_tx(bob, wallet, 3),
    )
    # the code is used up
    bob.fails(ExitStatus.REFUSED, "gone", "share", "redeem", code, "--out", bob.file("again.share"))

    # the owner refreshes: the file is rewritten, the old copy no longer co-signs
    old_copy = alice.file("old.share")
    Path(old_copy).write_bytes(Path(own).read_bytes())
    os.chmod(old_copy, 0o600)
    refreshed = alice.ok("split", "refresh", "--share-file", own)
    assert set(refreshed) == {"split"}
    assert refreshed["split"]["id"] == made["split"]["id"]
    new_share = json.loads(Path(own).read_text())
    assert new_share["public_key"] == refreshed["split"]["share_public_key"]
    assert new_share["public_key"] != made["split"]["share_public_key"]
    assert stat.S_IMODE(os.stat(own).st_mode) == 0o600
    assert not Path(own + ".refresh-pending").exists()
    alice.fails(
        ExitStatus.REFUSED,
        "partial",
        "cosign",
        "tx",
        "--share-file",
        old_copy,
        "--file",
        write_tx(alice, wallet),
    )
    assert_verifies(alice, wallet, signs(alice, own, wallet))
    assert (
        alice.ok("wallet", "show", wallet["client_id"])["wallet"]["public_key"]
        == (wallet["public_key"])
    )
    # the delegate is untouched by the owner's refresh, until revoked
    assert_verifies(bob, wallet, signs(bob, bob.file("bob.share"), wallet, 1))
    alice.ok("split", "revoke", shared["split"]["id"])
    bob.fails(
        ExitStatus.REFUSED,
        "revoked",
        "cosign",
        "tx",
        "--share-file",
        bob.file("bob.share"),
        "--file",
        write_tx(bob, wallet, 1),
    )
    # a delegation from the refreshed share works; from the pre-refresh copy it is refused
    alice.fails(
        ExitStatus.REFUSED,
        "did not sign",
        "split",
        "create",
        "--wallet",
        wallet["client_id"],
        "--from-share",
        old_copy,
        "--holder",
        "code",
        "--groups",
        "token_transfers",
    )
    again = alice.ok(
        "split",
        "create",
        "--wallet",
        wallet["client_id"],
        "--from-share",
        own,
        "--holder",
        "me",
        "--share-out",
        alice.file("phone.share"),
    )
    assert_verifies(alice, wallet, signs(alice, alice.file("phone.share"), wallet))
    assert again["share_file"] == alice.file("phone.share")


def test_keyless_wallets_cannot_be_split_by_the_vault(cosigner, admin, people):
    alice = enrolled(cosigner, admin, people, "alice")
    made, _ = keyless_wallet(alice)
    alice.fails(
        ExitStatus.REFUSED,
        "no master key",
        "split",
        "create",
        "--wallet",
        made["wallet"]["client_id"],
        "--holder",
        "code",
        "--groups",
        "token_transfers",
    )


def test_keyless_imports_from_words_and_zwallet_file(cosigner, admin, people):
    alice = enrolled(cosigner, admin, people, "alice")
    words = Wallet.create()
    by_words = alice.ok(
        "wallet",
        "import",
        "--keyless",
        "--mnemonic",
        "-",
        "--share-out",
        alice.file("w.share"),
        stdin=words.mnemonic,
    )
    assert by_words["wallet"]["client_id"] == words.client_id
    assert by_words["wallet"]["custody"] == "keyless"
    assert "mnemonic" not in by_words
    assert_verifies(
        alice, by_words["wallet"], signs(alice, alice.file("w.share"), by_words["wallet"])
    )

    zwallet = Wallet.create()
    wallet_file = Path(alice.file("zwallet.json"))
    wallet_file.write_text(zwallet.to_json())
    by_file = alice.ok(
        "wallet",
        "import",
        "--keyless",
        "--wallet-file",
        str(wallet_file),
        "--share-out",
        alice.file("z.share"),
    )
    assert by_file["wallet"]["client_id"] == zwallet.client_id
    # the owner registers it again (a new device, a lost one): one more own split, both sign
    again = alice.ok(
        "wallet", "import", "--keyless", "--wallet-file", str(wallet_file),
        "--share-out", alice.file("z2.share"),
    )  # fmt: skip
    assert again["wallet"]["client_id"] == zwallet.client_id
    assert again["split"]["id"] != by_file["split"]["id"]
    for share in ("z.share", "z2.share"):
        assert_verifies(
            alice, by_file["wallet"], signs(alice, alice.file(share), by_file["wallet"])
        )
    # someone else cannot: refused, and the new share file is not left behind
    mallory = enrolled(cosigner, admin, people, "mallory")
    mallory.fails(
        ExitStatus.REFUSED, "someone else", "wallet", "import", "--keyless",
        "--wallet-file", str(wallet_file), "--share-out", mallory.file("z.share"),
    )  # fmt: skip
    assert not Path(mallory.file("z.share")).exists()
    # a split zwallet file is refused before anything is sent
    wallet_file.write_text(zwallet.split().to_json())
    alice.fails(
        2,
        "already split",
        "wallet",
        "import",
        "--keyless",
        "--wallet-file",
        str(wallet_file),
        "--share-out",
        alice.file("z3.share"),
    )


@pytest.fixture
def keyless_only(tmp_path: Path):
    config = make_config(tmp_path / "cosigner", custodial="forbidden")
    init_data_dir(config)
    yield from run_server(config)


def test_an_administrator_can_forbid_custodial_wallets(keyless_only, people):
    from cosigner_server import identity

    _, code = keyless_only.call(identity.create_user(keyless_only.state, None, "carol", "user"))
    carol = people("carol")
    carol.ok("cosigner", "login", "--url", keyless_only.url, "--code", code)
    carol.fails(ExitStatus.REFUSED, "forbids custodial", "wallet", "create")
    carol.fails(ExitStatus.REFUSED, "forbids custodial", "wallet", "import", "--mnemonic", "-")
    made, _ = keyless_wallet(carol)
    assert made["wallet"]["custody"] == "keyless"


def test_a_refresh_whose_answer_was_lost_is_finished_by_running_it_again(cosigner, admin, people):
    alice = enrolled(cosigner, admin, people, "alice")
    made, own = keyless_wallet(alice)
    wallet = made["wallet"]
    session_file = alice.home / cli_session.SESSION_FILE
    session = json.loads(session_file.read_text())
    # the co-signer cannot be reached: exit 4, the drawn share waits next to the old one
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
    session_file.write_text(json.dumps({**session, "url": dead}))
    alice.fails(ExitStatus.UNREACHABLE, "unreachable", "split", "refresh",
                "--share-file", own)  # fmt: skip
    pending = Path(own + ".refresh-pending")
    waiting = json.loads(pending.read_text())
    assert stat.S_IMODE(os.stat(pending).st_mode) == 0o600
    assert json.loads(Path(own).read_text())["public_key"] == made["split"]["share_public_key"]
    # the refresh reaches the co-signer but its answer is lost (done here by the library)
    old = cli_session.read_share(own)
    with CosignerClient(cosigner.url, token=session["token"]) as api:
        api.refresh(old, SecretKey.from_hex(waiting["private_key"]))
    # the same command again finishes the job with the share drawn the first time
    session_file.write_text(json.dumps(session))
    done = alice.ok("split", "refresh", "--share-file", own)
    assert done["split"]["share_public_key"] == waiting["public_key"]
    assert json.loads(Path(own).read_text())["public_key"] == waiting["public_key"]
    assert not pending.exists()
    assert_verifies(alice, wallet, signs(alice, own, wallet))
