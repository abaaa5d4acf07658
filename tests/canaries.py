"""The canary search every leak test uses: a planted secret is looked for in raw bytes, hex
(any case), base64 and base64url (padded or not, at every alignment), big-endian and decimal for
scalars, and runs of words for mnemonics. tests/cosigner_server/test_canaries.py checks that the
search finds a canary planted on purpose."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from app.crypto import SecretKey

MNEMONIC_WINDOW = 4  # this many consecutive words of a canary mnemonic count as a leak


def _b64_forms(label: str, encode, secret: bytes) -> dict[str, bytes]:
    full = encode(secret)
    forms = {label: full, f"{label}-nopad": full.rstrip(b"=")}
    # Inside a longer base64 stream the secret starts at offset 0, 1 or 2 mod 3 and each gives
    # other characters: search the part of each alignment that does not depend on the
    # neighbouring bytes (whole 3-byte groups made of secret bytes only).
    for shift in (0, 1, 2):
        encoded = encode(b"\0" * shift + secret)
        start = 4 if shift else 0
        end = 4 * ((shift + len(secret)) // 3)
        forms[f"{label}@{shift}"] = encoded[start:end]
    return forms


def encodings(secret: bytes) -> dict[str, bytes]:
    # hex is searched without regard to case: lower, upper and mixed case are all found
    forms = {"raw": secret, "hex": secret.hex().encode()}
    forms.update(_b64_forms("base64", base64.b64encode, secret))
    forms.update(_b64_forms("base64url", base64.urlsafe_b64encode, secret))
    return {name: form for name, form in forms.items() if len(form) >= 8}


@dataclass
class Canaries:
    forms: dict[str, dict[str, bytes]] = field(default_factory=dict)  # name -> form -> bytes

    def plant(self, name: str, secret: bytes | str) -> None:
        data = secret.encode() if isinstance(secret, str) else secret
        assert name not in self.forms and len(data) >= 8
        self.forms[name] = encodings(data)

    def plant_scalar(self, name: str, key: SecretKey | int) -> None:
        value = key if isinstance(key, int) else key.value
        # herumi's form is little-endian; a leak might as well be big-endian or the decimal
        self.plant(name, value.to_bytes(32, "little"))
        self.forms[name].update(
            {f"BE-{k}": v for k, v in encodings(value.to_bytes(32, "big")).items()}
        )
        self.forms[name]["decimal"] = str(value).encode()

    def plant_mnemonic(self, name: str, mnemonic: str) -> None:
        self.plant(name, mnemonic)
        words = mnemonic.split()
        for i in range(len(words) - MNEMONIC_WINDOW + 1):
            window = " ".join(words[i : i + MNEMONIC_WINDOW]).encode()
            self.forms[name][f"words {i + 1}-{i + MNEMONIC_WINDOW}"] = window

    def plant_code(self, name: str, code: str) -> None:
        self.plant(name, code)
        bare = code.replace("-", "")
        self.forms[name].update({f"bare-{k}": v for k, v in encodings(bare.encode()).items()})

    def hits(self, where: str, data: bytes) -> list[str]:
        lower = data.lower()
        found = []
        for name, forms in self.forms.items():
            for form, needle in forms.items():
                # hex and mnemonic words are case-insensitive; raw bytes and base64 are not
                folded = form.endswith("hex") or form.startswith("words")
                haystack, key = (lower, needle.lower()) if folded else (data, needle)
                if key in haystack:
                    found.append(f"{name} ({form}) in {where}")
        return found


def data_dir_files(data_dir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(data_dir)): path.read_bytes()
        for path in sorted(data_dir.rglob("*"))
        if path.is_file()
    }
