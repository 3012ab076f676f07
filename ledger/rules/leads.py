"""One lead unit and one lead official, assigned in time, at the focal point (cá thể hóa trách nhiệm)."""

from __future__ import annotations

from collections.abc import Iterator

from ..domain.casefile import CaseFile
from ..domain.payloads import LeadAssigned
from .rulebook import RULEBOOK
from .violation import Judgement, Violation


def no_lead(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """NO_LEAD: no `LeadAssigned` by add_wd(S, 1); late by wd(add_wd(S, 1), date(assigned or A)]."""
    assert case.opened is not None and case.opened_on is not None
    limit = j.calendar.add_wd(case.opened_on, RULEBOOK["NO_LEAD"].parameters["lead_within_working_days"])
    first = min(case.lead_records, key=lambda r: (r.at, r.position), default=None)
    evidence: tuple[str, ...]
    if first is not None:
        days, status, evidence = j.late_by(limit, first.claimed_date), "closed", (case.opened.event, first.event)
    elif case.resolution is not None:
        days, status, evidence = j.late_by(limit, case.resolution.claimed_date), "closed", (case.opened.event,)
    else:
        days, status, evidence = j.late_by(limit, j.as_of), "open", (case.opened.event,)
    if days >= 1:
        yield Violation(rule="NO_LEAD", case=case.case, agency=case.opener_agency or "", due=limit,
                        days_late=days, status=status, evidence=evidence, act_on=limit)


def wrong_focal_point(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """WRONG_FOCAL_POINT: each lead given to an agency other than the procedure's focal point
    (the procedure as defined when the lead was assigned)."""
    for record in case.lead_records:
        procedure = j.registry.procedure_at(case.procedure or "", record.at)
        focal = procedure.focal_agency if procedure else None
        if focal is None:
            continue
        assigned = record.payload
        assert isinstance(assigned, LeadAssigned)
        lead = assigned.agency
        if lead in (focal, j.registry.successor_at(focal, record.at)):
            continue
        yield Violation(rule="WRONG_FOCAL_POINT", case=case.case, agency=j.agency_of(record), official=record.by,
                        evidence=(record.event,), act_on=record.claimed_date,
                        details={"lead": lead, "focal": focal, "procedure": case.procedure})
