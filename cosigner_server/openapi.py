"""The OpenAPI 3.1 document the server serves at /openapi.json, generated from app/protocol: each
operation names its request and answer bodies (app/protocol/bodies.py) and its path
(app/protocol/routes.py), and the schemas are built from the bodies' fields. 0Chain's own
ZAuth/ZVault routes keep 0Chain's shapes, stated here. Tests keep it true: every route the app
registers is documented and every documented route exists; every 2XX answer has a schema, and
schemathesis checks the answers against them."""

from __future__ import annotations

import dataclasses
import typing
from functools import cache
from typing import Any

from app.permissions import Permissions
from app.protocol import bodies as b
from app.protocol import routes as p
from app.protocol import zchain
from app.protocol.bodies import TRANSACTION_SCHEMA, hints, unoptional
from app.protocol.enums import ErrorCode, Rule

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
NONEMPTY = {"type": "string", "minLength": 1}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": sorted(required),
        "properties": {**required, **(optional or {})},
    }


# app/permissions.py's Permissions, as its from_dict takes it.
PERMISSIONS = {
    "type": "object",
    "properties": {
        "groups": {"type": "array", "items": STR},
        "sign_messages": BOOL,
        "sign_raw_hashes": BOOL,
        "max_per_transaction": {"type": ["integer", "null"], "minimum": 0},
        "period_seconds": {"type": "integer", "minimum": 60},
        "max_value_per_period": {"type": ["integer", "null"], "minimum": 0},
        "max_count_per_period": {"type": ["integer", "null"], "minimum": 0},
        "recipients": {"type": ["array", "null"], "items": STR},
        "not_before": {"type": ["integer", "null"], "minimum": 0},
        "expires_at": {"type": ["integer", "null"], "minimum": 0},
        "max_uses": {"type": ["integer", "null"], "minimum": 0},
        "unrestricted": BOOL,
        "chain_id": {"type": ["string", "null"]},
    },
    "additionalProperties": False,
}
# gosdk's Transaction: Go always writes txn_output_hash and transaction_status (read, ignored).
GOSDK_TRANSACTION = {
    **TRANSACTION_SCHEMA,
    "properties": {
        **TRANSACTION_SCHEMA["properties"],
        "txn_output_hash": STR,
        "transaction_status": INT,
        "transaction_output": STR,
    },
}


# -- schemas from the bodies' fields --------------------------------------------------------------

_SCALARS = {str: STR, int: INT, bool: BOOL, dict: {"type": "object"}, list: {"type": "array"}}


def _nullable(s: dict[str, Any]) -> dict[str, Any]:
    if isinstance(s.get("type"), str) and set(s) <= {
        "type",
        "pattern",
        "minLength",
        "maxLength",
        "enum",
    }:
        return {**s, "type": [s["type"], "null"]}
    return {"anyOf": [s, {"type": "null"}]}


def type_schema(hint: Any) -> dict[str, Any]:
    """The JSON schema of a field type of app/protocol/bodies.py."""
    hint, nullable = unoptional(hint)
    origin = typing.get_origin(hint) or hint
    if hint is Permissions:
        s: dict[str, Any] = PERMISSIONS
    elif dataclasses.is_dataclass(hint):
        s = schema_of(hint)
    elif origin is list:
        args = typing.get_args(hint)
        s = {"type": "array", "items": type_schema(args[0])} if args else {"type": "array"}
    else:
        s = _SCALARS[origin]
    return _nullable(s) if nullable else s


def schema_of(cls: type) -> dict[str, Any]:
    """A body's schema: its fields' types, what their metadata adds, and a field without a
    default is required. A field with a default may also be null (the parser reads null as
    absent)."""
    properties, required = {}, []
    for f in dataclasses.fields(cls):
        s = {**type_schema(hints(cls)[f.name]), **f.metadata.get("schema", {})}
        has_default = f.default is not dataclasses.MISSING
        has_default = has_default or f.default_factory is not dataclasses.MISSING
        if has_default and "anyOf" not in s and "null" not in str(s.get("type")):
            s = _nullable(s)
            if "enum" in s:
                s["enum"] = [*s["enum"], None]
        if not has_default:
            required.append(f.name)
        properties[f.name] = s
    return {"type": "object", "required": required, "properties": properties}


ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            **schema_of(b.ApiErrorBody),
            "description": f"code: one of {', '.join(ErrorCode)}; rule (a refusal's): one of "
            f"{', '.join(Rule)}",
        }
    },
}

# -- 0Chain's ZAuth and ZVault shapes (gosdk and zwallet read them) ------------------------------

RESULT = {"result": {"const": "success"}}
ZAUTH_CHALLENGE = obj({"challenge": STR, "expires_in": INT, "message_format": STR, "issuer": STR})
ZVAULT_WALLET = obj({"user_id": STR, "client_id": STR, "client_key": STR, "created_at": INT})
ZVAULT_KEY = obj(
    {"client_id": STR, "client_key": STR, "public_key": STR, "private_key": STR},
    {"user_id": STR, "peer_public_key": STR, "shared_to": STR},
)
GROUPS = {"type": "array", "items": STR}

# (method, path, summary, needs a token, request body, answer)
# A body is a class of app/protocol/bodies.py or a schema; an answer also may map statuses to
# either.
Operation = tuple[str, str, str, bool, Any, Any]
OPERATIONS: list[Operation] = [
    ("get", p.HEALTH, "Liveness", False, None, b.Health),
    (
        "get",
        p.READY,
        "Readiness: unsealed, storage reachable, audit writable",
        False,
        None,
        {"200": b.Readiness, "503": b.Readiness},
    ),
    ("get", p.OPENAPI, "This document", False, None, {"type": "object"}),
    (
        "get",
        p.METRICS,
        "Prometheus metrics (from metrics_networks, else an admin token)",
        False,
        None,
        STR,
    ),
    ("get", p.DOCS, "This document as a page (assets bundled, no CDN)", False, None, STR),
    ("get", p.DOCS_SCRIPT, "The documentation page's script", False, None, STR),
    ("get", p.DOCS_STYLE, "The documentation page's style sheet", False, None, STR),
    (
        "post",
        p.ENROLL,
        "Exchange a one-time enrollment code for a token",
        False,
        b.CodeRequest,
        b.TokenAnswer,
    ),
    (
        "post",
        p.ENROLLMENT_APPROVALS,
        "The second half of a two-person enrollment code (owner or another administrator)",
        True,
        b.ApprovalRequest,
        b.ApprovedHalf,
    ),
    (
        "post",
        p.EXCHANGE,
        "Exchange an enterprise JWT for a server token",
        False,
        None,
        b.TokenAnswer,
    ),
    (
        "post",
        p.CHALLENGE,
        "A fresh challenge to prove possession of a split key",
        False,
        b.ChallengeRequest,
        b.ChallengeAnswer,
    ),
    (
        "post",
        p.PROOF,
        "A token from a challenge signed with a split key's share",
        False,
        b.ProofRequest,
        b.TokenAnswer,
    ),
    ("get", p.WHOAMI, "The caller", True, None, b.WhoAmI),
    (
        "post",
        p.WALLETS,
        "Create a wallet (mnemonic returned once), import one, or register a keyless one",
        True,
        b.CreateWalletRequest,
        b.CreatedWalletAnswer,
    ),
    ("get", p.WALLETS, "My wallets and those shared with me", True, None, b.WalletList),
    ("get", p.WALLET, "One wallet", True, None, b.WalletAnswer),
    ("post", p.WALLET_FREEZE, "Freeze or unfreeze", True, b.FreezeRequest, b.WalletAnswer),
    (
        "delete",
        p.WALLET,
        "Schedule deletion after the waiting period",
        True,
        None,
        b.WalletAnswer,
    ),
    (
        "post",
        p.WALLET_CANCEL_DELETION,
        "Cancel a scheduled deletion",
        True,
        None,
        b.WalletAnswer,
    ),
    ("get", p.WALLET_SPLITS, "A wallet's splits", True, None, b.SplitList),
    (
        "post",
        p.WALLET_SPLITS,
        "A new split for me, a user, or a share code (keyless: from the owner's share)",
        True,
        b.CreateSplitRequest,
        b.NewSplitAnswer,
    ),
    ("get", p.WALLET_AUDIT, "The wallet's audit trail", True, None, b.AuditRecords),
    ("get", p.SPLITS, "Splits I hold", True, None, b.SplitList),
    ("get", p.SPLIT, "One split", True, None, b.SplitAnswer),
    (
        "put",
        p.SPLIT_PERMISSIONS,
        "Change permissions (at once)",
        True,
        b.PermissionsRequest,
        b.SplitAnswer,
    ),
    ("post", p.SPLIT_REVOKE, "Revoke at once (idempotent)", True, None, b.SplitAnswer),
    (
        "post",
        p.SPLIT_REFRESH,
        "Refresh a share pair: (a, b) -> (a + r, b - r)",
        True,
        b.RefreshRequest,
        b.SplitAnswer,
    ),
    ("post", p.SPLIT_KEY, "Retrieve my user share (once)", True, None, b.ShareDelivery),
    (
        "post",
        p.REDEEM,
        "Redeem a share code: become holder, get the share (keyless: its envelope)",
        True,
        b.CodeRequest,
        {"anyOf": [b.ShareDelivery, b.EnvelopeDelivery]},
    ),
    (
        "post",
        p.SIGN_TRANSACTION,
        "Co-sign a 0Chain transaction",
        True,
        b.SignTransactionRequest,
        b.CosignAnswer,
    ),
    (
        "post",
        p.SIGN_MESSAGE,
        "Co-sign sha3 of a message preimage",
        True,
        b.SignMessageRequest,
        b.CosignAnswer,
    ),
    (
        "post",
        p.SIGN_AUTH_HEADERS,
        "Co-sign an auth string; X-App-Client-* headers",
        True,
        b.SignMessageRequest,
        b.CosignAnswer,
    ),
    ("get", p.ADMIN_USERS, "All users", True, None, b.UserList),
    (
        "post",
        p.ADMIN_USERS,
        "A user and their one-time enrollment code",
        True,
        b.CreateUserRequest,
        b.NewUser,
    ),
    (
        "post",
        p.ADMIN_USER_ENROLLMENT_CODE,
        "A new enrollment code (202: for a wallet owner, half of it and an approval reference)",
        True,
        None,
        {"200": b.EnrollmentCodeAnswer, "202": b.EnrollmentHalf},
    ),
    (
        "post",
        p.ADMIN_USER_ENABLED,
        "Enable or disable a user",
        True,
        b.EnabledRequest,
        b.UserAnswer,
    ),
    ("get", p.ADMIN_WALLETS, "All wallets", True, None, b.AllWallets),
    ("get", p.ADMIN_SPLITS, "All splits", True, None, b.SplitList),
    ("post", p.ADMIN_SPLIT_REVOKE, "Revoke any split", True, None, b.SplitAnswer),
    (
        "post",
        p.ADMIN_WALLET_FREEZE,
        "Freeze any wallet",
        True,
        b.FreezeRequest,
        b.WalletAnswer,
    ),
    (
        "post",
        p.ADMIN_WALLET_REMOVE,
        "Remove a wallet record made by 0Chain's /setup (e.g. squatted); audited",
        True,
        b.RemoveRecordRequest,
        b.RemovedRecord,
    ),
    ("get", p.ADMIN_STATS, "Statistics", True, None, b.Stats),
    ("get", p.ADMIN_AUDIT, "The whole audit chain", True, None, b.AuditRecords),
    ("get", p.ADMIN_AUDIT_VERIFY, "Verify the audit chain", True, None, b.AuditVerifyReport),
    (
        "get",
        p.ADMIN_KEK,
        "Key-encryption keys: current id, sealed values per key, rewrap progress",
        True,
        None,
        b.KekStatus,
    ),
    (
        "post",
        p.ADMIN_KEK_RELOAD,
        "Read the key-encryption key ring from its source again; re-seal in the background",
        True,
        None,
        b.KekStatus,
    ),
    (
        "post",
        "/sign/txn",
        "0Chain ZAuth: co-sign a transaction (X-Peer-Public-Key; the partial signature under "
        "that share key is the credential, a JWT is optional)",
        True,
        GOSDK_TRANSACTION,
        {"anyOf": [TRANSACTION_SCHEMA, STR]},  # zauth_txn_answer: the transaction or signature
    ),
    (
        "post",
        "/sign/msg",
        "0Chain ZAuth: co-sign a message from its preimage, or a raw hash for a key with "
        "sign_raw_hashes (possession is the credential, a JWT is optional)",
        True,
        zchain.SignMessage,
        obj({"sig": STR}),
    ),
    (
        "post",
        "/setup/challenge",
        "0Chain ZAuth: a challenge the wallet key signs to prove possession for /setup",
        True,
        zchain.SetupChallengeRequest,
        ZAUTH_CHALLENGE,
    ),
    (
        "post",
        "/setup",
        "0Chain ZAuth: hand over a server share split by the client",
        True,
        zchain.SetupRequest,
        obj({**RESULT, "split": schema_of(b.SplitView)}),
    ),
    (
        "get",
        "/key/{client_id}",
        "0Chain ZAuth: last use of the key (X-Peer-Public-Key)",
        True,
        None,
        obj({"last_used": INT, "status": STR}),
    ),
    (
        "put",
        "/restrictions/{client_id}",
        "0Chain ZAuth: set permission groups",
        True,
        zchain.RestrictionsRequest,
        obj({**RESULT, "restrictions": GROUPS}),
    ),
    (
        "post",
        "/revoke/{client_id}",
        "0Chain ZAuth: revoke by peer_public_key",
        True,
        None,
        obj({**RESULT, "status": STR}),
    ),
    (
        "post",
        "/delete/{client_id}",
        "0Chain ZAuth: schedule the wallet's deletion",
        True,
        None,
        obj({**RESULT, "status": STR, "delete_after": INT}),
    ),
    (
        "post",
        "/wallet",
        "0Chain ZVault: a new wallet in the vault (words once)",
        True,
        None,
        obj({"client_id": STR, "client_key": STR, "mnemonics": STR}),
    ),
    (
        "post",
        "/store",
        "0Chain ZVault: import a wallet by private key or mnemonic",
        True,
        zchain.StoreRequest,
        obj({**RESULT, "client_id": STR, "client_key": STR}),
    ),
    (
        "post",
        "/key/{client_id}",
        "0Chain ZVault: a new split held by the caller; its user share once",
        True,
        zchain.NewKeyRequest,
        obj({**RESULT, "client_id": STR, "public_key": STR, "private_key": STR}),
    ),
    (
        "get",
        "/keys/{client_id}",
        "0Chain ZVault: a wallet's splits (no key material)",
        True,
        None,
        obj({"keys": {"type": "array", "items": ZVAULT_KEY}}),
    ),
    (
        "get",
        "/wallets",
        "0Chain ZVault: the caller's wallets",
        True,
        None,
        {"type": "array", "items": ZVAULT_WALLET},
    ),
    (
        "get",
        "/wallets/shared",
        "0Chain ZVault: wallets the caller holds a split of",
        True,
        None,
        {"type": "array", "items": ZVAULT_WALLET},
    ),
    (
        "get",
        "/restrictions",
        "0Chain ZVault: groups of the split (X-Peer-Public-Key)",
        True,
        None,
        GROUPS,
    ),
]

# Bodies the server treats as {} when absent (a new wallet needs no input).
OPTIONAL_BODIES = {
    ("post", p.WALLETS),
    ("post", "/store"),
    ("post", "/key/{client_id}"),
}
# 0Chain's ZAuth routes name the caller's split by its peer public key in this header.
PEER_HEADER_OPERATIONS = {
    ("post", "/sign/txn"),
    ("post", "/sign/msg"),
    ("get", "/key/{client_id}"),
    ("put", "/restrictions/{client_id}"),
    ("post", "/revoke/{client_id}"),
    ("get", "/restrictions"),
}
# Possession of the share is the credential: a token is optional.
OPTIONAL_AUTH_PATHS = ("/sign/txn", "/sign/msg")
# Answers that are not JSON: their success content type.
SUCCESS_TYPES = {
    "/metrics": "text/plain",
    "/docs": "text/html",
    "/docs/viewer.js": "text/javascript",
    "/docs/viewer.css": "text/css",
}


def as_schema(spec: Any) -> dict[str, Any]:
    """A body class's generated schema, or a schema as it is (anyOf of either)."""
    if isinstance(spec, type):
        return schema_of(spec)
    if "anyOf" in spec:
        return {"anyOf": [as_schema(x) for x in spec["anyOf"]]}
    return spec


def _answers(path: str, answer: Any) -> dict[str, Any]:
    kind = SUCCESS_TYPES.get(path, "application/json")
    by_status = answer if isinstance(answer, dict) and "200" in answer else {"2XX": answer}
    out = {
        status: {
            "description": "Success" if status.startswith("2") else "Not ready",
            "content": {kind: {"schema": as_schema(spec)}},
        }
        for status, spec in by_status.items()
    }
    out["default"] = {"description": "An error", "content": {"application/json": {"schema": ERROR}}}
    return out


def _operation(method: str, path: str, summary: str, auth: bool, body: Any, answer: Any) -> dict:
    op: dict[str, Any] = {
        "summary": summary,
        "operationId": f"{method}_{path}".replace("/", "_").replace("{", "").replace("}", ""),
        "responses": _answers(path, answer),
    }
    params = [
        {"name": name, "in": "path", "required": True, "schema": STR}
        for name in ("client_id", "split_id", "user_id")
        if "{" + name + "}" in path
    ]
    if (method, path) in PEER_HEADER_OPERATIONS:
        params.append(
            {"name": "X-Peer-Public-Key", "in": "header", "required": True, "schema": NONEMPTY}
        )
    if params:
        op["parameters"] = params
    if auth and path in OPTIONAL_AUTH_PATHS:
        op["security"] = [{}, {"bearer": []}]
    elif auth:
        op["security"] = [{"bearer": []}]
    elif path == "/metrics":
        op["security"] = [{}, {"bearer": []}]  # a token only from outside metrics_networks
    if body is not None:
        op["requestBody"] = {
            "required": (method, path) not in OPTIONAL_BODIES,
            "content": {"application/json": {"schema": as_schema(body)}},
        }
    return op


@cache
def document() -> dict[str, Any]:
    paths: dict[str, dict] = {}
    for method, path, summary, auth, body, answer in OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(method, path, summary, auth, body, answer)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Splitkey co-signer", "version": "1"},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
        },
    }
