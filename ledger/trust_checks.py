"""What an operator checks with the keys they trust, outside any `Ledger` method: an inclusion
proof checked with no database (trusting the local key file's key, the keys named and those of
`LEDGER_TRUSTED_KEYS`), a public key's short id, and the words for what is trusted.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .integrity.keys import SigningKey, b64, key_id, unb64
from .integrity.proofs import ProofCheck, check_proof, dumps
from .integrity.trust import describe, trusted_keys

__all__ = ["ProofCheck", "check_proof_document", "describe_trusted", "local_public_key", "proof_text",
           "public_key_id"]


def local_public_key() -> str | None:
    """The public key (base64) of the key file `LEDGER_KEY_FILE` names (default `ledger.key`),
    or None when there is no such file."""
    key_path = Path(os.environ.get("LEDGER_KEY_FILE") or "ledger.key")
    return b64(SigningKey.load(key_path).public_bytes) if key_path.is_file() else None


def check_proof_document(data: Any, named: Iterable[str] = ()) -> ProofCheck:
    """Check a parsed proof file (`Ledger.prove`) with no database: its checkpoint must be signed
    by the local key file's key, a key `named` (base64) or one listed in `LEDGER_TRUSTED_KEYS`."""
    return check_proof(data, trusted=trusted_keys(local_public_key(), named))


def proof_text(proof: dict[str, Any]) -> str:
    """A proof as the text of its file."""
    return dumps(proof)


def public_key_id(public: str) -> str:
    """The short id of a base64 Ed25519 public key, as checkpoints and messages name it."""
    return key_id(unb64(public))


def describe_trusted(trusted: dict[str, str]) -> str:
    """The trusted keys (`Verification.trusted`) in words: each id and why it is trusted."""
    return describe(trusted)
