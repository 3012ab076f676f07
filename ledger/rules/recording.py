"""What the web and the API record must be recorded within a working day of when it happened."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..calendar import local_date
from ..domain import payloads as p
from ..domain.records import EventRecord
from .rulebook import RULEBOOK
from .violation import Judgement, Violation


def late_recording(records: Iterable[EventRecord], j: Judgement) -> Iterator[Violation]:
    """LATE_RECORDING: days_late = wd(date(at), date(recorded)] − 1 when >= 1; imports are exempt."""
    parameters = RULEBOOK["LATE_RECORDING"].parameters
    allowed = parameters["record_within_working_days"]
    for record in records:
        if record.source in parameters["exempt_sources"] or record.by is None:
            continue
        recorded_on = local_date(record.recorded)
        days = j.calendar.wd(record.claimed_date, recorded_on) - allowed
        if days >= 1:
            yield Violation(rule="LATE_RECORDING", case=record.case,
                            consultation=p.consultation_named(record.payload),
                            agency=j.agency_of(record), official=record.by,
                            due=j.calendar.add_wd(record.claimed_date, allowed), days_late=days,
                            evidence=(record.event,), act_on=record.claimed_date,
                            details={"type": record.type, "on": record.claimed_date.isoformat(),
                                     "recorded": recorded_on.isoformat()})

