"""A backup taken before a keyless share was refreshed, restored: the pre-refresh pair must not
sign again (the refresh is in the audit log, the refreshed server share is not), so the split is
revoked by the restore; a split refreshed before the backup keeps signing with its new share."""

from __future__ import annotations

import time
import uuid

from app.client import CosignerClient, CosignerError
from app.crypto import SecretKey
from app.transaction import Transaction
from cosigner_server.config import DEFAULT_CHAIN_ID

from .harness import Server, run_cli


def _cosign(api: CosignerClient, share, nonce: int) -> None:
    tx = Transaction(
        client_id=share.client_id,
        public_key=share.wallet_public_key,
        chain_id=DEFAULT_CHAIN_ID,
        creation_date=int(time.time()),
        to_client_id="ab" * 32,
        transaction_value=1,
        transaction_nonce=nonce,
    )
    api.cosign_transaction(share.split_id, share.secret_key(), tx, share.wallet_public_key,
                           request_id=uuid.uuid4().hex)  # fmt: skip


def test_a_restore_does_not_revive_a_pre_refresh_pair(tmp_path):
    server = Server.init(tmp_path)
    server.start()
    _user, token = server.admin_user("owner")
    with CosignerClient(server.url, token=token) as api:
        early = api.create_keyless_wallet(SecretKey.generate()).share
        _split, early_new = api.refresh(early)  # before the backup: in it
        late = api.create_keyless_wallet(SecretKey.generate()).share
    archive = tmp_path / "before-refresh.tar.gz"
    made = run_cli("backup", "--out", archive, "--data-dir", server.data, "--json")
    assert made.code == 0, made.err
    with CosignerClient(server.url, token=token) as api:
        _split, late_new = api.refresh(late)  # after the backup: only in the audit log
        _cosign(api, late_new, 1)
    code, _ = server.terminate()
    assert code == 0

    restored = run_cli("restore", "--from", archive, "--data-dir", server.data, "--json")
    assert restored.code == 0, restored.err
    assert restored.json()["replayed"].get("split_refreshed") == 1
    server.start()
    try:
        with CosignerClient(server.url, token=server.fresh_token(_user)) as api:
            for share, nonce in ((late, 2), (late_new, 3)):
                try:
                    _cosign(api, share, nonce)
                except CosignerError as exc:
                    assert exc.rule == "revoked", exc
                else:
                    raise AssertionError("a share of the refreshed split signed after restore")
            assert api.split(late.split_id).status == "revoked"
            _cosign(api, early_new, 4)  # refreshed before the backup: still signs
    finally:
        server.stop()
