"""app/client.py: answers parsed with app/protocol, errors typed, co-signed answers verified before
they are returned (a forged one raises TamperedAnswer), proof challenges checked before a share
signs them, TLS pinning; then both clients against a real co-signer on 127.0.0.1."""

from __future__ import annotations

import itertools
import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.client import (
    AsyncCosignerClient,
    CertificateExpired,
    Challenge,
    CosignerClient,
    CosignerError,
    CosignerUnreachable,
    MalformedAnswer,
    PinMismatch,
    TamperedAnswer,
)
from app.crypto import SecretKey, split_secret_key
from app.keys import Wallet, client_id_of, secret_key_from_mnemonic
from app.permissions import ZCN, Permissions
from app.transaction import Transaction, sha3_hex
from cosigner_server import identity
from cosigner_server.bootstrap import init_data_dir
from cosigner_server.config import DEFAULT_CHAIN_ID
from tests.cosigner_server.conftest import make_config, run_server
from tests.cosigner_servers import enterprise_cosigner, start_tls_server  # noqa: F401 (fixture)

RECIPIENT = "ab" * 32
NONCES = itertools.count(1)


def make_tx(client_id: str, value: int = ZCN, **fields) -> Transaction:
    return Transaction(
        client_id=client_id,
        chain_id=DEFAULT_CHAIN_ID,
        creation_date=int(time.time()),
        to_client_id=RECIPIENT,
        transaction_value=value,
        transaction_nonce=next(NONCES),
        **fields,
    )


# -- a fake co-signer behind httpx.MockTransport -----------------------------------------------

WHOLE = Wallet.create()
WALLET_KEY = WHOLE.keys[0].private_key
USER_SHARE, _SERVER_SHARE = split_secret_key(WALLET_KEY, 2)
RECEIPT = {"audit_seq": 1, "uses": 1, "period_value": 0, "period_count": 1}


def honest_answer(body: dict) -> dict:
    """What a correct co-signer answers to a sign request (signed with the whole key here)."""
    if "transaction" in body:
        fields = {k: v for k, v in body["transaction"].items() if k not in ("signature", "hash")}
        tx = Transaction.from_dict(fields)
        signed = tx.sign(WALLET_KEY)
        return {
            "signature": signed.signature,
            "hash": tx.hash,
            "receipt": RECEIPT,
            "transaction": signed.to_dict(),
        }
    hash_hex = sha3_hex(body["message"])
    signature = WALLET_KEY.sign_hash(hash_hex).to_hex()
    return {
        "signature": signature,
        "hash": hash_hex,
        "receipt": RECEIPT,
        "headers": {
            "X-App-Client-ID": WHOLE.client_id,
            "X-App-Client-Key": WHOLE.client_key.to_hex(),
            "X-App-Client-Signature": signature,
        },
    }


def mock_client(answer: Callable[[httpx.Request], httpx.Response], kind=CosignerClient):
    return kind("http://cosigner.test", token="t0k", transport=httpx.MockTransport(answer))


def json_answer(status: int, data) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, json=data)


def test_an_error_answer_is_a_cosigner_error_with_its_rule_and_field():
    body = {
        "error": {
            "code": "refused",
            "message": "over the 24 h cap: 2 ZCN of 2 ZCN used",
            "rule": "period_value_cap",
            "field": "transaction",
        }
    }
    with mock_client(json_answer(403, body)) as api, pytest.raises(CosignerError) as caught:
        api.wallets()
    err = caught.value
    assert (err.status, err.code, err.rule, err.field) == (
        403,
        "refused",
        "period_value_cap",
        "transaction",
    )
    assert str(err).startswith("refused (period_value_cap): over the 24 h cap: 2 ZCN of 2 ZCN")


def test_an_error_without_the_error_shape_is_named_by_its_status():
    page = lambda request: httpx.Response(502, text="<html>bad gateway</html>")  # noqa: E731
    with mock_client(page) as api, pytest.raises(CosignerError) as caught:
        api.whoami()
    assert (caught.value.status, caught.value.code) == (502, "http_error")


@pytest.mark.parametrize(
    ("answer", "pattern"),
    [
        (lambda r: httpx.Response(200, text="not json"), "not JSON"),
        (json_answer(200, {"owned": [], "shared": [{"client_id": 5}]}), "client_id"),
        (json_answer(200, {"owned": []}), "shared"),
    ],
)
def test_a_malformed_answer_is_never_data(answer, pattern):
    with mock_client(answer) as api, pytest.raises(MalformedAnswer, match=pattern):
        api.wallets()


def test_no_answer_is_unreachable():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    with mock_client(refuse) as api, pytest.raises(CosignerUnreachable):
        api.whoami()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with CosignerClient(f"http://127.0.0.1:{port}", timeout=5) as api:
        with pytest.raises(CosignerUnreachable, match="no answer"):
            api.health()


def test_the_token_is_sent_and_a_new_one_adopted():
    seen: list[httpx.Request] = []
    session = {"token": "fresh", "expires_in": 900, "user_id": "u_1", "role": "user"}
    user = {"id": "u_1", "subject": "bob", "issuer": "local", "role": "user", "enabled": True}

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/auth/enroll":
            return httpx.Response(200, json=session)
        return httpx.Response(200, json={"user": user})

    api = mock_client(answer)
    api.token = None
    assert api.enroll("CODE-1").token == "fresh" and api.token == "fresh"
    assert api.whoami().subject == "bob"
    assert "authorization" not in seen[0].headers
    assert json.loads(seen[0].content) == {"code": "CODE-1"}
    assert seen[1].headers["authorization"] == "Bearer fresh"
    assert repr(api.enroll("CODE-1")).find("fresh") == -1  # the token is not in reprs


# -- forged co-sign answers ---------------------------------------------------------------------


def _forge(field: str, value) -> Callable[[dict, dict], dict]:
    def forge(answer: dict, body: dict) -> dict:
        return {**answer, field: value}

    return forge


def _sign_other_hash(answer: dict, body: dict) -> dict:
    other = sha3_hex("another transaction")
    return {**answer, "signature": WALLET_KEY.sign_hash(other).to_hex()}


def _echo_partial(answer: dict, body: dict) -> dict:
    partial = body.get("signature") or body["transaction"]["signature"]
    return {**answer, "signature": partial}


def _other_transaction(answer: dict, body: dict) -> dict:
    return {**answer, "transaction": {**answer["transaction"], "transaction_fee": 999}}


def _other_headers(answer: dict, body: dict) -> dict:
    return {**answer, "headers": {**answer["headers"], "X-App-Client-ID": "cd" * 32}}


FORGERIES = {
    "hash of something else": _forge("hash", sha3_hex("something else")),
    "signature of another hash": _sign_other_hash,
    "the partial sent back": _echo_partial,
    "signature not a point": _forge("signature", "00" * 32),
    "signature not hex": _forge("signature", "zz"),
}


def cosigner_answering(forge=None) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        data = honest_answer(body)
        return httpx.Response(200, json=forge(data, body) if forge else data)

    return answer


def test_an_honest_answer_is_returned_signed():
    tx = make_tx(WHOLE.client_id)
    with mock_client(cosigner_answering()) as api:
        signed, answer = api.cosign_transaction("sp_1", USER_SHARE, tx, WHOLE.client_key)
        assert signed.verify() and signed.signature == tx.sign(WALLET_KEY).signature
        assert answer.receipt.audit_seq == 1
        message = api.cosign_message("sp_1", USER_SHARE, "hello", WHOLE.client_key.to_hex())
        assert message.hash == sha3_hex("hello")
        headers = api.auth_headers("sp_1", USER_SHARE, "hello", WHOLE.client_key)
        assert headers.headers["X-App-Client-ID"] == WHOLE.client_id


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_transaction_answer_raises_tampered(forge):
    tx = make_tx(WHOLE.client_id)
    with mock_client(cosigner_answering(forge)) as api, pytest.raises(TamperedAnswer):
        api.cosign_transaction("sp_1", USER_SHARE, tx, WHOLE.client_key)


def test_a_transaction_answer_for_another_transaction_raises_tampered():
    tx = make_tx(WHOLE.client_id)
    with mock_client(cosigner_answering(_other_transaction)) as api:
        with pytest.raises(TamperedAnswer, match="differs"):
            api.cosign_transaction("sp_1", USER_SHARE, tx, WHOLE.client_key)


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_message_answer_raises_tampered(forge):
    with mock_client(cosigner_answering(forge)) as api, pytest.raises(TamperedAnswer):
        api.cosign_message("sp_1", USER_SHARE, "hello", WHOLE.client_key)


def test_auth_headers_of_another_wallet_raise_tampered():
    with mock_client(cosigner_answering(_other_headers)) as api:
        with pytest.raises(TamperedAnswer, match="triple"):
            api.auth_headers("sp_1", USER_SHARE, "hello", WHOLE.client_key)


async def test_the_async_client_verifies_the_same_way():
    tx = make_tx(WHOLE.client_id)
    async with mock_client(cosigner_answering(), AsyncCosignerClient) as api:
        signed, _ = await api.cosign_transaction("sp_1", USER_SHARE, tx, WHOLE.client_key)
        assert signed.verify()
    async with mock_client(cosigner_answering(_sign_other_hash), AsyncCosignerClient) as api:
        with pytest.raises(TamperedAnswer):
            await api.cosign_transaction("sp_1", USER_SHARE, tx, WHOLE.client_key)


def test_a_transaction_of_another_wallet_is_refused_before_sending():
    other = Wallet.create()
    tx = make_tx(other.client_id, public_key=other.client_key.to_hex())
    with mock_client(cosigner_answering()) as api, pytest.raises(ValueError, match="public_key"):
        api.cosign_transaction("sp_1", USER_SHARE, tx, WHOLE.client_key)


# -- proof of possession and delivered shares ---------------------------------------------------


def test_the_share_signs_only_a_proof_of_possession_message():
    seen: list[str] = []
    tx_hash = make_tx(WHOLE.client_id).hash

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(
            200, json={"challenge": "c1", "expires_in": 60, "message_hex": tx_hash}
        )

    with mock_client(answer) as api, pytest.raises(TamperedAnswer, match="not a proof"):
        api.login_with_share("sp_1", USER_SHARE)
    assert seen == ["/v1/auth/challenge"]  # no signature of the hash left the client
    good = Challenge("c1", 60, (b"splitkey-proof-of-possession:iss:sp_1:c1").hex())
    other_split = Challenge("c1", 60, (b"splitkey-proof-of-possession:iss:sp_2:c1").hex())
    with mock_client(answer) as api:
        with pytest.raises(TamperedAnswer):
            api.prove("sp_1", other_split, USER_SHARE)
        assert seen == ["/v1/auth/challenge"]
        with pytest.raises(MalformedAnswer):  # the mock answers the proof with a challenge
            api.prove("sp_1", good, USER_SHARE)


def test_a_delivered_share_must_match_its_public_key_and_wallet():
    share = {
        "split_id": "sp_1",
        "client_id": WHOLE.client_id,
        "wallet_public_key": WHOLE.client_key.to_hex(),
        "public_key": USER_SHARE.public_key().to_hex(),
        "private_key": USER_SHARE.to_hex(),
    }
    with mock_client(json_answer(200, share)) as api:
        delivered = api.retrieve_share("sp_1")
        assert delivered.secret_key() == USER_SHARE
        assert USER_SHARE.to_hex() not in repr(delivered)
    wrong_key = {**share, "private_key": SecretKey.generate().to_hex()}
    wrong_wallet = {**share, "client_id": "cd" * 32}
    for bad in (wrong_key, wrong_wallet):
        with mock_client(json_answer(200, bad)) as api, pytest.raises(TamperedAnswer):
            api.redeem("CODE")


# -- TLS pinning --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_servers(tmp_path_factory) -> Iterator[list[tuple[str, str]]]:
    """Two HTTPS servers, each with its own self-signed certificate."""
    started = [start_tls_server(tmp_path_factory.mktemp("tls")) for _ in range(2)]
    yield [(url, fingerprint) for url, fingerprint, _ in started]
    for _, _, stop in started:
        stop()


def test_an_expired_pinned_certificate_is_reported_as_expired(tmp_path):
    # desktop-security-review L4: the very certificate pinned, past its notAfter, was reported
    # as a different certificate ("someone may be intercepting").
    url, fingerprint, stop = start_tls_server(tmp_path, expired=True)
    try:
        with CosignerClient(url, tls_fingerprint=fingerprint) as api:
            with pytest.raises(CertificateExpired, match="has expired") as refused:
                api.health()
        assert isinstance(refused.value, PinMismatch) and not refused.value.not_yet_valid
    finally:
        stop()


async def test_a_pinned_certificate_is_trusted_and_another_is_not(tls_servers):
    url, fingerprint = tls_servers[0]
    colons = ":".join(fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    with CosignerClient(url, tls_fingerprint=colons) as api:
        assert api.health() == {"status": "ok"}
        assert api.health() == {"status": "ok"}  # the pinned context serves every connection
    async with AsyncCosignerClient(url, tls_fingerprint=fingerprint) as api:
        assert await api.health() == {"status": "ok"}
    wrong = "00" * 32
    with CosignerClient(url, tls_fingerprint=wrong) as api, pytest.raises(PinMismatch):
        api.health()
    async with AsyncCosignerClient(url, tls_fingerprint=wrong) as api:
        with pytest.raises(PinMismatch):
            await api.health()
    with CosignerClient(url) as api, pytest.raises(CosignerUnreachable):
        api.health()  # without the pin, a self-signed certificate is not trusted


def test_a_certificate_swapped_after_the_check_is_refused_by_the_tls_layer(tls_servers):
    # The probe saw server A's certificate; the connection then reaches server B (another
    # certificate): OpenSSL refuses it before any request is sent, reported as PinMismatch.
    (url_a, pin_a), (url_b, _) = tls_servers
    probed = CosignerClient(url_a, tls_fingerprint=pin_a)._pinned_context()
    api = CosignerClient(url_b, tls_fingerprint=pin_a)
    api._pinned_context = lambda: probed
    with api, pytest.raises(PinMismatch, match="not the pinned"):
        api.health()


def test_a_pin_must_be_a_sha256_and_needs_https():
    with pytest.raises(ValueError, match="64 hex"):
        CosignerClient("https://127.0.0.1:1", tls_fingerprint="abc")
    with pytest.raises(ValueError, match="https"):
        CosignerClient("http://127.0.0.1:1", tls_fingerprint="ab" * 32)


# -- against a real co-signer -------------------------------------------------------------------


@pytest.fixture
def cosigner(tmp_path: Path):
    config = make_config(tmp_path / "cosigner")
    init_data_dir(config)
    yield from run_server(config)


def test_an_enterprise_token_is_exchanged_for_a_server_token(enterprise_cosigner):  # noqa: F811
    server, mint = enterprise_cosigner
    with CosignerClient(server.url) as api:
        session = api.exchange(mint("dana@example.com"))
        assert session.role == "user" and api.token == session.token
        assert api.whoami().subject == "dana@example.com"
        with pytest.raises(CosignerError) as caught:
            CosignerClient(server.url).exchange("not.a.jwt")
        assert caught.value.status == 401


def enroll_admin(cosigner) -> str:
    _, code = cosigner.call(identity.create_user(cosigner.state, None, "admin", "admin"))
    return code


def test_the_sync_client_end_to_end(cosigner):
    with CosignerClient(cosigner.url) as api:
        session = api.enroll(enroll_admin(cosigner))
        assert session.role == "admin" and api.whoami().id == session.user_id
        created = api.create_wallet()
        wallet = created.wallet
        assert len(created.mnemonic.split()) == 24
        whole = secret_key_from_mnemonic(created.mnemonic)
        assert client_id_of(whole.public_key()) == wallet.client_id
        made = api.create_split(wallet.client_id, "laptop")
        assert made.share_code is None and made.split.permissions.unrestricted
        share = api.retrieve_share(made.split.id)
        with pytest.raises(CosignerError) as again:
            api.retrieve_share(made.split.id)
        assert (again.value.status, again.value.code) == (410, "gone")

        tx = make_tx(wallet.client_id)
        signed, answer = api.cosign_transaction(
            share.split_id, share.secret_key(), tx, wallet.public_key, request_id="req-0001"
        )
        assert signed.signature == tx.sign(whole).signature  # what the unsplit key makes
        replay, replayed = api.cosign_transaction(
            share.split_id, share.secret_key(), tx, wallet.public_key, request_id="req-0001"
        )
        assert replay == signed and replayed == answer
        assert api.split(share.split_id).uses == 1  # a replay counts once

        message = api.cosign_message(share.split_id, share.secret_key(), "hi", wallet.public_key)
        assert message.signature == whole.sign_hash(sha3_hex("hi")).to_hex()
        headers = api.auth_headers(share.split_id, share.secret_key(), "x", wallet.public_key)
        assert headers.headers["X-App-Client-Key"] == wallet.public_key

        events = [r["event"] for r in api.wallet_audit(wallet.client_id)]
        assert {"wallet_created", "split_created", "cosign_transaction"} <= set(events)
        assert len(api.wallet_audit(wallet.client_id, limit=2)) == 2

    with CosignerClient(cosigner.url) as device:  # a token from the share alone
        assert device.login_with_share(share.split_id, share.secret_key()).role == "admin"
        assert device.whoami().subject == "admin"


def test_wallet_calls_and_errors_against_the_server(cosigner):
    with CosignerClient(cosigner.url) as api:
        with pytest.raises(CosignerError) as caught:
            api.wallets()
        assert (caught.value.status, caught.value.code) == (401, "unauthorized")
        api.enroll(enroll_admin(cosigner))
        known = Wallet.create()
        imported = api.import_wallet(mnemonic=known.mnemonic)
        assert imported.mnemonic is None and imported.wallet.client_id == known.client_id
        with pytest.raises(CosignerError) as twice:
            api.import_wallet(private_key=known.keys[0].private_key.to_hex())
        assert twice.value.status == 409
        with pytest.raises(ValueError):
            api.import_wallet()
        with pytest.raises(CosignerError) as unknown:
            api.wallet("ef" * 32)
        assert unknown.value.status == 404
        cid = imported.wallet.client_id
        assert [w.client_id for w in api.wallets().owned] == [cid]
        assert api.freeze(cid).frozen and not api.freeze(cid, False).frozen
        assert api.delete_wallet(cid).delete_after is not None
        assert api.cancel_deletion(cid).delete_after is None
        bad = Permissions(groups=frozenset({"token_transfers"}))
        with pytest.raises(CosignerError) as refused:
            api.create_split(cid, "x", "nobody", bad)
        assert refused.value.field == "holder"


def test_admin_calls(cosigner):
    with CosignerClient(cosigner.url) as admin:
        admin.enroll(enroll_admin(cosigner))
        bob = admin.create_user("bob")
        assert bob.user.role == "user" and bob.enrollment_code
        assert {u.subject for u in admin.users()} == {"admin", "bob"}
        fresh_code = admin.enrollment_code(bob.user.id)
        wallet = admin.create_wallet().wallet
        split = admin.create_split(wallet.client_id, "mine").split
        assert [w.client_id for w in admin.all_wallets()] == [wallet.client_id]
        assert [s.id for s in admin.all_splits()] == [split.id]
        assert admin.admin_freeze(wallet.client_id).frozen
        assert not admin.admin_freeze(wallet.client_id, False).frozen
        assert admin.admin_revoke(split.id).status == "revoked"
        assert admin.stats()["users"] == 2
        assert admin.audit_verify()["ok"] is True
        assert admin.audit(limit=1)[0]["seq"] >= 1
        with CosignerClient(cosigner.url) as user:
            user.enroll(fresh_code)
            assert user.whoami().subject == "bob"
            with pytest.raises(CosignerError) as forbidden:
                user.users()
            assert forbidden.value.status == 403
            assert not admin.set_enabled(bob.user.id, False).enabled
            with pytest.raises(CosignerError) as disabled:
                user.whoami()
            assert disabled.value.status == 401


async def test_the_async_client_end_to_end(cosigner):
    code = enroll_admin(cosigner)
    async with AsyncCosignerClient(cosigner.url) as api:
        await api.enroll(code)
        created = await api.create_wallet()
        wallet = created.wallet
        made = await api.create_split(wallet.client_id, "desktop")
        share = await api.retrieve_share(made.split.id)
        tx = make_tx(wallet.client_id)
        signed, answer = await api.cosign_transaction(
            share.split_id, share.secret_key(), tx, wallet.public_key
        )
        assert signed.signature == tx.sign(secret_key_from_mnemonic(created.mnemonic)).signature
        assert answer.receipt.uses == 1
        assert [s.id for s in await api.my_splits()] == [share.split_id]
        assert [s.id for s in await api.splits(wallet.client_id)] == [share.split_id]
        with pytest.raises(CosignerError) as caught:
            await api.wallet("ef" * 32)
        assert caught.value.code == "not_found"
    async with AsyncCosignerClient(cosigner.url) as device:
        session = await device.login_with_share(share.split_id, share.secret_key())
        assert (await device.whoami()).id == session.user_id
