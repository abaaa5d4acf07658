"""`splitkey` commands that talk to a 0Chain network through app/network/.

    splitkey [--network NAME_OR_URL] network
    splitkey balance CLIENT_ID
    splitkey tx submit --file SIGNED.json [--wait]
    splitkey tx status HASH
    splitkey send --share-file F --to CLIENT_ID --amount ZCN [--fee ZCN] [--note TEXT] [--wait]
    splitkey send --private-key - ...                      (an unsplit key, from stdin)

The network is --network, else $SPLITKEY_NETWORK, else the one chosen in the desktop's Settings
(app/network/settings.py), else mainnet; $SPLITKEY_CHAIN_ID overrides its chain id.

Exit status (app/protocol/exit_codes.py), besides 0 / 2 / 3 / 4 / 5: 5 also for a
confirmation that does not verify, 6 the network refused the transaction (the node's reason on
stderr; a transaction whose block says it failed, transaction_status 2 or 3, is 6 too), 7 the
network is unreachable or its sharders do not agree.
"""

from __future__ import annotations

import argparse
import re
import sys

from app.cli import session
from app.cli._common import InputError, Result, command, read_transaction, secret_key
from app.cli.options import zcn_to_sas
from app.cli.session import guarded, read_share
from app.keys import client_id_of
from app.network import (
    FAILED,
    PENDING,
    NetworkClient,
    TxStatus,
    current_network,
)
from app.network.settings import NetworkSettings, NetworkSettingsError
from app.protocol.exit_codes import ExitStatus
from app.transaction import Transaction, new_send

_HEX64 = re.compile(r"[0-9a-f]{64}")


def _settings(args: argparse.Namespace) -> NetworkSettings:
    try:
        return current_network(getattr(args, "network", None))
    except NetworkSettingsError as exc:
        raise InputError(str(exc)) from None


def _hex64(text: str, what: str) -> str:
    value = text.strip().lower()
    if not _HEX64.fullmatch(value):
        raise InputError(f"{what} must be 64 hex digits")
    return value


def _final(payload: dict, status: TxStatus) -> Result:
    """A status's payload; a failed transaction is exit 6 with the node's reason on stderr."""
    if status.status == FAILED:
        print(f"splitkey: error: the transaction failed: {status.output}", file=sys.stderr)
        return ExitStatus.NETWORK_REFUSED, payload
    return 0, payload


def _status_fields(status: TxStatus) -> dict:
    return {
        "hash": status.hash,
        "status": status.status,
        "transaction_status": status.transaction_status,
        "round": status.round,
        "block_hash": status.block_hash,
        "output": status.output,
    }


# -- commands ----------------------------------------------------------------------------------


def cmd_network(args: argparse.Namespace) -> Result:
    settings = _settings(args)
    with NetworkClient(settings) as net:
        nodes = net.nodes()
    return 0, {
        "block_worker": settings.block_worker,
        "chain_id": settings.chain_id,
        "miners": list(nodes.miners),
        "sharders": list(nodes.sharders),
    }


def cmd_balance(args: argparse.Namespace) -> Result:
    client_id = _hex64(args.client_id, "CLIENT_ID")
    with NetworkClient(_settings(args)) as net:
        return 0, net.balance(client_id).to_dict()


def cmd_tx_submit(args: argparse.Namespace) -> Result:
    tx = read_transaction(args)
    settings = _settings(args)
    if tx.chain_id != settings.chain_id:
        raise InputError(f"the transaction is for chain {tx.chain_id}, not {settings.name}'s")
    with NetworkClient(settings) as net:
        sent = net.submit(tx)
        payload = {**sent.to_dict(), "status": "pending"}
        if not args.wait:
            return 0, payload
        status = net.wait(sent.hash, tx.creation_date)
    return _final({**payload, **_status_fields(status)}, status)


def cmd_tx_status(args: argparse.Namespace) -> Result:
    hash_ = _hex64(args.hash, "HASH")
    with NetworkClient(_settings(args)) as net:
        status = net.status(hash_)
    return _final(_status_fields(status), status)


def cmd_send(args: argparse.Namespace) -> Result:
    settings = _settings(args)
    to = _hex64(args.to, "--to")
    value = zcn_to_sas(args.amount, "--amount")
    if value == 0:
        raise InputError("--amount must be more than 0")
    fee = zcn_to_sas(args.fee, "--fee") if args.fee is not None else None
    note = args.note or ""

    def unsigned(client_id: str, public_key: str, nonce: int, fee_sas: int) -> Transaction:
        return new_send(
            client_id=client_id, public_key=public_key, chain_id=settings.chain_id,
            to_client_id=to, value=value, fee=fee_sas, nonce=nonce, note=note,
        )  # fmt: skip

    if args.share_file:
        share = read_share(args.share_file)
        client_id = share.client_id
        api = session.client()

        def build(nonce: int, fee_sas: int) -> Transaction:
            tx = unsigned(client_id, share.wallet_public_key, nonce, fee_sas)
            signed, _answer = api.cosign_transaction(
                share.split_id, share.secret_key(), tx, share.wallet_public_key
            )
            return signed
    else:
        key = secret_key(args)
        api = None
        client_id = client_id_of(key.public_key())

        def build(nonce: int, fee_sas: int) -> Transaction:
            return unsigned(client_id, key.public_key().to_hex(), nonce, fee_sas).sign(key)

    if to == client_id:
        raise InputError("--to is the sending wallet itself")
    try:
        with NetworkClient(settings) as net:
            sent = net.send(build, client_id, fee)
            # the keys of `tx status` (pending until --wait learns more) and the transaction
            payload = {
                **sent.to_dict(),
                **_status_fields(TxStatus(sent.hash, PENDING)),
                "transaction": sent.transaction.to_dict(),
            }
            if not args.wait:
                return 0, payload
            status = net.wait(sent.hash, sent.transaction.creation_date)
    finally:
        if api is not None:
            api.close()
    return _final({**payload, **_status_fields(status)}, status)


# -- registration ------------------------------------------------------------------------------


def network_option(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument(
        "--network",
        default=default,
        metavar="NAME_OR_URL",
        help="mainnet, or a block_worker URL (default: $SPLITKEY_NETWORK, Settings, mainnet)",
    )


def _add(sub, name: str, handler, help_text: str) -> argparse.ArgumentParser:
    parser = command(sub, name, guarded(handler), help_text)
    network_option(parser, argparse.SUPPRESS)
    return parser


def add_commands(commands: argparse._SubParsersAction, tx: argparse._SubParsersAction) -> None:
    _add(commands, "network", cmd_network, "the network's block_worker, chain id, miners, sharders")
    balance = _add(commands, "balance", cmd_balance, "a wallet's balance and nonce (sharders)")
    balance.add_argument("client_id", metavar="CLIENT_ID")

    submit = _add(tx, "submit", cmd_tx_submit, "send a signed transaction to the miners")
    submit.add_argument("--file", required=True, metavar="F", help='signed JSON, or "-"')
    submit.add_argument("--wait", action="store_true", help="until confirmed or failed")
    status = _add(tx, "status", cmd_tx_status, "a transaction's verified confirmation")
    status.add_argument("hash", metavar="HASH")

    send = _add(commands, "send", cmd_send, "send ZCN: co-sign (or sign), submit, confirm")
    who = send.add_mutually_exclusive_group(required=True)
    who.add_argument("--share-file", metavar="F", help="co-sign with this share")
    who.add_argument("--private-key", metavar="K", help='an unsplit key: hex, or "-"')
    send.add_argument("--to", required=True, metavar="CLIENT_ID")
    send.add_argument("--amount", required=True, metavar="ZCN")
    send.add_argument("--fee", metavar="ZCN", help="default: the miners' fee table")
    send.add_argument("--note", metavar="TEXT", help="kept in the transaction's data")
    send.add_argument("--wait", action="store_true", help="until confirmed or failed")
