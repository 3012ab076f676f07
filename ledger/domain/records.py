"""`EventRecord`: a stored event as plain frozen data, with its log position and both times.

Queries, history, export and (later) the rules all work on these, never on aggregates, so no
reader can change the ledger's state by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from datetime import date, datetime
from typing import Any

from ..calendar import local_date
from .events import LedgerEvent
from .payloads import Payload, typed


@dataclass(frozen=True)
class EventRecord:
    position: int
    event: str  # the ledger event id
    type: str
    case: str | None
    at: datetime  # claimed
    recorded: datetime  # the ledger's clock
    by: str | None
    actor_agency: str | None
    source: str
    key: str | None
    note: str | None
    fields: dict[str, Any]

    @classmethod
    def from_event(cls, event: LedgerEvent, position: int, event_id: str | None = None) -> EventRecord:
        """The record of a stored event; `event_id` when the caller already derived it."""
        return cls(
            position=position,
            event=event_id or event.event_id,
            type=event.type,
            case=event.case,
            at=event.at,
            recorded=event.timestamp,
            by=event.by,
            actor_agency=event.actor_agency,
            source=event.source,
            key=event.key,
            note=event.note,
            fields=dict(event.fields),
        )

    @cached_property
    def payload(self) -> Payload:
        """The typed view of `fields` (made once per record)."""
        return typed(self.type, self.fields)

    @property
    def claimed_date(self) -> date:
        return local_date(self.at)


def visible(as_of: date | None, known_at: datetime | None) -> Callable[[EventRecord], bool]:
    """SPEC §2: as-of keeps events with date(at) <= A; known-at keeps those recorded by T."""

    def keep(record: EventRecord) -> bool:
        if as_of is not None and record.claimed_date > as_of:
            return False
        return known_at is None or record.recorded <= known_at

    return keep


def filter_records(
    records: Iterable[EventRecord], as_of: date | None, known_at: datetime | None
) -> list[EventRecord]:
    keep = visible(as_of, known_at)
    return [record for record in records if keep(record)]
