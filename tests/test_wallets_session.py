"""Wallet entries (app/wallets.py) and the desktop's session renewal (app/session.py) against a
real co-signer: account tokens renewed by the sign-in callback, key tokens that only sign, and a
revoked key reported as such."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.client import CosignerClient, CosignerError
from app.keys import Wallet, WalletError
from app.permissions import ZCN, Permissions
from app.protocol.bodies import SplitView, WalletView
from app.session import CosignerSession, SignInNeeded, is_loopback_url
from app.transaction import Transaction
from app.wallets import (
    ACTIVE,
    FROZEN,
    OWNED,
    REVOKED,
    SHARED,
    entries,
    load_wallets,
    zwallet_secret,
)
from cosigner_server import identity
from cosigner_server.bootstrap import init_data_dir
from tests.cosigner_server.conftest import RunningServer, make_config, run_server


@pytest.fixture
def cosigner(tmp_path):
    config = make_config(tmp_path / "cosigner")
    init_data_dir(config)
    yield from run_server(config)


def _wallet(cid: str, frozen: bool = False) -> WalletView:
    return WalletView(client_id=cid, public_key="", owner_id="o", created_at=1, frozen=frozen)


def _split(sid: str, cid: str, status: str, created: int = 1) -> SplitView:
    return SplitView(
        id=sid, client_id=cid, holder_id="me", label="", share_public_key="",
        permissions=Permissions(), status=status, uses=0, last_used=None, created_at=created,
    )  # fmt: skip


def test_entries_pick_the_usable_key_and_keep_revoked_shares_visible():
    have = {"s2", "s4"}.__contains__
    made = entries(
        owned=[_wallet("a"), _wallet("b", frozen=True)],
        shared=[_wallet("c")],
        my_splits=[_split("s1", "a", "revoked", 5), _split("s2", "a", "active"),
                   _split("s3", "c", "active"), _split("s4", "d", "revoked")],
        has_share=have,
        known_keys={"d": "pk-d"},
    )  # fmt: skip
    by_id = {e.client_id: e for e in made}
    assert by_id["a"].split.id == "s2" and by_id["a"].status == ACTIVE and by_id["a"].can_sign
    assert by_id["b"].status == FROZEN and by_id["b"].kind == OWNED
    assert by_id["c"].status == ACTIVE and not by_id["c"].has_share and not by_id["c"].can_sign
    assert by_id["d"].kind == SHARED and by_id["d"].status == REVOKED
    assert by_id["d"].wallet.public_key == "pk-d"


def test_zwallet_files():
    wallet = Wallet.create()
    assert zwallet_secret(wallet.to_json()) == {"mnemonic": wallet.mnemonic}
    keyless = Wallet.from_secret_key(wallet.keys[0].private_key)
    assert zwallet_secret(keyless.to_json()) == {"private_key": wallet.keys[0].private_key.to_hex()}
    with pytest.raises(WalletError, match="split"):
        zwallet_secret(wallet.split().to_json())


def test_loopback_urls():
    assert is_loopback_url("http://127.0.0.1:8787") and is_loopback_url("http://[::1]:1")
    assert is_loopback_url("http://localhost:1")
    assert not is_loopback_url("http://10.0.0.1") and not is_loopback_url("http://example.org")


def _owner(server: RunningServer):
    user, _code = server.call(identity.create_user(server.state, None, "owner", "admin"))
    calls = []

    async def sign_in(api):
        calls.append(1)
        future = asyncio.run_coroutine_threadsafe(
            identity.issue_enrollment_code(server.state, None, user), server.loop
        )
        return await api.enroll(await asyncio.wrap_future(future))

    return user, sign_in, calls


def test_the_account_token_is_renewed_by_the_sign_in_callback(cosigner):
    _user, sign_in, calls = _owner(cosigner)

    async def scenario():
        session = CosignerSession(cosigner.url, sign_in=sign_in)
        listed = await session.run(lambda api: api.wallets())
        assert listed.owned == [] and calls == [1] and session.signed_in
        session.api.token = "expired.or.forged"  # the co-signer refuses it: renewed once
        await session.run(lambda api: api.wallets())
        assert calls == [1, 1]
        session._account_until = 0  # stale by the clock: renewed before the call
        await session.run(lambda api: api.wallets())
        assert calls == [1, 1, 1]
        await session.close()

    asyncio.run(scenario())


def test_without_an_account_token_a_kept_share_still_signs_and_a_revoked_one_says_so(cosigner):
    user, sign_in, _calls = _owner(cosigner)
    code = cosigner.call(identity.issue_enrollment_code(cosigner.state, None, user))
    with CosignerClient(cosigner.url) as owner:
        owner.enroll(code)
        created = owner.create_wallet()
        split = owner.create_split(created.wallet.client_id, "me", "me").split
        share = owner.retrieve_share(split.id)

        async def scenario():
            session = CosignerSession(cosigner.url, shares=lambda: [share])
            with pytest.raises(SignInNeeded):  # listing needs an account
                await session.run(lambda api: api.wallets())
            tx = Transaction(
                client_id=share.client_id, chain_id=cosigner.config.chain_id,
                creation_date=int(time.time()), to_client_id="ab" * 32,
                transaction_value=ZCN,
            )  # fmt: skip
            signed, _answer = await session.run(
                lambda api: api.cosign_transaction(
                    share.split_id, share.secret_key(), tx, share.wallet_public_key
                ),
                split_id=share.split_id,
            )
            assert signed.verify()
            owner.revoke(split.id)
            with pytest.raises(SignInNeeded) as caught:
                await session.run(
                    lambda api: api.cosign_message(
                        share.split_id, share.secret_key(), "hi", share.wallet_public_key
                    ),
                    split_id=share.split_id,
                )
            assert caught.value.revoked
            await session.close()

        asyncio.run(scenario())


def test_load_wallets_against_the_server(cosigner):
    _user, sign_in, _calls = _owner(cosigner)

    async def scenario():
        session = CosignerSession(cosigner.url, sign_in=sign_in)
        created = await session.run(lambda api: api.create_wallet())
        limits = Permissions(groups=frozenset({"token_transfers"}))
        with pytest.raises(CosignerError):  # nobody by that id: named, not a crash
            await session.run(
                lambda api: api.create_split(created.wallet.client_id, "x", "u_nobody", limits)
            )
        listed = await session.run(lambda api: load_wallets(api, lambda _sid: False))
        assert [e.client_id for e in listed] == [created.wallet.client_id]
        assert listed[0].status == ACTIVE and not listed[0].can_sign
        await session.close()

    asyncio.run(scenario())
