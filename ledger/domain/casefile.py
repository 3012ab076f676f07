"""A case folded from its event records (SPEC §5 clocks): lead, consultations, pauses, due dates.

Pure: records in, plain data out. `ledger history` shows the state after each event; the rules
read the same fold. Due dates follow SPEC §5:

- the case is due D0 = `CaseOpened.due` or `add_wd(S, processing_days)`, S the opening date, and
  each supplement pause from p to r moves it by `wd(date(p), date(r)]` working days (an open pause
  counts up to the day it is judged on); an apology never moves it;
- a second supplement request while one is open opens no second pause: the pause runs from the
  first open request (the earliest claimed) to the receipt, which closes every open request;
- a consultation is due on its `due`, else `add_wd(date(at), due_days or 15)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from ..calendar import WorkingCalendar, local_date
from . import payloads as p
from .caseparts import Apology, ConsultationFile, Coordinator, Finding, LeadHeld, Resolution
from .records import EventRecord
from .registry_state import RegistryState
from .values import DEFAULT_CONSULTATION_DAYS


@dataclass
class CaseFile:
    """The case as its events (already filtered by as-of / known-at) describe it."""

    calendar: WorkingCalendar
    registry: RegistryState
    case: str = ""
    procedure: str | None = None
    title: str | None = None
    opened_on: date | None = None
    opened_by: str | None = None
    opener_agency: str | None = None
    initial_due: date | None = None
    lead: LeadHeld | None = None
    coordinators: list[Coordinator] = field(default_factory=list)
    consultations: dict[str, ConsultationFile] = field(default_factory=dict)
    pauses: list[tuple[date, date | None]] = field(default_factory=list)
    apologies: list[Apology] = field(default_factory=list)
    resolved: Resolution | None = None
    findings: list[Finding] = field(default_factory=list)
    # The records themselves, for the rules (evidence, actors, claimed times).
    opened: EventRecord | None = None
    domains: tuple[str, ...] = ()
    focal_agency: str | None = None
    lead_records: list[EventRecord] = field(default_factory=list)
    supplement_records: list[EventRecord] = field(default_factory=list)
    apology_records: list[EventRecord] = field(default_factory=list)
    resolution: EventRecord | None = None
    finding_records: list[EventRecord] = field(default_factory=list)

    def apply(self, record: EventRecord) -> None:
        """Fold one record (log order) into the file; events of no effect on it are skipped."""
        payload = record.payload
        change = _CHANGES.get(type(payload))
        if change is not None:
            change(self, record, payload)

    # --- judging -------------------------------------------------------------------------------

    @property
    def paused_since(self) -> date | None:
        if self.pauses and self.pauses[-1][1] is None:
            return self.pauses[-1][0]
        return None

    def paused_days(self, judged_on: date | None) -> int:
        """Working days the clock stood still; an open pause counts up to `judged_on`
        (or the resolution date, which closes it)."""
        end_of_open = judged_on
        if self.resolved is not None:
            resolved_on = self.resolved.on
            end_of_open = resolved_on if judged_on is None else min(judged_on, resolved_on)
        total = 0
        for start, end in self.pauses:
            end = end or end_of_open
            assert end is not None, "an open pause is judged on a given day"
            total += self.calendar.wd(start, end)
        return total

    def due(self, judged_on: date | None) -> date | None:
        """D: the initial due date moved by every pause (SPEC §5)."""
        if self.initial_due is None:
            return None
        paused = self.paused_days(judged_on)
        return self.calendar.add_wd(self.initial_due, paused) if paused else self.initial_due

    @property
    def resolved_on(self) -> date | None:
        return self.resolution.claimed_date if self.resolution else None

    def status(self) -> str:
        if self.resolved is not None:
            return "resolved"
        return "paused" if self.paused_since is not None else "open"

    def snapshot(self, judged_on: date) -> dict[str, Any]:
        """The state as plain data, with due dates judged on `judged_on`."""
        due = self.due(judged_on)
        paused_since = self.paused_since
        return {
            "case": self.case,
            "procedure": self.procedure,
            "status": self.status(),
            "opened_on": self.opened_on.isoformat() if self.opened_on else None,
            "lead": _plain(self.lead) if self.lead else None,
            "coordinators": [_plain(c) for c in self.coordinators],
            "consultations": [c.as_dict() for c in self.consultations.values()],
            "paused_since": paused_since.isoformat() if paused_since else None,
            "supplement_requests": len(self.supplement_records),
            "initial_due": self.initial_due.isoformat() if self.initial_due else None,
            "due": due.isoformat() if due else None,
            "apologies": [_plain(a) for a in self.apologies],
            "resolution": _plain(self.resolved) if self.resolved else None,
        }


def _plain(record: Any) -> dict[str, Any]:
    """A small record as JSON-ready data: dates as ISO strings (the history's snapshot)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(record).items()}


# --- folding, one change per event type -----------------------------------------------------------


def _opened(case: CaseFile, r: EventRecord, f: p.CaseOpened) -> None:
    case.case = r.case or ""
    case.procedure = f.procedure
    case.title = f.title
    case.opened_on = r.claimed_date
    case.opened_by = r.by
    posting = case.registry.posting_at(r.by, r.at) if r.by else None
    case.opener_agency = posting.agency if posting else r.actor_agency
    case.opened = r
    procedure = case.registry.procedure_at(f.procedure, r.at)
    case.domains = f.domains or (procedure.domains if procedure else ())
    case.focal_agency = procedure.focal_agency if procedure else None
    if f.due is not None:
        case.initial_due = f.due
    elif procedure is not None:
        case.initial_due = case.calendar.add_wd(r.claimed_date, procedure.processing_days)


def _lead_assigned(case: CaseFile, r: EventRecord, f: p.LeadAssigned) -> None:
    case.lead = LeadHeld(f.agency, f.official, r.claimed_date)
    case.lead_records.append(r)


def _coordinator(case: CaseFile, r: EventRecord, f: p.CoordinatorAssigned) -> None:
    case.coordinators.append(Coordinator(f.agency, f.part, f.official))


def _consulted(case: CaseFile, r: EventRecord, f: p.ConsultationRequested) -> None:
    due = f.due or case.calendar.add_wd(r.claimed_date, f.due_days or DEFAULT_CONSULTATION_DAYS)
    case.consultations[f.consultation] = ConsultationFile(f.consultation, f.to, r.by, r.claimed_date, due, r)


def _handler(case: CaseFile, r: EventRecord, f: p.ConsultationHandlerDesignated) -> None:
    consultation = case.consultations.get(f.consultation)
    if consultation is not None:
        consultation.handler = f.official
        consultation.designation = r


def _answered(case: CaseFile, r: EventRecord, f: p.ConsultationAnswered) -> None:
    consultation = case.consultations.get(f.consultation)
    if consultation is not None:
        consultation.status = "answered"
        consultation.answered_by = r.by
        consultation.answered_on = r.claimed_date
        consultation.position = f.position
        consultation.answer = r


def _withdrawn(case: CaseFile, r: EventRecord, f: p.ConsultationWithdrawn) -> None:
    consultation = case.consultations.get(f.consultation)
    if consultation is not None:
        consultation.status = "withdrawn"
        consultation.withdrawn_on = r.claimed_date
        consultation.withdrawal = r


def _supplement_requested(case: CaseFile, r: EventRecord, f: p.SupplementRequested) -> None:
    if case.pauses and case.pauses[-1][1] is None:
        # Asked again while a request is open: still one pause, from the first open request.
        case.pauses[-1] = (min(case.pauses[-1][0], r.claimed_date), None)
    else:
        case.pauses.append((r.claimed_date, None))
    case.supplement_records.append(r)


def _supplement_received(case: CaseFile, r: EventRecord, f: p.SupplementReceived) -> None:
    # One receipt closes every open request (they share the open pause).
    if case.pauses and case.pauses[-1][1] is None:
        case.pauses[-1] = (case.pauses[-1][0], r.claimed_date)


def _apologised(case: CaseFile, r: EventRecord, f: p.ApologyIssued) -> None:
    case.apologies.append(Apology(r.claimed_date, r.by, f.new_due))
    case.apology_records.append(r)


def _resolved(case: CaseFile, r: EventRecord, f: p.CaseResolved) -> None:
    case.resolved = Resolution(f.outcome, r.claimed_date, r.by)
    case.resolution = r


def _found(case: CaseFile, r: EventRecord, f: p.FindingRecorded) -> None:
    case.findings.append(Finding(f.rule, f.decision, r.by))
    case.finding_records.append(r)


_CHANGES: dict[type[p.Payload], Callable[[CaseFile, EventRecord, Any], None]] = {
    p.CaseOpened: _opened,
    p.LeadAssigned: _lead_assigned,
    p.CoordinatorAssigned: _coordinator,
    p.ConsultationRequested: _consulted,
    p.ConsultationHandlerDesignated: _handler,
    p.ConsultationAnswered: _answered,
    p.ConsultationWithdrawn: _withdrawn,
    p.SupplementRequested: _supplement_requested,
    p.SupplementReceived: _supplement_received,
    p.ApologyIssued: _apologised,
    p.CaseResolved: _resolved,
    p.FindingRecorded: _found,
}


def fold_case(records: list[EventRecord], registry: RegistryState, calendar: WorkingCalendar) -> CaseFile:
    """Fold a case's records (log order) into its file."""
    casefile = CaseFile(calendar, registry)
    for record in records:
        casefile.apply(record)
    return casefile


def history_steps(
    records: list[EventRecord], registry: RegistryState, calendar: WorkingCalendar
) -> list[dict[str, Any]]:
    """Each event with the case's state right after it (judged on that event's own date), and
    whether it claims a time earlier than an event recorded before it (claimed out of order)."""
    casefile = CaseFile(calendar, registry)
    latest_claim = None
    steps = []
    for record in records:
        casefile.apply(record)
        out_of_order = latest_claim is not None and record.at < latest_claim
        latest_claim = record.at if latest_claim is None else max(latest_claim, record.at)
        steps.append(
            {
                "record": record,
                "out_of_order": out_of_order,
                "state": casefile.snapshot(local_date(record.at)),
            }
        )
    return steps
