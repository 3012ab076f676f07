"""The `Registry` aggregate (SPEC §3): every registry event in one stream, validated first.

Each registry event is checked against the registry as of its claimed time (`RegistryState`, in
`registry_state`) before it is recorded. Concurrent registry edits conflict on the one stream and
are retried. The stored event classes keep this module and their names: the store records each
event's topic (`ledger.domain.registry:AgencyRegistered`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from . import payloads as p
from .errors import InvalidField, InvalidState, UnknownReference
from .events import LEDGER_NAMESPACE, LedgerAggregate, LedgerEvent
from .registry_state import Agency, Official, Posting, Procedure, RegistryState
from .schema import Envelope

__all__ = ["REGISTRY_ID", "Agency", "Official", "Posting", "Procedure", "Registry", "RegistryState"]


# --- the aggregate -------------------------------------------------------------------------------


class RegistryEvent(LedgerEvent):
    """A registry event (SPEC §3)."""


REGISTRY_ID: UUID = uuid5(LEDGER_NAMESPACE, "registry")


class Registry(LedgerAggregate):
    """All registry events, in one stream: concurrent registry edits conflict and are retried."""

    def init_state(self) -> None:
        super().init_state()
        self.state = RegistryState()

    def apply_event(self, event: LedgerEvent) -> None:
        self.state.apply(event.payload, event.at)

    def record(self, envelope: Envelope, *, source: str, timestamp: datetime) -> None:
        """Validate a registry event against the registry as of its claimed time, then record it."""
        payload = envelope.payload
        _CHECKS[type(payload)](self.state, envelope.at, payload)
        actor_agency = None
        if envelope.by is not None:
            actor_agency = self.state.actor_at(envelope.by, envelope.at).agency
        self.trigger_event(
            REGISTRY_EVENT_CLASSES[envelope.type],
            timestamp=timestamp,
            at=envelope.at,
            by=envelope.by,
            actor_agency=actor_agency,
            case=None,
            key=envelope.key,
            source=source,
            note=envelope.note,
            fields=dict(envelope.fields),
        )


# --- checks, one per type (SPEC §3 "refused") -----------------------------------------------------


def _registering(state: RegistryState, at: datetime, f: p.AgencyRegistered) -> None:
    if f.agency in state.agencies:
        raise InvalidState(code="agency_already_registered", params={"agency": repr(f.agency)}, field="agency")


def _changing_mandate(state: RegistryState, at: datetime, f: p.AgencyMandateChanged) -> None:
    state.require_agency(f.agency, at, "agency")


def _merging(state: RegistryState, at: datetime, f: p.AgencyMerged) -> None:
    state.require_agency(f.agency, at, "agency")
    state.require_agency(f.into, at, "into")
    if f.agency == f.into:
        raise InvalidField(code="merge_into_itself", params={}, field="into")


def _appointing(state: RegistryState, at: datetime, f: p.OfficialAppointed) -> None:
    if f.official in state.officials:
        raise InvalidState(code="official_already_appointed", params={"official": repr(f.official)}, field="official")
    state.require_agency(f.agency, at, "agency")


def _transferring(state: RegistryState, at: datetime, f: p.OfficialTransferred) -> None:
    _require_serving(state, f.official, at)
    state.require_agency(f.agency, at, "agency")


def _departing(state: RegistryState, at: datetime, f: p.OfficialDeparted) -> None:
    _require_serving(state, f.official, at)


def _require_serving(state: RegistryState, official: str, at: datetime) -> None:
    record = state.officials.get(official)
    if record is None:
        raise UnknownReference(code="unknown_official", params={"official": repr(official)}, field="official")
    if record.departed_at is not None and record.departed_at <= at:
        raise UnknownReference(code="official_departed", params={"official": repr(official)}, field="official")
    if record.posting_at(at) is None:
        raise UnknownReference(
            code="official_not_yet_appointed", params={"official": repr(official), "at": at}, field="official"
        )


def _defining(state: RegistryState, at: datetime, f: p.ProcedureDefined) -> None:
    if f.focal_agency is not None:
        state.require_agency(f.focal_agency, at, "focal_agency")


def _declaring(state: RegistryState, at: datetime, f: p.CalendarDayDeclared) -> None:
    """Any date may be declared; the schema already requires the notice's reference."""


_CHECKS: dict[type[p.Payload], Callable[[RegistryState, datetime, Any], None]] = {
    p.AgencyRegistered: _registering,
    p.AgencyMandateChanged: _changing_mandate,
    p.AgencyMerged: _merging,
    p.OfficialAppointed: _appointing,
    p.OfficialTransferred: _transferring,
    p.OfficialDeparted: _departing,
    p.ProcedureDefined: _defining,
    p.CalendarDayDeclared: _declaring,
}


class AgencyRegistered(RegistryEvent):
    """An agency joined the registry with its kind and mandate."""


class AgencyMandateChanged(RegistryEvent):
    """An agency's mandate (its domain tags) changed."""


class AgencyMerged(RegistryEvent):
    """An agency merged into a successor, which takes over its open obligations."""


class OfficialAppointed(RegistryEvent):
    """An official was appointed to an agency with a role."""


class OfficialTransferred(RegistryEvent):
    """An official moved to another agency or role."""


class OfficialDeparted(RegistryEvent):
    """An official left the service and can no longer act."""


class ProcedureDefined(RegistryEvent):
    """A procedure was defined (or redefined) with its processing time and focal agency."""


class CalendarDayDeclared(RegistryEvent):
    """An official notice declared a date working or not, overriding the package."""


REGISTRY_EVENT_CLASSES: dict[str, type[RegistryEvent]] = {
    cls.__name__: cls
    for cls in (
        AgencyRegistered,
        AgencyMandateChanged,
        AgencyMerged,
        OfficialAppointed,
        OfficialTransferred,
        OfficialDeparted,
        ProcedureDefined,
        CalendarDayDeclared,
    )
}
RegistryEvent.aggregate_class = Registry  # type: ignore[assignment]  # bound after both classes exist
