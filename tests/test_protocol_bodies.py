"""app/protocol/bodies.py, the contract both sides share: each body reads back what it writes,
refuses a wrong type or a missing field by naming it, and keeps secrets out of its repr."""

from __future__ import annotations

import pytest

from app.permissions import Permissions
from app.protocol import bodies
from app.protocol.bodies import WireError

USER = bodies.UserView("u_1", "alice", "local", "user", True)
WALLET = bodies.WalletView("c" * 64, "ab" * 48, "u_1", 1_780_000_000, last_nonce=7)
SPLIT = bodies.SplitView(
    id="sp_1",
    client_id="c" * 64,
    holder_id=None,
    label="laptop",
    share_public_key="cd" * 48,
    permissions=Permissions(groups=frozenset({"token_transfers"}), max_per_transaction=10**10),
    status="active",
    uses=0,
    last_used=None,
    created_at=1_780_000_000,
)
DELEGATION = bodies.DelegationRequest("sp_0", "0f" * 32, "ef" * 48, "aa" * 48)

EXAMPLES = [
    bodies.CodeRequest("ABCDE-FGHIJ"),
    bodies.ProofRequest("sp_1", "ch", "sig"),
    bodies.CreateWalletRequest(mnemonic="abandon " * 23 + "art"),
    bodies.CreateWalletRequest(
        keyless=bodies.KeylessWalletRequest("ab" * 48, "01" * 32, "cd" * 48, "ee" * 48)
    ),
    bodies.CreateSplitRequest("laptop", "code", SPLIT.permissions, DELEGATION),
    bodies.CreateSplitRequest(),
    bodies.PermissionsRequest(Permissions(unrestricted=True)),
    bodies.CreateUserRequest("bob", "admin"),
    bodies.WhoAmI(USER, None),
    bodies.NewUser(USER, "ABCDE-FGHIJ"),
    bodies.WalletList(owned=[WALLET], shared=[]),
    bodies.CreatedWalletAnswer(WALLET, mnemonic="words", split=SPLIT),
    bodies.NewSplitAnswer(SPLIT, "LOCAT-ORXXX", 86_400),
    bodies.SplitList([SPLIT, SPLIT]),
    bodies.EnrollmentHalf("ABCDE", "ref", 1_780_000_000, "ask the owner"),
    bodies.AuditRecords([{"seq": 1, "event": "wallet_created"}]),
    bodies.AuditVerifyReport(True, 3, head=[3, "mac"]),
    bodies.Stats(1, 1, {"active": 1}, 0, 0),
    bodies.Readiness(False, {"unsealed": False}),
]


@pytest.mark.parametrize("body", EXAMPLES, ids=lambda b: type(b).__name__)
def test_a_body_reads_back_what_it_writes(body):
    assert type(body).from_dict(body.to_dict()) == body


def test_an_absent_optional_field_is_left_out_unless_it_is_kept_as_null():
    assert bodies.CreatedWalletAnswer(WALLET).to_dict().keys() == {"wallet"}
    assert bodies.WhoAmI(USER).to_dict()["split"] is None  # a client reads "not scoped"


@pytest.mark.parametrize(
    ("body", "data", "field"),
    [
        (bodies.FreezeRequest, {"frozen": 1}, "frozen"),  # bool is not an int, nor the reverse
        (bodies.Stats, {"users": True, "wallets": 1, "splits": {}, "cosigns": 0,
                        "crypto_queue": 0}, "users"),
        (bodies.ProofRequest, {"split_id": "sp", "challenge": "c"}, "signature"),
        (bodies.SplitList, {"splits": [{"id": "sp"}]}, "client_id"),
        (bodies.UserList, {"users": ["u_1"]}, "users"),
        (bodies.CreateSplitRequest, {"permissions": {"max_uses": -1}}, "permissions"),
        (bodies.CreateWalletRequest, {"keyless": "yes"}, "keyless"),
        (bodies.SignMessageRequest, {"split_id": "s", "request_id": "short", "message": "m",
                                     "signature": "s"}, "request_id"),
    ],
)  # fmt: skip
def test_a_wrong_body_names_its_field(body, data, field):
    with pytest.raises(WireError) as refused:
        body.from_dict(data)
    assert refused.value.field == field


def test_a_body_that_is_not_an_object_is_refused():
    with pytest.raises(WireError, match="must be a JSON object"):
        bodies.CodeRequest.from_dict(["code"])


def test_secrets_stay_out_of_repr():
    for body, secret in [
        (bodies.CodeRequest("ABCDE-SECRET"), "ABCDE-SECRET"),
        (bodies.NewUser(USER, "ENROL-SECRET"), "ENROL-SECRET"),
        (bodies.CreatedWalletAnswer(WALLET, mnemonic="secret words"), "secret words"),
        (bodies.CreateWalletRequest(private_key="9" * 64), "9" * 64),
    ]:
        assert secret not in repr(body)


def test_a_code_is_read_however_it_is_typed_and_written_in_groups_of_five():
    from app.protocol import formats

    typed = " abcde-fghjk\tLMNPQ rstuv\n"
    assert formats.normalize_code(typed) == "ABCDEFGHJKLMNPQRSTUV"
    assert formats.group_code(formats.normalize_code(typed)) == "ABCDE-FGHJK-LMNPQ-RSTUV"
    assert formats.looks_like_code(typed)
    assert formats.looks_like_code(typed + "WXYZ2-34567")  # a keyless code: locator + key part
    assert not formats.looks_like_code(typed.replace("a", "0"))  # 0 is not in the alphabet
    assert not formats.looks_like_code(typed + "W")
    assert formats.code_letters_only("abc-de") and not formats.code_letters_only("ab1")
