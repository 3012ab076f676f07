"""Consult only directly related agencies, once at a time, and get answers on time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from ..domain.casefile import CaseFile, ConsultationFile
from ..domain.payloads import ConsultationRequested
from ..domain.records import EventRecord
from .violation import Judgement, Violation


def _claim_order(record: EventRecord) -> tuple[datetime, int]:
    """Claimed time, then log order (SPEC §4: equal claimed times are ordered by log order)."""
    return record.at, record.position


def request_domains(case: CaseFile, consultation: ConsultationFile) -> tuple[str, ...]:
    """The request's own domains, else the case's (an empty list counts as none given)."""
    asked = consultation.request.payload
    assert isinstance(asked, ConsultationRequested)
    return asked.domains or case.domains


def unrelated_consultation(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """UNRELATED_CONSULTATION: the request's domains share no tag with the consulted agency's mandate."""
    for consultation in case.consultations.values():
        request = consultation.request
        domains = request_domains(case, consultation)
        if set(domains) & set(j.registry.mandate_at(consultation.to, request.at)):
            continue
        yield Violation(rule="UNRELATED_CONSULTATION", case=case.case, consultation=consultation.consultation,
                        agency=j.agency_of(request), official=request.by, evidence=(request.event,),
                        act_on=request.claimed_date,
                        details={"to": consultation.to, "domains": ", ".join(domains) or "—"})


def redundant_consultation(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """REDUNDANT_CONSULTATION: the same agency asked again while an earlier request to it is still
    open (neither answered nor withdrawn before the new request, even if past due). Events are
    ordered by claimed time, equal claimed times in log order (SPEC §4): of two requests claimed
    at one instant the one earlier in the log is the earlier, and an answer or withdrawal claimed
    at the very instant of the new request closed the earlier one only if it is earlier in the log."""
    ordered = sorted(case.consultations.values(), key=lambda c: _claim_order(c.request))
    for index, later in enumerate(ordered):
        request = later.request
        target = j.registry.successor_at(later.to, request.at)
        for earlier in ordered[:index]:
            if j.registry.successor_at(earlier.to, request.at) != target:
                continue
            closing = earlier.answer or earlier.withdrawal
            if closing is not None and _claim_order(closing) < _claim_order(request):
                continue
            yield Violation(rule="REDUNDANT_CONSULTATION", case=case.case, consultation=later.consultation,
                            agency=j.agency_of(request), official=request.by,
                            evidence=(request.event, earlier.request.event), act_on=request.claimed_date,
                            details={"to": later.to, "earlier": earlier.consultation})
            break


def late_response(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """LATE_RESPONSE: answered late, or unanswered (not withdrawn) past due at A or at the case's
    resolution — then deemed consent (silence is consent, 2019 instruction)."""
    for consultation in case.consultations.values():
        if consultation.status == "withdrawn":
            continue
        due = consultation.due
        if consultation.answer is not None:
            days = j.late_by(due, consultation.answer.claimed_date)
            status, deemed = "closed", False
        elif case.resolution is not None:
            days, status, deemed = j.late_by(due, case.resolution.claimed_date), "closed", True
        else:
            days, status, deemed = j.late_by(due, j.as_of), "open", True
        if days < 1:
            continue
        agency = j.successor_on(consultation.to, due)
        official = consultation.handler or (consultation.answer.by if consultation.answer else None)
        evidence = tuple(
            r.event for r in (consultation.request, consultation.designation, consultation.answer) if r is not None
        )
        yield Violation(rule="LATE_RESPONSE", case=case.case, consultation=consultation.consultation, agency=agency,
                        official=official, due=due, days_late=days, status=status, evidence=evidence, act_on=due,
                        deemed_consent=deemed, details={"to": agency})
