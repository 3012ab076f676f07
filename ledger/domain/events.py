"""The one shape every stored ledger event has, and the aggregate base that records them.

Every event, whatever its type, carries the claimed time `at`, the acting official `by` and
their agency as of `at` (`actor_agency`), the case it belongs to (if any), the client's
idempotency id (`key`: the library reserves `id`), where it came from (`source`), a `note`,
and the type's own fields as given (`fields`). The recorded time is the library's `timestamp`.

The wire type is the class name (`CaseOpened`, `AgencyMerged`, …). Any event may be the first of
its aggregate: the aggregate is created on demand, so the registry needs no synthetic
"created" event that a §8 file could not express.
"""

from __future__ import annotations

from datetime import datetime
from hashlib import sha1
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import AggregateEvent, BaseAggregate

from .payloads import Payload, typed

LEDGER_NAMESPACE = uuid5(NAMESPACE_URL, "https://procedure-ledger.example/ids")


def ledger_event_id(originator_id: UUID, version: int) -> str:
    """The ledger event id: derived from (aggregate, version), so restore keeps it. It is
    `str(uuid5(originator_id, str(version)))` (RFC 4122 §4.3), computed without making a `UUID`
    object on the way: every event of an import and of a rebuild needs one, and the object cost
    as much as the hash (a test holds the two equal)."""
    digest = bytearray(sha1(originator_id.bytes + str(version).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class LedgerEvent(AggregateEvent):
    """Base of every stored event (a frozen dataclass, made so by the library's metaclass)."""

    at: datetime
    by: str | None
    actor_agency: str | None
    case: str | None
    key: str | None
    source: str
    note: str | None
    fields: dict[str, Any]

    # Which aggregate a family of events builds; set by each family's module. Left
    # unannotated on purpose: an annotation would make it a dataclass field of every event.
    aggregate_class = None

    # The §8 type, when the class name has to differ from it (two aggregates record findings).
    wire_type = None  # unannotated: it must not become a dataclass field

    @property
    def type(self) -> str:
        return self.wire_type or type(self).__name__

    @property
    def payload(self) -> Payload:
        """The typed view of `fields`. Made anew on each call, never cached on the event: the
        library stores an event's `__dict__`, and the stored bytes must stay the wire form."""
        return typed(self.type, self.fields)

    @property
    def event_id(self) -> str:
        return ledger_event_id(self.originator_id, self.originator_version)

    def mutate(self, aggregate: Any) -> Any:
        if aggregate is None:
            assert self.aggregate_class is not None, type(self)
            aggregate = self.aggregate_class.shell(self.originator_id, self.timestamp)
        return super().mutate(aggregate)

    def apply(self, aggregate: Any) -> None:
        aggregate.apply_event(self)


class LedgerAggregate(BaseAggregate[UUID]):
    """An aggregate created by whichever of its events comes first."""

    @classmethod
    def shell(cls, originator_id: UUID, timestamp: datetime) -> LedgerAggregate:
        aggregate = cls.__new__(cls)
        aggregate.__base_init__(originator_id, 0, timestamp)
        aggregate.init_state()
        return aggregate

    def init_state(self) -> None:
        """Set the empty state (subclasses override)."""

    def apply_event(self, event: LedgerEvent) -> None:
        """Pure state change: no checks, no clock, no registry look-ups (replayed on every load).
        Each aggregate dispatches on the event's typed payload."""
