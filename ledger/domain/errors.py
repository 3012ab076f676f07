"""The ledger's exceptions, one tree so callers catch exactly what they mean.

    LedgerError
     ├── Refused                       bad input: nothing was appended (exit 2, HTTP 400); each
     │    │                            carries a `code` and `params` (ledger.domain.refusals)
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

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, ClassVar

from . import refusals


class LedgerError(Exception):
    """Base class of every error the ledger raises on purpose."""


class Refused(LedgerError):
    """An event was refused; the message says why, in terms a clerk understands.

    `code` names the kind of refusal (a key of `ledger.domain.refusals.MESSAGES`) and `params`
    the values its message shows, plain and JSON-serialisable, so the refusal can be shown in
    another language; `str(refusal)` is the English message, rendered from the catalogue unless
    a `message` is given. A refusal raised with only a message gets its class's `default_code`,
    whose template is the message itself (`{message}`)."""

    default_code: ClassVar[str] = "refused"
    field: str | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        if message is None and code is None:
            raise TypeError("a refusal needs a message or a code")
        self.code: str = code if code is not None else self.default_code
        if params is None and code is None:
            params = {"message": message}
        self.params: dict[str, str | int | None] = {name: plain(value) for name, value in (params or {}).items()}
        if message is None:
            message = refusals.render(self.code, self.params)
        super().__init__(message)
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        """The refusal as plain data (an API's error body): field, code, params and English message."""
        return {"field": self.field, "code": self.code, "params": dict(self.params), "message": str(self)}


def plain(value: object) -> str | int | None:
    """A param as JSON can carry it: text, a whole number or null; a date or time as ISO 8601, a
    list as its items joined with ", ", anything else as its `str`."""
    if value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(plain(item)) for item in value)
    return str(value)


class InvalidField(Refused):
    """A field is missing, of the wrong type, or malformed."""

    default_code = "invalid_field"


class UnknownReference(Refused):
    """The event names something the ledger does not know (at the claimed time)."""

    default_code = "unknown_reference"


class NotPermitted(Refused):
    """The acting official's agency or role does not allow this act (SPEC §4 table)."""

    default_code = "not_permitted"


class InvalidState(Refused):
    """The case as it stands in the ledger does not allow this act."""

    default_code = "invalid_state"


class OutOfOrder(Refused):
    """The claimed time is before an event this one depends on, or in the future."""

    default_code = "out_of_order"


class KeyConflict(Refused):
    """The idempotency id is already in the ledger with different content."""

    default_code = "key_conflict"


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
