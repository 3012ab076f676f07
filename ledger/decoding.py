"""Stored events back into domain events, with a damaged one named by its position, never a
traceback: a row changed outside the ledger may fail to deserialise in any of many ways."""

from __future__ import annotations

from typing import Any, cast

from .domain.errors import CorruptEvent
from .domain.events import LedgerEvent
from .domain.records import EventRecord
from .integrity.seal import stored_leaf


def decode_event(mapper: Any, stored: Any, position: int | None) -> LedgerEvent:
    try:
        event = mapper.to_domain_event(stored)
    except Exception as error:  # noqa: BLE001 - any failure here means the stored bytes are damaged
        raise CorruptEvent(position, f"the stored event cannot be read back ({type(error).__name__}: "
                                     f"{str(error)[:200]}); the log was altered outside the ledger") from None
    if not isinstance(event, LedgerEvent):
        raise CorruptEvent(position, f"the stored event is a {type(event).__name__}, not a ledger event")
    return cast(LedgerEvent, event)


def decode_record(mapper: Any, notification: Any) -> EventRecord:
    """A notification (a stored event with its position) as a record."""
    event = decode_event(mapper, notification, notification.id)
    try:
        return EventRecord.from_event(event, notification.id)
    except Exception as error:  # noqa: BLE001 - a decoded event with damaged fields
        raise CorruptEvent(notification.id, f"the stored event's fields are damaged ({type(error).__name__})") from None


def check_sealed(recorder: Any, notifications: Any) -> None:
    """Every event read from the log must be the one sealed when it was appended: nothing is built
    or exported from bytes that differ from the leaf written with them."""
    if not notifications:
        return
    sealed = {position: leaf for position, _, leaf in recorder.stored_leaves(
        after=notifications[0].id - 1, upto=notifications[-1].id)}
    for n in notifications:
        leaf = sealed.get(n.id)
        if leaf is None:
            raise CorruptEvent(n.id, "the event has no leaf sealed at append time (written outside the ledger,"
                                     " or a store made before leaves were sealed: export and restore it)")
        if stored_leaf(n.topic, n.originator_id, n.originator_version, n.state).hex() != leaf:
            raise CorruptEvent(n.id, "the stored event's bytes differ from those sealed when it was appended")
