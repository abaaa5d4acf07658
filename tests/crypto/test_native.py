"""The native backend (herumi mcl through ctypes) reproduces every published bls0chain vector."""

from __future__ import annotations

import ctypes.util
import hashlib
import platform
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.crypto import PublicKey, SecretKey, Signature, use_backend
from app.crypto.backend import self_test
from app.crypto.errors import ScalarOutOfRangeError
from app.crypto.params import R
from tests.backends import load_vectors, native_expected
from tests.crypto.reference.bad_points import BAD_G1, BAD_G2
from tests.helpers import REPO

pytestmark = pytest.mark.native

VECTORS = load_vectors()
SPLIT = VECTORS["split_key"]


def _sk(hex_le: str) -> int:
    return int.from_bytes(bytes.fromhex(hex_le), "little")


def _key_pairs() -> list[tuple[str, str, str]]:
    pairs = [(e["source"], e["private_key"], e["public_key"]) for e in VECTORS["public_keys"]]
    pairs += [(e["source"], e["private_key"], e["public_key"]) for e in VECTORS["mnemonic_to_key"]]
    for share in ("share0", "share1"):
        sk, pk = SPLIT[f"{share}_private_key"], SPLIT[f"{share}_public_key"]
        pairs.append((f"split {share}", sk, pk))
    return pairs


@pytest.fixture(scope="module")
def native():
    from app.crypto.native import load_native

    if not native_expected():
        machine = platform.machine()
        pytest.skip(f"the pymcl wheel (herumi mcl) exists only for x86_64 Linux, not {machine}")
    return load_native()  # where the wheel exists, failing to load is a bug, not a skip


def test_passes_the_backend_self_test(native):
    self_test(native)


def test_public_key_of_one_is_herumi_base_point_q(native):
    assert native.public_key(1).hex() == VECTORS["curve"]["q_generator_g2"]["serialized"]


@pytest.mark.parametrize(("source", "sk", "pk"), _key_pairs(), ids=[k[0] for k in _key_pairs()])
def test_public_keys(native, source, sk, pk):
    assert native.public_key(_sk(sk)).hex() == pk, source


def test_mnemonic_key_matches_its_text_form_and_client_id(native):
    entry = VECTORS["mnemonic_to_key"][0]
    pk = native.public_key(_sk(entry["private_key"]))
    # GetHexString: "1 x.a x.b y.a y.b" big-endian; our bytes hold x and the parity of y.a.
    _, xa, xb, ya, _yb = (int(v, 16) for v in entry["public_key_get_hex_string"].split())
    expected = xa.to_bytes(32, "little") + (xb | (ya & 1) << 255).to_bytes(32, "little")
    assert pk == expected
    assert hashlib.sha3_256(pk).hexdigest() == entry["client_id"]


def test_split_key_shares_signatures_and_combination(native):
    message = bytes.fromhex(SPLIT["hash"])
    assert hashlib.sha3_256(b"TEST").digest() == message
    sigs = [native.sign(_sk(SPLIT[f"share{i}_private_key"]), message) for i in (0, 1)]
    assert [s.hex() for s in sigs] == [SPLIT["share0_signature"], SPLIT["share1_signature"]]
    assert native.g1_sum(sigs).hex() == SPLIT["combined_signature"]
    pks = [bytes.fromhex(SPLIT[f"share{i}_public_key"]) for i in (0, 1)]
    assert native.g2_sum(pks).hex() == SPLIT["combined_public_key"]
    # The whole key (sum of the shares) signs exactly the combined signature.
    whole = (_sk(SPLIT["share0_private_key"]) + _sk(SPLIT["share1_private_key"])) % R
    assert native.public_key(whole).hex() == SPLIT["combined_public_key"]
    assert native.sign(whole, message).hex() == SPLIT["combined_signature"]


def test_verify_accepts_the_vectors_and_rejects_mismatches(native):
    message = bytes.fromhex(SPLIT["hash"])
    combined_pk = bytes.fromhex(SPLIT["combined_public_key"])
    combined_sig = bytes.fromhex(SPLIT["combined_signature"])
    share0_pk = bytes.fromhex(SPLIT["share0_public_key"])
    share0_sig = bytes.fromhex(SPLIT["share0_signature"])
    assert native.verify(combined_pk, message, combined_sig)
    assert native.verify(share0_pk, message, share0_sig)
    assert not native.verify(combined_pk, message, share0_sig)  # a partial is not the whole
    assert not native.verify(share0_pk, message, combined_sig)
    assert not native.verify(combined_pk, message[::-1], combined_sig)
    assert not native.verify(combined_pk, message, bytes(32))  # infinity never verifies
    assert not native.verify(bytes(64), message, combined_sig)


def test_high_level_api_on_native(native):
    use_backend("native")
    try:
        sk = SecretKey.from_hex(SPLIT["share0_private_key"])
        sig = sk.sign_hash(SPLIT["hash"])
        assert sig == Signature.from_hex(SPLIT["share0_signature"])
        assert PublicKey.from_hex(SPLIT["share0_public_key"]).verify_hash(SPLIT["hash"], sig)
    finally:
        use_backend()


@pytest.mark.parametrize(("label", "data", "error"), BAD_G1, ids=[b[0] for b in BAD_G1])
def test_check_g1_names_the_problem(native, label, data, error):
    with pytest.raises(error):
        native.check_g1(data)


@pytest.mark.parametrize(("label", "data", "error"), BAD_G2, ids=[b[0] for b in BAD_G2])
def test_check_g2_names_the_problem(native, label, data, error):
    with pytest.raises(error):
        native.check_g2(data)


def test_check_accepts_real_points(native):
    native.check_g1(bytes.fromhex(SPLIT["combined_signature"]))
    native.check_g2(bytes.fromhex(SPLIT["combined_public_key"]))


@pytest.mark.parametrize("sk", [0, R, R + 1, -1])
def test_scalars_outside_one_to_r_are_refused(native, sk):
    with pytest.raises(ScalarOutOfRangeError):
        native.public_key(sk)
    with pytest.raises(ScalarOutOfRangeError):
        native.sign(sk, b"m")


def test_concurrent_signing_gives_the_same_bytes(native):
    message = bytes.fromhex(SPLIT["hash"])
    keys = [_sk(SPLIT["share0_private_key"]) + n for n in range(40)]
    expected = [native.sign(k, message) for k in keys]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(5):
            assert list(pool.map(lambda k: native.sign(k, message), keys)) == expected


def test_pairing_is_bilinear_and_non_degenerate(native):
    h = native.hash_to_g1(b"pairing")
    q = native.public_key(1)
    e = native.pairing(h, q)
    assert e != native.pairing(h, native.public_key(2))
    # e(3H, 5Q) == e(15H, Q) == e(H, 15Q)
    e15 = native.pairing(native.sign(15, b"pairing"), q)
    assert native.pairing(native.sign(3, b"pairing"), native.public_key(5)) == e15
    assert native.pairing(h, native.public_key(15)) == e15
    assert e15 != e


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_refuses_to_share_mcl_with_an_imported_pymcl(native):
    # pymcl's import initialises the same library for BLS12-381: both orders must be caught.
    before = _run(
        "import pymcl\n"
        "from app.crypto.errors import BackendUnavailableError\n"
        "from app.crypto.native import load_native\n"
        "try:\n    load_native()\nexcept BackendUnavailableError:\n    print('refused')\n"
    )
    assert before.stdout.strip() == "refused", before.stderr
    after = _run(
        "from app.crypto.errors import BackendUnavailableError\n"
        "from app.crypto.native import load_native\n"
        "b = load_native(); b.hash_to_g1(b'x')\n"
        "import pymcl\n"
        "try:\n    b.hash_to_g1(b'x')\nexcept BackendUnavailableError:\n    print('refused')\n"
    )
    assert after.stdout.strip() == "refused", after.stderr


def test_missing_or_foreign_library_is_reported_as_unavailable(monkeypatch, tmp_path):
    from app.crypto import native as native_module
    from app.crypto.errors import BackendUnavailableError

    with pytest.raises(BackendUnavailableError, match="cannot load"):
        native_module.NativeBackend(str(tmp_path / "_pymcl.missing.so"))
    libc = ctypes.util.find_library("c")
    with pytest.raises(BackendUnavailableError, match="cannot load"):
        native_module.NativeBackend(libc)  # loads, but has no mclBn_* symbols
    monkeypatch.setattr(native_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BackendUnavailableError, match="pymcl"):
        native_module.find_library()
