"""The integrity part of the projection: leaves, frontier and periodic signed checkpoints,
written in the same transaction as the rest of the batch."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.orm import Session

from ..domain.errors import StoreError
from ..integrity.checkpoint import Checkpoint, signed
from ..integrity.merkle import Frontier, leaf_bytes, leaf_hash
from ..tables import checkpoints
from .tables import merkle_leaves, merkle_state


def notification_leaf(n: StoredEvent) -> bytes:
    """The leaf of an event as the library stores it (a notification, or one about to be saved)."""
    return leaf_hash(leaf_bytes(n.topic, UUID(str(n.originator_id)), n.originator_version, n.state))


def load_frontier(session: Session) -> tuple[Frontier, int]:
    row = session.execute(select(merkle_state).where(merkle_state.c.id == 1)).first()
    if row is None:
        return Frontier(), 0
    return Frontier(row.size, [bytes.fromhex(h) for h in json.loads(row.frontier)]), row.position


def append_leaves(
    session: Session,
    notifications: Sequence[Notification],
    *,
    signer: Any,
    every: int,
    clock: Callable[[], datetime],
) -> Frontier:
    """Add the batch's leaves; sign a checkpoint at every multiple of `every` (if this process
    holds the key). A rebuilt tree that disagrees with a stored checkpoint is an integrity error."""
    frontier, _ = load_frontier(session)
    rows = []
    for n in notifications:
        leaf = notification_leaf(n)
        rows.append({"position": n.id, "leaf_index": frontier.size, "leaf_hash": leaf.hex()})
        frontier.append(leaf)
        if every and frontier.size % every == 0:
            record_checkpoint(session, frontier, signer=signer, clock=clock)
    session.execute(insert(merkle_leaves), rows)
    state = {"size": frontier.size, "position": notifications[-1].id,
             "frontier": json.dumps([h.hex() for h in frontier.nodes]), "root": frontier.root().hex()}
    updated = cast(CursorResult[Any], session.execute(update(merkle_state).where(merkle_state.c.id == 1).values(**state)))
    if updated.rowcount == 0:
        session.execute(insert(merkle_state).values(id=1, **state))
    return frontier


def record_checkpoint(session: Session, frontier: Frontier, *, signer: Any, clock: Callable[[], datetime]) -> None:
    existing = session.execute(select(checkpoints).where(checkpoints.c.size == frontier.size)).first()
    root = frontier.root()
    if existing is not None:
        if existing.root != root.hex():
            raise StoreError(
                f"the events do not match the signed checkpoint at size {frontier.size}: the ledger was altered"
            )
        return
    if signer is None:
        return  # only the process holding the key writes checkpoints
    time = clock().astimezone().isoformat()
    checkpoint = signed(frontier.size, root, time, signer)
    session.execute(insert(checkpoints).values(**checkpoint.as_dict()))


def stored_checkpoints(session: Session) -> list[Checkpoint]:
    rows = session.execute(select(checkpoints).order_by(checkpoints.c.size))
    return [Checkpoint(r.size, r.root, r.time, r.public_key, r.signature) for r in rows]
