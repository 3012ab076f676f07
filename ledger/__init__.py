"""Procedure Ledger: an event-sourced audit ledger of administrative procedures.

The public facade: open a `Ledger` on a store URL, append events, ask questions.
"""

from .application import BatchRefused, ImportReport, Ledger
from .batch import Outcome
from .calendar import LOCAL_TZ, WorkingCalendar, local_date
from .domain.errors import (
    ConcurrentAppend,
    InvalidField,
    InvalidState,
    KeyConflict,
    LedgerError,
    NotPermitted,
    OutOfOrder,
    Refused,
    StoreError,
    UnknownReference,
)
from .domain.schema import Envelope, parse_event

__all__ = [
    "LOCAL_TZ",
    "BatchRefused",
    "ConcurrentAppend",
    "Envelope",
    "ImportReport",
    "InvalidField",
    "InvalidState",
    "KeyConflict",
    "Ledger",
    "LedgerError",
    "NotPermitted",
    "OutOfOrder",
    "Outcome",
    "Refused",
    "StoreError",
    "UnknownReference",
    "WorkingCalendar",
    "local_date",
    "parse_event",
]
