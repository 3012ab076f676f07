"""An RFC 6962 / RFC 9162 Merkle tree over the ledger's events, in log order. Pure.

Leaf i is the event's canonical bytes (topic, aggregate id, version, stored state — which holds
the recorded time), each length-prefixed so no two events can share an encoding. The tree is the
certificate-transparency tree: leaf hash SHA-256(0x00 || data), node hash SHA-256(0x01 || l || r),
so a proof can be checked with any RFC 9162 verifier.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_bytes(topic: str, originator_id: UUID, version: int, state: bytes) -> bytes:
    """The canonical bytes of one stored event."""
    return _leaf_bytes(topic, originator_id.bytes, version, state)


def _leaf_bytes(topic: str, originator: bytes, version: int, state: bytes) -> bytes:
    return b"".join(_leaf_parts(topic, originator, version, state))


#: Each topic's length-prefixed bytes: a store holds a few dozen topics, and its millions of events
#: would encode and prefix the same few again and again.
_TOPICS: dict[str, bytes] = {}
_LENGTH = struct.Struct(">I")
_VERSION = struct.Struct(">IQ")  # the version's length (8) and the version


def _leaf_parts(topic: str, originator: bytes, version: int, state: bytes) -> tuple[bytes, ...]:
    """The parts of `_leaf_bytes`, each length-prefixed (topic, id, version as 8 bytes, state)."""
    prefixed = _TOPICS.get(topic)
    if prefixed is None:
        encoded = topic.encode()
        prefixed = _LENGTH.pack(len(encoded)) + encoded
        if len(_TOPICS) < 1024:  # a damaged store's odd topics do not grow it without bound
            _TOPICS[topic] = prefixed
    return (prefixed, _LENGTH.pack(len(originator)), originator, _VERSION.pack(8, version), _LENGTH.pack(len(state)),
            state)


def _stored_id(text: Any) -> bytes | None:
    """The 16 bytes of an aggregate id spelt as a store writes it, else None. SQLite's 32 lowercase
    hex digits are read directly (building a UUID for each of a million rows was a tenth of `verify`)."""
    if isinstance(text, str) and len(text) == 32:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            return None
        if len(raw) == 16 and raw.hex() == text:
            return raw
    try:
        originator = UUID(text)
    except (ValueError, TypeError, AttributeError):
        return None
    return originator.bytes if text in (originator.hex, str(originator)) else None


def raw_leaf(raw: Any) -> bytes:
    """The leaf of a stored row (position, originator_id text, version, topic, state); a row whose
    id no longer parses gets a leaf no real event can have, so the damage shows where it is."""
    return raw_leaf_checked(raw)[0]


def raw_leaf_checked(raw: Any) -> tuple[bytes, bool]:
    """`raw_leaf`, and whether the row's aggregate id is an id as the stores write it (verify names
    a row whose is not). Only the stores' own spellings count — 32 hex digits (SQLite's text) or the
    dashed form (PostgreSQL's uuid) — since another spelling of the same id (upper case, braces, a
    URN) would hash to the same leaf while the stream's look-up, by its exact text, no longer finds
    the event: the case would read as shorter with every leaf intact."""
    originator = _stored_id(raw.originator_id)
    parsed = originator is not None
    try:
        if originator is None or type(raw.version) is not int:  # a version of 8.5 would truncate to 8's leaf
            raise ValueError("not a row as the ledger writes it")
        state = raw.state.encode() if isinstance(raw.state, str) else bytes(raw.state)
        parts = _leaf_parts(str(raw.topic), originator, raw.version, state)
        return hashlib.sha256(b"".join((b"\x00", *parts))).digest(), parsed  # leaf_hash, in one join
    except (TypeError, ValueError, OverflowError, struct.error):
        # A row whose columns were changed to another type: a leaf no real event can have.
        return leaf_hash(b"damaged row " + repr(tuple(raw)).encode("utf-8", "replace")), parsed


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """The perfect subtrees covering the leaves so far: O(log n) state, O(1) amortised append."""

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        self.size = size
        self.nodes = list(nodes)  # roots of the perfect subtrees, largest first

    def append(self, leaf: bytes) -> None:
        node = leaf
        self.size += 1
        # Merge while the count of trailing ones says two equal subtrees sit side by side.
        merges = (self.size & -self.size).bit_length() - 1
        for _ in range(merges):
            node = node_hash(self.nodes.pop(), node)
        self.nodes.append(node)

    def extend(self, leaves: Iterable[bytes]) -> None:
        """`append` each of `leaves` (one call for a million leaves: the same merges, with the hash
        function and the node list held locally)."""
        nodes, size, sha256 = self.nodes, self.size, hashlib.sha256
        for leaf in leaves:
            size += 1
            node = leaf
            for _ in range((size & -size).bit_length() - 1):
                node = sha256(b"\x01" + nodes.pop() + node).digest()
            nodes.append(node)
        self.size = size

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        root = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            root = node_hash(node, root)
        return root


def root_of(leaves: Iterable[bytes]) -> bytes:
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


def levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaves first; an unpaired last node moves up unchanged."""
    result = [list(leaves)]
    while len(result[-1]) > 1:
        level = result[-1]
        above = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            above.append(level[-1])
        result.append(above)
    return result


def inclusion_path(tree: list[list[bytes]], index: int) -> list[bytes]:
    """The audit path of leaf `index` (RFC 9162 §2.1.3.1) from precomputed `levels`."""
    path = []
    for level in tree[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        index //= 2
    return path


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `path` prove leaf hash `leaf` at `index` in a tree of `size` with `root`?"""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root
