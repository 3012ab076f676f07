"""Which public keys `verify`, `verify-report` and `check-proof` trust: anchored outside the store.

A checkpoint is worth something only if it is signed by a key the operator vouches for: the
local key file's public key (when the file is there), keys named with `--trusted-key`, and keys
listed in the trusted-keys file named by `LEDGER_TRUSTED_KEYS` (one base64 Ed25519 public key a
line; `#` starts a comment). Nothing the database says about its own keys is trusted: a store
copied over another one would otherwise vouch for itself.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Iterable
from pathlib import Path

from ..domain.errors import InvalidField
from .keys import key_id, unb64

TRUSTED_KEYS_VARIABLE = "LEDGER_TRUSTED_KEYS"


def parse_public_key(text: str, origin: str) -> str:
    """A base64 raw Ed25519 public key (32 bytes), normalised; bad input names where it came from."""
    cleaned = text.strip()
    try:
        raw = unb64(cleaned)
    except (binascii.Error, ValueError):
        raise InvalidField(
            code="key_not_base64", params={"origin": origin, "text": repr(cleaned[:60])}, field="trusted_key"
        ) from None
    if len(raw) != 32:
        raise InvalidField(code="key_wrong_length", params={"origin": origin, "length": len(raw)}, field="trusted_key")
    return cleaned


def keys_from_file(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidField(
            code="trusted_keys_unreadable", params={"path": path, "error": error}, field="trusted_key"
        ) from None
    keys = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if text:
            keys.append(parse_public_key(text, f"{path} line {number}"))
    return keys


def trusted_keys(
    key_file_public: str | None, named: Iterable[str] = (), trusted_file: str | None = None
) -> dict[str, str]:
    """Every trusted key (base64) with why it is trusted."""
    trusted: dict[str, str] = {}
    if key_file_public is not None:
        trusted[key_file_public] = "the local key file"
    for text in named:
        trusted.setdefault(parse_public_key(text, "--trusted-key"), "named with --trusted-key")
    file_name = trusted_file if trusted_file is not None else os.environ.get(TRUSTED_KEYS_VARIABLE)
    if file_name:
        for key in keys_from_file(Path(file_name)):
            trusted.setdefault(key, f"listed in {file_name}")
    return trusted


def describe(trusted: dict[str, str]) -> str:
    if not trusted:
        return "none (no key file here, no --trusted-key, no LEDGER_TRUSTED_KEYS)"
    return ", ".join(f"{key_id(unb64(key))} ({why})" for key, why in trusted.items())
