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

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..calendar import WorkingCalendar, local_date
from .records import EventRecord
from .registry import RegistryState
from .values import DEFAULT_CONSULTATION_DAYS


@dataclass
class ConsultationFile:
    consultation: str
    to: str
    requested_by: str | None
    requested_on: date
    due: date
    request: EventRecord
    status: str = "open"  # open | answered | withdrawn
    handler: str | None = None
    answered_by: str | None = None
    answered_on: date | None = None
    position: Any = None
    withdrawn_on: date | None = None
    answer: EventRecord | None = None
    designation: EventRecord | None = None
    withdrawal: EventRecord | None = None

    @property
    def closed_at(self) -> datetime | None:
        """When it stopped being open: its answer or its withdrawal (claimed time)."""
        closing = self.answer or self.withdrawal
        return closing.at if closing else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "consultation": self.consultation,
            "to": self.to,
            "requested_by": self.requested_by,
            "requested_on": self.requested_on.isoformat(),
            "due": self.due.isoformat(),
            "status": self.status,
            "handler": self.handler,
            "answered_by": self.answered_by,
            "answered_on": self.answered_on.isoformat() if self.answered_on else None,
            "position": self.position,
        }


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
    lead: dict[str, str] | None = None
    coordinators: list[dict[str, Any]] = field(default_factory=list)
    consultations: dict[str, ConsultationFile] = field(default_factory=dict)
    pauses: list[tuple[date, date | None]] = field(default_factory=list)
    apologies: list[dict[str, Any]] = field(default_factory=list)
    resolved: dict[str, Any] | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    # The records themselves, for the rules (evidence, actors, claimed times).
    opened: EventRecord | None = None
    domains: tuple[str, ...] = ()
    focal_agency: str | None = None
    lead_records: list[EventRecord] = field(default_factory=list)
    supplement_records: list[EventRecord] = field(default_factory=list)
    apology_records: list[EventRecord] = field(default_factory=list)
    resolution: EventRecord | None = None
    finding_records: list[EventRecord] = field(default_factory=list)

    # --- folding ------------------------------------------------------------------------------

    def apply(self, record: EventRecord) -> None:
        handler = getattr(self, f"_on_{record.type}", None)
        if handler is not None:
            handler(record, record.fields)

    def _on_CaseOpened(self, r: EventRecord, f: dict[str, Any]) -> None:
        self.case = r.case or ""
        self.procedure = f["procedure"]
        self.title = f["title"]
        self.opened_on = r.claimed_date
        self.opened_by = r.by
        posting = self.registry.posting_at(r.by, r.at) if r.by else None
        self.opener_agency = posting.agency if posting else r.actor_agency
        self.opened = r
        procedure = self.registry.procedure_at(f["procedure"], r.at)
        self.domains = tuple(f.get("domains") or (procedure.domains if procedure else ()))
        self.focal_agency = procedure.focal_agency if procedure else None
        if f.get("due"):
            self.initial_due = date.fromisoformat(f["due"])
        elif procedure is not None:
            self.initial_due = self.calendar.add_wd(r.claimed_date, procedure.processing_days)

    def _on_LeadAssigned(self, r: EventRecord, f: dict[str, Any]) -> None:
        self.lead = {"agency": f["agency"], "official": f["official"], "assigned_on": r.claimed_date.isoformat()}
        self.lead_records.append(r)

    def _on_CoordinatorAssigned(self, r: EventRecord, f: dict[str, Any]) -> None:
        self.coordinators.append({"agency": f["agency"], "part": f["part"], "official": f.get("official")})

    def _on_ConsultationRequested(self, r: EventRecord, f: dict[str, Any]) -> None:
        if f.get("due"):
            due = date.fromisoformat(f["due"])
        else:
            due = self.calendar.add_wd(r.claimed_date, f.get("due_days") or DEFAULT_CONSULTATION_DAYS)
        self.consultations[f["consultation"]] = ConsultationFile(
            f["consultation"], f["to"], r.by, r.claimed_date, due, r
        )

    def _on_ConsultationHandlerDesignated(self, r: EventRecord, f: dict[str, Any]) -> None:
        consultation = self.consultations.get(f["consultation"])
        if consultation is not None:
            consultation.handler = f["official"]
            consultation.designation = r

    def _on_ConsultationAnswered(self, r: EventRecord, f: dict[str, Any]) -> None:
        consultation = self.consultations.get(f["consultation"])
        if consultation is not None:
            consultation.status = "answered"
            consultation.answered_by = r.by
            consultation.answered_on = r.claimed_date
            consultation.position = f.get("position")
            consultation.answer = r

    def _on_ConsultationWithdrawn(self, r: EventRecord, f: dict[str, Any]) -> None:
        consultation = self.consultations.get(f["consultation"])
        if consultation is not None:
            consultation.status = "withdrawn"
            consultation.withdrawn_on = r.claimed_date
            consultation.withdrawal = r

    def _on_SupplementRequested(self, r: EventRecord, f: dict[str, Any]) -> None:
        if self.pauses and self.pauses[-1][1] is None:
            # Asked again while a request is open: still one pause, from the first open request.
            self.pauses[-1] = (min(self.pauses[-1][0], r.claimed_date), None)
        else:
            self.pauses.append((r.claimed_date, None))
        self.supplement_records.append(r)

    def _on_SupplementReceived(self, r: EventRecord, f: dict[str, Any]) -> None:
        # One receipt closes every open request (they share the open pause).
        if self.pauses and self.pauses[-1][1] is None:
            self.pauses[-1] = (self.pauses[-1][0], r.claimed_date)

    def _on_ApologyIssued(self, r: EventRecord, f: dict[str, Any]) -> None:
        self.apologies.append({"on": r.claimed_date.isoformat(), "by": r.by, "new_due": f["new_due"]})
        self.apology_records.append(r)

    def _on_CaseResolved(self, r: EventRecord, f: dict[str, Any]) -> None:
        self.resolved = {"outcome": f["outcome"], "on": r.claimed_date.isoformat(), "by": r.by}
        self.resolution = r

    def _on_FindingRecorded(self, r: EventRecord, f: dict[str, Any]) -> None:
        self.findings.append({"rule": f["rule"], "decision": f["decision"], "by": r.by})
        self.finding_records.append(r)

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
            resolved_on = date.fromisoformat(self.resolved["on"])
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
            "lead": dict(self.lead) if self.lead else None,
            "coordinators": [dict(c) for c in self.coordinators],
            "consultations": [c.as_dict() for c in self.consultations.values()],
            "paused_since": paused_since.isoformat() if paused_since else None,
            "supplement_requests": len(self.supplement_records),
            "initial_due": self.initial_due.isoformat() if self.initial_due else None,
            "due": due.isoformat() if due else None,
            "apologies": [dict(a) for a in self.apologies],
            "resolution": dict(self.resolved) if self.resolved else None,
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
