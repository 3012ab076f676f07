"""Events that belong to no case live in an `AgencyYear` aggregate, one per (agency, year).

That is where `WorkProgrammeAdopted` goes (each agency adopts its year's programme by 31
January) and an inspector's `FindingRecorded` on `WORK_PROGRAMME_LATE`, which names an agency
and a year instead of a case. Keying the stream by (agency, year) keeps it short and makes
concurrent appends for different agencies independent.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from . import payloads as p
from .errors import NotPermitted, UnknownReference
from .events import LEDGER_NAMESPACE, LedgerAggregate, LedgerEvent
from .registry_state import RegistryState
from .schema import Envelope


def agency_year_id(agency: str, year: int) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"agency-year/{agency}/{year}")


class AgencyYear(LedgerAggregate):
    """The work programmes and agency-level findings of one agency for one year."""

    def init_state(self) -> None:
        super().init_state()
        self.adoptions = 0

    def record(
        self, envelope: Envelope, registry: RegistryState, *, source: str, timestamp: datetime
    ) -> None:
        assert envelope.by is not None
        actor = registry.actor_at(envelope.by, envelope.at)
        payload = envelope.payload
        assert isinstance(payload, (p.WorkProgrammeAdopted, p.FindingRecorded)) and payload.agency is not None
        agency = payload.agency
        adopted = isinstance(payload, p.WorkProgrammeAdopted)
        if adopted:
            registry.require_agency(agency, envelope.at, "agency")
            if actor.agency != agency:
                raise NotPermitted(
                    code="not_programme_agency",
                    params={"agency": agency, "official": envelope.by, "actor_agency": actor.agency},
                    field="by",
                )
        else:
            if actor.role != "inspector":
                raise NotPermitted(code="not_inspector", params={"role": actor.role}, field="by")
            if agency not in registry.agencies:
                raise UnknownReference(code="unknown_agency", params={"agency": repr(agency)}, field="agency")
        self.trigger_event(
            WorkProgrammeAdopted if adopted else AgencyFindingRecorded,
            timestamp=timestamp,
            at=envelope.at,
            by=envelope.by,
            actor_agency=actor.agency,
            case=None,
            key=envelope.key,
            source=source,
            note=envelope.note,
            fields=dict(envelope.fields),
        )

    def apply_event(self, event: LedgerEvent) -> None:
        if isinstance(event, WorkProgrammeAdopted):
            self.adoptions += 1


class AgencyYearEvent(LedgerEvent):
    """An event of one agency's year."""


class WorkProgrammeAdopted(AgencyYearEvent):
    """An agency adopted its work programme for a year."""


class AgencyFindingRecorded(AgencyYearEvent):
    """An inspector ruled on an agency's WORK_PROGRAMME_LATE violation."""

    wire_type = "FindingRecorded"  # type: ignore[assignment]


AgencyYearEvent.aggregate_class = AgencyYear  # type: ignore[assignment]  # bound after both classes exist
