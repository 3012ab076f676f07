"""A unit of work: events validated one by one against the ledger plus the batch so far, then
saved in one transaction (one `save` of the library), all or nothing.

Each event is checked against the registry and its case *as they would be* after the events
before it in the batch; a refused event changes nothing, so the events after it are judged as if
it had never been offered. The events are saved in the order they were offered, so the log keeps
a file's order even when its lines interleave cases and registry changes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from itertools import islice
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol, cast
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from .domain.case import Case, case_id
from .domain.errors import ConcurrentAppend, KeyConflict, OutOfOrder, Refused, StoreError
from .domain.events import LedgerAggregate, LedgerEvent, ledger_event_id
from .domain.programme import AgencyYear, agency_year_id
from .domain.records import EventRecord
from .domain.registry import REGISTRY_ID, Registry
from .domain.schema import Envelope
from .store import KeyRow

#: SPEC §4: a claimed time more than this after the ledger's clock is refused.
FUTURE_TOLERANCE = timedelta(minutes=5)

#: Aggregates an import keeps between its chunks (~2 KB each), the most recently used; one
#: needed again later is read back from the import's open transaction. A file in claimed-time
#: order touches a few thousand open cases at a time; a year of a city has a hundred thousand.
KEEP_AGGREGATES = 20_000


class AggregateStore(Protocol):
    """What a batch needs of the log (`EventLog` provides it; the unit tests' desk fakes it)."""

    def load(self, aggregate_id: UUID, cls: type[LedgerAggregate]) -> LedgerAggregate: ...

    def shared(self, aggregate_id: UUID, cls: type[LedgerAggregate],
               on_load: Callable[[LedgerAggregate], None] | None = None) -> LedgerAggregate: ...

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]: ...

    def existing_streams(self, aggregate_ids: Sequence[UUID]) -> set[UUID]: ...

    def save(self, events: Sequence[Any], keys: Sequence[KeyRow]) -> Any: ...

    def locate(self, originator_id: UUID, version: int) -> tuple[int, datetime] | None: ...


@dataclass(frozen=True)
class Outcome:
    """What happened to one offered event."""

    event: str  # the ledger event id (of the original, for a duplicate)
    type: str
    case: str | None
    key: str | None
    duplicate: bool
    originator_id: UUID
    version: int
    recorded: datetime | None = None
    position: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "type": self.type,
            "case": self.case,
            "id": self.key,
            "duplicate": self.duplicate,
            "recorded": self.recorded.isoformat() if self.recorded else None,
            "position": self.position,
        }


class Saver(Protocol):
    """Where a batch writes, and asks about ids: the log, or an import's open transaction, which
    also finds the ids its own earlier chunks wrote."""

    def save(self, events: Sequence[Any], keys: Sequence[KeyRow]) -> Any: ...

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]: ...


class OpenAppend(Saver, Protocol):
    """An import's open transaction (`EventLog.appending`)."""

    def load(self, aggregate_id: UUID, cls: type[LedgerAggregate]) -> LedgerAggregate | None:
        """The aggregate with the events written so far in this transaction; None before its first write."""


class StreamChecks(Protocol):
    """Is a stream the one the read models took in? (`ledger.stream_guard.StreamGuard`.) Each
    raises if not: an event moved out of a stream outside the ledger would otherwise let its
    aggregate take a second event of the same version, or validate against a registry without it."""

    def loaded(self, envelope: Envelope | None, aggregate_id: UUID) -> None:
        """An aggregate of `envelope` (None: the registry) was read from its stored stream."""

    def absent(self, envelopes: Sequence[Envelope]) -> None:
        """The aggregates of these events have no stored event."""


class Batch:
    def __init__(self, log: AggregateStore, *, clock: Callable[[], datetime], into: OpenAppend | None = None,
                 check_stream: StreamChecks | None = None) -> None:
        """`into`: an open transaction (`EventLog.appending`) each `commit` writes into instead of
        saving in a transaction of its own: an import commits a chunk at a time into it."""
        self._log = log
        self._check_stream = check_stream
        self._clock = clock
        self._saver: Saver = into if into is not None else log
        # Written into an open transaction, ids and aggregates need not all be kept: it has them.
        self._into = into
        #: Aggregates let go of between chunks (`KEEP_AGGREGATES`): read back from `into` if needed.
        self._let_go: set[UUID] = set()
        # Shared with other batches until this one records a registry event (then it is copied);
        # checked when it is loaded from the log, not each time it is shared.
        on_load = None if check_stream is None else (lambda registry: check_stream.loaded(None, REGISTRY_ID))
        self.registry: Registry = log.shared(REGISTRY_ID, Registry, on_load)  # type: ignore[assignment]
        self._registry_shared = True
        self._aggregates: dict[UUID, LedgerAggregate] = {REGISTRY_ID: self.registry}
        self._events: list[Any] = []
        self._known_keys: dict[str, tuple[str, UUID, int]] = {}
        # Keys already asked of the store, found or not: a miss is remembered, not asked again.
        self._looked_up: set[str] = set()
        #: The ids staged by this batch, with the line (or None) each was offered at.
        self._staged_keys: dict[str, int | None] = {}
        self._key_rows: list[KeyRow] = []
        self.outcomes: list[Outcome] = []
        #: Aggregates known (from `prefetch`) to have no stored events.
        self._absent: set[UUID] = set()
        #: After `commit`: the saved events as records, by log position (the read models take
        #: them in without reading them back); only while `keep_saved` (an import stops keeping
        #: them past its first FEED_LIMIT events, which the read models then read back).
        self.saved: dict[int, EventRecord] = {}
        self.keep_saved = True

    def __len__(self) -> int:
        return len(self._events)

    @property
    def staged(self) -> list[Any]:
        """The events staged so far, in the order they will be saved."""
        return list(self._events)

    def discard(self) -> None:
        """Forget the staged events (never to be saved: a dry run, or an import already refused),
        keeping what validates the events after them (aggregates, ids); ids looked up and not
        found may be asked again."""
        self._events = []
        self._key_rows = []
        self._looked_up = set()

    def prefetch(self, envelopes: Sequence[Envelope]) -> None:
        """Look up, once, what a whole import needs of the store: its idempotency ids, and which
        of its aggregates have no events yet (those start empty without a query each)."""
        self.prefetch_keys([e.key for e in envelopes if e.key is not None])
        wanted = {self._aggregate_id(e) for e in envelopes} - self._aggregates.keys()
        if wanted:
            absent = wanted - self._log.existing_streams(sorted(wanted))
            if self._check_stream is not None and absent:
                self._check_stream.absent([e for e in envelopes if self._aggregate_id(e) in absent])
            self._absent |= absent

    def prefetch_keys(self, keys: Sequence[str]) -> None:
        """Look up many idempotency ids at once (an import knows them all in advance)."""
        wanted = [k for k in set(keys) if k not in self._known_keys and k not in self._looked_up]
        if wanted:
            self._known_keys.update(self._saver.lookup_keys(wanted))
            self._looked_up.update(wanted)

    def add(
        self,
        envelope: Envelope,
        *,
        source: str,
        recorded: datetime | None = None,
        expected_event: str | None = None,
        line: int | None = None,
    ) -> Outcome:
        """Validate one event and stage it; raise `Refused` (changing nothing) if it is refused.

        `recorded` and `expected_event` are for `ledger restore`, which keeps an export's
        recorded times and checks that each event lands under the id it had. `line`, the event's
        line in an imported file, lets a later line reusing its id for other content name it."""
        now = recorded or self._clock()
        if envelope.at > now + FUTURE_TOLERANCE:
            raise OutOfOrder(code="future_claim", params={"at": envelope.at, "now": now}, field="at")
        if envelope.key is not None:
            duplicate = self._duplicate(envelope)
            if duplicate is not None:
                self.outcomes.append(duplicate)
                return duplicate

        try:
            aggregate = self._record(envelope, source=source, now=now, expected_event=expected_event)
        except Refused:
            late = self._recorded_meanwhile(envelope)
            if late is None:
                raise
            self.outcomes.append(late)
            return late
        self._events.extend(aggregate.collect_events())
        outcome = Outcome(
            event=ledger_event_id(aggregate.id, aggregate.version),
            type=envelope.type,
            case=envelope.case,
            key=envelope.key,
            duplicate=False,
            originator_id=aggregate.id,
            version=aggregate.version,
        )
        if envelope.key is not None:
            digest = envelope.digest()
            self._known_keys[envelope.key] = (digest, aggregate.id, aggregate.version)
            self._key_rows.append((envelope.key, digest, aggregate.id.hex, aggregate.version))
            self._staged_keys[envelope.key] = line
        self.outcomes.append(outcome)
        return outcome

    def _record(self, envelope: Envelope, *, source: str, now: datetime, expected_event: str | None) -> LedgerAggregate:
        """Validate `envelope` against its aggregate as it stands (raising `Refused`) and record it."""
        aggregate = self._aggregate_for(envelope)
        if aggregate is self.registry and self._registry_shared:
            aggregate = self.registry = copy.deepcopy(self.registry)
            self._aggregates[REGISTRY_ID] = aggregate
            self._registry_shared = False
        if expected_event is not None and ledger_event_id(aggregate.id, aggregate.version + 1) != expected_event:
            raise OutOfOrder(code="event_out_of_place", params={"event": expected_event}, field="event")
        if isinstance(aggregate, Registry):
            aggregate.record(envelope, source=source, timestamp=now)
        else:
            assert isinstance(aggregate, (Case, AgencyYear))
            aggregate.record(envelope, self.registry.state, source=source, timestamp=now)
        return aggregate

    def _recorded_meanwhile(self, envelope: Envelope) -> Outcome | None:
        """A retry racing its original: the id was not in the ledger when this batch looked, but
        the original committed before the aggregate was read, so the retry is refused as if it
        were new (the consultation is already answered). Ask the store again, uncached: if the id
        is there now, this is a duplicate (or a conflict), never a refusal of the event itself."""
        if envelope.key is None or envelope.key in self._staged_keys:
            return None
        found = self._log.lookup_keys([envelope.key])
        if envelope.key not in found:
            return None
        self._known_keys.update(found)
        return self._duplicate(envelope)

    def _duplicate(self, envelope: Envelope) -> Outcome | None:
        assert envelope.key is not None
        if envelope.key not in self._known_keys:
            self.prefetch_keys([envelope.key])
        known = self._known_keys.get(envelope.key)
        if known is None:
            return None
        digest, originator_id, version = known
        if digest != envelope.digest():
            if envelope.key in self._staged_keys:
                earlier = self._staged_keys[envelope.key]
                raise KeyConflict(
                    code="key_repeated_in_file" if earlier is not None else "key_repeated_in_batch",
                    params={"key": repr(envelope.key), "line": earlier},
                    field="id",
                )
            raise KeyConflict(code="key_in_ledger", params={"key": repr(envelope.key)}, field="id")
        return Outcome(
            event=ledger_event_id(originator_id, version),
            type=envelope.type,
            case=envelope.case,
            key=envelope.key,
            duplicate=True,
            originator_id=originator_id,
            version=version,
        )

    @staticmethod
    def _aggregate_id(envelope: Envelope) -> UUID:
        family = envelope.family
        if family == "registry":
            return REGISTRY_ID
        if family == "case":
            assert envelope.case is not None
            return case_id(envelope.case)
        return agency_year_id(envelope.fields["agency"], envelope.fields["year"])

    def _aggregate_for(self, envelope: Envelope) -> LedgerAggregate:
        aggregate_id = self._aggregate_id(envelope)
        aggregate = self._aggregates.pop(aggregate_id, None)  # put back last: the most recently used
        if aggregate is None:
            cls = Case if envelope.family == "case" else AgencyYear
            reloaded = self._reload(aggregate_id, cls)
            if reloaded is not None:
                aggregate = reloaded
            elif aggregate_id in self._absent:
                aggregate = cls.shell(aggregate_id, self._clock())
            else:
                aggregate = self._log.load(aggregate_id, cls)
                if self._check_stream is not None:  # at version 0 too: a stream emptied outside the ledger
                    self._check_stream.loaded(envelope, aggregate_id)
        self._aggregates[aggregate_id] = aggregate
        return aggregate

    def _reload(self, aggregate_id: UUID, cls: type[LedgerAggregate]) -> LedgerAggregate | None:
        """An aggregate let go of between chunks, read back from the open transaction (which
        holds this import's earlier chunks). Not checked again against the read models: it was
        when first loaded, and only this import has written to it since, under the write lock."""
        if aggregate_id not in self._let_go or self._into is None:
            return None
        aggregate = self._into.load(aggregate_id, cls)
        if aggregate is None:
            raise StoreError("an aggregate this import wrote could not be read back from its transaction;"
                             " nothing was appended")
        self._let_go.discard(aggregate_id)
        return aggregate

    def _let_go_of_least_used(self) -> None:
        """Keep KEEP_AGGREGATES aggregates (and the registry) between an import's chunks."""
        excess = len(self._aggregates) - KEEP_AGGREGATES
        if excess <= 0:
            return
        # The dict's order is the order of last use (`_aggregate_for` puts each back last).
        oldest = [a for a in islice(self._aggregates, excess + 1) if a != REGISTRY_ID][:excess]
        for aggregate_id in oldest:
            del self._aggregates[aggregate_id]
            self._absent.discard(aggregate_id)
            self._let_go.add(aggregate_id)

    def commit(self) -> list[Outcome]:
        """Save every staged event in one transaction; fill in positions and recorded times."""
        if self._events:
            try:
                recordings = self._saver.save(self._events, self._key_rows)
            except IntegrityError:
                raise ConcurrentAppend(
                    "another writer changed the same case or registry, or used the same id, at the same time;"
                    " nothing was appended"
                ) from None
            where = {
                (r.domain_event.originator_id, r.domain_event.originator_version): (
                    r.notification.id,
                    cast(LedgerEvent, r.domain_event).timestamp,
                )
                for r in recordings
            }
            if self.keep_saved:
                ids = {(o.originator_id, o.version): o.event for o in self.outcomes if not o.duplicate}
                self.saved = {
                    r.notification.id: EventRecord.from_event(
                        cast(LedgerEvent, r.domain_event), r.notification.id,
                        ids.get((r.domain_event.originator_id, r.domain_event.originator_version)))
                    for r in recordings
                }
            self.discard()
            if self._into is not None:
                # An import's ids (a third of its memory at 1M events) are asked of its transaction
                # again when a later line repeats one; only each staged id's line is kept.
                self._known_keys = {}
                self._let_go_of_least_used()
        else:
            where = {}
        for i, outcome in enumerate(self.outcomes):
            found = where.get((outcome.originator_id, outcome.version))
            if found is None and outcome.duplicate:
                found = self._log.locate(outcome.originator_id, outcome.version)
            if found is not None:
                self.outcomes[i] = replace(outcome, position=found[0], recorded=found[1])
        return self.outcomes

