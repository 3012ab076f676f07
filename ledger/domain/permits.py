"""What each case event requires before it is recorded (SPEC §4 "who may do it" and "refused").

One check per typed event, found by its class (`CHECKS`). Each is judged against the case as it
stands in the ledger (`CaseView`: its leads, consultations and open supplement requests, in log
order) and the registry as of the event's claimed time; a lead agency's act is judged against the
lead in force at that time, so an act claimed before a reassignment that was recorded earlier is
still its old lead agency's to do. Pure: no clock, no store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from ..calendar import local_date
from . import payloads as p
from .errors import InvalidField, InvalidState, NotPermitted, OutOfOrder, UnknownReference
from .registry_state import Posting, RegistryState
from .schema import Envelope


@dataclass
class Lead:
    agency: str
    official: str
    at: datetime


@dataclass
class Consultation:
    id: str
    to: str
    requested_at: datetime
    status: str = "open"  # open | answered | withdrawn


class CaseView(Protocol):
    """What the checks read of a case (the `Case` aggregate provides it)."""

    reference: str
    leads: list[Lead]
    consultations: dict[str, Consultation]
    open_supplements: list[datetime]

    def lead_at(self, moment: datetime) -> Lead | None: ...


Check = Callable[[CaseView, Envelope, Any, RegistryState, Posting], None]


def _opened(case: CaseView, e: Envelope, f: p.CaseOpened, registry: RegistryState, actor: Posting) -> None:
    if registry.procedure_at(f.procedure, e.at) is None:
        raise UnknownReference(code="unknown_procedure", params={"procedure": repr(f.procedure)}, field="procedure")
    _due_not_before_act(e, "due", f.due)


def _lead(case: CaseView, e: Envelope, f: p.LeadAssigned, registry: RegistryState, actor: Posting) -> None:
    registry.require_agency(f.agency, e.at, "agency")
    _official_of(registry, f.official, f.agency, e.at, "official")
    if case.leads and not (f.reason or "").strip():
        raise InvalidField(code="lead_reason_required", params={}, field="reason")


def _coordinator(case: CaseView, e: Envelope, f: p.CoordinatorAssigned, registry: RegistryState,
                 actor: Posting) -> None:
    registry.require_agency(f.agency, e.at, "agency")
    if f.official is not None:
        _official_of(registry, f.official, f.agency, e.at, "official")


def _consult(case: CaseView, e: Envelope, f: p.ConsultationRequested, registry: RegistryState,
             actor: Posting) -> None:
    _require_lead_agency(case, e, registry, actor)
    if f.consultation in case.consultations:
        raise InvalidState(
            code="consultation_exists", params={"consultation": repr(f.consultation)}, field="consultation"
        )
    registry.require_agency(f.to, e.at, "to")
    if f.due is not None and f.due_days is not None:
        raise InvalidField(code="due_and_due_days", params={}, field="due")
    _due_not_before_act(e, "due", f.due)


def _designate(case: CaseView, e: Envelope, f: p.ConsultationHandlerDesignated, registry: RegistryState,
               actor: Posting) -> None:
    consultation = _open_consultation(case, e, f.consultation)
    consulted = _require_consulted_agency(e, registry, actor, consultation)
    _official_of(registry, f.official, consulted, e.at, "official")


def _answer(case: CaseView, e: Envelope, f: p.ConsultationAnswered, registry: RegistryState,
            actor: Posting) -> None:
    consultation = _open_consultation(case, e, f.consultation)
    _require_consulted_agency(e, registry, actor, consultation)
    if f.refer_to is not None:
        registry.require_agency(f.refer_to, e.at, "refer_to")


def _withdraw(case: CaseView, e: Envelope, f: p.ConsultationWithdrawn, registry: RegistryState,
              actor: Posting) -> None:
    _open_consultation(case, e, f.consultation)
    _require_lead_agency(case, e, registry, actor)


def _lead_agency_only(case: CaseView, e: Envelope, f: Any, registry: RegistryState, actor: Posting) -> None:
    # A second supplement request while one is open is recorded: REPEATED_SUPPLEMENT_REQUEST judges it.
    _require_lead_agency(case, e, registry, actor)


def _receive(case: CaseView, e: Envelope, f: p.SupplementReceived, registry: RegistryState,
             actor: Posting) -> None:
    _require_lead_agency(case, e, registry, actor)
    if not case.open_supplements:
        raise InvalidState(code="no_open_supplement", params={})
    # It closes every open request, so it depends on each of them.
    last_request = max(case.open_supplements)
    if e.at < last_request:
        raise OutOfOrder(code="before_supplement_requested", params={"at": e.at, "earlier": last_request}, field="at")


def _apologise(case: CaseView, e: Envelope, f: p.ApologyIssued, registry: RegistryState, actor: Posting) -> None:
    _require_lead_agency(case, e, registry, actor)
    if actor.role not in ("head", "deputy_head"):
        raise NotPermitted(code="apology_not_by_head", params={"role": actor.role}, field="by")
    _due_not_before_act(e, "new_due", f.new_due)


def _find(case: CaseView, e: Envelope, f: p.FindingRecorded, registry: RegistryState, actor: Posting) -> None:
    if actor.role != "inspector":
        raise NotPermitted(code="not_inspector", params={"role": actor.role}, field="by")
    if f.consultation is not None and f.consultation not in case.consultations:
        raise UnknownReference(
            code="unknown_consultation", params={"consultation": repr(f.consultation)}, field="consultation"
        )


#: The check of each case event type.
CHECKS: dict[type[p.Payload], Check] = {
    p.CaseOpened: _opened,
    p.LeadAssigned: _lead,
    p.CoordinatorAssigned: _coordinator,
    p.ConsultationRequested: _consult,
    p.ConsultationHandlerDesignated: _designate,
    p.ConsultationAnswered: _answer,
    p.ConsultationWithdrawn: _withdraw,
    p.SupplementRequested: _lead_agency_only,
    p.SupplementReceived: _receive,
    p.ApologyIssued: _apologise,
    p.CaseResolved: _lead_agency_only,
    p.FindingRecorded: _find,
}


# --- shared requirements --------------------------------------------------------------------------


def _require_lead_agency(case: CaseView, e: Envelope, registry: RegistryState, actor: Posting) -> None:
    """The act is the lead agency's, judged against the agency that was lead at its claimed time
    (the agency, not the official, was lead), and depends on that assignment."""
    if not case.leads:
        raise InvalidState(code="no_lead", params={"case": repr(case.reference)})
    lead = case.lead_at(e.at)
    if lead is None:  # claimed before every assignment: before the event it depends on
        first = min(other.at for other in case.leads)
        raise OutOfOrder(code="before_lead_assigned", params={"at": e.at, "earlier": first}, field="at")
    holder = registry.successor_at(lead.agency, e.at)
    if actor.agency != holder:
        raise NotPermitted(
            code="not_lead_agency",
            params={"agency": holder, "at": e.at, "type": e.type, "official": e.by, "actor_agency": actor.agency},
            field="by",
        )


def _open_consultation(case: CaseView, e: Envelope, ref: str) -> Consultation:
    consultation = case.consultations.get(ref)
    if consultation is None:
        raise UnknownReference(code="unknown_consultation", params={"consultation": repr(ref)}, field="consultation")
    if consultation.status != "open":
        raise InvalidState(
            code="consultation_answered" if consultation.status == "answered" else "consultation_withdrawn",
            params={"consultation": repr(ref)},
            field="consultation",
        )
    if e.at < consultation.requested_at:
        raise OutOfOrder(
            code="before_consultation_requested",
            params={"at": e.at, "earlier": consultation.requested_at},
            field="at",
        )
    return consultation


def _require_consulted_agency(e: Envelope, registry: RegistryState, actor: Posting, consultation: Consultation) -> str:
    holder = registry.successor_at(consultation.to, e.at)
    if actor.agency != holder:
        raise NotPermitted(
            code="not_consulted_agency",
            params={"agency": holder, "type": e.type, "official": e.by, "actor_agency": actor.agency},
            field="by",
        )
    return holder


def _due_not_before_act(e: Envelope, name: str, due: date | None) -> None:
    if due is not None and due < local_date(e.at):
        raise InvalidField(
            code="due_before_act", params={"name": name, "date": due.isoformat(), "act_date": local_date(e.at)},
            field=name,
        )


def _official_of(registry: RegistryState, official: str, agency: str, at: datetime, field_name: str) -> None:
    posting = registry.posting_at(official, at)
    if posting is None:
        raise UnknownReference(
            code="unknown_official_at", params={"official": repr(official), "at": at}, field=field_name
        )
    if posting.agency != agency:
        raise InvalidField(
            code="official_of_other_agency",
            params={"official": repr(official), "official_agency": posting.agency, "agency": agency},
            field=field_name,
        )
