"""The OpenAPI 3.1 document the server serves at /openapi.json. A test keeps it true: every
route the app registers is documented here and every documented route exists."""

from __future__ import annotations

from functools import cache
from typing import Any

from app.protocol.routes import API

HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
OPT_STR = {"type": ["string", "null"]}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": sorted(required),
        "properties": {**required, **(optional or {})},
    }


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
TRANSACTION = obj(
    {"client_id": HEX64, "chain_id": HEX64, "creation_date": INT, "signature": STR},
    {
        "to_client_id": STR,
        "transaction_data": STR,
        "transaction_value": INT,
        "transaction_fee": INT,
        "transaction_nonce": INT,
        "transaction_type": INT,
        "public_key": STR,
        "version": STR,
        "hash": STR,
    },
)
# gosdk's Transaction: Go always writes txn_output_hash and transaction_status (read, ignored).
GOSDK_TRANSACTION = {
    **TRANSACTION,
    "properties": {
        **TRANSACTION["properties"],
        "txn_output_hash": STR,
        "transaction_status": INT,
        "transaction_output": STR,
    },
}
NONEMPTY = {"type": "string", "minLength": 1}
# 32 bytes in hex; "0x" and surrounding spaces are accepted; "" and null mean "not given".
PRIVATE_KEY = {"type": ["string", "null"], "pattern": "^(\\s*(0[xX])?[0-9a-fA-F]{64}\\s*)?$"}
# Printable ASCII, as app/wire.py checks it.
REQUEST_ID = {"type": "string", "pattern": "^[ -~]{8,128}$"}
# Keyless custody (app/wire.py): the owner split the key; only the server's share comes here.
KEYLESS_WALLET = obj(
    {"client_key": STR, "server_share": STR, "share_public_key": STR, "proof": STR}
)
DELEGATION = obj(
    {"from_split": STR, "d": STR, "share_public_key": STR, "proof": STR},
    {"envelope": {"type": ["string", "null"]}},
)
NULLABLE_DELEGATION = {**DELEGATION, "type": ["object", "null"]}  # null: a custodial split
MESSAGE_REQUEST = obj({"split_id": STR, "request_id": REQUEST_ID, "message": STR, "signature": STR})

# (method, path, summary, needs a token, request body schema)
OPERATIONS: list[tuple[str, str, str, bool, dict | None]] = [
    ("get", "/health", "Liveness", False, None),
    ("get", "/ready", "Readiness: unsealed, storage reachable, audit writable", False, None),
    ("get", "/openapi.json", "This document", False, None),
    (
        "get",
        "/metrics",
        "Prometheus metrics (from metrics_networks, else an admin token)",
        False,
        None,
    ),
    ("get", "/docs", "This document as a page (assets bundled, no CDN)", False, None),
    ("get", "/docs/viewer.js", "The documentation page's script", False, None),
    ("get", "/docs/viewer.css", "The documentation page's style sheet", False, None),
    (
        "post",
        API + "/auth/enroll",
        "Exchange a one-time enrollment code for a token",
        False,
        obj({"code": STR}),
    ),
    (
        "post",
        API + "/auth/enrollment-approvals",
        "The second half of a two-person enrollment code (owner or another administrator)",
        True,
        obj({"ref": STR}),
    ),
    ("post", API + "/auth/exchange", "Exchange an enterprise JWT for a server token", False, None),
    (
        "post",
        API + "/auth/challenge",
        "A fresh challenge to prove possession of a split key",
        False,
        obj({"split_id": STR}),
    ),
    (
        "post",
        API + "/auth/proof",
        "A token from a challenge signed with a split key's share",
        False,
        obj({"split_id": STR, "challenge": STR, "signature": STR}),
    ),
    ("get", API + "/auth/whoami", "The caller", True, None),
    (
        "post",
        API + "/wallets",
        "Create a wallet (mnemonic returned once), import one, or register a keyless one",
        True,
        obj(
            {},
            {
                "mnemonic": {"type": ["string", "null"]},
                "private_key": PRIVATE_KEY,
                "keyless": {**KEYLESS_WALLET, "type": ["object", "null"]},
            },
        ),
    ),
    ("get", API + "/wallets", "My wallets and those shared with me", True, None),
    ("get", API + "/wallets/{client_id}", "One wallet", True, None),
    (
        "post",
        API + "/wallets/{client_id}/freeze",
        "Freeze or unfreeze",
        True,
        obj({"frozen": BOOL}),
    ),
    (
        "delete",
        API + "/wallets/{client_id}",
        "Schedule deletion after the waiting period",
        True,
        None,
    ),
    (
        "post",
        API + "/wallets/{client_id}/cancel-deletion",
        "Cancel a scheduled deletion",
        True,
        None,
    ),
    ("get", API + "/wallets/{client_id}/splits", "A wallet's splits", True, None),
    (
        "post",
        API + "/wallets/{client_id}/splits",
        "A new split for me, a user, or a share code (keyless: from the owner's share)",
        True,
        obj(
            {},
            {
                "label": STR,
                "holder": STR,
                "permissions": PERMISSIONS,
                "delegation": NULLABLE_DELEGATION,
            },
        ),
    ),
    ("get", API + "/wallets/{client_id}/audit", "The wallet's audit trail", True, None),
    ("get", API + "/splits", "Splits I hold", True, None),
    ("get", API + "/splits/{split_id}", "One split", True, None),
    (
        "put",
        API + "/splits/{split_id}/permissions",
        "Change permissions (at once)",
        True,
        obj({"permissions": PERMISSIONS}),
    ),
    ("post", API + "/splits/{split_id}/revoke", "Revoke at once (idempotent)", True, None),
    (
        "post",
        API + "/splits/{split_id}/refresh",
        "Refresh a share pair: (a, b) -> (a + r, b - r)",
        True,
        obj({"r": STR, "share_public_key": STR, "proof": STR}),
    ),
    ("post", API + "/splits/{split_id}/key", "Retrieve my user share (once)", True, None),
    (
        "post",
        API + "/share-codes/redeem",
        "Redeem a share code: become holder, get the share",
        True,
        obj({"code": STR}),
    ),
    (
        "post",
        API + "/sign/transaction",
        "Co-sign a 0Chain transaction",
        True,
        obj({"split_id": STR, "request_id": REQUEST_ID, "transaction": TRANSACTION}),
    ),
    ("post", API + "/sign/message", "Co-sign sha3 of a message preimage", True, MESSAGE_REQUEST),
    (
        "post",
        API + "/sign/auth-headers",
        "Co-sign an auth string; X-App-Client-* headers",
        True,
        MESSAGE_REQUEST,
    ),
    ("get", API + "/admin/users", "All users", True, None),
    (
        "post",
        API + "/admin/users",
        "A user and their one-time enrollment code",
        True,
        obj(
            {"subject": {"type": "string", "minLength": 1, "maxLength": 200}},
            {"role": {"enum": ["admin", "user", None]}},  # null: user
        ),
    ),
    (
        "post",
        API + "/admin/users/{user_id}/enrollment-code",
        "A new enrollment code (202: for a wallet owner, half of it and an approval reference)",
        True,
        None,
    ),
    (
        "post",
        API + "/admin/users/{user_id}/enabled",
        "Enable or disable a user",
        True,
        obj({"enabled": BOOL}),
    ),
    ("get", API + "/admin/wallets", "All wallets", True, None),
    ("get", API + "/admin/splits", "All splits", True, None),
    ("post", API + "/admin/splits/{split_id}/revoke", "Revoke any split", True, None),
    (
        "post",
        API + "/admin/wallets/{client_id}/freeze",
        "Freeze any wallet",
        True,
        obj({"frozen": BOOL}),
    ),
    (
        "post",
        API + "/admin/wallets/{client_id}/remove",
        "Remove a wallet record made by 0Chain's /setup (e.g. squatted); audited",
        True,
        obj({"reason": NONEMPTY}),
    ),
    ("get", API + "/admin/stats", "Statistics", True, None),
    ("get", API + "/admin/audit", "The whole audit chain", True, None),
    ("get", API + "/admin/audit/verify", "Verify the audit chain", True, None),
    (
        "get",
        API + "/admin/kek",
        "Key-encryption keys: current id, sealed values per key, rewrap progress",
        True,
        None,
    ),
    (
        "post",
        API + "/admin/kek/reload",
        "Read the key-encryption key ring from its source again; re-seal in the background",
        True,
        None,
    ),
    (
        "post",
        "/sign/txn",
        "0Chain ZAuth: co-sign a transaction (X-Peer-Public-Key; the partial signature under "
        "that share key is the credential, a JWT is optional)",
        True,
        GOSDK_TRANSACTION,
    ),
    (
        "post",
        "/sign/msg",
        "0Chain ZAuth: co-sign a message from its preimage, or a raw hash for a key with "
        "sign_raw_hashes (possession is the credential, a JWT is optional)",
        True,
        obj({"hash": STR, "signature": STR, "client_id": STR}, {"message": STR}),
    ),
    (
        "post",
        "/setup/challenge",
        "0Chain ZAuth: a challenge the wallet key signs to prove possession for /setup",
        True,
        obj({"client_id": STR}),
    ),
    (
        "post",
        "/setup",
        "0Chain ZAuth: hand over a server share split by the client",
        True,
        obj(
            {
                "client_id": STR,
                "client_key": STR,
                "public_key": STR,
                "private_key": STR,
                "peer_public_key": STR,
            },
            {
                "restrictions": {"type": "array", "items": STR},
                "expired_at": INT,
                "challenge": STR,
                "proof": STR,
            },
        ),
    ),
    (
        "get",
        "/key/{client_id}",
        "0Chain ZAuth: last use of the key (X-Peer-Public-Key)",
        True,
        None,
    ),
    (
        "put",
        "/restrictions/{client_id}",
        "0Chain ZAuth: set permission groups",
        True,
        obj({"restrictions": {"type": "array", "items": STR}}),
    ),
    ("post", "/revoke/{client_id}", "0Chain ZAuth: revoke by peer_public_key", True, None),
    ("post", "/delete/{client_id}", "0Chain ZAuth: schedule the wallet's deletion", True, None),
    ("post", "/wallet", "0Chain ZVault: a new wallet in the vault (words once)", True, None),
    (
        "post",
        "/store",
        "0Chain ZVault: import a wallet by private key or mnemonic",
        True,
        obj({}, {"private_key": OPT_STR, "mnemonic": OPT_STR}),
    ),
    (
        "post",
        "/key/{client_id}",
        "0Chain ZVault: a new split held by the caller; its user share once",
        True,
        obj({}, {"restrictions": {"type": "array", "items": STR}}),
    ),
    ("get", "/keys/{client_id}", "0Chain ZVault: a wallet's splits (no key material)", True, None),
    ("get", "/wallets", "0Chain ZVault: the caller's wallets", True, None),
    ("get", "/wallets/shared", "0Chain ZVault: wallets the caller holds a split of", True, None),
    ("get", "/restrictions", "0Chain ZVault: groups of the split (X-Peer-Public-Key)", True, None),
]

ERROR = obj({"error": obj({"code": STR, "message": STR}, {"rule": STR, "field": STR})})
# Bodies the server treats as {} when absent (a new wallet needs no input).
OPTIONAL_BODIES = {
    ("post", API + "/wallets"),
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


def _operation(method: str, path: str, summary: str, auth: bool, body: dict | None) -> dict:
    op: dict[str, Any] = {
        "summary": summary,
        "operationId": f"{method}_{path}".replace("/", "_").replace("{", "").replace("}", ""),
        "responses": {
            "default": {
                "description": "An error",
                "content": {"application/json": {"schema": ERROR}},
            },
            "2XX": {
                "description": "Success",
                "content": {SUCCESS_TYPES.get(path, "application/json"): {}},
            },
        },
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
            "content": {"application/json": {"schema": body}},
        }
    return op


@cache
def document() -> dict[str, Any]:
    paths: dict[str, dict] = {}
    for method, path, summary, auth, body in OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(method, path, summary, auth, body)
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
