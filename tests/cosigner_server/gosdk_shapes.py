"""Requests byte for byte as 0Chain's Go clients send them (../shared/research/0chain-wire.md
section 1): gosdk's struct field order and json tags (omitempty where gosdk has it), and Go's
encoding/json string escaping (<, >, & as \\u003c..., U+2028/2029 escaped, other non-ASCII kept
raw). Written for the conformance tests; the Go programs themselves are not run here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

_GO_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def go_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def go_value(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return go_string(value)
    if isinstance(value, list):
        return "[" + ",".join(go_value(v) for v in value) + "]"
    if isinstance(value, dict):  # a Go map: keys sorted
        return go_struct(sorted(value.items()))
    raise TypeError(type(value))


def go_struct(fields: list[tuple[str, Any]]) -> str:
    """A Go struct marshalled: fields in declaration order (pass only those Go writes)."""
    return "{" + ",".join(f"{go_string(k)}:{go_value(v)}" for k, v in fields) + "}"


def sc_data(name: str, input_args: Any = None) -> str:
    """transaction.SmartContractTxnData{Name, InputArgs} marshalled (input null when unset)."""
    return go_struct([("name", name), ("input", input_args)])


def transaction_bytes(tx: dict[str, Any]) -> bytes:
    """gosdk core/transaction.Transaction (non-mobile) marshalled by encoding/json."""
    omitempty = {"hash", "version", "client_id", "public_key", "to_client_id", "chain_id",
                 "signature", "creation_date", "transaction_output"}  # fmt: skip
    order = ["hash", "version", "client_id", "public_key", "to_client_id", "chain_id",
             "transaction_data", "transaction_value", "signature", "creation_date",
             "transaction_type", "transaction_output", "transaction_fee", "transaction_nonce",
             "txn_output_hash", "transaction_status"]  # fmt: skip
    defaults = {"transaction_data": "", "transaction_value": 0, "transaction_type": 0,
                "transaction_fee": 0, "transaction_nonce": 0, "txn_output_hash": "",
                "transaction_status": 0}  # fmt: skip
    fields = []
    for name in order:
        value = tx.get(name, defaults.get(name))
        if name in omitempty and not value:
            continue
        fields.append((name, value))
    return go_struct(fields).encode()


def auth_message_bytes(hash_hex: str, signature: str, client_id: str) -> bytes:
    """zcncore.AuthMessage as gosdk's /sign/msg sends it."""
    fields = [("hash", hash_hex), ("signature", signature), ("client_id", client_id)]
    return go_struct(fields).encode()


def split_wallet_bytes(body: dict[str, Any]) -> bytes:
    """zcncore.SplitWallet (zwallet zauth), plus Splitkey's proof fields at the end."""
    fields = [(k, body[k]) for k in ("client_id", "client_key", "public_key", "private_key",
                                      "peer_public_key")]  # fmt: skip
    fields += [("is_revoked", False), ("expired_at", body.get("expired_at", 0))]
    if "restrictions" in body:
        fields.append(("restrictions", body["restrictions"]))
    fields += [(k, body[k]) for k in ("challenge", "proof") if k in body]
    return go_struct(fields).encode()


@dataclass
class GoZauthClient:
    """The calls of gosdk's zcncore/zauth.go: Content-Type JSON, X-Jwt-Token where gosdk sends
    one (never on /sign/*), X-Peer-Public-Key on the sign calls."""

    http: httpx.Client
    jwt: str

    def _post(self, path: str, content: bytes | None, headers: dict[str, str]) -> httpx.Response:
        return self.http.post(
            path, content=content, headers={"Content-Type": "application/json", **headers}
        )

    def setup(self, body: dict[str, Any]) -> httpx.Response:
        return self._post("/setup", split_wallet_bytes(body), {"X-Jwt-Token": self.jwt})

    def setup_challenge(self, client_id: str) -> httpx.Response:
        content = go_struct([("client_id", client_id)]).encode()
        return self._post("/setup/challenge", content, {"X-Jwt-Token": self.jwt})

    def sign_txn(self, tx: dict[str, Any], peer: str) -> httpx.Response:
        return self._post("/sign/txn", transaction_bytes(tx), {"X-Peer-Public-Key": peer})

    def sign_msg(self, hash_hex: str, partial: str, client_id: str, peer: str) -> httpx.Response:
        content = auth_message_bytes(hash_hex, partial, client_id)
        return self._post("/sign/msg", content, {"X-Peer-Public-Key": peer})

    def restrictions(self, client_id: str, peer: str, groups: list[str]) -> httpx.Response:
        content = go_struct([("restrictions", groups)]).encode()
        headers = {"Content-Type": "application/json", "X-Jwt-Token": self.jwt,
                   "X-Peer-Public-Key": peer}  # fmt: skip
        return self.http.put(f"/restrictions/{client_id}", content=content, headers=headers)

    def key(self, client_id: str, peer: str) -> httpx.Response:
        return self.http.get(
            f"/key/{client_id}", headers={"X-Jwt-Token": self.jwt, "X-Peer-Public-Key": peer}
        )

    def revoke(self, client_id: str, peer: str) -> httpx.Response:
        return self._post(f"/revoke/{client_id}?peer_public_key={peer}", None,
                          {"X-Jwt-Token": self.jwt})  # fmt: skip

    def delete(self, client_id: str) -> httpx.Response:
        return self._post(f"/delete/{client_id}", None, {"X-Jwt-Token": self.jwt})


def decoded(answer: httpx.Response) -> Any:
    """What Go's json.Decoder gives: the answer must be JSON."""
    return json.loads(answer.content)
