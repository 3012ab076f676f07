"""What the commands ask of a store beyond `Ledger`'s own methods: the default registry loaded,
how many events no signed checkpoint covers yet, and what a failing store raises beneath the
ledger's own errors (the drivers' and the event store's), in one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.persistence import PersistenceError
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from .application import ImportReport, Ledger

__all__ = ["STORE_FAILURES", "load_default_registry", "store_failure_message", "unsigned_events"]

#: What the store's drivers raise when the store itself fails (not the ledger's own errors).
STORE_FAILURES: tuple[type[Exception], ...] = (PersistenceError, DBAPIError)


def store_failure_message(error: BaseException) -> str:
    """A store failure in one line of at most 300 characters."""
    return f"the store failed: {str(error).strip().splitlines()[0][:300]}"


def load_default_registry(ledger: Ledger) -> ImportReport:
    """Import the default Ho Chi Minh City registry (its events already present are skipped)."""
    from .demo import DEFAULT_REGISTRY

    with DEFAULT_REGISTRY.open(encoding="utf-8") as lines:
        return ledger.import_lines(lines)


def unsigned_events(ledger: Ledger) -> int:
    """How many events of the log no signed checkpoint covers yet."""
    latest = ledger.recorder.latest_checkpoint()
    return ledger.event_count() - (latest.size if latest else 0)
