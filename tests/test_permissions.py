"""The permission model: JSON round trip, refusal of unknown or malformed fields (named in the
message), tightening (is_within), and 0Chain's method groups."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.permissions import (
    GROUP_TITLES,
    GROUPS,
    Permissions,
    PermissionsError,
    group_of,
    method_of,
)
from app.transaction import (
    FAUCET_SC_ADDRESS,
    MINER_SC_ADDRESS,
    STORAGE_SC_ADDRESS,
    ZCN_SC_ADDRESS,
    Transaction,
    TransactionType,
    smart_contract_data,
)
from tests.strategies import permissions_st

CLIENT = "c1" * 32
CHAIN = "0afc093ffb509f059c55478bc1a60351cef7b4e9c008a53a6cc8241ca8617dfe"
FIELDS = set(Permissions.__dataclass_fields__)

# 0Chain's groups as spec/cosigner.md lists them, with the contract each method lives on:
# an oracle written out by hand, not derived from app/permissions.py.
SPEC_GROUPS = {
    "token_transfers": (None, {"transfer"}),
    "allocation_file_operations": (STORAGE_SC_ADDRESS, {"read_redeem", "commit_connection"}),
    "allocation_storage_operations": (
        STORAGE_SC_ADDRESS,
        {
            "new_allocation_request",
            "update_allocation_request",
            "finalize_allocation",
            "cancel_allocation",
            "add_free_storage_assigner",
            "free_allocation_request",
        },
    ),
    "allocation_token_operations": (
        STORAGE_SC_ADDRESS,
        {"read_pool_lock", "read_pool_unlock", "write_pool_lock"},
    ),
    "storage_rewards": (
        STORAGE_SC_ADDRESS,
        {"collect_reward", "stake_pool_lock", "stake_pool_unlock"},
    ),
    "storage_operations": (
        STORAGE_SC_ADDRESS,
        {"challenge_response", "add_validator", "add_blobber", "blobber_health_check",
         "validator_health_check"},
    ),
    "storage_management": (
        STORAGE_SC_ADDRESS,
        {"kill_blobber", "kill_validator", "shutdown_blobber", "shutdown_validator",
         "update_blobber_settings", "update_validator_settings"},
    ),
    "miner_operations": (
        MINER_SC_ADDRESS,
        {"add_miner", "add_sharder", "miner_health_check", "sharder_health_check",
         "contributeMpk", "shareSignsOrShares", "wait", "sharder_keep"},
    ),
    "miner_management_operations": (
        MINER_SC_ADDRESS,
        {"delete_miner", "delete_sharder", "update_miner_settings", "kill_miner", "kill_sharder"},
    ),
    "miner_financial_operations": (
        MINER_SC_ADDRESS,
        {"addToDelegatePool", "deleteFromDelegatePool", "collect_reward"},
    ),
    "token_bridging": (ZCN_SC_ADDRESS, {"mint", "burn"}),
    "authorizer_management_operations": (ZCN_SC_ADDRESS, {"delete-authorizer"}),
    "authorizer_operations": (
        ZCN_SC_ADDRESS,
        {"add-authorizer", "authorizer-health-check", "add-to-delegate-pool",
         "delete-from-delegate-pool"},
    ),
}  # fmt: skip


def call(contract: str, method: str, value: int = 0) -> Transaction:
    return Transaction(
        client_id=CLIENT,
        chain_id=CHAIN,
        creation_date=1_700_000_000,
        to_client_id=contract,
        transaction_type=TransactionType.SMART_CONTRACT,
        transaction_data=smart_contract_data(method, {}),
        transaction_value=value,
    )


def send(to: str = "1f" * 32, value: int = 1) -> Transaction:
    return Transaction(
        client_id=CLIENT, chain_id=CHAIN, creation_date=1_700_000_000, to_client_id=to,
        transaction_value=value,
    )  # fmt: skip


# -- a generator of valid permissions, shared with the policy tests -----------------------------

# -- JSON ----------------------------------------------------------------------------------------


@given(permissions_st())
def test_dict_and_json_round_trip(p):
    data = p.to_dict()
    assert set(data) == FIELDS
    assert Permissions.from_dict(data) == p
    assert Permissions.from_dict(json.loads(json.dumps(data))) == p
    assert data["groups"] == sorted(p.groups)


def test_defaults_deny_everything():
    p = Permissions.from_dict({})
    assert p.groups == frozenset() and not p.sign_messages and not p.unrestricted
    assert p.period_seconds == 86_400


@given(
    permissions_st(),
    st.text(min_size=1, max_size=20).filter(lambda name: name not in FIELDS),
)
def test_unknown_field_is_refused_by_name(p, name):
    data = {**p.to_dict(), name: 1}
    with pytest.raises(PermissionsError, match="unknown permission field") as caught:
        Permissions.from_dict(data)
    assert name in str(caught.value)


@given(st.text(min_size=1, max_size=30).filter(lambda name: name not in GROUPS))
def test_unknown_group_is_refused_by_name(name):
    with pytest.raises(PermissionsError, match="unknown permission group") as caught:
        Permissions.from_dict({"groups": ["token_transfers", name]})
    assert name in str(caught.value)


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ([], "JSON object"),
        ({"groups": "token_transfers"}, "groups"),
        ({"groups": [1]}, "groups"),
        ({"recipients": "1f" * 32}, "recipients"),
        ({"recipients": ["1F" * 32]}, "1F1F"),  # never equal to a lowercase client id
        ({"recipients": ["bob"]}, "bob"),
        ({"sign_messages": "yes"}, "sign_messages"),
        ({"unrestricted": 1}, "unrestricted"),
        ({"chain_id": 7}, "chain_id"),
        ({"chain_id": "main"}, "chain_id"),
        ({"max_per_transaction": -1}, "max_per_transaction"),
        ({"max_per_transaction": True}, "max_per_transaction"),
        ({"max_value_per_period": "5"}, "max_value_per_period"),
        ({"max_count_per_period": 1.5}, "max_count_per_period"),
        ({"max_uses": -2}, "max_uses"),
        ({"period_seconds": 59}, "period_seconds"),
        ({"not_before": "2026"}, "not_before"),
        ({"not_before": 10, "expires_at": 10}, "expires_at"),
        ({"not_before": 0, "expires_at": 0}, "expires_at"),  # 0 is a time, not "unset"
    ],
)
def test_malformed_fields_are_refused_by_name(data, named):
    with pytest.raises(PermissionsError) as caught:
        Permissions.from_dict(data)
    assert named in str(caught.value)


# -- tightening ----------------------------------------------------------------------------------


@given(permissions_st())
def test_a_key_is_within_itself_and_within_unlimited(p):
    assert p.is_within(p)
    # unlimited is not raw hashes: those are granted only explicitly
    assert p.is_within(Permissions.unlimited()) == (p.chain_id is None and not p.sign_raw_hashes)


@given(permissions_st(unrestricted=False), st.data())
def test_each_loosening_leaves_the_original(p, data):
    """Widening any single limit of a restricted key makes it no longer within the original."""
    loosened = []
    if len(p.groups) < len(GROUPS):
        extra = data.draw(st.sampled_from(sorted(set(GROUPS) - p.groups)))
        loosened.append({"groups": p.groups | {extra}})
    if not p.sign_messages:
        loosened.append({"sign_messages": True})
    if not p.sign_raw_hashes:
        loosened.append({"sign_raw_hashes": True})
    for cap in ("max_per_transaction", "max_value_per_period", "max_count_per_period", "max_uses"):
        if getattr(p, cap) is not None:
            loosened += [{cap: None}, {cap: getattr(p, cap) + 1}]
    if p.max_value_per_period is not None or p.max_count_per_period is not None:
        if p.period_seconds > 60:
            loosened.append({"period_seconds": p.period_seconds - 1})
    if p.recipients is not None:
        loosened.append({"recipients": None})
        if "ee" * 32 not in p.recipients:
            loosened.append({"recipients": p.recipients | {"ee" * 32}})
    if p.expires_at is not None:
        loosened += [{"expires_at": None}, {"expires_at": p.expires_at + 1}]
    if p.not_before is not None:
        loosened.append({"not_before": None})
        if p.not_before > 0:
            loosened.append({"not_before": p.not_before - 1})
    if p.chain_id is not None:
        loosened.append({"chain_id": None})
    loosened.append({"unrestricted": True})
    for change in loosened:
        wider = Permissions.from_dict({**p.to_dict(), **_as_json(change)})
        assert not wider.is_within(p), change


def _as_json(change: dict) -> dict:
    return {k: sorted(v) if isinstance(v, frozenset) else v for k, v in change.items()}


def test_is_within_cases():
    day = Permissions(
        groups=frozenset({"token_transfers"}), max_value_per_period=2, period_seconds=86_400
    )
    hour = Permissions(
        groups=frozenset({"token_transfers"}), max_value_per_period=2, period_seconds=3600
    )
    week = Permissions(
        groups=frozenset({"token_transfers"}), max_value_per_period=2, period_seconds=604_800
    )
    assert not hour.is_within(day)  # 2 per hour is 48 per day
    assert week.is_within(day)
    listed = Permissions(groups=frozenset({"token_transfers"}), recipients=frozenset({"1f" * 32}))
    anyone = Permissions(groups=frozenset({"token_transfers"}))
    assert listed.is_within(anyone) and not anyone.is_within(listed)
    assert Permissions(recipients=frozenset()).is_within(listed)
    # no pin means "the server's chain": a pin to some chain is a change either way
    pinned = Permissions(chain_id=CHAIN)
    assert not pinned.is_within(Permissions()) and not Permissions().is_within(pinned)
    assert pinned.is_within(Permissions(chain_id=CHAIN))
    # an unrestricted key with an expiry: a tightening keeps the expiry
    owner = Permissions(groups=frozenset(GROUPS), unrestricted=True, expires_at=2_000_000_000)
    assert Permissions(expires_at=1_999_999_999).is_within(owner)
    assert not Permissions().is_within(owner)
    assert not Permissions.unlimited().is_within(owner)
    assert owner.is_within(Permissions.unlimited())
    assert not Permissions.unlimited().is_within(Permissions(groups=frozenset(GROUPS)))


# -- 0Chain's groups ----------------------------------------------------------------------------


def test_groups_are_the_spec_groups():
    assert {name: (contract, set(methods)) for name, (contract, methods) in GROUPS.items()} == (
        SPEC_GROUPS
    )
    assert set(GROUP_TITLES) == set(GROUPS)


@pytest.mark.parametrize(
    ("group", "contract", "method"),
    [
        (group, contract, method)
        for group, (contract, methods) in SPEC_GROUPS.items()
        if contract is not None
        for method in sorted(methods)
    ],
)
def test_every_method_maps_to_its_group_on_its_contract(group, contract, method):
    assert group_of(call(contract, method)) == group
    assert method_of(call(contract, method)) == (contract, method)
    for other in (
        STORAGE_SC_ADDRESS,
        MINER_SC_ADDRESS,
        ZCN_SC_ADDRESS,
        FAUCET_SC_ADDRESS,
        "1f" * 32,
    ):
        if other != contract and not (method == "collect_reward" and other in (
            STORAGE_SC_ADDRESS, MINER_SC_ADDRESS
        )):  # fmt: skip
            assert group_of(call(other, method)) is None, other


def test_collect_reward_depends_on_the_contract():
    assert group_of(call(STORAGE_SC_ADDRESS, "collect_reward")) == "storage_rewards"
    assert group_of(call(MINER_SC_ADDRESS, "collect_reward")) == "miner_financial_operations"
    assert group_of(call(ZCN_SC_ADDRESS, "collect_reward")) is None


def test_sends_are_token_transfers_and_nothing_else_is():
    assert group_of(send()) == "token_transfers"
    assert method_of(send()) == ("", "transfer")
    # no contract has a "transfer" method: such a call is in no group, even with a value
    for contract in (STORAGE_SC_ADDRESS, MINER_SC_ADDRESS, ZCN_SC_ADDRESS, FAUCET_SC_ADDRESS):
        assert group_of(call(contract, "transfer", value=5)) is None
    assert group_of(call(FAUCET_SC_ADDRESS, "pour")) is None
    assert group_of(call(STORAGE_SC_ADDRESS, "New_Allocation_Request")) is None  # exact names


def test_data_transactions_are_in_no_group():
    data = Transaction(
        client_id=CLIENT, chain_id=CHAIN, creation_date=1_700_000_000,
        transaction_type=TransactionType.DATA, transaction_data="note",
    )  # fmt: skip
    assert group_of(data) is None
    assert method_of(data) == ("", "data")


def test_raw_hashes_are_explicit_and_worded_as_unrestricted():
    from app.policy_words import RAW_HASHES_LINE, describe, worst_case

    raw = Permissions.from_dict({"groups": [], "sign_raw_hashes": True})
    assert raw.sign_raw_hashes and not Permissions.unlimited().sign_raw_hashes
    assert not raw.is_within(Permissions.unlimited())
    assert "as powerful as an unrestricted key" in worst_case(raw)
    assert RAW_HASHES_LINE in describe(raw)
    with pytest.raises(PermissionsError, match="sign_raw_hashes"):
        Permissions.from_dict({"sign_raw_hashes": 1})
