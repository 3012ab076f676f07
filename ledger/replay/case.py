"""`replay_case`: a case's history step by step, and its state and violations after one step
(see the package's docstring for what a step, its state and its violations are)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from ..calendar import WorkingCalendar, local_date
from ..domain import payloads as p
from ..domain.records import EventRecord
from ..domain.registry import RegistryState
from ..rules.rulebook import RULEBOOK, rulebook_version
from ..rules.violation import Violation
from .judging import _identity, _judge_steps, _Judged
from .model import FindingItem, Replay, ReplayStep, StepOutOfRange, StepViolation

if TYPE_CHECKING:
    from ..application import Ledger


def replay_case(ledger: Ledger, case: str, *, as_of: date | None = None, known_at: datetime | None = None,
                step: int | None = None) -> Replay:
    """The case's history step by step, its state and violations after `step` (default: the last
    step, the case as of `as_of`). Raises `UnknownReference` for a case the ledger does not hold
    and `StepOutOfRange` for a step it does not have."""
    as_of = as_of or ledger.today()
    seen = ledger.case_as_seen(case, as_of, known_at)
    records, registry, calendar = seen.records, seen.registry, seen.calendar
    end = len(records) + 1
    selected = end if step is None else step
    if not 1 <= selected <= end:
        raise StepOutOfRange(selected, end)
    judged = _judge_steps(records, registry, calendar, as_of, selected)
    steps = _steps(records, calendar, judged)
    current = judged.by_step[selected - 1]
    previous = judged.by_step[selected - 2] if selected > 1 else []
    kept = {_identity(v) for v in current}
    opened = judged.casefile.opened
    procedure = registry.procedure_at(judged.casefile.procedure or "", opened.at) if opened else None
    applicant = opened.payload.applicant if opened and isinstance(opened.payload, p.CaseOpened) else None
    findings = tuple(
        FindingItem(n, r.event, f.rule, f.decision, f.consultation, f.evidence, r.by, r.at, r.note)
        for n, r in enumerate(records, start=1) if isinstance(f := r.payload, p.FindingRecorded))
    return Replay(
        case=case, title=judged.casefile.title, procedure=judged.casefile.procedure,
        procedure_name=procedure.name if procedure else None,
        applicant=applicant.name if applicant else None,
        as_of=as_of, known_at=known_at, calendar=calendar.version, rulebook=rulebook_version(),
        steps=steps, hidden=seen.hidden, selected=selected,
        judged_on=judged.days[selected - 1], state=judged.state,
        violations=tuple(_step_violation(v, judged.since[selected - 1][_identity(v)], selected) for v in current),
        cleared=tuple(_step_violation(v, 0, selected) for v in previous if _identity(v) not in kept),
        findings=findings, agency_names=_agency_names(registry, records), official_names=_official_names(registry, records),
    )


def _steps(records: list[EventRecord], calendar: WorkingCalendar, judged: _Judged) -> tuple[ReplayStep, ...]:
    by_step, registry = judged.by_step, judged.casefile.registry
    steps = []
    latest_claim: datetime | None = None
    previous: EventRecord | None = None
    for number, record in enumerate(records, start=1):
        late = judged.late.get(record.event)
        posting = registry.posting_at(record.by, record.at) if record.by else None
        before = {_identity(v): v.rule for v in by_step[number - 2]} if number > 1 else {}
        after = {_identity(v): v.rule for v in by_step[number - 1]}
        steps.append(ReplayStep(
            number=number, position=record.position, event=record.event, type=record.type, at=record.at,
            recorded=record.recorded, claimed_on=record.claimed_date, recorded_on=local_date(record.recorded),
            by=record.by, agency=posting.agency if posting else record.actor_agency, source=record.source, key=record.key,
            note=record.note, fields=dict(record.fields),
            gap=None if previous is None else _signed_wd(calendar, previous.claimed_date, record.claimed_date),
            out_of_order=latest_claim is not None and record.at < latest_claim,
            late_recording=late.days_late if late is not None else None,
            judged_on=judged.days[number - 1],
            appeared=tuple(rule for key, rule in after.items() if key not in before),
            cleared=tuple(rule for key, rule in before.items() if key not in after),
        ))
        latest_claim = record.at if latest_claim is None else max(latest_claim, record.at)
        previous = record
    return tuple(steps)


def _signed_wd(calendar: WorkingCalendar, a: date, b: date) -> int:
    return calendar.wd(a, b) if b >= a else -calendar.wd(b, a)


def _step_violation(v: Violation, since: int, selected: int) -> StepViolation:
    rule, shown = RULEBOOK[v.rule], v.as_dict()
    return StepViolation(v.rule, rule.title_vi, rule.title_en, v.consultation, v.agency, v.official, v.due,
                         v.days_late, v.status, v.deemed_consent, v.finding, v.evidence, shown["message_vi"],
                         shown["message_en"], since, since == selected)


def _agency_names(registry: RegistryState, records: list[EventRecord]) -> dict[str, tuple[str, str]]:
    codes: set[str] = set()
    for record in records:
        codes.update(_agencies_named(record.payload))
        if record.actor_agency:
            codes.add(record.actor_agency)
        if record.by:
            posting = registry.posting_at(record.by, record.at)
            if posting:
                codes.add(posting.agency)
    return {code: (a.name, a.name_en) for code in codes if (a := registry.agencies.get(code)) is not None}


def _official_names(registry: RegistryState, records: list[EventRecord]) -> dict[str, str]:
    ids: set[str] = set()
    for record in records:
        ids.update(_officials_named(record.payload))
        if record.by:
            ids.add(record.by)
    return {official: o.name for official in ids if (o := registry.officials.get(official)) is not None}


def _agencies_named(payload: p.Payload) -> tuple[str, ...]:
    """The agencies a case event names besides its actor's (the lead, the consulted, the referred)."""
    match payload:
        case p.LeadAssigned(agency=agency) | p.CoordinatorAssigned(agency=agency) | p.ConsultationRequested(to=agency):
            return (agency,)
        case p.ConsultationAnswered(refer_to=str(agency)):
            return (agency,)
    return ()


def _officials_named(payload: p.Payload) -> tuple[str, ...]:
    """The officials a case event names besides its actor (a lead, a coordinator, a handler)."""
    match payload:
        case p.LeadAssigned(official=official) | p.ConsultationHandlerDesignated(official=official):
            return (official,)
        case p.CoordinatorAssigned(official=str(official)):
            return (official,)
    return ()
