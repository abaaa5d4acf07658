"""JSON read the way a 0Chain node reads it, for the parts a policy decides on. Pure.

0Chain's nodes decode a smart-contract call's transaction_data with Go's encoding/json into
`struct { FunctionName string `json:"name"`; InputData json.RawMessage `json:"input"` }`. Go and
Python's json module agree on well-formed, plain JSON, and differ on the rest:
- Go matches object keys to struct fields case-insensitively (with Unicode folding: "Name",
  "NAME", "nAme" and even "ınput" with a dotless i fill the same field), and the last match wins;
- both keep the last of duplicate keys, but what "duplicate" means differs (see above);
- Go decodes a lone UTF-16 surrogate escape ("\\ud800") as U+FFFD; Python keeps the surrogate;
- Go refuses NaN and Infinity; Python reads them as floats; Python refuses integers of more than
  4300 digits (ValueError) and overflows 1e999 to inf, Go fails on out-of-range numbers;
- Go gives up at 10 000 levels of nesting, Python's recursion limit near 1000 (RecursionError).

`loads` reads JSON and refuses, with a GoJsonError that names the problem, anything in the last
three groups (so no caller crashes on them and no reading depends on the parser). `read_call`
then reads a contract call as a node would and says when a Go parser could name a different
method than Python (duplicate or case-variant keys).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 64  # levels of [ and {: far more than any request or contract call needs
MAX_INT_DIGITS = 40  # int64 and uint64 need at most 20; anything longer is no 0Chain number
CALL_FIELDS = ("name", "input")  # the fields of the node's SmartContractTransactionData

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class GoJsonError(ValueError):
    """JSON that a Go parser would not read, or would read differently; the message says why."""


def nesting_depth(text: str) -> int:
    """Deepest level of [ and { in JSON text, counted before parsing (strings stripped)."""
    depth = deepest = 0
    for ch in _NOT_BRACKETS.sub("", _STRINGS.sub("", text)):
        depth += 1 if ch in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise GoJsonError(f"a number has {digits} digits; at most {MAX_INT_DIGITS} are read")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise GoJsonError(f"the number {text[:20]}… is out of range")
    return value


def _constant(name: str) -> Any:
    raise GoJsonError(f"{name} is not a JSON number")


def _pairs_keeping_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        dup = next(key for key in keys if keys.count(key) > 1)
        raise GoJsonError(f"key {json.dumps(dup)} appears twice in one object")
    return dict(pairs)


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, unique_keys: bool = False) -> Any:
    """Parse JSON; GoJsonError for text that is not JSON, nested deeper than max_depth, with an
    over-long or out-of-range number, NaN/Infinity, or a lone surrogate; with unique_keys, also
    for an object that repeats a key."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise GoJsonError("it is not UTF-8 text") from None
    # Counting brackets is C-speed; only text with more of them than the limit is walked (a
    # co-signer reads this on every request).
    if text.count("{") + text.count("[") > max_depth:
        depth = nesting_depth(text)
        if depth > max_depth:
            raise GoJsonError(f"it is nested {depth} levels deep; at most {max_depth} are read")
    try:
        value = json.loads(
            text,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
            object_pairs_hook=_pairs_keeping_duplicates if unique_keys else None,
        )
    except json.JSONDecodeError as exc:
        raise GoJsonError(f"it is not JSON ({exc.msg} at column {exc.colno})") from None
    if not _may_hold_surrogate(text):
        return value
    try:
        # A lone surrogate cannot be UTF-8; a Go parser would have read U+FFFD in its place.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise GoJsonError(
            "a string holds a lone UTF-16 surrogate (\\ud800-\\udfff), which Go reads as U+FFFD"
        ) from None
    return value


def _may_hold_surrogate(text: str) -> bool:
    """False when no string in the parsed value can hold a surrogate: text without one and
    without an escape of one (a false alarm, e.g. an escaped backslash, only costs the full
    check)."""
    return _SURROGATE_ESCAPE.search(text) is not None or _SURROGATE.search(text) is not None


def _skeleton(key: str) -> str:
    # What Go's case-insensitive match reduces a key to, generously: compatibility forms (the
    # Kelvin sign is K, ſ is s), marks dropped (İ is I), dotless ı as i, then case folded.
    decomposed = unicodedata.normalize("NFKD", key)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("ı", "i").casefold()


def variant_of(key: str, fields: tuple[str, ...] = CALL_FIELDS) -> str | None:
    """The struct field a key fills in Go without being spelled exactly like it, or None."""
    if key in fields:
        return None
    folded = _skeleton(key)
    return next((field for field in fields if folded == field), None)


@dataclass(frozen=True)
class CallReading:
    """transaction_data as a node reads a contract call from it.

    is_call: a node would run a method named `name` (a JSON object whose name is a non-empty
    string). problem: set when a Go parser could read the data differently from this reading;
    then name and is_call must not be trusted."""

    is_call: bool
    name: str = ""
    problem: str | None = None


def read_call(data: str) -> CallReading:
    if not data:
        return CallReading(False)
    try:
        value = loads(data, unique_keys=True)
    except GoJsonError as exc:
        if str(exc).startswith("it is not JSON"):
            return CallReading(False)  # Go's Unmarshal fails too: the node runs no method
        return CallReading(False, problem=f"the data {exc}")
    if not isinstance(value, dict):
        return CallReading(False)  # an array, string or number does not decode into the struct
    for key in value:
        field = variant_of(key)
        if field is not None:
            return CallReading(
                False,
                problem=(
                    f"the data's key {json.dumps(key)} is read as {json.dumps(field)} by "
                    "0Chain's nodes (Go matches keys case-insensitively)"
                ),
            )
    name = value.get("name")
    return CallReading(isinstance(name, str) and name != "", name if isinstance(name, str) else "")
