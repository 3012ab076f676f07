"""Signature checks are remembered (every append checks the latest checkpoint's signature before
signing the next), and remembering never lets another message, signature or key pass."""

from __future__ import annotations

from pathlib import Path

from ledger.integrity.keys import SigningKey, verify_signature


def test_a_remembered_signature_still_binds_its_message_signature_and_key(tmp_path: Path) -> None:
    key = SigningKey.create(tmp_path / "one.key")
    other = SigningKey.create(tmp_path / "two.key")
    message = b"size=20 root=ab"
    signature = key.sign(message)
    for _ in range(2):  # the second time from memory
        assert verify_signature(key.public_bytes, signature, message)
        assert not verify_signature(key.public_bytes, signature, message + b" ")
        assert not verify_signature(key.public_bytes, bytes([signature[0] ^ 1]) + signature[1:], message)
        assert not verify_signature(other.public_bytes, signature, message)
        assert not verify_signature(b"short", signature, message)
    assert verify_signature.cache_info().hits >= 5
