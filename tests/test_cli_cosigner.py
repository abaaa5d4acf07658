"""The `splitkey` co-signer commands against a freshly initialised co-signer on 127.0.0.1: the
end-to-end signature equals the unsplit key's, a delegate's limits and revocation, exit codes,
one-line errors, and the files the commands write (session and shares, 0600)."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from app.cli import session as cli_session
from app.client import CosignerClient
from app.permissions import ZCN
from app.protocol.exit_codes import ExitStatus
from app.transaction import STORAGE_SC_ADDRESS, TransactionType, smart_contract_data
from tests import cli_cosigner_helpers as cli_helpers
from tests.cli_cosigner_helpers import RECIPIENT, Done, enrolled, my_wallet_and_share, write_tx
from tests.cosigner_servers import enterprise_cosigner, start_tls_server  # noqa: F401 (fixture)
from tests.helpers import REPO, splitkey_command

# the fixtures, shared
cosigner, admin, people = cli_helpers.cosigner, cli_helpers.admin, cli_helpers.people


# -- the must-show flows -------------------------------------------------------------------------


def test_end_to_end_the_cosigned_signature_is_the_unsplit_keys(cosigner, admin, people):
    alice = enrolled(cosigner, admin, people, "alice")
    assert alice.ok("cosigner", "whoami")["user"]["subject"] == "alice"
    wallet, mnemonic, share_file = my_wallet_and_share(alice)
    assert len(mnemonic.split()) == 24
    tx_file = write_tx(alice, wallet, 1.5)

    cosigned = alice.ok("cosign", "tx", "--share-file", share_file, "--file", tx_file)
    signed = cosigned["transaction"]
    assert signed["signature"] == cosigned["signature"]
    assert cosigned["receipt"]["uses"] == 1 and cosigned["receipt"]["audit_seq"] > 0

    verified = alice.ok(
        "verify",
        "--public-key",
        wallet["public_key"],
        "--hash",
        signed["hash"],
        "--signature",
        signed["signature"],
    )
    assert verified == {"valid": True}
    whole = alice.ok("keys", "recover", "--mnemonic", "-", stdin=mnemonic)
    assert whole["client_id"] == wallet["client_id"]
    unsplit = alice.ok("tx", "sign", "--private-key", whole["private_key"], "--file", tx_file)
    assert unsplit["signature"] == signed["signature"]
    assert unsplit == signed  # the same miner JSON, byte for byte

    trail = alice.ok("audit", "--wallet", wallet["client_id"])["records"]
    assert [r["event"] for r in trail][-1] == "cosign_transaction"
    # the same wallet, now telling its signers the last nonce the co-signer signed
    after = {**wallet, "last_nonce": signed["transaction_nonce"]}
    assert alice.ok("wallet", "show", wallet["client_id"])["wallet"] == after
    assert alice.ok("wallet", "list")["owned"] == [after]


def test_a_delegate_is_held_to_its_limits_and_revocation(cosigner, admin, people):
    alice = enrolled(cosigner, admin, people, "alice")
    wallet, _, own_share = my_wallet_and_share(alice)
    made = alice.ok(
        "split", "create", "--wallet", wallet["client_id"], "--label", "bob", "--holder", "code",
        "--groups", "token_transfers", "--max-per-tx", "1", "--period-cap", "2", "--period", "24",
    )  # fmt: skip
    split_id = made["split"]["id"]
    assert made["split"]["permissions"]["max_value_per_period"] == 2 * ZCN
    assert made["share_code_expires_in"] > 0

    bob = enrolled(cosigner, admin, people, "bob")
    share = bob.ok("share", "redeem", made["share_code"], "--out", bob.file("bob.share"))
    assert share["split_id"] == split_id and "private_key" not in share
    assert bob.ok("wallet", "list")["shared"] == [wallet]

    def bob_signs(tx_file: str) -> Done:
        return bob.run("cosign", "tx", "--share-file", bob.file("bob.share"), "--file", tx_file)

    for spent in (1, 2):
        done = bob_signs(write_tx(bob, wallet, 1))
        assert done.status == 0, done.err
        assert done.out["receipt"]["period_value"] == spent * ZCN
    third = bob_signs(write_tx(bob, wallet, 1))
    assert third.status == ExitStatus.REFUSED and third.out is None
    assert third.err.startswith(
        "splitkey: error: refused (period_value_cap): over the 24 h cap: 2 of 2 ZCN used"
    ), third.err
    assert third.err.count("\n") == 1
    over = bob_signs(write_tx(bob, wallet, 1.5))
    assert "refused (per_transaction_cap): 1.5 ZCN is over the 1 ZCN" in over.err

    storage = write_tx(
        bob,
        wallet,
        0,
        to_client_id=STORAGE_SC_ADDRESS,
        transaction_type=TransactionType.SMART_CONTRACT,
        transaction_data=smart_contract_data("new_allocation_request", {"size": 1}),
    )
    refused = bob_signs(storage)
    assert refused.status == ExitStatus.REFUSED
    assert re.search(
        r"refused \(group_not_allowed\): allocation_storage_operations is not allowed", refused.err
    ), refused.err

    assert alice.ok("split", "revoke", split_id)["split"]["status"] == "revoked"
    after = bob_signs(write_tx(bob, wallet, 0.1))
    assert after.status == ExitStatus.REFUSED and "refused (revoked)" in after.err
    mine = alice.run("cosign", "tx", "--share-file", own_share, "--file", write_tx(alice, wallet))
    assert mine.status == 0, mine.err

    statuses = {
        s["id"]: (s["status"], s["uses"])
        for s in alice.ok("split", "list", "--wallet", wallet["client_id"])["splits"]
    }
    assert statuses[split_id] == ("revoked", 2)
    refusals = [
        r["details"]["rule"]
        for r in alice.ok("audit", "--wallet", wallet["client_id"])["records"]
        if r["event"] == "cosign_refused"
    ]
    assert refusals == [
        "period_value_cap",
        "per_transaction_cap",
        "group_not_allowed",
        "revoked",
    ]


# -- the other commands -----------------------------------------------------------------------


def test_messages_headers_permissions_and_share_login(cosigner, admin, people):
    wallet, _, share_file = my_wallet_and_share(admin)
    message = admin.ok("cosign", "message", "--share-file", share_file, "--message", "hello")
    assert message["hash"] == "3338be694f50c5f338814986cdf0686453a888b84f424d792af4b9202398f392"
    headers = admin.ok("cosign", "headers", "--share-file", share_file, "--message", "-", stdin="x")
    assert headers["headers"]["X-App-Client-ID"] == wallet["client_id"]
    split_id = json.loads(Path(share_file).read_text())["split_id"]
    admin.fails(2, r"--split sp_other is not the split", "cosign", "message",
                "--share-file", share_file, "--split", "sp_other", "--message", "m")  # fmt: skip

    tightened = admin.ok(
        "split", "permissions", split_id, "--permissions-json",
        json.dumps({"groups": ["token_transfers"], "max_uses": 10}),
    )  # fmt: skip
    assert tightened["split"]["permissions"]["groups"] == ["token_transfers"]
    admin.fails(
        ExitStatus.REFUSED,
        r"^splitkey: error: refused \(messages_not_allowed\): this key may not sign messages$",
        "cosign", "message", "--share-file", share_file, "--message", "hello again",
    )  # fmt: skip
    assert admin.ok("split", "show", split_id)["split"]["permissions"]["max_uses"] == 10
    assert [s["id"] for s in admin.ok("split", "list")["splits"]] == [split_id]

    device = people("device")
    login = device.ok("cosigner", "login", "--url", cosigner.url, "--share-file", share_file)
    assert login["role"] == "admin" and "token" not in login
    assert device.ok("cosigner", "whoami")["user"]["subject"] == "admin"
    assert device.ok("cosigner", "logout") == {"logged_out": True}
    device.fails(2, r"not logged in", "wallet", "list")


def test_admin_commands(cosigner, admin, people):
    made = admin.ok("admin", "user-create", "--subject", "carol", "--role", "user")
    user_id = made["user"]["id"]
    assert {u["subject"] for u in admin.ok("admin", "users")["users"]} == {"admin", "carol"}
    code = admin.ok("admin", "enrollment-code", user_id)["enrollment_code"]
    wallet = admin.ok("wallet", "import", "--private-key", "-", stdin="11" * 32)["wallet"]
    assert admin.ok("admin", "wallets")["wallets"] == [wallet]
    assert admin.ok("admin", "freeze", wallet["client_id"])["wallet"]["frozen"] is True
    assert admin.ok("admin", "unfreeze", wallet["client_id"])["wallet"]["frozen"] is False
    assert admin.ok("wallet", "freeze", wallet["client_id"])["wallet"]["frozen"] is True
    assert admin.ok("wallet", "delete", wallet["client_id"])["wallet"]["delete_after"]
    kept = admin.ok("wallet", "cancel-deletion", wallet["client_id"])["wallet"]
    assert kept["delete_after"] is None and kept["frozen"] is True
    admin.ok("wallet", "unfreeze", wallet["client_id"])
    split = admin.ok("split", "create", "--wallet", wallet["client_id"])["split"]
    assert admin.ok("admin", "splits")["splits"][0]["id"] == split["id"]
    assert admin.ok("admin", "revoke", split["id"])["split"]["status"] == "revoked"
    assert admin.ok("admin", "stats")["users"] == 2
    assert admin.ok("admin", "audit-verify")["ok"] is True
    assert len(admin.ok("admin", "audit", "--limit", "3")["records"]) == 3
    assert admin.ok("admin", "disable", user_id)["user"]["enabled"] is False
    carol = people("carol")
    carol.fails(ExitStatus.REFUSED, r"unauthorized: .*disabled",
                "cosigner", "login", "--url", cosigner.url, "--code", code)  # fmt: skip
    assert admin.ok("admin", "enable", user_id)["user"]["enabled"] is True
    admin.fails(ExitStatus.REFUSED, r"bad_request \[holder\]|holder",
                "split", "create", "--wallet", wallet["client_id"], "--holder", "nobody",
                "--groups", "token_transfers")  # fmt: skip


# -- files, exit codes and errors ---------------------------------------------------------------


def test_the_session_and_share_files_are_private_and_never_overwritten(cosigner, admin):
    session = admin.home / cli_session.SESSION_FILE
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    assert set(json.loads(session.read_text())) == {
        "url", "token", "user_id", "role", "expires_at", "tls_fingerprint",
    }  # fmt: skip
    wallet = admin.ok("wallet", "create")["wallet"]
    split_id = admin.ok("split", "create", "--wallet", wallet["client_id"])["split"]["id"]

    taken = admin.file("taken.share")
    Path(taken).write_text("something else")
    admin.fails(2, r"exists; refusing to overwrite", "share", "retrieve", split_id, "--out", taken)
    admin.fails(2, r"cannot create", "share", "retrieve", split_id, "--out", "/nonexistent/x")
    # the server was not asked: the share is still there
    share_file = admin.file("good.share")
    admin.ok("share", "retrieve", split_id, "--out", share_file)
    assert stat.S_IMODE(os.stat(share_file).st_mode) == 0o600
    assert json.loads(Path(share_file).read_text())["kind"] == "splitkey-share"
    assert "private_key" not in session.read_text()

    again = admin.file("again.share")
    admin.fails(ExitStatus.REFUSED, r"^splitkey: error: gone: .*already retrieved$",
                "share", "retrieve", split_id, "--out", again)  # fmt: skip
    assert not os.path.exists(again)  # the file made for it is removed

    os.chmod(share_file, 0o644)
    admin.fails(2, r"readable by others", "cosign", "message", "--share-file", share_file,
                "--message", "m")  # fmt: skip
    os.chmod(session, 0o644)
    admin.fails(2, r"session file .* readable by others", "wallet", "list")


def test_printing_a_share_instead_of_writing_it(cosigner, admin):
    wallet = admin.ok("wallet", "create")["wallet"]
    split_id = admin.ok("split", "create", "--wallet", wallet["client_id"])["split"]["id"]
    printed = admin.ok("share", "retrieve", split_id, "--print")
    assert len(printed["private_key"]) == 64 and printed["client_id"] == wallet["client_id"]
    admin.fails(2, r"one of the arguments --out --print is required", "share", "retrieve", "x")


@pytest.mark.parametrize(
    ("argv", "pattern"),
    [
        (["--max-per-tx", "abc"], r"--max-per-tx: 'abc' is not an amount"),
        (["--max-per-tx", "-1"], r"--max-per-tx: '-1' is not an amount"),
        # the desktop's rule: no exponent, nothing beyond 0Chain's int64 (10^23 SAS was taken)
        (["--max-per-tx", "1e3"], r"--max-per-tx: '1e3' is not an amount"),
        (["--period-cap", "10000000000000"], r"--period-cap: too large for a 0Chain amount"),
        (["--period-cap", "0.00000000001"], r"at most 10 decimals"),
        (["--period", "x"], r"--period: 'x' is not a number of hours"),
        (["--expires", "tomorrow"], r"--expires: 'tomorrow' is not ISO 8601"),
        (["--groups", "token_transfer"], r"unknown permission group\(s\): token_transfer"),
        (["--permissions-json", "{", "--groups", "a"], r"--permissions-json excludes --groups"),
        (["--permissions-json", "[]"], r"--permissions-json: permissions must be a JSON object"),
        (["--period-count", "two"], r"invalid int value"),
    ],
)
def test_bad_permission_options_are_input_errors(people, argv, pattern):
    # checked before any session or server is needed
    people("someone").fails(
        2, pattern, "split", "create", "--wallet", "ab" * 32, "--holder", "code", *argv
    )


def test_permission_options_become_the_permissions(cosigner, admin):
    wallet = admin.ok("wallet", "create")["wallet"]
    made = admin.ok(
        "split", "create", "--wallet", wallet["client_id"], "--holder", "code",
        "--groups", "token_transfers,storage_rewards", "--messages", "--max-per-tx", "0.25",
        "--period-cap", "3", "--period-count", "5", "--period", "1.5", "--recipients", RECIPIENT,
        "--not-before", "2020-01-01T00:00:00Z", "--expires", "2099-01-01T01:00:00+01:00",
        "--max-uses", "7",
    )  # fmt: skip
    assert made["split"]["permissions"] == {
        "groups": ["storage_rewards", "token_transfers"],
        "sign_messages": True,
        "sign_raw_hashes": False,
        "max_per_transaction": ZCN // 4,
        "period_seconds": 5400,
        "max_value_per_period": 3 * ZCN,
        "max_count_per_period": 5,
        "recipients": [RECIPIENT],
        "not_before": 1577836800,
        "expires_at": 4070908800,
        "max_uses": 7,
        "unrestricted": False,
        "chain_id": None,
    }


def test_raw_hashes_option(cosigner, admin):
    wallet = admin.ok("wallet", "create")["wallet"]
    made = admin.ok(
        "split", "create", "--wallet", wallet["client_id"], "--holder", "code", "--raw-hashes"
    )
    assert made["split"]["permissions"]["sign_raw_hashes"] is True


def test_a_transaction_of_another_wallet_is_an_input_error(cosigner, admin):
    wallet, _, share_file = my_wallet_and_share(admin)
    other = admin.ok("keys", "new")
    tx_file = write_tx(admin, {"client_id": other["client_id"], "public_key": other["public_key"]})
    admin.fails(2, r"not the wallet of --share-file", "cosign", "tx",
                "--share-file", share_file, "--file", tx_file)  # fmt: skip


def test_an_unreachable_cosigner_exits_4(people):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nobody = people("nobody")
    url = f"http://127.0.0.1:{port}"
    nobody.fails(ExitStatus.UNREACHABLE, r"^splitkey: error: co-signer unreachable: ",
                 "cosigner", "login", "--url", url, "--code", "X")  # fmt: skip


def test_login_with_an_enterprise_token(enterprise_cosigner, people):  # noqa: F811
    server, mint = enterprise_cosigner
    erin = people("erin")
    erin.ok("cosigner", "login", "--url", server.url, "--enterprise-token", "-",
            stdin=mint("erin@example.com"))  # fmt: skip
    assert erin.ok("cosigner", "whoami")["user"]["issuer"] == "https://idp.example"


def test_a_tls_pin_is_kept_with_the_session_and_checked(tmp_path, people):
    url, fingerprint, stop = start_tls_server(tmp_path)
    try:
        user = people("pinned")
        user.fails(ExitStatus.UNTRUSTED, r"untrusted answer: the server's certificate",
                   "cosigner", "login", "--url", url, "--code", "C",
                   "--tls-fingerprint", "00" * 32)  # fmt: skip
        # the pinned server is reached (this small one has no API: 404)
        user.fails(ExitStatus.REFUSED, r"^splitkey: error: http_error: HTTP 404",
                   "cosigner", "login", "--url", url, "--code", "C",
                   "--tls-fingerprint", fingerprint)  # fmt: skip
        user.fails(2, r"needs an https:// URL", "cosigner", "login", "--url", "http://h:1",
                   "--code", "C", "--tls-fingerprint", fingerprint)  # fmt: skip
    finally:
        stop()


def test_no_credential_goes_over_plain_http_to_another_machine(tmp_path, people):
    # desktop-security-review M1: `login --url http://<LAN address>` sent the enrollment code
    # or enterprise token in clear text. A listener on a non-loopback address hears nothing.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind((_non_loopback_address(), 0))
        listener.listen()
        listener.settimeout(0.3)
        url = f"http://{listener.getsockname()[0]}:{listener.getsockname()[1]}"
        user = people("careful")
        for how in (["--code", "C0DE"], ["--enterprise-token", "-"]):
            user.fails(2, r"refusing to send credentials to .* over plain http",
                       "cosigner", "login", "--url", url, *how)  # fmt: skip
        with pytest.raises(OSError):  # TimeoutError: nobody connected
            listener.accept()
        # A session file saved with such a URL (by an older version) is refused as well.
        cli_session.save_session({"url": url, "token": "t", "user_id": "u", "role": "user"})
        user.fails(2, r"over plain http", "cosigner", "whoami")
    finally:
        listener.close()


def _non_loopback_address() -> str:
    """One of this machine's own addresses that is not loopback (a UDP connect sends nothing);
    TEST-NET's 192.0.2.1 when there is none, which the refusal covers just as well."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))
        address = probe.getsockname()[0]
    except OSError:
        address = "0.0.0.0"
    finally:
        probe.close()
    return address if not address.startswith(("127.", "0.")) else "0.0.0.0"


def test_a_forged_signature_exits_5_and_prints_nothing(cosigner, admin, monkeypatch):
    wallet, _, share_file = my_wallet_and_share(admin)
    tx_file = write_tx(admin, wallet)
    real = cli_session.client

    def forging_api(session=None):
        client = real(session)
        upstream = httpx.Client(base_url=client.base_url)

        def forge(request: httpx.Request) -> httpx.Response:
            answer = upstream.send(request)
            body = answer.json()
            body["signature"] = json.loads(request.content)["transaction"]["signature"]
            return httpx.Response(answer.status_code, json=body)

        return CosignerClient(
            client.base_url, token=client.token, transport=httpx.MockTransport(forge)
        )

    monkeypatch.setattr(cli_session, "client", forging_api)
    admin.fails(ExitStatus.UNTRUSTED,
                r"^splitkey: error: untrusted answer: the co-signed signature is not valid",
                "cosign", "tx", "--share-file", share_file, "--file", tx_file)  # fmt: skip


def test_an_expired_or_foreign_token_names_the_fix(cosigner, admin):
    session = admin.home / cli_session.SESSION_FILE
    data = json.loads(session.read_text())
    cli_session.save_session({**data, "token": "not-a-jwt"})
    admin.fails(ExitStatus.REFUSED, r"unauthorized: .*\(log in again: splitkey cosigner",
                "wallet", "list")  # fmt: skip


def test_the_local_split_command_still_works_and_wants_its_key(people):
    user = people("local")
    shares = user.ok("split", "--private-key", "11" * 32, "--parts", "3")["keys"]
    assert len(shares) == 3
    user.fails(2, r"required: --private-key", "split", "--parts", "3")


def test_the_installed_command_talks_to_the_cosigner(cosigner, admin):
    env = {**os.environ, cli_session.CONFIG_ENV: str(admin.home)}
    done = subprocess.run(
        [*splitkey_command(), "cosigner", "whoami"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["user"]["subject"] == "admin"
