"""The ledger's exceptions, one tree so callers catch exactly what they mean.

    LedgerError
     ├── Refused                       bad input: nothing was appended (exit 2, HTTP 400)
     │    ├── InvalidField             a field is missing, of the wrong type or malformed
     │    ├── UnknownReference         an unknown case, official, agency, procedure, consultation…
     │    ├── NotPermitted             the acting official may not do this act
     │    ├── InvalidState             the case's state forbids the act (resolved, no lead…)
     │    ├── OutOfOrder               a claimed time before the event it depends on, or in the future
     │    └── KeyConflict              an idempotency id reused for different content (HTTP 409)
     ├── ConcurrentAppend              other writers kept appending first; nothing appended, safe
     │                                 to retry (exit 3, HTTP 409)
     └── StoreError                    the store cannot be opened or is not in the expected state
          ├── NoLedger                 no ledger at that address (exit 2): a read never creates one
          └── CorruptEvent             a stored event no longer reads back, or differs from what
                                       was appended (exit 1: a check failed), naming its position
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base class of every error the ledger raises on purpose."""


class Refused(LedgerError):
    """An event was refused; the message says why, in terms a clerk understands."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidField(Refused):
    """A field is missing, of the wrong type, or malformed."""


class UnknownReference(Refused):
    """The event names something the ledger does not know (at the claimed time)."""


class NotPermitted(Refused):
    """The acting official's agency or role does not allow this act (SPEC §4 table)."""


class InvalidState(Refused):
    """The case as it stands in the ledger does not allow this act."""


class OutOfOrder(Refused):
    """The claimed time is before an event this one depends on, or in the future."""


class KeyConflict(Refused):
    """The idempotency id is already in the ledger with different content."""


class ConcurrentAppend(LedgerError):
    """Another writer changed the same case or registry first; nothing was appended."""


class StoreError(LedgerError):
    """The store cannot be opened, or is not in the state the command needs."""


class NoLedger(StoreError):
    """There is no ledger at the address given; only init, import, restore and demo create one."""


class CorruptEvent(StoreError):
    """A stored event cannot be read back, or its bytes differ from those sealed at append time."""

    def __init__(self, position: int | None, what: str) -> None:
        where = f"position {position}" if position is not None else "the log"
        super().__init__(f"{where}: {what}")
        self.position = position
