"""The append-time seal: each event's leaf hash, the tree head and (when the process holds the key)
a signed checkpoint, all written in the same transaction as the events themselves. Pure: the
store's recorders run the SQL, this computes what to write.

Why at append time: anything computed later (a read model, a rebuild) can be recomputed from
altered events and would then vouch for them. Leaves written with the events, in append-only
tables, and a head signed in the same transaction, are what every later check compares against.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from ..domain.errors import CorruptEvent
from .checkpoint import Checkpoint, signed
from .merkle import Frontier, leaf_bytes, leaf_hash


class Signer(Protocol):
    @property
    def public_bytes(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


@dataclass(frozen=True)
class TreeHead:
    """The tree over the whole log as last appended: its size, last position and frontier."""

    size: int = 0
    position: int = 0
    frontier: tuple[bytes, ...] = ()

    def tree(self) -> Frontier:
        return Frontier(self.size, list(self.frontier))

    def root(self) -> bytes:
        return self.tree().root()

    def frontier_json(self) -> str:
        return json.dumps([node.hex() for node in self.frontier])

    @classmethod
    def from_row(cls, size: Any, position: Any, frontier: Any) -> TreeHead:
        try:
            nodes = json.loads(frontier)
            head = cls(int(size), int(position), tuple(bytes.fromhex(h) for h in nodes))
        except (TypeError, ValueError, AttributeError):
            raise CorruptEvent(None, "the store's tree head (ledger_tree) is damaged: written outside the ledger") from None
        if len(head.frontier) != bin(head.size).count("1"):
            raise CorruptEvent(None, "the store's tree head (ledger_tree) does not fit its size: written outside the ledger")
        return head


def stored_leaf(topic: str, originator_id: UUID | str, version: int, state: bytes) -> bytes:
    """The leaf of one stored event, from the fields the library stores."""
    return leaf_hash(leaf_bytes(topic, UUID(str(originator_id)), version, state))


@dataclass(frozen=True)
class Seal:
    """What one append writes beside its events."""

    leaves: list[tuple[int, int, str]]  # (position, leaf index, leaf hash hex)
    head: TreeHead
    root: str
    checkpoint: Checkpoint | None


def seal(
    previous: TreeHead,
    events: Sequence[Any],
    positions: Sequence[int],
    *,
    signer: Signer | None,
    clock: Callable[[], datetime],
) -> Seal:
    """Extend the tree by the appended events (in log order) and sign the new head if we can."""
    if len(events) != len(positions):
        raise ValueError(f"{len(events)} events but {len(positions)} positions")
    tree = previous.tree()
    leaves = []
    for event, position in zip(events, positions, strict=True):
        leaf = stored_leaf(event.topic, event.originator_id, event.originator_version, event.state)
        leaves.append((int(position), tree.size, leaf.hex()))
        tree.append(leaf)
    head = TreeHead(tree.size, int(positions[-1]) if positions else previous.position, tuple(tree.nodes))
    root = tree.root()
    checkpoint = None
    if signer is not None:
        checkpoint = signed(tree.size, root, clock().astimezone().isoformat(), signer)
    return Seal(leaves, head, root.hex(), checkpoint)
