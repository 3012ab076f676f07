"""The event store port: what the rest of the core may ask of the log, and nothing more.

`EventLog` wraps the eventsourcing application (its repository, mapper and `save`) and our
recorder (positions, leaves, checkpoints). Batches, projections, verification and reports receive
an `EventLog` (and a clock, a signer) rather than the `Ledger`, so no lower layer can reach back
into the facade, and the facade is the only module that knows how the pieces are put together.
Every read names a damaged event by its position rather than letting a library error through.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.persistence import Notification, Recording, StoredEvent
from eventsourcing.utils import Environment, EnvType

from .decoding import check_nothing_after, check_sealed, decode_event, decode_record, select_notifications
from .domain.errors import CorruptEvent, StoreError
from .domain.events import LedgerAggregate
from .domain.records import EventRecord
from .integrity.checkpoint import Checkpoint
from .integrity.merkle import raw_leaf, root_of
from .recorders import LedgerRecorder
from .recorders.streaming import AppendSession
from .store import KeyRow

Clock = Callable[[], datetime]

#: Seconds a write waits for another write of the same process to end.
WRITE_WAIT = 30


class LedgerApplication(Application[UUID]):
    """The eventsourcing application holding every event (table `stored_events` / `ledger_events`)."""

    name = "Ledger"
    log_section_size = 1000

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Configuration comes from the store URL only, never from stray environment variables.
        return Environment(name, dict(env or {}))


class Appending:
    """An open append (`EventLog.appending`): `save` has `EventLog.save`'s signature and result."""

    def __init__(self, log: EventLog, session: AppendSession) -> None:
        self._mapper = log.mapper
        self._clock = log.clock
        self._session = session

    def save(self, events: Sequence[Any], keys: Sequence[KeyRow]) -> list[Recording[UUID]]:
        stored = [self._mapper.to_stored_event(e) for e in events]
        positions = self._session.write(stored, keys)
        return [
            Recording(event, Notification(id=position, originator_id=s.originator_id,
                                          originator_version=s.originator_version, topic=s.topic, state=s.state))
            for event, s, position in zip(events, stored, positions, strict=True)
        ]

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        """`EventLog.lookup_keys` inside the open transaction: the ids of its earlier chunks too."""
        return self._session.lookup_keys(keys)

    def load(self, aggregate_id: UUID, cls: type[LedgerAggregate]) -> LedgerAggregate | None:
        """The aggregate with the events of this transaction's earlier chunks (None before its
        first write): what an import let go of between chunks (`batch.KEEP_AGGREGATES`)."""
        stored = self._session.stream(aggregate_id)
        if stored is None:
            return None
        if not stored:
            return cls.shell(aggregate_id, self._clock())
        return cast(LedgerAggregate, project_aggregate(None, (self._mapper.to_domain_event(s) for s in stored)))

    def lend(self) -> tuple[Any, str, int] | None:
        """The open transaction's DB-API connection, its SQLAlchemy dialect, and the last position
        before its events (None before the first write, or when the store does not lend it)."""
        lent = self._session.lend()
        if lent is None or self._session.preceding is None:
            return None
        return lent[0], lent[1], self._session.preceding

    def commit(self) -> None:
        self._session.commit()


class EventLog:
    """The log of one store: load and save aggregates, read records, check what was sealed."""

    def __init__(self, app: LedgerApplication, clock: Clock) -> None:
        self.app = app
        self.recorder = cast(LedgerRecorder, app.recorder)
        self.mapper = app.mapper
        self.clock = clock
        # The registry as last read, shared by every batch until the registry changes (a batch that
        # records a registry event copies it first). Replaced, never changed, so a thread reading
        # an older one is never disturbed.
        self._registry: tuple[int, LedgerAggregate] | None = None
        self._writing = threading.Lock()

    # --- writing --------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One write at a time in this process. The library's SQLite pool hands out one writer
        connection and makes every other request for a connection (reads included) queue behind
        a writer waiting for it, giving up after 5 s; an import holds the writer from its first
        chunk to its end. Writers wait here instead (up to WRITE_WAIT seconds, as the stores' own
        lock timeouts), and readers never do."""
        if not self._writing.acquire(timeout=WRITE_WAIT):
            raise StoreError(f"another write in this process (an import?) still runs after {WRITE_WAIT} s;"
                             " nothing was appended, and retrying is safe")
        try:
            yield
        finally:
            self._writing.release()

    def load(self, aggregate_id: UUID, cls: type[LedgerAggregate]) -> LedgerAggregate:
        """The aggregate as it stands, or an empty one if it has no events yet."""
        try:
            return cast(LedgerAggregate, self.app.repository.get(aggregate_id))
        except AggregateNotFoundError:
            return cls.shell(aggregate_id, self.clock())
        except Exception:  # a stored event of this aggregate is damaged: name it
            self.stream_records(aggregate_id)
            raise

    def shared(self, aggregate_id: UUID, cls: type[LedgerAggregate],
               on_load: Callable[[LedgerAggregate], None] | None = None) -> LedgerAggregate:
        """The aggregate as it stands, for reading only: the same object while its stream has no new
        event (the registry: every append validates against it, and copying it cost more than
        the rest of an append). Callers must copy it before recording on it. `on_load(aggregate)`
        runs when it is read from the log (not when shared again); if it raises, nothing is kept."""
        stored = self.app.recorder.select_events(aggregate_id, desc=True, limit=1)
        version = stored[0].originator_version if stored else 0
        cached = self._registry
        # An empty stream is read (and checked) every time: it is only so before the first registry
        # event, or when emptied outside the ledger, which a cached empty registry would not see.
        if cached is None or cached[0] != version or cached[1].id != aggregate_id or version == 0:
            aggregate = self.load(aggregate_id, cls)
            if on_load is not None:  # at version 0 too: a stream emptied outside the ledger
                on_load(aggregate)
            cached = (aggregate.version, aggregate)
            self._registry = cached
        return cached[1]

    def save(self, events: Sequence[Any], keys: Sequence[KeyRow]) -> Any:
        """Save events (of many aggregates) and their idempotency keys in one transaction.

        Straight to the application's event store: `Application.save` would first ask of every
        event whether it is an event or an aggregate (a runtime-protocol check costing ~10% of an
        import), and this application takes no snapshots and notifies no one."""
        return self.app.events.put(list(events), keys=list(keys))

    @contextmanager
    def appending(self) -> Iterator[Appending]:
        """One transaction written in chunks (`Appending.save`), durable only on `commit`; rolled
        back if the block ends without it. See `ledger.recorders.streaming` for the lock it holds."""
        with self.recorder.append_session() as session:
            yield Appending(self, session)

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        return self.recorder.lookup_keys(keys)

    def existing_streams(self, aggregate_ids: Sequence[UUID]) -> set[UUID]:
        return self.recorder.existing_streams(aggregate_ids)

    def locate(self, originator_id: UUID, version: int) -> tuple[int, datetime] | None:
        """(position, recorded time) of one stored event."""
        positions = self.recorder.positions_of(originator_id)
        if version not in positions:
            return None
        raw = next(r for r in self.recorder.select_events_raw(originator_id) if r.version == version)
        stored = StoredEvent(UUID(raw.originator_id), raw.version, raw.topic, raw.state)
        return positions[version], decode_event(self.mapper, stored, raw.position).timestamp

    # --- reading --------------------------------------------------------------------------------

    def event_count(self) -> int:
        """How many events the log holds: the sealed tree's size, written in the same transaction as
        the events (the last position is no count: PostgreSQL's sequence leaves gaps on rollback)."""
        size = self.recorder.tree_head().size
        if size == 0 and self.recorder.max_notification_id():
            return sum(1 for _ in self.recorder.raw_events())  # a store made before sealing
        return size

    def records(self, *, start: int = 1, batch_size: int = 1000) -> Generator[EventRecord, None, None]:
        """Every stored event in log order, each checked against its sealed leaf."""
        position = start - 1
        while True:
            notifications = select_notifications(self.recorder, position, batch_size)
            if not notifications:
                check_nothing_after(self.recorder, position)
                return
            check_sealed(self.recorder, notifications, after=position)
            for notification in notifications:
                yield decode_record(self.mapper, notification)
            position = notifications[-1].id

    def stream_records(self, aggregate_id: UUID) -> list[EventRecord]:
        """One aggregate's events, in log order, each checked against its sealed leaf."""
        raws = self.recorder.select_events_raw(aggregate_id)
        if not raws:
            return []
        # Only this stream's leaves: a range from its first to its last event would read every leaf
        # between (the registry's first and latest events span the whole log).
        sealed = {p: leaf for p, _, leaf in self.recorder.stored_leaves_at([r.position for r in raws])}
        records = []
        for expected, raw in enumerate(raws, start=1):
            if raw.version != expected:
                raise CorruptEvent(raw.position, f"event {expected} of this stream is missing (deleted outside the ledger?)")
            if sealed.get(raw.position) != raw_leaf(raw).hex():
                raise CorruptEvent(raw.position, "the stored event's bytes differ from those sealed when it was appended")
            stored = StoredEvent(UUID(raw.originator_id), raw.version, raw.topic, raw.state)
            records.append(EventRecord.from_event(decode_event(self.mapper, stored, raw.position), raw.position))
        return records

    # --- what was sealed ------------------------------------------------------------------------

    def check_nothing_deleted(self) -> None:
        """As many events in the log as were sealed (a case's last event deleted leaves no gap in its
        stream); the head is read twice so that a concurrent append is not taken for damage."""
        for _ in range(3):
            before = self.recorder.tree_head().size
            count = self.recorder.count_events()
            if self.recorder.tree_head().size == before:
                if count != before:
                    raise CorruptEvent(None, f"the log holds {count} events but {before} were sealed: events were"
                                             " deleted or inserted outside the ledger (`ledger verify` names where)")
                return

    def sealed_leaves(self) -> list[tuple[int, bytes]]:
        """(position, leaf) of every stored event, computed from its bytes as stored now."""
        return [(raw.position, raw_leaf(raw)) for raw in self.recorder.raw_events()]

    def check_covers(self, checkpoint: Checkpoint, leaves: list[tuple[int, bytes]]) -> None:
        """The checkpoint must be the root of the log's first `size` events and their sealed leaves:
        nothing goes out under a checkpoint that does not cover it."""
        sealed = self.recorder.stored_leaves()
        for (position, leaf), (sealed_position, _, sealed_leaf) in zip(leaves, sealed, strict=False):
            if position != sealed_position or leaf.hex() != sealed_leaf:
                raise CorruptEvent(min(position, sealed_position), "the log differs here from what was sealed")
        if len(sealed) != len(leaves) or len(leaves) < checkpoint.size:
            raise CorruptEvent(None, f"the log holds {len(leaves)} events, {len(sealed)} were sealed and the"
                                     f" checkpoint covers {checkpoint.size}")
        if root_of(leaf for _, leaf in leaves[: checkpoint.size]).hex() != checkpoint.root:
            raise CorruptEvent(None, f"the events do not match the checkpoint at size {checkpoint.size}")
