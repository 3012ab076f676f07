"""A store-less stand-in for the log a `Batch` talks to: every aggregate starts empty.

Unit tests stage events through the real `Batch` (the same validation path as imports, the web
and the API) without touching a database; they never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.batch import Batch, Outcome
from ledger.domain.events import LedgerAggregate
from ledger.domain.schema import parse_event
from tests.builders import registry_lines


class EmptyLog:
    """The `AggregateStore` port of a batch, with nothing stored: every aggregate starts empty,
    no id is known, and nothing is ever saved (a desk never commits)."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock

    def load(self, aggregate_id: UUID, cls: type[LedgerAggregate]) -> LedgerAggregate:
        return cls.shell(aggregate_id, self.clock())

    def shared(self, aggregate_id: UUID, cls: type[LedgerAggregate], on_load: Any = None) -> LedgerAggregate:
        return cls.shell(aggregate_id, self.clock())

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        return {}

    def existing_streams(self, aggregate_ids: Sequence[UUID]) -> set[UUID]:
        return set()

    def save(self, events: Sequence[Any], keys: Sequence[Any]) -> Any:
        raise AssertionError("a desk never commits")

    def locate(self, originator_id: UUID, version: int) -> tuple[int, datetime] | None:
        return None


class Desk:
    """Offer events one by one, as a clerk would; refusals raise."""

    def __init__(self, clock: Any, *, with_registry: bool = True) -> None:
        self.batch = Batch(EmptyLog(clock), clock=clock)
        if with_registry:
            for obj in registry_lines():
                self.add(obj)

    def add(self, obj: dict[str, Any], *, source: str = "import", recorded: datetime | None = None) -> Outcome:
        return self.batch.add(parse_event(obj), source=source, recorded=recorded)

    @property
    def registry(self) -> Any:
        return self.batch.registry.state
