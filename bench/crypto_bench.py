"""Medians of the crypto operations on the native (herumi mcl), pure and py_ecc reference code,
measured in the same run, written to docs/benchmarks.md between the crypto-bench markers.

    python bench/crypto_bench.py [--quick]      (or: python -m bench.crypto_bench)

Each operation runs until it has its repetitions or its time budget, whichever comes first, on
fresh random inputs drawn beforehand; the whole run stays under about three minutes.
"""

from __future__ import annotations

import argparse
import gc
import secrets
import statistics
import time
from dataclasses import dataclass

try:
    from bench import report  # python -m bench.crypto_bench
except ImportError:  # python bench/crypto_bench.py
    import report

from app.crypto.errors import BackendUnavailableError
from app.crypto.native import load_native
from app.crypto.params import R
from app.crypto.pure.backend import PureBackend
from tests.crypto.reference import bls_reference as ref


class ReferenceBackend:
    """The py_ecc reference behind the Backend interface. Like the pure backend, it decodes
    (and subgroup-checks) a public key once and keeps it, as a co-signer does for stored keys."""

    name = "reference"

    def __init__(self) -> None:
        self._keys: dict[bytes, object] = {}

    def _key(self, data: bytes):
        if data not in self._keys:
            self._keys[data] = ref.deserialize_g2(data)
        return self._keys[data]

    def public_key(self, sk: int) -> bytes:
        return ref.public_key(sk)

    def sign(self, sk: int, message: bytes) -> bytes:
        return ref.sign(sk, message)

    def hash_to_g1(self, message: bytes) -> bytes:
        return ref.serialize_g1(ref.hash_to_g1(message))

    def verify(self, pk: bytes, message: bytes, sig: bytes) -> bool:
        pk_point, sig_point = self._key(pk), ref.deserialize_g1(sig)
        f = ref.miller_loop(sig_point, ref.Q) * ref.miller_loop(
            ref.neg(ref.hash_to_g1(message)), pk_point
        )
        return ref.final_exponentiation(f) == ref.Fp12.one()

    def g1_sum(self, points) -> bytes:
        return ref.g1_sum(list(points))

    def pairing(self, g1: bytes, g2: bytes):
        return ref.pairing(ref.deserialize_g1(g1), self._key(g2))


@dataclass
class Budget:
    reps: int  # at most this many timed calls
    seconds: float  # ... or stop when this much time has been spent (after at least 3)


BUDGETS = {
    "native": Budget(2000, 2.0),
    "pure": Budget(300, 4.0),
    "reference": Budget(5, 12.0),
}
QUICK = {"native": Budget(200, 0.3), "pure": Budget(20, 0.5), "reference": Budget(1, 3.0)}


def median_ms(func, inputs, budget: Budget) -> tuple[float, int]:
    """Median wall time of func(*args) in ms over the inputs, and how many calls were timed."""
    func(*inputs[0])  # warm-up: caches, lazy imports
    samples = []
    deadline = time.perf_counter_ns() + int(budget.seconds * 1e9)
    gc.disable()  # a collection in the middle of one call would only add noise
    try:
        for args in inputs[1 : budget.reps + 1]:
            start = time.perf_counter_ns()
            func(*args)
            samples.append(time.perf_counter_ns() - start)
            if len(samples) >= 3 and time.perf_counter_ns() > deadline:
                break
    finally:
        gc.enable()
    return statistics.median(samples) / 1e6, len(samples)


def cosign_round(backend, user_pk, wallet_pk, server_sk, message, user_sig) -> bytes:
    """What the co-signer does per request: check the user's partial signature under the user
    share's stored key, sign with its own share, add, check the result under the wallet key."""
    if not backend.verify(user_pk, message, user_sig):
        raise AssertionError("user's partial signature rejected")
    combined = backend.g1_sum([user_sig, backend.sign(server_sk, message)])
    if not backend.verify(wallet_pk, message, combined):
        raise AssertionError("combined signature rejected")
    return combined


def scalar() -> int:
    return secrets.randbelow(R - 1) + 1


def make_inputs(native, count: int) -> dict[str, list[tuple]]:
    """Random inputs for every operation, made with native (fast) before any timing."""
    msg = secrets.token_bytes(32)
    user, server = scalar(), scalar()
    user_pk, wallet_pk = native.public_key(user), native.public_key((user + server) % R)
    rounds = []
    for _ in range(count):
        m = secrets.token_bytes(32)
        rounds.append((user_pk, wallet_pk, server, m, native.sign(user, m)))
    sk = scalar()
    pk = native.public_key(sk)
    fresh_keys = [scalar() for _ in range(count)]
    return {
        "hash to G1": [(secrets.token_bytes(32),) for _ in range(count)],
        "sign": [(scalar(), msg) for _ in range(count)],
        "public key": [(scalar(),) for _ in range(count)],
        "verify (stored key)": [
            (pk, m, native.sign(sk, m)) for m in (secrets.token_bytes(32) for _ in range(count))
        ],
        "verify (new key)": [(native.public_key(k), msg, native.sign(k, msg)) for k in fresh_keys],
        "pairing": [(native.hash_to_g1(secrets.token_bytes(32)), pk) for _ in range(count)],
        "co-sign round": rounds,
    }


OPERATIONS = {
    "hash to G1": lambda b: b.hash_to_g1,
    "sign": lambda b: b.sign,
    "public key": lambda b: b.public_key,
    "verify (stored key)": lambda b: b.verify,
    "verify (new key)": lambda b: b.verify,
    "pairing": lambda b: b.pairing,
    "co-sign round": lambda b: lambda *args: cosign_round(b, *args),
}
# The reference decodes a new key with a subgroup check (r * P) and runs a second of pairing
# either way; timing it on new keys tells nothing the stored-key row does not.
SKIP = {("reference", "verify (new key)")}


def run(quick: bool) -> tuple[dict, dict]:
    try:
        native = load_native()
    except BackendUnavailableError as exc:
        raise SystemExit(f"the native backend is needed for a comparison: {exc}") from exc
    backends = {"native": native, "pure": PureBackend(), "reference": ReferenceBackend()}
    budgets = QUICK if quick else BUDGETS
    inputs = make_inputs(native, max(b.reps for b in budgets.values()) + 1)
    medians: dict[tuple[str, str], float] = {}
    counts: dict[tuple[str, str], int] = {}
    for op, make in OPERATIONS.items():
        for name, backend in backends.items():
            if (name, op) in SKIP:
                continue
            budget = budgets[name]
            ms, n = median_ms(make(backend), inputs[op][: budget.reps + 1], budget)
            medians[name, op], counts[name, op] = ms, n
            print(f"{op:20} {name:10} {ms:12.4f} ms  (median of {n})", flush=True)
    return medians, counts


def _fmt(ms: float | None) -> str:
    if ms is None:
        return "—"
    return f"{ms:.4f}" if ms < 0.1 else f"{ms:.3f}" if ms < 10 else f"{ms:,.1f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None else f"{a / b:,.1f}×"


def markdown(medians: dict, counts: dict, quick: bool) -> str:
    lines = [
        "## Crypto backends",
        "",
        f"`python bench/crypto_bench.py{' --quick' if quick else ''}`, {report.machine_info()}.",
        "Median wall time per call in milliseconds (`time.perf_counter_ns`, GC paused while "
        "timing), all three measured in the same run on random keys and 32-byte messages.",
        "",
        "| operation | native (herumi mcl) | pure | reference (py_ecc) | pure / native "
        "| reference / pure |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for op in OPERATIONS:
        native, pure, refv = (medians.get((b, op)) for b in ("native", "pure", "reference"))
        lines.append(
            f"| {op} | {_fmt(native)} | {_fmt(pure)} | {_fmt(refv)} | {_ratio(pure, native)} "
            f"| {_ratio(refv, pure)} |"
        )
    reps = {b: sorted({n for (name, _), n in counts.items() if name == b}) for b in BUDGETS}
    lines += [
        "",
        "Timed calls per median: "
        + "; ".join(f"{b} {min(r)}–{max(r)}" if r else f"{b} —" for b, r in reps.items())
        + ".",
        "",
        "- *verify (stored key)*: the same public key every time. The pure backend keeps the "
        "decoded key and its Miller-loop lines (the co-signer verifies under stored keys); "
        "native decodes the 64 bytes, with mcl's subgroup check, on every call.",
        "- *verify (new key)*: a different key each call, so pure decodes it, checks r·P = O and "
        "computes its lines too.",
        "- *pairing*: e(P, Q) from serialized points, including the final exponentiation.",
        "- *co-sign round*: verify the user's partial signature under the user share's key, sign "
        "with the server share, add the two, verify the sum under the wallet key.",
        "- Secret scalar multiplications are constant-time in native (mcl `mulCT`) and blinded "
        "(k + ρ·r, 64-bit ρ) in pure; the reference is a plain double-and-add.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions (a smoke run)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    medians, counts = run(args.quick)
    text = markdown(medians, counts, args.quick)
    print()
    print(text)
    if not args.no_write:
        report.write_section("crypto-bench", text)
        print(f"\nwritten to {report.BENCHMARKS_MD}")


if __name__ == "__main__":
    main()
