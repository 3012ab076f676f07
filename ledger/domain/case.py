"""The `Case` aggregate (SPEC §4): one stream per case reference, validated before it records.

The aggregate keeps just what validation needs, as the case stands in the ledger in log order:
its leads, its consultations and their status, the open supplement requests, whether it is
resolved. Who may act is judged by `permits`, with the registry as of the event's claimed time.
Everything the rules need (due dates, lateness) is computed elsewhere, from the events, by pure
functions.

The stored event classes below keep their module and names: the store records each event's topic
(`ledger.domain.case:CaseOpened`), so moving them would orphan every stored case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid5

from . import payloads as p
from .errors import InvalidState, OutOfOrder, UnknownReference
from .events import LEDGER_NAMESPACE, LedgerAggregate, LedgerEvent
from .permits import CHECKS, Consultation, Lead
from .registry_state import RegistryState
from .schema import Envelope


@lru_cache(maxsize=65536)
def case_id(reference: str) -> UUID:
    """Deterministic aggregate id from the case reference: look-ups need no index."""
    return uuid5(LEDGER_NAMESPACE, f"case/{reference}")


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

    def lead_at(self, moment: datetime) -> Lead | None:
        """The lead in force at `moment`: the last assignment by claimed time (ties in log order)
        claimed at or before it."""
        found: Lead | None = None
        for lead in self.leads:  # log order, so a later one wins a tie
            if lead.at <= moment and (found is None or lead.at >= found.at):
                found = lead
        return found

    # --- recording ----------------------------------------------------------------------------

    def record(
        self, envelope: Envelope, registry: RegistryState, *, source: str, timestamp: datetime
    ) -> None:
        """Refuse the event if the registry (as of its claimed time) or the case forbid it."""
        assert envelope.by is not None
        actor = registry.actor_at(envelope.by, envelope.at)
        payload = envelope.payload
        self._require_open_for(envelope, payload)
        CHECKS[type(payload)](self, envelope, payload, registry, actor)
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

    def _require_open_for(self, envelope: Envelope, payload: p.Payload) -> None:
        """A case is opened once; every other event needs it open (a finding, even resolved) and
        claimed no earlier than its opening."""
        if isinstance(payload, p.CaseOpened):
            if self.is_opened:
                raise InvalidState(code="case_already_opened", params={"case": repr(envelope.case)}, field="case")
            return
        if not self.is_opened:
            raise UnknownReference(code="unknown_case", params={"case": repr(envelope.case)}, field="case")
        if self.resolved and not isinstance(payload, p.FindingRecorded):
            raise InvalidState(code="case_resolved", params={"case": repr(envelope.case)}, field="case")
        assert self.opened_at is not None
        if envelope.at < self.opened_at:
            raise OutOfOrder(
                code="before_case_opened", params={"at": envelope.at, "earlier": self.opened_at}, field="at"
            )

    # --- state changes (pure; replayed on every load) ------------------------------------------

    def apply_event(self, event: LedgerEvent) -> None:
        payload = event.payload
        change = _CHANGES.get(type(payload))
        if change is not None:
            change(self, event, payload)


def _opened(case: Case, event: LedgerEvent, f: p.CaseOpened) -> None:
    case.reference = event.case or ""
    case.opened_at = event.at


def _lead_assigned(case: Case, event: LedgerEvent, f: p.LeadAssigned) -> None:
    case.leads.append(Lead(f.agency, f.official, event.at))


def _consulted(case: Case, event: LedgerEvent, f: p.ConsultationRequested) -> None:
    case.consultations[f.consultation] = Consultation(f.consultation, f.to, event.at)


def _answered(case: Case, event: LedgerEvent, f: p.ConsultationAnswered) -> None:
    case.consultations[f.consultation].status = "answered"


def _withdrawn(case: Case, event: LedgerEvent, f: p.ConsultationWithdrawn) -> None:
    case.consultations[f.consultation].status = "withdrawn"


def _supplement_requested(case: Case, event: LedgerEvent, f: p.SupplementRequested) -> None:
    case.open_supplements.append(event.at)


def _supplement_received(case: Case, event: LedgerEvent, f: p.SupplementReceived) -> None:
    case.open_supplements = []


def _resolved(case: Case, event: LedgerEvent, f: p.CaseResolved) -> None:
    case.resolved = True


_CHANGES: dict[type[p.Payload], Callable[[Case, LedgerEvent, Any], None]] = {
    p.CaseOpened: _opened,
    p.LeadAssigned: _lead_assigned,
    p.ConsultationRequested: _consulted,
    p.ConsultationAnswered: _answered,
    p.ConsultationWithdrawn: _withdrawn,
    p.SupplementRequested: _supplement_requested,
    p.SupplementReceived: _supplement_received,
    p.CaseResolved: _resolved,
}


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

