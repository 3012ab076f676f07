"""The case's own deadline: due date D (SPEC §5), the apology before it, the one new date."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone

from ..domain.casefile import CaseFile
from ..domain.payloads import ApologyIssued, LeadAssigned
from ..domain.records import EventRecord
from .violation import Judgement, Violation


#: Later than any claimed time (inputs are bounded to 2000–2099): every merge has happened by then.
_END_OF_TIME = datetime.max.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Overdue:
    due: date
    days: int
    status: str
    agency: str
    official: str | None
    evidence: tuple[str, ...]


def _in_claimed_order(records: list[EventRecord]) -> list[EventRecord]:
    return sorted(records, key=lambda r: (r.at, r.position))


def responsible_lead(case: CaseFile, j: Judgement, due: date | None) -> tuple[str, str | None, tuple[str, ...]]:
    """The lead in force at the end of the first working day after `due` (its agency's successor
    if merged by then); the opener's agency, with no official, when no lead was in force.
    `due` None: D not yet bounded (an open pause judged on no particular day), so every lead
    assignment is in force and every merge has happened by then."""
    ordered = _in_claimed_order(case.lead_records)
    if due is None:
        in_force = ordered
    else:
        cutoff = j.calendar.add_wd(due, 1)
        in_force = [r for r in ordered if r.claimed_date <= cutoff]
    if not in_force:
        return case.opener_agency or "", None, ()
    lead = in_force[-1]
    assigned = lead.payload
    assert isinstance(assigned, LeadAssigned)
    agency = assigned.agency
    holder = j.registry.successor_at(agency, _END_OF_TIME) if due is None else j.successor_on(agency, due)
    return holder, assigned.official, (lead.event,)


def judged_due(case: CaseFile, j: Judgement) -> date | None:
    """D as CASE_OVERDUE judges it: at the resolution, else at A with an open pause counted up to
    A. None when a pause is open and the case is judged on no particular day (the read model): D
    then grows with every day it is asked on, and its limit puts every lead in force. That is
    the answer on any day A once add_wd(D(A), 1) reaches the latest lead assignment: on every
    day, unless the open pause began after the due date it extends (the case already late)."""
    if case.resolution is not None:
        return case.due(case.resolution.claimed_date)
    if j.as_of is None and case.paused_since is not None:
        return None
    return case.due(j.as_of)


def overdue(case: CaseFile, j: Judgement) -> Overdue | None:
    """Resolved late against D, or open past D at A; not judged while a pause is open."""
    assert case.opened is not None
    if case.initial_due is None:
        return None
    closing: tuple[str, ...]
    if case.resolution is not None:
        due = case.due(case.resolution.claimed_date)
        assert due is not None
        days, status, closing = j.late_by(due, case.resolution.claimed_date), "closed", (case.resolution.event,)
    else:
        if case.paused_since is not None:
            return None
        due = case.due(j.as_of)
        assert due is not None
        days, status, closing = j.late_by(due, j.as_of), "open", ()
    if days < 1:
        return None
    agency, official, lead_evidence = responsible_lead(case, j, due)
    return Overdue(due, days, status, agency, official, (case.opened.event, *lead_evidence, *closing))


def case_overdue(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """CASE_OVERDUE."""
    late = overdue(case, j)
    if late is not None:
        yield Violation(rule="CASE_OVERDUE", case=case.case, agency=late.agency, official=late.official,
                        due=late.due, days_late=late.days, status=late.status, evidence=late.evidence,
                        act_on=late.due)


def apology_missing(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """APOLOGY_MISSING: overdue, and no apology by the last working day before D."""
    late = overdue(case, j)
    if late is None:
        return
    deadline = j.calendar.last_working_day_before(late.due)
    if any(r.claimed_date <= deadline for r in case.apology_records):
        return
    yield Violation(rule="APOLOGY_MISSING", case=case.case, agency=late.agency, official=late.official,
                    due=deadline, status=late.status, evidence=late.evidence, act_on=deadline, trigger=late.due)


def reschedule_missed(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """RESCHEDULE_MISSED: resolved after, or open past, the first apology's new date (a later
    apology does not move it). A promise is a date: unlike D, a pause does not move it, and it
    is judged even while a pause is open. Responsible: the same as CASE_OVERDUE, the lead in
    force at the end of the first working day after D (D moved by the pauses, an open one
    counted up to A), not after the promised date."""
    apologies = _in_claimed_order(case.apology_records)
    if not apologies:
        return
    first = apologies[0]
    apology = first.payload
    assert isinstance(apology, ApologyIssued)
    promised = apology.new_due
    if case.resolution is not None:
        days, status = j.late_by(promised, case.resolution.claimed_date), "closed"
        closing: tuple[str, ...] = (case.resolution.event,)
    else:
        days, status, closing = j.late_by(promised, j.as_of), "open", ()
    if days < 1:
        return
    agency, official, lead_evidence = responsible_lead(case, j, judged_due(case, j))
    yield Violation(rule="RESCHEDULE_MISSED", case=case.case, agency=agency, official=official, due=promised,
                    days_late=days, status=status, evidence=(first.event, *lead_evidence, *closing), act_on=promised)


def reschedule_repeated(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """RESCHEDULE_REPEATED: every apology after the first."""
    for record in _in_claimed_order(case.apology_records)[1:]:
        yield Violation(rule="RESCHEDULE_REPEATED", case=case.case, agency=j.agency_of(record), official=record.by,
                        evidence=(record.event,), act_on=record.claimed_date,
                        details={"on": record.claimed_date.isoformat()})


def repeated_supplement_request(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """REPEATED_SUPPLEMENT_REQUEST: every supplement request after the first."""
    for record in _in_claimed_order(case.supplement_records)[1:]:
        yield Violation(rule="REPEATED_SUPPLEMENT_REQUEST", case=case.case, agency=j.agency_of(record),
                        official=record.by, evidence=(record.event,), act_on=record.claimed_date,
                        details={"on": record.claimed_date.isoformat()})
