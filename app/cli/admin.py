"""The co-signer's admin commands, defined once: name, arguments, help, the client call, the
human renderer and the exit status. Both CLIs register this table:

* `splitkey admin NAME ...` (app/cli/cosigner.py) with the logged-in session's token; it prints
  the JSON object;
* `splitkey-cosigner NAME ...` (cosigner_server/cli/admin.py) with an admin token it mints
  beside the server; it prints the human form, or the JSON object with --json.

The server CLI's earlier spellings (`users add`, `enroll`, `freeze --off`, ...) are registered as
aliases of the same definitions (`legacy`). Importing this module does not load `splitkey`'s
other commands.
"""

from __future__ import annotations

import argparse
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.cli.errors import InputError
from app.cli.tables import fmt_time, table
from app.protocol.enums import Role
from app.protocol.exit_codes import ExitStatus

Data = dict[str, Any]


@dataclass(frozen=True)
class Arg:
    flags: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AdminCommand:
    name: str
    help: str
    call: Callable[[Any, argparse.Namespace], Data]  # (CosignerClient, args) -> the JSON object
    human: Callable[[Data], str]
    args: tuple[Arg, ...] = ()
    outcome: Callable[[Data], ExitStatus] = lambda data: ExitStatus.OK
    legacy: tuple[tuple[str, ...], ...] = ()  # the server CLI's earlier spellings
    in_server_cli: bool = True  # False: the server CLI has its own (offline) command

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        for arg in self.args:
            parser.add_argument(*arg.flags, **arg.options)

    def run(self, api: Any, args: argparse.Namespace) -> tuple[ExitStatus, Data]:
        data = self.call(api, args)
        return self.outcome(data), data


def segment(value: str) -> str:
    # An id is one path segment: "../x" or "a/b" must not reach another route.
    return urllib.parse.quote(value, safe="")


# -- renderers ---------------------------------------------------------------------------------


def user_rows(users: list[Data]) -> str:
    rows = [
        [u["id"], u["role"], "yes" if u["enabled"] else "NO", u["issuer"], u["subject"]]
        for u in users
    ]
    return table(rows, ["ID", "ROLE", "ENABLED", "ISSUER", "SUBJECT"])


def code_text(data: Data) -> str:
    user, code = data["user"], data["enrollment_code"]
    return f"{user_rows([user])}\n\nEnrollment code for {user['subject']} (shown once): {code}"


def _enrollment_text(d: Data) -> str:
    if "enrollment_code" in d:
        return f"Enrollment code for {d['user_id']} (shown once): {d['enrollment_code']}"
    return (
        f"First half of the enrollment code for {d['user_id']} (shown once): "
        f"{d['enrollment_code_half']}\n{d['message']}.\nApproval reference: "
        f"{d['approval_ref']}\n(another administrator: `splitkey-cosigner enroll-approve REF "
        "--admin-id THEIR_ID`)"
    )


def wallet_rows(wallets: list[Data]) -> str:
    rows = [
        [
            w["client_id"],
            w["owner_id"],
            "FROZEN" if w["frozen"] else "-",
            fmt_time(w["created_at"]),
            fmt_time(w.get("delete_after")),
        ]
        for w in wallets
    ]
    return table(rows, ["CLIENT_ID", "OWNER", "FROZEN", "CREATED", "DELETE_AFTER"])


def split_rows(splits: list[Data]) -> str:
    rows = [
        [
            s["id"],
            s["client_id"],
            s.get("holder_id") or "(share code)",
            s["status"],
            str(s["uses"]),
            fmt_time(s.get("last_used")),
            s["label"],
        ]
        for s in splits
    ]
    return table(rows, ["ID", "WALLET", "HOLDER", "STATUS", "USES", "LAST_USED", "LABEL"])


def audit_rows(records: list[Data]) -> str:
    rows = [
        [
            str(r.get("seq")),
            fmt_time(r.get("at")) if isinstance(r.get("at"), int) else "?",
            str(r.get("event")),
            str(r.get("outcome")),
            str(r.get("actor")),
            str(r.get("wallet") or "-"),
            str(r.get("split") or "-"),
            json.dumps(r.get("details"), sort_keys=True, separators=(",", ":")),
        ]
        for r in records
    ]
    return table(rows, ["SEQ", "AT", "EVENT", "OUTCOME", "ACTOR", "WALLET", "SPLIT", "DETAILS"])


def _stats_text(d: Data) -> str:
    splits = ", ".join(f"{k} {v}" for k, v in sorted(d.get("splits", {}).items())) or "none"
    return "\n".join(
        [
            f"users:         {d.get('users')}",
            f"wallets:       {d.get('wallets')}",
            f"splits:        {splits}",
            f"co-signs:      {d.get('cosigns')}",
            f"crypto queue:  {d.get('crypto_queue')}",
        ]
    )


def _verify_text(r: Data) -> str:
    if r.get("ok"):
        return f"audit log OK: {r.get('records')} records verified (by the server)"
    return f"audit log PROBLEM at seq {r.get('first_bad_seq')}: {r.get('problem')}"


# -- calls -------------------------------------------------------------------------------------


def _create_user(api: Any, args: argparse.Namespace) -> Data:
    subject = args.subject or args.subject_option
    if not subject:
        raise InputError("name the user: user-create SUBJECT (or --subject SUBJECT)")
    made = api.create_user(subject, args.role)
    return {"user": made.user.to_dict(), "enrollment_code": made.enrollment_code}


def _splits(api: Any, args: argparse.Namespace) -> Data:
    # The admin route lists every split; the wallet filter is the CLI's.
    wallet = args.wallet
    return {"splits": [s.to_dict() for s in api.all_splits() if wallet in (None, s.client_id)]}


def _freeze(frozen: bool | None) -> Callable[[Any, argparse.Namespace], Data]:
    def call(api: Any, args: argparse.Namespace) -> Data:
        wanted = not args.off if frozen is None else frozen
        return {"wallet": api.admin_freeze(segment(args.client_id), wanted).to_dict()}

    return call


def _user_enabled(enabled: bool) -> Callable[[Any, argparse.Namespace], Data]:
    def call(api: Any, args: argparse.Namespace) -> Data:
        return {"user": api.set_enabled(segment(args.user_id), enabled).to_dict()}

    return call


USER_ID = Arg(("user_id",))
CLIENT_ID = Arg(("client_id",))
# `wallets list` / `splits list`: the server CLI's earlier spelling, still accepted.
LIST_WORD = Arg(("action",), {"nargs": "?", "choices": ("list",), "help": argparse.SUPPRESS})
PAGE = (
    Arg(("--since",), {"type": int, "metavar": "SEQ", "help": "records after this one"}),
    Arg(("--limit",), {"type": int, "metavar": "N", "help": "at most N records"}),
)

ADMIN_COMMANDS: tuple[AdminCommand, ...] = (
    AdminCommand(
        "users", "all users",
        lambda api, args: {"users": [u.to_dict() for u in api.users()]},
        lambda d: user_rows(d["users"]),
        legacy=(("users", "list"),),
    ),
    AdminCommand(
        "user-create", "a user and a one-time enrollment code", _create_user, code_text,
        args=(
            Arg(("subject",), {"nargs": "?", "metavar": "SUBJECT"}),
            Arg(("--subject",), {"dest": "subject_option", "metavar": "S",
                                 "help": "the same as SUBJECT"}),
            Arg(("--role",), {"choices": [r.value for r in Role], "default": Role.USER.value}),
        ),
        legacy=(("users", "add"),),
    ),
    AdminCommand(
        "enrollment-code", "a new enrollment code (for a wallet owner: half of it)",
        lambda api, args: {
            "user_id": args.user_id, **api.enrollment_code_or_half(segment(args.user_id))
        },
        _enrollment_text, args=(USER_ID,), legacy=(("enroll",),),
    ),
    AdminCommand(
        "enrollment-approve", "second half of a wallet owner's code (another administrator)",
        lambda api, args: {"enrollment_code_half": api.approve_enrollment(args.ref)},
        lambda d: f"Second half of the enrollment code (shown once): {d['enrollment_code_half']}",
        args=(Arg(("ref",)),), legacy=(("enroll-approve",),),
    ),
    AdminCommand(
        "enable", "enable a user", _user_enabled(True), lambda d: user_rows([d["user"]]),
        args=(USER_ID,), legacy=(("users", "enable"),),
    ),
    AdminCommand(
        "disable", "disable a user (tokens refused at once)", _user_enabled(False),
        lambda d: user_rows([d["user"]]), args=(USER_ID,), legacy=(("users", "disable"),),
    ),
    AdminCommand(
        "wallets", "all wallets",
        lambda api, args: {"wallets": [w.to_dict() for w in api.all_wallets()]},
        lambda d: wallet_rows(d["wallets"]), args=(LIST_WORD,),
    ),
    AdminCommand(
        "splits", "all splits", _splits, lambda d: split_rows(d["splits"]),
        args=(LIST_WORD, Arg(("--wallet",), {"default": None, "metavar": "CLIENT_ID"})),
    ),
    AdminCommand(
        "revoke", "revoke any split (idempotent)",
        lambda api, args: {"split": api.admin_revoke(segment(args.split_id)).to_dict()},
        lambda d: split_rows([d["split"]]), args=(Arg(("split_id",)),),
    ),
    AdminCommand(
        "freeze", "freeze any wallet (refuse every co-sign)", _freeze(None),
        lambda d: wallet_rows([d["wallet"]]),
        args=(CLIENT_ID, Arg(("--off",), {"action": "store_true", "help": "unfreeze"})),
    ),
    AdminCommand(
        "unfreeze", "unfreeze any wallet", _freeze(False), lambda d: wallet_rows([d["wallet"]]),
        args=(CLIENT_ID,),
    ),
    AdminCommand(
        "remove-record", "remove a wallet record made by 0Chain's /setup (e.g. squatted); audited",
        lambda api, args: api.admin_remove_record(segment(args.client_id), args.reason),
        lambda d: f"removed the record of wallet {d['removed']}",
        args=(CLIENT_ID, Arg(("--reason",), {"required": True, "help": "why, for the audit log"})),
    ),
    AdminCommand("stats", "counts", lambda api, args: api.stats(), _stats_text),
    AdminCommand(
        "audit", "the whole audit chain, through the server",
        lambda api, args: {"records": api.audit(since=args.since, limit=args.limit)},
        lambda d: audit_rows(d["records"]), args=PAGE, in_server_cli=False,
    ),
    AdminCommand(
        "audit-verify", "the server verifies its chain (exit 1 if broken)",
        lambda api, args: api.audit_verify(), _verify_text,
        outcome=lambda r: ExitStatus.OK if r.get("ok") else ExitStatus.FAILED,
        in_server_cli=False,
    ),
)  # fmt: skip
