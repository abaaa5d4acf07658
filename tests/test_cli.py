"""The `splitkey` command: exit codes and one-line errors (as a subprocess, the way a user or a
script runs it), then each command's behaviour in-process (main(argv), which is faster)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import pytest

from app import cli
from app.crypto import (
    BackendUnavailableError,
    PublicKey,
    SecretKey,
    Signature,
    get_backend,
    hash_to_g1,
    use_backend,
)
from app.crypto.params import P, R
from app.keys import client_id_of
from app.transaction import Transaction
from tests.backends import BACKENDS, load_vectors, select_backend
from tests.helpers import CONSOLE_SCRIPT, MODULE_COMMAND, REPO, run_splitkey

SPLIT = load_vectors()["split_key"]
MNEMONIC = load_vectors()["mnemonic_to_key"][0]["mnemonic"]
KEY_HEX = SPLIT["share0_private_key"]
PK_HEX = SPLIT["share0_public_key"]
SIG_HEX = SPLIT["share0_signature"]
HASH = SPLIT["hash"]


# -- malformed points, built from the curve equations -------------------------------------------


def _le(value: int) -> bytes:
    return value.to_bytes(32, "little")


def _is_square(value: int) -> bool:
    return pow(value % P, (P - 1) // 2, P) in (0, 1)


def _sqrt_fp(value: int) -> int | None:
    root = pow(value, (P + 1) // 4, P)  # p = 3 mod 4
    return root if root * root % P == value % P else None


def _sqrt_fp2(a0: int, a1: int) -> tuple[int, int] | None:
    """A square root in Fp[i]/(i^2+1) through the norm, or None."""
    norm_root = _sqrt_fp((a0 * a0 + a1 * a1) % P)
    if norm_root is None:
        return None
    half = pow(2, -1, P)
    for t in ((a0 + norm_root) * half % P, (a0 - norm_root) * half % P):
        x0 = _sqrt_fp(t)
        if x0:
            return x0, a1 * pow(2 * x0, -1, P) % P
    return None


def _g1_off_curve() -> str:
    x = next(x for x in range(1, 100) if not _is_square(x**3 + 2))
    return _le(x).hex()


def _g2_off_twist() -> str:
    # x real: x^3 + (1 - i) is a square in Fp2 iff its norm (x^3 + 1)^2 + 1 is a square in Fp.
    x = next(x for x in range(1, 100) if not _is_square((x**3 + 1) ** 2 + 1))
    return (_le(x) + _le(0)).hex()


def _g2_outside_subgroup() -> str:
    # A point on the twist: the twist has r * (2p - r) points, so a small x is outside G2.
    for x in range(1, 100):
        y = _sqrt_fp2((x**3 + 1) % P, P - 1)
        if y:
            data = bytearray(_le(x) + _le(0))
            data[63] |= 0x80 if y[0] & 1 else 0
            return data.hex()
    raise AssertionError("no twist point with a small x")


ZERO_G1 = "00" * 32
ZERO_G2 = "00" * 64

BAD_POINT_CASES = [
    # (what, command line, problem the message must name)
    ("sig short", ["combine", "--signature", SIG_HEX[:-2]], r"--signature: .*32 bytes"),
    ("sig not hex", ["combine", "--signature", "zz" * 32], r"--signature: .*not valid hex"),
    ("sig x >= p", ["combine", "--signature", _le(P).hex()], r"--signature: .*not below .*p"),
    ("sig off curve", ["combine", "--signature", _g1_off_curve()], r"--signature: .*(curve|no y)"),
    ("sig infinity", ["combine", "--signature", ZERO_G1], r"--signature: .*point at infinity"),
    ("pk long", ["combine-keys", "--public-key", PK_HEX + "00"], r"--public-key: .*64 bytes"),
    ("pk not hex", ["combine-keys", "--public-key", "g" * 128], r"--public-key: .*not valid hex"),
    ("pk x >= p", ["combine-keys", "--public-key", (_le(P) * 2).hex()], r"not below .*p"),
    ("pk off twist", ["combine-keys", "--public-key", _g2_off_twist()], r"(twist|no y)"),
    ("pk subgroup", ["combine-keys", "--public-key", _g2_outside_subgroup()], r"subgroup"),
    ("pk infinity", ["combine-keys", "--public-key", ZERO_G2], r"point at infinity"),
    ("sk >= r", ["keys", "public", "--private-key", _le(R).hex()], r"not below the group order"),
    ("sk zero", ["keys", "public", "--private-key", "00" * 32], r"--private-key: .*zero"),
    ("sk short", ["keys", "public", "--private-key", KEY_HEX[:-2]], r"32 bytes"),
    (
        "verify pk inf",
        ["verify", "--public-key", ZERO_G2, "--hash", HASH, "--signature", SIG_HEX],
        r"--public-key: .*infinity",
    ),  # fmt: skip
    (
        "verify sig inf",
        ["verify", "--public-key", PK_HEX, "--hash", HASH, "--signature", ZERO_G1],
        r"--signature: .*infinity",
    ),  # fmt: skip
    ("hash short", ["sign", "--private-key", KEY_HEX, "--hash", HASH[:-2]], r"hash .*32 bytes"),
    ("hash not hex", ["sign", "--private-key", KEY_HEX, "--hash", "x" * 64], r"hash .*hex"),
    ("message odd", ["hash-to-g1", "--message-hex", "abc"], r"--message-hex"),
]

OTHER_BAD_INPUT = [
    (["keys", "recover", "--mnemonic", "abandon " * 11 + "about"], r"24 words, got 12"),
    (["keys", "recover", "--mnemonic", MNEMONIC.replace("tape", "tapes")], r"word 2 not in"),
    (["keys", "recover", "--mnemonic", " ".join(reversed(MNEMONIC.split()))], r"checksum"),
    (["split", "--private-key", KEY_HEX, "--parts", "1"], r"--parts must be between 2"),
    (["split", "--private-key", KEY_HEX, "--parts", "two"], r"invalid int value"),
    (["tx", "hash", "--file", "/nonexistent/tx.json"], r"--file: cannot read"),
    (["frobnicate"], r"invalid choice: 'frobnicate'"),
    (["sign", "--hash", HASH], r"required: --private-key"),
    (["keys"], r"name a command"),
]


def _assert_one_line_error(done: subprocess.CompletedProcess, pattern: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("splitkey: error: ")
    assert re.search(pattern, lines[0]), lines[0]


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize(
    ("what", "argv", "pattern"), BAD_POINT_CASES, ids=[c[0] for c in BAD_POINT_CASES]
)
def test_bad_keys_and_points_exit_2_naming_the_problem(backend_name, what, argv, pattern):
    select_backend(backend_name)  # skips native only where its wheel cannot exist
    _assert_one_line_error(run_splitkey("--backend", backend_name, *argv), pattern)


@pytest.mark.parametrize(("argv", "pattern"), OTHER_BAD_INPUT, ids=lambda v: str(v)[:30])
def test_other_bad_input_exits_2(argv, pattern):
    _assert_one_line_error(run_splitkey(*argv), pattern)


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("{not json", r"not valid JSON"),
        ('{"client_id": "ab", "chain_id": "cd", "creation_date": 1}', r"client_id: must be 64"),
        ('{"chain_id": "cd"}', r"client_id: is missing"),
    ],
)
def test_bad_transaction_file_exits_2_naming_the_field(tmp_path, content, pattern):
    path = tmp_path / "tx.json"
    path.write_text(content)
    _assert_one_line_error(run_splitkey("tx", "hash", "--file", str(path)), pattern)


def test_verification_false_exits_1():
    other_hash = "00" + HASH[2:]
    done = run_splitkey(
        "verify", "--public-key", PK_HEX, "--hash", other_hash, "--signature", SIG_HEX
    )
    assert (done.returncode, json.loads(done.stdout), done.stderr) == (1, {"valid": False}, "")


def test_no_arguments_prints_help():
    # `python -m app.cli` alone prints help; the `splitkey` console script alone opens the
    # desktop instead (tests/ui/test_main.py).
    done = run_splitkey(command=MODULE_COMMAND)
    assert done.returncode == 0
    assert done.stdout.startswith("usage: splitkey")
    for command in ("keys", "sign", "verify", "split", "combine", "combine-keys", "tx"):
        assert f"    {command} " in done.stdout


def test_python_dash_m_and_console_script_both_work():
    done = run_splitkey("keys", "public", "--private-key", KEY_HEX, command=MODULE_COMMAND)
    assert json.loads(done.stdout)["public_key"] == PK_HEX
    if not CONSOLE_SCRIPT.exists():
        pytest.skip("splitkey is not installed in this environment (make test installs it)")
    done = run_splitkey("keys", "public", "--private-key", KEY_HEX, command=[str(CONSOLE_SCRIPT)])
    assert json.loads(done.stdout)["public_key"] == PK_HEX


def test_importing_the_cli_has_no_side_effects():
    code = (
        "import app.cli, app.crypto.backend as b, sys; "
        "print(b._current is None, 'app.crypto.native' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert (done.stdout, done.stderr) == ("True False\n", "")


# -- in-process: what each command does ---------------------------------------------------------


def splitkey(capsys, *argv: str, stdin: str | None = None, status: int = 0) -> dict:
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        assert cli.main(list(argv)) == status
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def error_of(capsys, *argv: str, stdin: str | None = None) -> str:
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        assert cli.main(list(argv)) == 2
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    assert out == ""
    return err.strip()


def test_keys_new_then_recover(capsys):
    made = splitkey(capsys, "keys", "new")
    assert set(made) == {"mnemonic", "private_key", "public_key", "client_id"}
    assert len(made["mnemonic"].split()) == 24
    assert made["client_id"] == client_id_of(PublicKey.from_hex(made["public_key"]))
    assert splitkey(capsys, "keys", "recover", "--mnemonic", made["mnemonic"]) == made
    assert splitkey(capsys, "keys", "recover", "--mnemonic", "-", stdin=made["mnemonic"]) == made
    assert splitkey(capsys, "keys", "new")["mnemonic"] != made["mnemonic"]


def test_keys_public_reads_the_private_key_from_stdin(capsys):
    out = splitkey(capsys, "keys", "public", "--private-key", "-", stdin=KEY_HEX + "\n")
    assert out["public_key"] == PK_HEX


def test_sign_and_verify(capsys):
    signed = splitkey(capsys, "sign", "--private-key", KEY_HEX, "--hash", HASH.upper())
    assert signed == {"signature": SIG_HEX}
    args = ["verify", "--public-key", PK_HEX, "--hash", HASH, "--signature", SIG_HEX]
    assert splitkey(capsys, *args) == {"valid": True}
    other_key = SPLIT["share1_public_key"]
    args[2] = other_key
    assert splitkey(capsys, *args, status=1) == {"valid": False}


def test_split_combine_round(capsys):
    key = SecretKey.generate()
    out = splitkey(capsys, "split", "--private-key", key.to_hex(), "--parts", "3")
    shares = out["keys"]
    assert len(shares) == 3
    for share in shares:
        assert SecretKey.from_hex(share["private_key"]).public_key().to_hex() == share["public_key"]
    public_keys = [s["public_key"] for s in shares]
    combined_key = splitkey(capsys, "combine-keys", "--public-key", *public_keys)
    assert combined_key == {"public_key": key.public_key().to_hex()}
    partials = [
        splitkey(capsys, "sign", "--private-key", s["private_key"], "--hash", HASH)["signature"]
        for s in shares
    ]
    # Repeated --signature options add up the same as one option with several values.
    repeated = [arg for sig in partials for arg in ("--signature", sig)]
    assert splitkey(capsys, "combine", *repeated) == {"signature": key.sign_hash(HASH).to_hex()}


def test_combining_a_share_with_its_negation_is_refused(capsys):
    point = Signature.from_hex(SIG_HEX)
    negated = bytearray(point.to_bytes())
    negated[31] ^= 0x80  # same x, the other y
    message = error_of(capsys, "combine", "--signature", SIG_HEX, bytes(negated).hex())
    assert "point at infinity" in message


def test_hash_to_g1_is_the_signature_of_key_one(capsys):
    point = splitkey(capsys, "hash-to-g1", "--message-hex", HASH)["point"]
    assert point == hash_to_g1(bytes.fromhex(HASH)).hex()
    assert Signature.from_hex(point)  # a valid, finite G1 point
    one = _le(1).hex()
    assert splitkey(capsys, "sign", "--private-key", one, "--hash", HASH) == {"signature": point}
    assert splitkey(capsys, "hash-to-g1", "--message-hex", "")["point"] != point


SPLIT_WALLET_ID = client_id_of(PublicKey.from_hex(SPLIT["combined_public_key"]))


def _tx_file(tmp_path, **fields) -> str:
    tx = {
        "client_id": SPLIT_WALLET_ID,
        "chain_id": "ab" * 32,
        "creation_date": 1_700_000_000,
        "to_client_id": "cd" * 32,
        "transaction_value": 5,
        "transaction_nonce": 3,
    }
    tx.update(fields)
    path = tmp_path / "tx.json"
    path.write_text(json.dumps(tx))
    return str(path)


def test_tx_hash_from_a_file_and_from_stdin(capsys, tmp_path):
    path = _tx_file(tmp_path)
    out = splitkey(capsys, "tx", "hash", "--file", path)
    tx = Transaction.from_json(open(path).read())
    assert out == {"hash": tx.hash, "hash_data": tx.hash_data}
    assert splitkey(capsys, "tx", "hash", "--file", "-", stdin=open(path).read()) == out


def test_tx_sign_with_the_whole_key(capsys, tmp_path):
    key = SecretKey.generate()
    path = _tx_file(tmp_path, client_id=client_id_of(key.public_key()))
    signed = splitkey(capsys, "tx", "sign", "--private-key", key.to_hex(), "--file", path)
    assert signed["public_key"] == key.public_key().to_hex()
    assert Transaction.from_dict(signed).verify()


def test_tx_sign_with_shares_needs_partial_and_combines(capsys, tmp_path):
    path = _tx_file(tmp_path, public_key=SPLIT["combined_public_key"])
    share_args = ["tx", "sign", "--private-key", SPLIT["share0_private_key"], "--file", path]
    assert "--partial" in error_of(capsys, *share_args)
    partials = [
        splitkey(capsys, "tx", "sign", "--partial", "--private-key", key, "--file", path)
        for key in (SPLIT["share0_private_key"], SPLIT["share1_private_key"])
    ]
    assert all(p["public_key"] == SPLIT["combined_public_key"] for p in partials)
    combined = splitkey(capsys, "combine", "--signature", *[p["signature"] for p in partials])
    tx = Transaction.from_dict({**partials[0], "signature": combined["signature"]})
    assert tx.verify()


def test_only_one_option_can_read_stdin(capsys, tmp_path):
    message = error_of(capsys, "tx", "sign", "--private-key", "-", "--file", "-", stdin="{}")
    assert "cannot both be read from standard input" in message


def test_backend_option_before_or_after_the_command(capsys):
    try:
        splitkey(capsys, "sign", "--backend", "pure", "--private-key", KEY_HEX, "--hash", HASH)
        assert get_backend().name == "pure"
    finally:
        use_backend()


def test_unavailable_native_backend_exits_2(capsys, monkeypatch):
    from app.crypto import native

    def refuse():
        raise BackendUnavailableError("native backend needs herumi mcl from the pymcl wheel")

    monkeypatch.setattr(native, "load_native", refuse)
    message = error_of(capsys, "--backend", "native", "keys", "new")
    assert message == "splitkey: error: native backend needs herumi mcl from the pymcl wheel"


def test_help_exits_0(capsys):
    assert cli.main(["tx", "sign", "--help"]) == 0
    assert "--partial" in capsys.readouterr().out


def test_points_in_herumi_text_form_are_accepted(capsys):
    from app.crypto import text_form

    sig_text = text_form.signature_to_text(Signature.from_hex(SIG_HEX))
    pk_text = text_form.public_key_to_text(PublicKey.from_hex(PK_HEX))
    assert sig_text.startswith("1 ") and pk_text.startswith("1 ")
    assert splitkey(capsys, "combine", "--signature", sig_text) == {"signature": SIG_HEX}
    args = ["verify", "--public-key", pk_text, "--hash", HASH, "--signature", sig_text]
    assert splitkey(capsys, *args) == {"valid": True}
    broken = sig_text[:-1] + ("0" if sig_text[-1] != "0" else "1")
    assert "--signature: " in error_of(capsys, "combine", "--signature", broken)
