"""The `Case` aggregate (SPEC §4): one stream per case reference, validated before it records.

The aggregate keeps just what validation needs, as the case stands in the ledger in log order:
its leads, its consultations and their status, the open supplement requests, whether it is
resolved. Who may act is judged with the registry as of the event's claimed time, and a lead
agency's act against the lead in force at that time (SPEC §4): an act claimed before a
reassignment that was recorded earlier is still its old lead agency's to do. Everything the
rules need (due dates, lateness) is computed elsewhere, from the events, by pure functions.
"""

from __future__ import annotations


from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime
from uuid import UUID, uuid5

from ..calendar import local_date
from .errors import InvalidField, InvalidState, NotPermitted, OutOfOrder, UnknownReference
from .events import LEDGER_NAMESPACE, LedgerAggregate, LedgerEvent
from .registry import Posting, RegistryState
from .schema import Envelope
from .values import parse_date


@lru_cache(maxsize=65536)
def case_id(reference: str) -> UUID:
    """Deterministic aggregate id from the case reference: look-ups need no index."""
    return uuid5(LEDGER_NAMESPACE, f"case/{reference}")


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


class Case(LedgerAggregate):
    """A case's validation state; its events are the facts every delay is computed from."""

    def init_state(self) -> None:
        super().init_state()
        self.reference: str = ""
        self.opened_at: datetime | None = None
        # Every LeadAssigned in log order; the one in force at a moment is the last by claimed
        # time (ties in log order) claimed at or before it.
        self.leads: list[Lead] = []
        self.consultations: dict[str, Consultation] = {}
        # Claimed times of the supplement requests still open (one receipt closes them all).
        self.open_supplements: list[datetime] = []
        self.resolved = False

    @property
    def is_opened(self) -> bool:
        return self.opened_at is not None

    # --- recording ----------------------------------------------------------------------------

    def record(
        self, envelope: Envelope, registry: RegistryState, *, source: str, timestamp: datetime
    ) -> None:
        """Refuse the event if the registry (as of its claimed time) or the case forbid it."""
        assert envelope.by is not None
        actor = registry.actor_at(envelope.by, envelope.at)
        if envelope.type == "CaseOpened":
            if self.is_opened:
                raise InvalidState(code="case_already_opened", params={"case": repr(envelope.case)}, field="case")
        else:
            if not self.is_opened:
                raise UnknownReference(code="unknown_case", params={"case": repr(envelope.case)}, field="case")
            if self.resolved and envelope.type != "FindingRecorded":
                raise InvalidState(code="case_resolved", params={"case": repr(envelope.case)}, field="case")
            assert self.opened_at is not None
            if envelope.at < self.opened_at:
                raise OutOfOrder(
                    code="before_case_opened", params={"at": envelope.at, "earlier": self.opened_at}, field="at"
                )
        check = getattr(self, f"_check_{envelope.type}")
        check(envelope, registry, actor)
        self.trigger_event(
            CASE_EVENT_CLASSES[envelope.type],
            timestamp=timestamp,
            at=envelope.at,
            by=envelope.by,
            actor_agency=actor.agency,
            case=envelope.case,
            key=envelope.key,
            source=source,
            note=envelope.note,
            fields=dict(envelope.fields),
        )

    # --- checks, one per type (SPEC §4 "who may do it" and "refused") -------------------------

    def _check_CaseOpened(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        if registry.procedure_at(e.fields["procedure"], e.at) is None:
            raise UnknownReference(
                code="unknown_procedure", params={"procedure": repr(e.fields["procedure"])}, field="procedure"
            )
        _due_not_before_act(e, "due")

    def _check_LeadAssigned(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        agency = e.fields["agency"]
        registry.require_agency(agency, e.at, "agency")
        _official_of(registry, e.fields["official"], agency, e.at, "official")
        if self.leads and not (e.fields.get("reason") or "").strip():
            raise InvalidField(code="lead_reason_required", params={}, field="reason")

    def _check_CoordinatorAssigned(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        agency = e.fields["agency"]
        registry.require_agency(agency, e.at, "agency")
        if e.fields.get("official") is not None:
            _official_of(registry, e.fields["official"], agency, e.at, "official")

    def _check_ConsultationRequested(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        self._require_lead_agency(e, registry, actor)
        consultation = e.fields["consultation"]
        if consultation in self.consultations:
            raise InvalidState(
                code="consultation_exists", params={"consultation": repr(consultation)}, field="consultation"
            )
        registry.require_agency(e.fields["to"], e.at, "to")
        if "due" in e.fields and "due_days" in e.fields:
            raise InvalidField(code="due_and_due_days", params={}, field="due")
        _due_not_before_act(e, "due")

    def _check_ConsultationHandlerDesignated(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        consultation = self._open_consultation(e)
        consulted = self._require_consulted_agency(e, registry, actor, consultation)
        _official_of(registry, e.fields["official"], consulted, e.at, "official")

    def _check_ConsultationAnswered(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        consultation = self._open_consultation(e)
        self._require_consulted_agency(e, registry, actor, consultation)
        if e.fields.get("refer_to") is not None:
            registry.require_agency(e.fields["refer_to"], e.at, "refer_to")

    def _check_ConsultationWithdrawn(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        self._open_consultation(e)
        self._require_lead_agency(e, registry, actor)

    def _check_SupplementRequested(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        # A second request while one is open is recorded: it is what REPEATED_SUPPLEMENT_REQUEST judges.
        self._require_lead_agency(e, registry, actor)

    def _check_SupplementReceived(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        self._require_lead_agency(e, registry, actor)
        if not self.open_supplements:
            raise InvalidState(code="no_open_supplement", params={})
        # It closes every open request, so it depends on each of them.
        last_request = max(self.open_supplements)
        if e.at < last_request:
            raise OutOfOrder(code="before_supplement_requested", params={"at": e.at, "earlier": last_request}, field="at")

    def _check_ApologyIssued(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        self._require_lead_agency(e, registry, actor)
        if actor.role not in ("head", "deputy_head"):
            raise NotPermitted(code="apology_not_by_head", params={"role": actor.role}, field="by")
        _due_not_before_act(e, "new_due")

    def _check_CaseResolved(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        self._require_lead_agency(e, registry, actor)

    def _check_FindingRecorded(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        _require_inspector(actor)
        consultation = e.fields.get("consultation")
        if consultation is not None and consultation not in self.consultations:
            raise UnknownReference(
                code="unknown_consultation", params={"consultation": repr(consultation)}, field="consultation"
            )

    # --- helpers -------------------------------------------------------------------------------

    def lead_at(self, moment: datetime) -> Lead | None:
        """The lead in force at `moment`: the last assignment by claimed time (ties in log order)
        claimed at or before it."""
        found: Lead | None = None
        for lead in self.leads:  # log order, so a later one wins a tie
            if lead.at <= moment and (found is None or lead.at >= found.at):
                found = lead
        return found

    def _require_lead_agency(self, e: Envelope, registry: RegistryState, actor: Posting) -> None:
        """The act is the lead agency's, judged against the agency that was lead at its claimed
        time (the agency, not the official, was lead), and depends on that assignment."""
        if not self.leads:
            raise InvalidState(code="no_lead", params={"case": repr(self.reference)})
        lead = self.lead_at(e.at)
        if lead is None:  # claimed before every assignment: before the event it depends on
            first = min(other.at for other in self.leads)
            raise OutOfOrder(code="before_lead_assigned", params={"at": e.at, "earlier": first}, field="at")
        holder = registry.successor_at(lead.agency, e.at)
        if actor.agency != holder:
            raise NotPermitted(
                code="not_lead_agency",
                params={"agency": holder, "at": e.at, "type": e.type, "official": e.by, "actor_agency": actor.agency},
                field="by",
            )

    def _open_consultation(self, e: Envelope) -> Consultation:
        ref = e.fields["consultation"]
        consultation = self.consultations.get(ref)
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

    def _require_consulted_agency(
        self, e: Envelope, registry: RegistryState, actor: Posting, consultation: Consultation
    ) -> str:
        holder = registry.successor_at(consultation.to, e.at)
        if actor.agency != holder:
            raise NotPermitted(
                code="not_consulted_agency",
                params={"agency": holder, "type": e.type, "official": e.by, "actor_agency": actor.agency},
                field="by",
            )
        return holder

    # --- state changes (pure; replayed on every load) ------------------------------------------

    def _on_CaseOpened(self, event: LedgerEvent) -> None:
        self.reference = event.case or ""
        self.opened_at = event.at

    def _on_LeadAssigned(self, event: LedgerEvent) -> None:
        self.leads.append(Lead(event.fields["agency"], event.fields["official"], event.at))

    def _on_ConsultationRequested(self, event: LedgerEvent) -> None:
        ref = event.fields["consultation"]
        self.consultations[ref] = Consultation(ref, event.fields["to"], event.at)

    def _on_ConsultationAnswered(self, event: LedgerEvent) -> None:
        self.consultations[event.fields["consultation"]].status = "answered"

    def _on_ConsultationWithdrawn(self, event: LedgerEvent) -> None:
        self.consultations[event.fields["consultation"]].status = "withdrawn"

    def _on_SupplementRequested(self, event: LedgerEvent) -> None:
        self.open_supplements.append(event.at)

    def _on_SupplementReceived(self, event: LedgerEvent) -> None:
        self.open_supplements = []

    def _on_CaseResolved(self, event: LedgerEvent) -> None:
        self.resolved = True


def _due_not_before_act(e: Envelope, name: str) -> None:
    if name in e.fields and parse_date(e.fields[name], name) < local_date(e.at):
        raise InvalidField(
            code="due_before_act", params={"name": name, "date": e.fields[name], "act_date": local_date(e.at)}, field=name
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


def _require_inspector(actor: Posting) -> None:
    if actor.role != "inspector":
        raise NotPermitted(code="not_inspector", params={"role": actor.role}, field="by")


class CaseEvent(LedgerEvent):
    """An event of one case (SPEC §4)."""


class CaseOpened(CaseEvent):
    """A case was opened under a procedure; its clock starts on the local date of `at`."""


class LeadAssigned(CaseEvent):
    """One lead unit and one lead official were assigned (cá thể hóa trách nhiệm)."""


class CoordinatorAssigned(CaseEvent):
    """A coordinating agency was assigned the specialised part it answers for."""


class ConsultationRequested(CaseEvent):
    """The lead agency asked another agency's opinion, with a due date."""


class ConsultationHandlerDesignated(CaseEvent):
    """The consulted agency named the official who handles the request."""


class ConsultationAnswered(CaseEvent):
    """The consulted agency answered, with a position (judged later for clarity)."""


class ConsultationWithdrawn(CaseEvent):
    """The lead agency withdrew a consultation."""


class SupplementRequested(CaseEvent):
    """The applicant must complete the dossier; the case clock stops."""


class SupplementReceived(CaseEvent):
    """The completed dossier arrived; the case clock restarts."""


class ApologyIssued(CaseEvent):
    """An apology with a new appointment date (phiếu xin lỗi và hẹn lại ngày trả kết quả)."""


class CaseResolved(CaseEvent):
    """The case was resolved; everything still open is judged at this date."""


class CaseFindingRecorded(CaseEvent):
    """An inspector confirmed or dismissed a violation detected in this case."""

    wire_type = "FindingRecorded"  # type: ignore[assignment]


CASE_EVENT_CLASSES: dict[str, type[CaseEvent]] = {
    cls.__name__: cls
    for cls in (
        CaseOpened,
        LeadAssigned,
        CoordinatorAssigned,
        ConsultationRequested,
        ConsultationHandlerDesignated,
        ConsultationAnswered,
        ConsultationWithdrawn,
        SupplementRequested,
        SupplementReceived,
        ApologyIssued,
        CaseResolved,
    )
}
CASE_EVENT_CLASSES["FindingRecorded"] = CaseFindingRecorded
CaseEvent.aggregate_class = Case  # type: ignore[assignment]  # bound after both classes exist

