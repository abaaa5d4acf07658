"""The policy engine: generated violations each refused by the expected rule with its numbers in
the message, generated allowed requests accepted, transaction-shaped messages refused, and the
words a desktop shows."""

from __future__ import annotations

import random
import string
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.permissions import DAY, GROUPS, ZCN, Permissions, PermissionsError, group_of
from app.policy_words import (
    describe,
    format_amount,
    format_day,
    format_period,
    format_time,
    format_zcn,
    short_id,
    worst_case,
    worst_case_bounds,
)
from app.transaction import (
    FAUCET_SC_ADDRESS,
    MINER_SC_ADDRESS,
    STORAGE_SC_ADDRESS,
    ZCN_SC_ADDRESS,
    Transaction,
    TransactionType,
    sha3_hex,
    smart_contract_data,
)
from cosigner_server.model import Refusal, UsageSummary
from cosigner_server.policy import (
    check_message,
    check_transaction,
    check_usage,
    looks_like_transaction,
    transaction_value,
)
from tests.backends import load_vectors
from tests.strategies import permissions_st

CHAIN = "0afc093ffb509f059c55478bc1a60351cef7b4e9c008a53a6cc8241ca8617dfe"
OTHER_CHAIN = "ab" * 32
CLIENT = "c1" * 32
NOW = 1_780_000_000
SKEW = 300
UNUSED = UsageSummary(period_value=0, period_count=0, total_uses=0)
HEX64 = st.text("0123456789abcdef", min_size=64, max_size=64)
SAS = st.integers(0, 10**14)  # up to 10 000 ZCN
CONTRACTS = (STORAGE_SC_ADDRESS, MINER_SC_ADDRESS, ZCN_SC_ADDRESS, FAUCET_SC_ADDRESS)
KNOWN_METHODS = {m for _, methods in GROUPS.values() for m in methods}
NAME_CHARS = string.ascii_letters + string.digits + "_-"


def make_tx(group: str, *, method: str = "", to: str = "1f" * 32, **fields) -> Transaction:
    """A send (token_transfers) or a call of `method` on `group`'s contract."""
    base = {"client_id": CLIENT, "chain_id": CHAIN, "creation_date": NOW, "to_client_id": to}
    if group != "token_transfers":
        contract, methods = GROUPS[group]
        base.update(
            to_client_id=contract,
            transaction_type=TransactionType.SMART_CONTRACT,
            transaction_data=smart_contract_data(method or sorted(methods)[0], {"n": 1}),
        )
    return Transaction(**{**base, **fields})


def decide(case: Case) -> Refusal | None:
    """The whole policy of a co-sign, as the server runs it (the second part inside storage)."""
    refusal = check_transaction(
        case.permissions,
        case.tx,
        now=case.now,
        server_chain_id=CHAIN,
        max_clock_skew=SKEW,
        client_hash=case.client_hash,
    )
    return refusal or check_usage(
        case.permissions, value=transaction_value(case.tx), usage=case.usage
    )


@dataclass
class Case:
    permissions: Permissions
    tx: Transaction
    now: int = NOW
    usage: UsageSummary = UNUSED
    client_hash: str | None = None
    rule: str | None = None  # the rule expected to refuse; None = accepted
    numbers: list[str] = field(default_factory=list)  # what the refusal message must show


# -- generated allowed requests ----------------------------------------------------------------


@st.composite
def allowed_cases(draw) -> Case:
    """A restricted key and a request inside every one of its limits."""
    group = draw(st.sampled_from(sorted(GROUPS)))
    groups = frozenset(draw(st.sets(st.sampled_from(sorted(GROUPS))))) | {group}
    value = draw(SAS)
    to = draw(HEX64)
    recipients = draw(st.none() | st.frozensets(HEX64, max_size=3))
    if recipients is not None and group == "token_transfers":
        recipients |= {to}
    used = draw(SAS)
    count = draw(st.integers(0, 50))
    uses = draw(st.integers(0, 500))
    pinned = draw(st.sampled_from([None, CHAIN, OTHER_CHAIN]))
    not_before = draw(st.none() | st.integers(0, NOW))
    expires_at = draw(st.none() | st.integers(NOW + 1, 2**40))
    permissions = Permissions(
        groups=groups,
        sign_messages=draw(st.booleans()),
        max_per_transaction=draw(st.none() | st.integers(value, 2 * value + 10)),
        period_seconds=draw(st.integers(60, 30 * DAY)),
        max_value_per_period=draw(st.none() | st.integers(used + value, used + 2 * value + 10)),
        max_count_per_period=draw(st.none() | st.integers(count + 1, count + 10)),
        recipients=recipients,
        not_before=not_before,
        expires_at=expires_at,
        max_uses=draw(st.none() | st.integers(uses + 1, uses + 10)),
        chain_id=pinned,
    )
    method = draw(st.sampled_from(sorted(GROUPS[group][1])))
    tx = make_tx(
        group,
        method=method,
        to=to,
        chain_id=pinned or CHAIN,
        creation_date=NOW + draw(st.integers(-SKEW, SKEW)),
        transaction_value=value,
        transaction_nonce=draw(st.integers(0, 10**6)),
    )
    usage = UsageSummary(period_value=used, period_count=count, total_uses=uses)
    client_hash = draw(st.sampled_from([None, tx.hash]))
    return Case(permissions, tx, usage=usage, client_hash=client_hash)


@settings(max_examples=300)
@given(allowed_cases())
def test_generated_allowed_requests_are_accepted(case):
    assert decide(case) is None


# -- generated violations: one limit broken, everything else inside ------------------------------


def _break_hash(draw, case: Case) -> Case:
    sent = draw(
        st.sampled_from(
            [case.tx.hash.upper(), sha3_hex(case.tx.hash), case.tx.hash[:-1] + "x", "", "0" * 64]
        )
    )
    case.client_hash = sent
    case.permissions = replace(case.permissions, unrestricted=draw(st.booleans()))
    return _expect(case, "hash_mismatch", short_id(sent), short_id(case.tx.hash))


def _break_chain(draw, case: Case) -> Case:
    expected = case.permissions.chain_id or CHAIN
    wrong = draw(HEX64.filter(lambda c: c != expected) | st.sampled_from([CHAIN, OTHER_CHAIN]))
    assume(wrong != expected)
    case.tx = replace(case.tx, chain_id=wrong)
    case.permissions = replace(case.permissions, unrestricted=draw(st.booleans()))
    return _expect(case, "chain_id", short_id(wrong), short_id(expected))


def _break_creation_time(draw, case: Case) -> Case:
    off = SKEW + draw(st.integers(1, 10**7))
    off = draw(st.sampled_from([off, -off]))
    case.tx = replace(case.tx, creation_date=NOW + off)
    case.permissions = replace(case.permissions, unrestricted=draw(st.booleans()))
    return _expect(case, "creation_time", f"{abs(off)} s", f"{SKEW} s")


def _break_not_before(draw, case: Case) -> Case:
    start = NOW + draw(st.integers(1, 10**8))
    expires = case.permissions.expires_at
    case.permissions = replace(
        case.permissions,
        not_before=start,
        expires_at=None if expires is None else max(expires, start + 1),
        unrestricted=draw(st.booleans()),
    )
    return _expect(case, "not_yet_valid", format_time(start))


def _break_expiry(draw, case: Case) -> Case:
    end = NOW - draw(st.integers(0, 10**8))
    start = case.permissions.not_before
    case.permissions = replace(
        case.permissions,
        expires_at=end,
        not_before=None if start is None or start >= end else start,
        unrestricted=draw(st.booleans()),
    )
    return _expect(case, "expired", format_time(end))


def _break_group(draw, case: Case) -> Case:
    p = case.permissions
    assume(len(p.groups) < len(GROUPS))
    group = draw(st.sampled_from(sorted(set(GROUPS) - p.groups)))
    method = draw(st.sampled_from(sorted(GROUPS[group][1])))
    case.tx = make_tx(group, method=method, chain_id=case.tx.chain_id, transaction_value=0)
    allowed = [g for g in GROUPS if g in p.groups]
    return _expect(case, "group_not_allowed", group, *allowed)


def _break_method(draw, case: Case) -> Case:
    kind = draw(st.sampled_from(["unknown", "wrong_contract", "transfer_call", "data"]))
    chain = case.tx.chain_id
    common = {"client_id": CLIENT, "chain_id": chain, "creation_date": NOW}
    if kind == "data":
        case.tx = Transaction(**common, transaction_type=TransactionType.DATA, transaction_data="x")
        numbers = ["type 10"]
    else:
        if kind == "unknown":
            method = draw(st.text(NAME_CHARS, min_size=1, max_size=30).filter(
                lambda m: m not in KNOWN_METHODS
            ))  # fmt: skip
            contract = draw(st.sampled_from(CONTRACTS))
        elif kind == "transfer_call":
            method, contract = "transfer", draw(st.sampled_from(CONTRACTS))
        else:
            group = draw(st.sampled_from(sorted(set(GROUPS) - {"token_transfers"})))
            method = draw(st.sampled_from(sorted(GROUPS[group][1])))
            contract = draw(st.sampled_from([*CONTRACTS, "1f" * 32]))
        case.tx = Transaction(
            **common,
            to_client_id=contract,
            transaction_type=TransactionType.SMART_CONTRACT,
            transaction_data=smart_contract_data(method, {}),
        )
        assume(group_of(case.tx) is None)
        numbers = [method]
    return _expect(case, "method_not_allowed", *numbers)


def _break_recipient(draw, case: Case) -> Case:
    listed = draw(st.frozensets(HEX64, max_size=3))
    to = draw(HEX64.filter(lambda r: r not in listed))
    case.permissions = replace(
        case.permissions,
        groups=case.permissions.groups | {"token_transfers"},
        recipients=listed,
    )
    case.tx = make_tx("token_transfers", to=to, chain_id=case.tx.chain_id, transaction_value=0)
    return _expect(case, "recipient_not_allowed", short_id(to))


def _break_per_transaction_cap(draw, case: Case) -> Case:
    cap = draw(SAS)
    value = cap + draw(st.integers(1, 10**12))
    case.permissions = replace(case.permissions, max_per_transaction=cap)
    case.tx = replace(case.tx, transaction_value=value)
    return _expect(case, "per_transaction_cap", format_zcn(value), format_zcn(cap))


def _break_period_value_cap(draw, case: Case) -> Case:
    cap = draw(SAS)
    used = draw(st.integers(0, cap))
    value = cap - used + draw(st.integers(1, 10**12))
    case.permissions = replace(
        case.permissions,
        max_value_per_period=cap,
        max_per_transaction=draw(st.none() | st.integers(value, 2 * value)),
    )
    case.tx = replace(case.tx, transaction_value=value)
    case.usage = replace(case.usage, period_value=used)
    period = format_period(case.permissions.period_seconds)
    numbers = [f"{period} cap", f"{format_amount(used)} of {format_zcn(cap)}", format_zcn(value)]
    return _expect(case, "period_value_cap", *numbers)


def _break_period_count_cap(draw, case: Case) -> Case:
    limit = draw(st.integers(0, 100))
    count = limit + draw(st.integers(0, 5))
    case.permissions = replace(case.permissions, max_count_per_period=limit)
    case.usage = replace(case.usage, period_count=count)
    period = format_period(case.permissions.period_seconds)
    return _expect(case, "period_count_cap", f"{period} limit of {limit}", f"{count} used")


def _break_max_uses(draw, case: Case) -> Case:
    limit = draw(st.integers(0, 1000))
    uses = limit + draw(st.integers(0, 5))
    case.permissions = replace(case.permissions, max_uses=limit)
    case.usage = replace(case.usage, total_uses=uses)
    return _expect(case, "max_uses", f"{limit} use")


def _expect(case: Case, rule: str, *numbers: str) -> Case:
    case.rule, case.numbers = rule, [n for n in numbers if n]
    return case


BREAKERS = {
    "hash_mismatch": _break_hash,
    "chain_id": _break_chain,
    "creation_time": _break_creation_time,
    "not_yet_valid": _break_not_before,
    "expired": _break_expiry,
    "group_not_allowed": _break_group,
    "method_not_allowed": _break_method,
    "recipient_not_allowed": _break_recipient,
    "per_transaction_cap": _break_per_transaction_cap,
    "period_value_cap": _break_period_value_cap,
    "period_count_cap": _break_period_count_cap,
    "max_uses": _break_max_uses,
}


@st.composite
def violations(draw, rule: str | None = None) -> Case:
    case = draw(allowed_cases())
    rule = rule or draw(st.sampled_from(sorted(BREAKERS)))
    case = BREAKERS[rule](draw, case)
    if rule != "hash_mismatch" and case.client_hash is not None:
        case.client_hash = case.tx.hash  # a changed transaction comes with its own hash
    return case


def assert_refused_as_expected(case: Case) -> None:
    refusal = decide(case)
    assert refusal is not None, f"not refused: {case.rule}"
    assert refusal.rule == case.rule, refusal
    for number in case.numbers:
        assert number in refusal.message, (number, refusal.message)
    assert refusal.status == (400 if case.rule == "hash_mismatch" else 403)


def test_at_least_300_generated_violations_are_refused_by_the_expected_rule():
    seen: Counter[str] = Counter()

    @settings(max_examples=420, database=None)
    @given(violations())
    def run(case):
        assert_refused_as_expected(case)
        seen[case.rule] += 1

    run()
    assert sum(seen.values()) >= 300, seen
    assert set(seen) == set(BREAKERS), seen


@pytest.mark.parametrize("rule", sorted(BREAKERS))
@settings(max_examples=25)
@given(data=st.data())
def test_each_rule_refuses_with_its_numbers(rule, data):
    assert_refused_as_expected(data.draw(violations(rule)))


# -- the spec's examples, word for word --------------------------------------------------------

DELEGATE = Permissions(
    groups=frozenset({"token_transfers"}),
    max_per_transaction=ZCN,
    max_value_per_period=2 * ZCN,
    expires_at=1_796_126_400,  # 2026-12-01 12:00 UTC
)


def test_must_show_delegate_two_sends_then_the_24h_cap():
    tx = make_tx("token_transfers", transaction_value=ZCN)
    usage = UNUSED
    for _ in range(2):
        assert decide(Case(DELEGATE, tx, usage=usage)) is None
        usage = UsageSummary(usage.period_value + ZCN, usage.period_count + 1, usage.total_uses + 1)
    refusal = decide(Case(DELEGATE, tx, usage=usage))
    assert refusal == Refusal(
        "period_value_cap", "over the 24 h cap: 2 of 2 ZCN used, this request needs 1 ZCN"
    )
    storage = make_tx("allocation_storage_operations", method="new_allocation_request")
    assert decide(Case(DELEGATE, storage)) == Refusal(
        "group_not_allowed",
        "allocation_storage_operations is not allowed for this key (allowed: token_transfers)",
    )
    over = make_tx("token_transfers", transaction_value=15 * ZCN // 10)
    assert decide(Case(DELEGATE, over)).message == "1.5 ZCN is over the 1 ZCN per-transaction cap"
    spent = UsageSummary(0, 0, 3)
    assert check_usage(replace(DELEGATE, max_uses=3), value=0, usage=spent) == Refusal(
        "max_uses", "all 3 uses of this key are spent"
    )


def test_unrestricted_skips_groups_caps_recipients_and_counts_only():
    owner = replace(DELEGATE, unrestricted=True, recipients=frozenset({"ee" * 32}), max_uses=0)
    data_tx = Transaction(
        client_id=CLIENT, chain_id=CHAIN, creation_date=NOW,
        transaction_type=TransactionType.DATA, transaction_data="memo",
    )  # fmt: skip
    odd_call = Transaction(
        client_id=CLIENT, chain_id=CHAIN, creation_date=NOW, to_client_id=STORAGE_SC_ADDRESS,
        transaction_type=TransactionType.SMART_CONTRACT,
        transaction_data=smart_contract_data("anything", {}), transaction_value=10**15,
    )  # fmt: skip
    huge = UsageSummary(10**18, 10**6, 10**6)
    for tx in (data_tx, odd_call, make_tx("token_transfers", transaction_value=10**15)):
        assert decide(Case(owner, tx, usage=huge)) is None
        assert decide(Case(DELEGATE, tx)) is not None
    assert decide(Case(DELEGATE, data_tx)).rule == "method_not_allowed"
    assert "type 10" in decide(Case(DELEGATE, data_tx)).message


def test_a_method_name_is_quoted_and_bounded_in_the_message():
    name = "x\u202e\n" + "a" * 200
    tx = Transaction(
        client_id=CLIENT, chain_id=CHAIN, creation_date=NOW, to_client_id=MINER_SC_ADDRESS,
        transaction_type=TransactionType.SMART_CONTRACT,
        transaction_data=smart_contract_data(name, {}),
    )  # fmt: skip
    message = decide(Case(DELEGATE, tx)).message
    assert "\n" not in message and "\u202e" not in message and len(message) < 200
    assert "the miner contract" in message


def test_pinned_chain_overrides_the_servers_and_names_both():
    pinned = replace(DELEGATE, chain_id=OTHER_CHAIN)
    assert decide(Case(pinned, make_tx("token_transfers", chain_id=OTHER_CHAIN))) is None
    refusal = decide(Case(pinned, make_tx("token_transfers")))
    assert refusal.rule == "chain_id" and "pinned" in refusal.message
    assert short_id(CHAIN) in refusal.message and short_id(OTHER_CHAIN) in refusal.message


def test_window_boundaries_match_split_status():
    p = replace(DELEGATE, not_before=NOW - 10, expires_at=NOW + 10)
    tx = make_tx("token_transfers")
    assert decide(Case(p, tx, now=NOW - 10)) is None  # valid from not_before on
    assert decide(Case(p, tx, now=NOW - 11)).rule == "not_yet_valid"
    assert decide(Case(p, tx, now=NOW + 9)) is None
    assert decide(Case(p, tx, now=NOW + 10)).rule == "expired"  # expired at expires_at
    assert decide(Case(p, tx, now=NOW + SKEW + 1)).rule == "creation_time"


def test_period_caps_edges():
    p = replace(DELEGATE, max_count_per_period=2, period_seconds=5400)
    assert check_usage(p, value=ZCN, usage=UsageSummary(ZCN, 1, 1)) is None  # exactly at cap
    assert check_usage(p, value=1, usage=UsageSummary(2 * ZCN, 1, 1)).message == (
        "over the 90 min cap: 2 of 2 ZCN used, this request needs 0.0000000001 ZCN"
    )
    # a message (value 0) still fits a full value cap but counts against the count cap
    assert check_usage(p, value=0, usage=UsageSummary(2 * ZCN, 1, 1)) is None
    assert check_usage(p, value=0, usage=UsageSummary(0, 2, 2)) == Refusal(
        "period_count_cap", "over the 90 min limit of 2 signatures: 2 used"
    )
    assert check_usage(replace(p, max_uses=1), value=0, usage=UsageSummary(0, 0, 1)).message == (
        "the 1 use of this key is spent"
    )


# -- tightening keeps every refusal --------------------------------------------------------------


@st.composite
def tightened(draw, wide: Permissions) -> Permissions:
    def cap(value, top=10**15):
        return draw(st.integers(0, top if value is None else value) | st.just(value))

    period_caps = (wide.max_value_per_period, wide.max_count_per_period) != (None, None)
    try:
        return Permissions(
            groups=frozenset(draw(st.sets(st.sampled_from(sorted(wide.groups)))))
            if wide.groups
            else frozenset(),
            sign_messages=wide.sign_messages and draw(st.booleans()),
            max_per_transaction=cap(wide.max_per_transaction),
            period_seconds=draw(st.integers(wide.period_seconds if period_caps else 60, 10**8)),
            max_value_per_period=cap(wide.max_value_per_period),
            max_count_per_period=cap(wide.max_count_per_period, 1000),
            recipients=draw(
                st.frozensets(HEX64, max_size=3) | st.none()
                if wide.recipients is None
                else st.frozensets(st.sampled_from(sorted(wide.recipients) or ["ee" * 32])).map(
                    lambda r: r & wide.recipients
                )
            ),
            not_before=draw(st.integers(wide.not_before or 0, 2**40) | st.just(wide.not_before)),
            expires_at=draw(st.integers(0, wide.expires_at or 2**41) | st.just(wide.expires_at)),
            max_uses=cap(wide.max_uses),
            unrestricted=wide.unrestricted and draw(st.booleans()),
            chain_id=wide.chain_id,
        )
    except PermissionsError:
        assume(False)


@st.composite
def any_request(draw) -> tuple[Transaction, int]:
    group = draw(st.sampled_from([*sorted(GROUPS), None]))
    common = {
        "client_id": CLIENT,
        "chain_id": draw(st.sampled_from([CHAIN, OTHER_CHAIN])),
        "creation_date": NOW + draw(st.integers(-2 * SKEW, 2 * SKEW)),
        "transaction_value": draw(SAS),
    }
    if group is None:
        tx = Transaction(**common, transaction_type=TransactionType.DATA)
    else:
        method = draw(st.sampled_from(sorted(GROUPS[group][1])))
        tx = make_tx(group, method=method, to=draw(HEX64), **common)
    return tx, draw(st.integers(0, 2**40))


@settings(max_examples=300)
@given(wide=permissions_st(), data=st.data())
def test_whatever_a_tightened_key_signs_the_original_signs_too(wide, data):
    narrow = data.draw(tightened(wide))
    assert narrow.is_within(wide)
    tx, now = data.draw(any_request())
    # the narrow key's window is at least as long, so it has seen at least as much use
    usage = UsageSummary(*(data.draw(st.integers(0, 10**15)) for _ in range(3)))
    less = UsageSummary(*(data.draw(st.integers(0, u)) for u in (
        usage.period_value, usage.period_count, usage.total_uses
    )))  # fmt: skip
    if decide(Case(narrow, tx, now=now, usage=usage)) is None:
        assert decide(Case(wide, tx, now=now, usage=less)) is None
    preimage = data.draw(st.sampled_from(["hello", tx.hash_data]))
    if check_message(narrow, preimage=preimage, now=now) is None:
        assert check_message(wide, preimage=preimage, now=now) is None


# -- messages ------------------------------------------------------------------------------------

MESSAGES_OK = Permissions(sign_messages=True)
PUBLIC_KEY = load_vectors()["public_keys"][0]["public_key"]


def real_transactions(n: int = 60) -> list[Transaction]:
    rng = random.Random(2024)
    out = []
    for i in range(n):
        kind = [TransactionType.SEND, TransactionType.SMART_CONTRACT, TransactionType.DATA][i % 3]
        fields = {
            "client_id": rng.randbytes(32).hex(),
            "chain_id": CHAIN,
            "creation_date": rng.randrange(1, 2**40),
            "transaction_nonce": rng.randrange(0, 2**20),
            "transaction_value": rng.choice([0, 1, ZCN, rng.randrange(2**62)]),
            "transaction_type": kind,
        }
        if kind == TransactionType.SMART_CONTRACT:
            group = rng.choice(sorted(set(GROUPS) - {"token_transfers"}))
            contract, methods = GROUPS[group]
            fields["to_client_id"] = contract
            fields["transaction_data"] = smart_contract_data(rng.choice(sorted(methods)), {"i": i})
        elif kind == TransactionType.SEND:
            fields["to_client_id"] = rng.randbytes(32).hex()
            fields["transaction_data"] = rng.choice(["", "rent", "{}"])
        else:
            fields["to_client_id"] = rng.choice(["", rng.randbytes(32).hex()])
            fields["transaction_data"] = f"note {i}"
        out.append(Transaction(**fields))
    return out


def old_layout(tx: Transaction) -> str:
    """hash_data before nonces (gosdk 2019): creation_date:client:to:value:sha3(data)."""
    return (
        f"{tx.creation_date}:{tx.client_id}:{tx.to_client_id}:{tx.transaction_value}:"
        f"{sha3_hex(tx.transaction_data)}"
    )


def transaction_shaped_messages() -> list[str]:
    vector = load_vectors()["transaction_hash"]
    vector_data = vector["hash_data"].replace(
        "<sha3hex(transaction_data)>", sha3_hex(vector["transaction_data"])
    )
    assert sha3_hex(vector_data) == vector["hash"]  # the older layout is a real signed hash
    out = [vector_data, vector["hash"]]
    for tx in real_transactions():
        assert sha3_hex(tx.hash_data) == tx.hash  # signing sha3(message) would sign tx
        out += [tx.hash_data, old_layout(tx), tx.hash, tx.hash.upper()]
    return out


def test_at_least_50_transaction_hash_data_and_hashes_are_refused_as_messages():
    shaped = transaction_shaped_messages()
    assert len(shaped) >= 50 * 4
    for preimage in shaped:
        refusal = check_message(MESSAGES_OK, preimage=preimage, now=NOW)
        assert refusal is not None and refusal.rule == "looks_like_transaction", preimage
        # even the owner's unrestricted key: the message route is never a transaction route
        assert check_message(Permissions.unlimited(), preimage=preimage, now=NOW).rule == (
            "looks_like_transaction"
        )


@settings(max_examples=200)
@given(
    client_id=HEX64 | st.text("0123456789", min_size=64, max_size=64),
    user_id=st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=40),
    client_key=st.sampled_from([PUBLIC_KEY, "0" * 128])
    | st.text("0123456789abcdef", min_size=128, max_size=128),
)
def test_0box_auth_messages_are_not_mistaken_for_transactions(client_id, user_id, client_key):
    message = f"{client_id}:{user_id}:{client_key}"  # hex64:text:hex128
    assert not looks_like_transaction(message)
    assert check_message(MESSAGES_OK, preimage=message, now=NOW) is None


@pytest.mark.parametrize(
    "message",
    [
        "hello",
        "",
        '{"action":"login","ts":1780000000}',
        "sign in to 0box at 1780000000",
        "a" * 63,
        "a" * 65,
        "1780000000:" + "ab" * 32,
        "1780000000:1:" + "ab" * 32,  # too few fields for either layout
        "1780000000:1:" + "ab" * 32 + "::5:" + "cd" * 31,  # data hash one byte short
        "1780000000:1:" + "ab" * 32 + "::5:" + "cd" * 32 + "\n",  # sha3 differs from the tx's
        "x1780000000:1:" + "ab" * 32 + "::5:" + "cd" * 32,
        "١٧٨:1:" + "ab" * 32 + "::5:" + "cd" * 32,  # non-ASCII digits are not Go's
    ],
)
def test_ordinary_messages_are_accepted(message):
    assert check_message(MESSAGES_OK, preimage=message, now=NOW) is None


def test_message_permission_and_window():
    assert check_message(Permissions(), preimage="hello", now=NOW) == Refusal(
        "messages_not_allowed", "this key may not sign messages"
    )
    assert check_message(Permissions.unlimited(), preimage="hello", now=NOW) is None
    late = replace(MESSAGES_OK, expires_at=NOW)
    assert check_message(late, preimage="hello", now=NOW).rule == "expired"
    early = replace(MESSAGES_OK, not_before=NOW + 1)
    assert check_message(early, preimage="hello", now=NOW).rule == "not_yet_valid"


# -- words ---------------------------------------------------------------------------------------


@given(st.integers(-(10**20), 10**20))
def test_zcn_formatting_is_exact(sas):
    expected = format(Decimal(sas).scaleb(-10).normalize(), "f")
    assert format_amount(sas) == expected
    assert format_zcn(sas) == expected + " ZCN"


def test_formatting_examples():
    assert [format_zcn(v) for v in (0, 1, ZCN, 15 * ZCN // 10, 32 * ZCN // 10, 10**13)] == [
        "0 ZCN", "0.0000000001 ZCN", "1 ZCN", "1.5 ZCN", "3.2 ZCN", "1000 ZCN",
    ]  # fmt: skip
    assert [format_period(s) for s in (60, 5400, 3600, DAY, 2 * DAY, 7 * DAY, 36 * 3600, 61)] == [
        "1 min", "90 min", "1 h", "24 h", "2 d", "7 d", "36 h", "61 s",
    ]  # fmt: skip
    assert format_time(1_796_126_400) == "2026-12-01 12:00 UTC"
    assert format_time(1_796_126_407) == "2026-12-01 12:00:07 UTC"
    assert format_day(1_796_126_400) == "1 Dec 2026"
    # permissions take any int64 time; words past year 9999 must not crash a refusal
    assert format_time(2**62) == format_day(2**62) == f"unix time {2**62}"
    far = replace(DELEGATE, not_before=2**62 - 1, expires_at=2**62)
    assert decide(Case(far, make_tx("token_transfers"))).message == (
        f"this key is not valid before unix time {2**62 - 1}"
    )
    assert "unix time" in worst_case(far) and describe(far)


def test_describe_the_delegate():
    lines = describe(replace(DELEGATE, recipients=frozenset({"ab12" * 16}), max_uses=10))
    assert lines == [
        "Can send tokens",
        "Cannot sign messages",
        "At most 1 ZCN per transaction",
        "At most 2 ZCN per 24 h",
        f"Only to: {short_id('ab12' * 16)}",
        "At most 10 uses in total",
        "Expires 2026-12-01 12:00 UTC",
    ]


def test_describe_other_keys():
    assert describe(Permissions()) == [
        "Cannot sign any transaction", "Cannot sign messages", "Never expires",
    ]  # fmt: skip
    lines = describe(
        Permissions(
            groups=frozenset({"token_transfers", "storage_rewards"}),
            sign_messages=True,
            max_count_per_period=5,
            period_seconds=7 * DAY,
            recipients=frozenset(),
            not_before=1_796_126_400,
            chain_id=CHAIN,
        )
    )
    assert lines == [
        "Can send tokens",
        "Can collect storage rewards and stake",
        "Can sign messages",
        "No limit per transaction",
        "No limit on the amount per 7 d",
        "At most 5 signatures per 7 d",
        "Cannot send to anyone: the recipient list is empty",
        "Valid from 2026-12-01 12:00 UTC",
        "Never expires",
        f"Only on chain {short_id(CHAIN)} (signed only for it; a signature is valid on every "
        "chain)",
    ]
    assert describe(Permissions.unlimited())[0].startswith("Unrestricted")


def test_worst_case_sentences():
    key = replace(DELEGATE, max_uses=10)
    assert worst_case(key) == (
        "In the worst case this key can move 2 ZCN every 24 h until 1 Dec 2026, "
        "at most 10 ZCN in total."
    )
    # three days before expiry: three rolling windows of 2 ZCN
    assert worst_case(key, now=DELEGATE.expires_at - 3 * DAY).endswith("at most 6 ZCN in total.")
    assert worst_case(key, now=DELEGATE.expires_at) == (
        "This key has expired: it can no longer move tokens."
    )
    assert worst_case(replace(DELEGATE, expires_at=None)) == (
        "In the worst case this key can move 2 ZCN every 24 h, with no end date and no limit "
        "in total."
    )
    anything = Permissions(groups=frozenset({"token_transfers"}))
    assert "no limit per transaction or per period" in worst_case(anything)
    assert "no limit in total" in worst_case(anything)
    per_tx = Permissions(groups=frozenset({"token_transfers"}), max_per_transaction=ZCN)
    assert worst_case(per_tx).startswith(
        "In the worst case this key can move 1 ZCN per transaction"
    )
    assert worst_case(replace(per_tx, max_uses=4)) == (
        "In the worst case this key can move 1 ZCN per transaction, with no end date, "
        "at most 4 ZCN in total."
    )
    many = frozenset(f"{i:064x}" for i in range(7))
    assert describe(replace(per_tx, recipients=many))[-2].endswith("and 2 more")
    counted = replace(per_tx, max_count_per_period=3)
    assert "3 ZCN every 24 h" in worst_case(counted)
    assert "every token in the wallet" in worst_case(Permissions.unlimited())
    for nothing in (
        Permissions(),
        replace(DELEGATE, max_per_transaction=0),
        replace(DELEGATE, max_uses=0),
        replace(DELEGATE, recipients=frozenset()),  # sends only, to nobody
    ):
        assert worst_case(nothing) == "This key cannot move tokens."


@settings(max_examples=150)
@given(
    per_tx=st.none() | st.integers(1, 5 * ZCN),
    period_cap=st.none() | st.integers(0, 12 * ZCN),
    count=st.none() | st.integers(0, 6),
    max_uses=st.none() | st.integers(0, 40),
    period=st.integers(60, 5000),
    periods=st.integers(1, 8),
    step_div=st.integers(1, 4),
)
def test_worst_case_bounds_hold_against_a_greedy_spender(
    per_tx, period_cap, count, max_uses, period, periods, step_div
):
    """Spend as much as the policy lets through, as often as possible; never beat the bound."""
    p = Permissions(
        groups=frozenset({"token_transfers"}), max_per_transaction=per_tx, period_seconds=period,
        max_value_per_period=period_cap, max_count_per_period=count, max_uses=max_uses,
        expires_at=NOW + periods * period - step_div,
    )  # fmt: skip
    rate, total = worst_case_bounds(p, now=NOW)
    spent: list[tuple[int, int]] = []
    step = max(1, period // step_div)
    for t in range(NOW, p.expires_at + 2 * period, step):
        recent = [v for when, v in spent if when > t - period]  # rolling window (t - P, t]
        usage = UsageSummary(sum(recent), len(recent), len(spent))
        room = min(
            x for x in (per_tx, None if period_cap is None else period_cap - sum(recent), 10**13)
            if x is not None
        )  # fmt: skip
        tx = make_tx("token_transfers", creation_date=t, transaction_value=max(room, 0))
        if decide(Case(p, tx, now=t, usage=usage)) is None:
            spent.append((t, tx.transaction_value))
    if rate is not None:
        for t, _ in spent:
            assert sum(v for when, v in spent if t <= when < t + period) <= rate
    if total is not None:
        assert sum(v for _, v in spent) <= total
