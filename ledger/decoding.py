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


def check_sealed(recorder: Any, notifications: Any, *, after: int | None = None) -> None:
    """Every event read from the log must be the one sealed when it was appended, and every sealed
    event from `after` (the previous batch's last position) to this batch's last must be there:
    nothing is built or exported from bytes that differ from their leaf, or past a deleted event."""
    if not notifications:
        return
    start = notifications[0].id - 1 if after is None else after
    sealed = {position: leaf for position, _, leaf in recorder.stored_leaves(after=start, upto=notifications[-1].id)}
    present = {n.id for n in notifications}
    missing = sorted(set(sealed) - present)
    if missing:
        raise CorruptEvent(missing[0], "an event sealed here is missing from the log (deleted outside the ledger?)")
    for n in notifications:
        leaf = sealed.get(n.id)
        if leaf is None:
            raise CorruptEvent(n.id, "the event has no leaf sealed at append time (written outside the ledger,"
                                     " or a store made before leaves were sealed: export and restore it)")
        try:
            actual = stored_leaf(n.topic, n.originator_id, n.originator_version, n.state).hex()
        except Exception:  # noqa: BLE001 - a column of another type, a NULL: the row was changed
            actual = None
        if actual != leaf:
            raise CorruptEvent(n.id, "the stored event's bytes differ from those sealed when it was appended")


def check_nothing_after(recorder: Any, position: int) -> None:
    """At the end of the log: no sealed event may follow (the last events deleted?)."""
    later = recorder.stored_leaves(after=position)
    if not later:
        return
    # Another writer may have committed since the log was read: then the event is there now.
    appended = recorder.select_notifications(start=position, limit=1, inclusive_of_start=False)
    if appended and appended[0].id <= later[0][0]:
        return
    raise CorruptEvent(later[0][0], "an event sealed here is missing from the log (deleted outside the ledger?)")


def select_notifications(recorder: Any, after: int, limit: int) -> Any:
    """The library's notifications after `after`; a row it cannot even read (an aggregate id that
    is no id, a version that is no number) is named by its position instead of crashing."""
    try:
        return recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)
    except Exception:  # noqa: BLE001 - find the damaged row among the raw ones
        from uuid import UUID

        for raw in recorder.raw_events(after=after):
            try:
                UUID(raw.originator_id)
                int(raw.version)
                if raw.state.startswith(b"\xffnot a stored state") or raw.topic in ("None", ""):
                    raise ValueError("no state or topic")
            except (TypeError, ValueError):
                raise CorruptEvent(raw.position, "the stored row is damaged (its aggregate id, version, topic"
                                                 " or state was changed outside the ledger)") from None
        raise


def check_taken(logged: list[int], tracked: int, taken: list[int]) -> None:
    """A stream's own checks (each event against its leaf, no version missing) cannot see an event
    moved to another aggregate id outside the ledger: the stream just looks shorter, with every
    leaf intact. The read models took in each event under its case (or as the registry's, or an
    agency's year's) when it was appended, so those positions up to their tracked position
    (`taken`) must be the stream's (`logged`, in order); otherwise the log or the read models were
    changed, and the case (registry, year) is refused rather than shown, or appended to, without
    the event. `taken` is every fact of the aggregate: the read models write their facts and their
    tracked position in one transaction, so no fact lies past it, and a tracking row set back (or
    deleted) outside the ledger cannot hide a fact the stream lacks."""
    bound = max(tracked, taken[-1] if taken else 0)
    logged = [position for position in logged if position <= bound]
    if logged != taken:
        differ = sorted(set(logged) ^ set(taken)) or taken
        raise stream_differs(differ[0])


def stream_differs(position: int) -> CorruptEvent:
    """The refusal of a stream that is not the one the read models took in, at `position`."""
    return CorruptEvent(position, "the stream's events in the log are not those the read models took in when they"
                                  " were appended (an event moved to another case or stream outside the ledger?):"
                                  " run `ledger verify --full`")
