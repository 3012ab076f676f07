"""A signed checkpoint: (size, root, time), signed with the instance key. Pure data and checks."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from .keys import b64, key_id, unb64, verify_signature


@dataclass(frozen=True)
class Checkpoint:
    size: int  # how many events (leaves) it covers, in log order
    root: str  # hex Merkle root of those events
    time: str  # when it was taken (ISO 8601, UTC)
    public_key: str  # base64 raw Ed25519 public key
    signature: str  # base64 signature over `message()`

    def message(self) -> bytes:
        """What is signed: a versioned, unambiguous text of size, root and time."""
        return f"procedure-ledger checkpoint v1\n{self.size}\n{self.root}\n{self.time}\n".encode()

    @property
    def key_id(self) -> str:
        return key_id(unb64(self.public_key))

    def signature_ok(self) -> bool:
        try:
            return verify_signature(unb64(self.public_key), unb64(self.signature), self.message())
        except ValueError:
            return False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Checkpoint:
        if not isinstance(data, dict):
            raise ValueError("a checkpoint must be an object")
        names = ("size", "root", "time", "public_key", "signature")
        if set(data) != set(names):
            raise ValueError(f"malformed checkpoint: its fields are exactly {', '.join(names)}")
        size = data["size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError("malformed checkpoint: 'size' must be a whole number")
        if not all(isinstance(data[name], str) for name in names[1:]):
            raise ValueError("malformed checkpoint: root, time, public_key and signature are strings")
        return cls(size, data["root"], data["time"], data["public_key"], data["signature"])

    def dumps(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True)


def signed(size: int, root: bytes, time: str, signer: Any) -> Checkpoint:
    unsigned = Checkpoint(size, root.hex(), time, b64(signer.public_bytes), "")
    return Checkpoint(size, root.hex(), time, unsigned.public_key, b64(signer.sign(unsigned.message())))


def check_export_checkpoint(leaves: list[bytes], checkpoint: Checkpoint | None, trusted: dict[str, str]) -> str:
    """Why an export's closing checkpoint does not vouch for its events ("" when it does): it must
    be validly signed by a trusted key and be the root of exactly these events."""
    from .merkle import root_of
    from .trust import describe

    if checkpoint is None:
        return "the export has no signed checkpoint line; it cannot be verified"
    if not checkpoint.signature_ok():
        return "the export's checkpoint signature is invalid"
    if checkpoint.public_key not in trusted:
        return (f"the export was signed by key {checkpoint.key_id}, not by a trusted key (trusted: {describe(trusted)});"
                " name the exporting instance's public key with --trusted-key or LEDGER_TRUSTED_KEYS")
    if len(leaves) != checkpoint.size or root_of(leaves).hex() != checkpoint.root:
        return (f"the export's events do not match its signed checkpoint (size {checkpoint.size},"
                f" {len(leaves)} events): it was altered")
    return ""
