"""The instance key (SPEC §10): made with a new store and recorded in it, so that every process
of one store signs with the same key; a process without it, or with another, works but does not
sign (and says why)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from .. import tables
from .keys import SigningKey, b64

#: The ledger_meta entry naming the instance's public signing key (base64).
INSTANCE_KEY = "instance_public_key"


@dataclass(frozen=True)
class InstanceKey:
    #: The key this process signs with, or None.
    signer: SigningKey | None
    #: The key file's public key (base64), whether or not this process signs with it.
    file_public: str | None
    #: Why the key file's key does not sign here, when it does not.
    warning: str | None = None


def instance_key(engine: Engine, key_path: Path, *, create: bool, empty: bool) -> InstanceKey:
    """The key at `key_path` if it is the one the store records (or the store records none yet:
    then it is recorded); a new key when `create` and the store is new and `empty`."""
    recorded = tables.get_meta(engine, INSTANCE_KEY)
    if key_path.exists():
        key = SigningKey.load(key_path)
    elif create and recorded is None and empty:
        key = SigningKey.create(key_path)
    else:
        return InstanceKey(None, None)
    mine = b64(key.public_bytes)
    if recorded is None:
        recorded = tables.claim_meta(engine, INSTANCE_KEY, mine)
    if recorded != mine:
        return InstanceKey(None, mine, f"the key at {key_path} (id {key.id}) is not this ledger's signing key;"
                                       " this process will not sign")
    return InstanceKey(key, mine)
