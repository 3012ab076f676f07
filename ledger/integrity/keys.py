"""The instance's Ed25519 signing key, kept in a file outside the database (SPEC §10)."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..domain.errors import StoreError


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


@lru_cache(maxsize=4096)
def verify_signature(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """A pure function of its bytes, so remembered: every append checks the latest checkpoint's
    signature before signing the next (an Ed25519 verification: 4% of an API append)."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class SigningKey:
    path: Path
    private: Ed25519PrivateKey

    @property
    def public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def id(self) -> str:
        return key_id(self.public_bytes)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    @classmethod
    def load(cls, path: Path) -> SigningKey:
        try:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as error:
            raise StoreError(f"cannot read the signing key {path}: {error}") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise StoreError(f"{path} is not an Ed25519 private key")
        return cls(path, private)

    @classmethod
    def create(cls, path: Path) -> SigningKey:
        """A new key, written readable by its owner only."""
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(pem)
        return cls(path, private)
