"""`splitkey`'s local commands over app.crypto, app.keys and app.transaction: keys, sign,
verify, split (into additive shares), combine, combine-keys, hash-to-g1 and tx hash | sign.
Nothing here talks to a server."""

from __future__ import annotations

import argparse

from app import crypto
from app.cli._common import (
    InputError,
    Result,
    command,
    decoded,
    group,
    read_transaction,
    secret_key,
    value,
)
from app.crypto import PublicKey, Signature
from app.crypto.encoding import parse_hex
from app.keys import Wallet, client_id_of

MAX_PARTS = 100  # a split is for people and services; more shares is a typo, not a use

# -- commands: each takes the parsed arguments and returns (exit status, JSON object) ----------


def _wallet_result(wallet: Wallet) -> Result:
    return 0, {
        "mnemonic": wallet.mnemonic,
        "private_key": wallet.keys[0].private_key.to_hex(),
        "public_key": wallet.client_key.to_hex(),
        "client_id": wallet.client_id,
    }


def cmd_keys_new(args: argparse.Namespace) -> Result:
    return _wallet_result(Wallet.create())


def cmd_keys_recover(args: argparse.Namespace) -> Result:
    return _wallet_result(Wallet.from_mnemonic(value(args.mnemonic)))


def cmd_keys_public(args: argparse.Namespace) -> Result:
    public_key = secret_key(args).public_key()
    return 0, {"public_key": public_key.to_hex(), "client_id": client_id_of(public_key)}


def cmd_sign(args: argparse.Namespace) -> Result:
    key = secret_key(args)
    return 0, {"signature": key.sign_hash(args.hash).to_hex()}


def cmd_verify(args: argparse.Namespace) -> Result:
    public_key = decoded(PublicKey, args.public_key, "--public-key")
    signature = decoded(Signature, args.signature, "--signature")
    valid = public_key.verify_hash(args.hash, signature)
    return (0 if valid else 1), {"valid": valid}


def cmd_split(args: argparse.Namespace) -> Result:
    if args.private_key is None:
        raise InputError(
            "the following arguments are required: --private-key "
            "(or name a co-signer command: create, list, show, revoke, permissions)"
        )
    if not 2 <= args.parts <= MAX_PARTS:
        raise InputError(f"--parts must be between 2 and {MAX_PARTS}, got {args.parts}")
    shares = crypto.split_secret_key(secret_key(args), args.parts)
    keys = [{"private_key": s.to_hex(), "public_key": s.public_key().to_hex()} for s in shares]
    return 0, {"keys": keys}


def cmd_combine(args: argparse.Namespace) -> Result:
    signatures = [decoded(Signature, s, "--signature") for s in args.signature]
    return 0, {"signature": crypto.aggregate_signatures(signatures).to_hex()}


def cmd_combine_keys(args: argparse.Namespace) -> Result:
    keys = [decoded(PublicKey, k, "--public-key") for k in args.public_key]
    return 0, {"public_key": crypto.aggregate_public_keys(keys).to_hex()}


def cmd_hash_to_g1(args: argparse.Namespace) -> Result:
    message = parse_hex(args.message_hex, None, "--message-hex")
    return 0, {"point": crypto.hash_to_g1(message).hex()}


def cmd_tx_hash(args: argparse.Namespace) -> Result:
    tx = read_transaction(args)
    return 0, {"hash": tx.hash, "hash_data": tx.hash_data}


def cmd_tx_sign(args: argparse.Namespace) -> Result:
    if args.file == "-" and args.private_key == "-":
        raise InputError("--private-key and --file cannot both be read from standard input")
    tx = read_transaction(args)
    key = secret_key(args)
    foreign = tx.public_key and tx.public_key != key.public_key().to_hex()
    if foreign and not args.partial:
        raise InputError(
            "--private-key does not belong to the transaction's public_key "
            "(add --partial to sign with a share of a split key)"
        )
    return 0, tx.sign(key).to_dict()


# -- registering ---------------------------------------------------------------------------


def add_commands(commands: argparse._SubParsersAction):
    """Register the local commands; returns the `split` parser and the `tx` group, which the
    co-signer and network commands extend."""
    keys = group(commands, "keys", "make, recover and inspect wallet keys")
    command(keys, "new", cmd_keys_new, "a new 24-word mnemonic and its keys")
    recover = command(keys, "recover", cmd_keys_recover, "the keys of a 24-word mnemonic")
    recover.add_argument("--mnemonic", required=True, metavar="M", help='the words, or "-"')
    public = command(keys, "public", cmd_keys_public, "public key and client_id of a key")
    _private_key_option(public)

    sign = command(commands, "sign", cmd_sign, "sign a 0Chain hash (its 32 raw bytes)")
    _private_key_option(sign)
    _hash_option(sign)

    verify = command(commands, "verify", cmd_verify, "verify a signature of a hash")
    verify.add_argument("--public-key", required=True, metavar="P")
    _hash_option(verify)
    verify.add_argument("--signature", required=True, metavar="S")

    split = command(
        commands, "split", cmd_split, "split a key into additive shares; or a co-signer split"
    )
    split.add_argument("--private-key", metavar="K", help='hex, or "-"')
    split.add_argument("--parts", type=int, default=2, metavar="N", help="shares (default 2)")

    combine = command(commands, "combine", cmd_combine, "add signatures (partial -> full)")
    combine.add_argument(
        "--signature", required=True, action="extend", nargs="+", metavar="S", help="2 or more"
    )
    combine_keys = command(commands, "combine-keys", cmd_combine_keys, "add public keys")
    combine_keys.add_argument(
        "--public-key", required=True, action="extend", nargs="+", metavar="P", help="2 or more"
    )

    h2g = command(commands, "hash-to-g1", cmd_hash_to_g1, "herumi's hash of a message to G1")
    h2g.add_argument("--message-hex", required=True, metavar="X", help="the message bytes, hex")

    tx = group(commands, "tx", "0Chain transactions (miner JSON)")
    tx_hash = command(tx, "hash", cmd_tx_hash, "hash and hash_data of a transaction")
    _file_option(tx_hash)
    tx_sign = command(tx, "sign", cmd_tx_sign, "sign a transaction; prints the miner JSON")
    _private_key_option(tx_sign)
    _file_option(tx_sign)
    tx_sign.add_argument(
        "--partial",
        action="store_true",
        help="the key is a share of the transaction's public_key (a partial signature)",
    )
    return split, tx


def _private_key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--private-key", required=True, metavar="K", help='hex, or "-"')


def _hash_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hash", required=True, metavar="H", help="64 hex digits (SHA3-256)")


def _file_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file", required=True, metavar="F", help='transaction JSON file, or "-" for stdin'
    )
