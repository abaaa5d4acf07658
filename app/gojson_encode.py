"""JSON text byte-for-byte as Go's encoding/json writes it, for data that gets hashed.

A smart-contract call's transaction_data is hashed as the string it is, so Splitkey and gosdk
only agree on a hash when they write the same bytes for the same call. Go's json.Marshal
differs from Python's json.dumps in three ways that matter here: no spaces, `<`, `>` and `&`
escaped as \\u003c \\u003e \\u0026 (and U+2028/U+2029 as \\u2028/\\u2029) while other non-ASCII
text stays raw UTF-8, and map keys sorted. Struct fields keep their declared order; gosdk
marshals most smart-contract inputs as structs, so keys keep the caller's order unless
sort_keys (a Go map) is asked for.

    go_marshal({"name": "transfer", "input": {"note": "a<b"}})
    -> '{"name":"transfer","input":{"note":"a\\u003cb"}}'
"""

from __future__ import annotations

import json
from typing import Any

_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def go_string(text: str) -> str:
    """A JSON string literal as Go writes it."""
    quoted = json.dumps(text, ensure_ascii=False)
    for raw, escaped in _GO_ESCAPES.items():
        quoted = quoted.replace(raw, escaped)
    return quoted


def go_marshal(value: Any, *, sort_keys: bool = False) -> str:
    """Go's json.Marshal of value: dicts in their order (Go structs), or sorted (Go maps).
    Floats are refused: Go formats them differently and no 0Chain call hashed here has one."""
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
    if isinstance(value, float):
        raise TypeError("floats are not written the way Go writes them; use an integer")
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(go_marshal(item, sort_keys=sort_keys) for item in value) + "]"
    if isinstance(value, dict):
        if any(not isinstance(key, str) for key in value):
            raise TypeError("JSON object keys must be text")
        items = sorted(value.items()) if sort_keys else list(value.items())
        inner = (f"{go_string(k)}:{go_marshal(v, sort_keys=sort_keys)}" for k, v in items)
        return "{" + ",".join(inner) + "}"
    raise TypeError(f"{type(value).__name__} is not JSON")
