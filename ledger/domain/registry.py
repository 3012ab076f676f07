"""The registry (SPEC §3): agencies, officials, procedures and calendar overrides, as of any time.

`RegistryState` answers "who was head of SXD on 2024-03-05?", "which mandate did STNMT have
then?", "was SKHDT merged yet?" from timelines ordered by claimed time (ties in log order), so
events recorded late still land where they belong. The `Registry` aggregate validates each
registry event against that state before recording it; the state is also folded by the
queries from events filtered by as-of / known-at.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from .errors import InvalidField, InvalidState, UnknownReference
from .events import LEDGER_NAMESPACE, LedgerAggregate, LedgerEvent
from .schema import Envelope

# A timeline entry: (claimed time, log sequence, value); kept sorted (insort), so the value in force
# at a moment is the last entry at or before it. Timelines are short (a handful of changes each).
Entry = tuple[datetime, int, Any]


def _as_of(timeline: list[Entry], moment: datetime) -> Any:
    """The value in force at `moment`: the last entry with claimed time <= moment."""
    found = None
    for at, _, value in timeline:
        if at > moment:
            break
        found = value
    return found


@dataclass
class Agency:
    code: str
    name: str
    name_en: str
    kind: str
    registered_at: datetime
    mandates: list[Entry] = field(default_factory=list)
    merged_at: datetime | None = None
    merged_into: str | None = None

    def exists_at(self, moment: datetime) -> bool:
        """Registered by `moment` and not yet merged away."""
        return self.registered_at <= moment and not self.is_merged_at(moment)

    def is_merged_at(self, moment: datetime) -> bool:
        return self.merged_at is not None and self.merged_at <= moment

    def mandate_at(self, moment: datetime) -> tuple[str, ...]:
        return tuple(_as_of(self.mandates, moment) or ())


@dataclass(frozen=True)
class Posting:
    """Where an official sits at some time."""

    agency: str
    role: str


@dataclass
class Official:
    id: str
    name: str
    appointed_at: datetime
    postings: list[Entry] = field(default_factory=list)
    departed_at: datetime | None = None

    def posting_at(self, moment: datetime) -> Posting | None:
        """Their agency and role at `moment`, or None before appointment or after departure."""
        if moment < self.appointed_at or (self.departed_at is not None and self.departed_at <= moment):
            return None
        posting: Posting | None = _as_of(self.postings, moment)
        return posting


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    processing_days: int
    focal_agency: str | None
    domains: tuple[str, ...]


class RegistryState:
    """Every registry fact with its claimed time; look-ups are answered as of a moment."""

    def __init__(self) -> None:
        self.agencies: dict[str, Agency] = {}
        self.officials: dict[str, Official] = {}
        self.procedures: dict[str, list[Entry]] = {}
        self.calendar: dict[date, tuple[bool, str]] = {}
        self._seq = 0

    # --- folding events -------------------------------------------------------------------

    def apply(self, kind: str, at: datetime, fields: dict[str, Any]) -> None:
        """Fold one registry event (already validated) into the state."""
        self._seq += 1
        seq = self._seq
        if kind == "AgencyRegistered":
            agency = Agency(fields["agency"], fields["name"], fields["name_en"], fields["kind"], at)
            agency.mandates.append((at, seq, tuple(fields["mandate"])))
            self.agencies[agency.code] = agency
        elif kind == "AgencyMandateChanged":
            insort(self.agencies[fields["agency"]].mandates, (at, seq, tuple(fields["mandate"])))
        elif kind == "AgencyMerged":
            agency = self.agencies[fields["agency"]]
            agency.merged_at, agency.merged_into = at, fields["into"]
        elif kind == "OfficialAppointed":
            official = Official(fields["official"], fields["name"], at)
            official.postings.append((at, seq, Posting(fields["agency"], fields["role"])))
            self.officials[official.id] = official
        elif kind == "OfficialTransferred":
            insort(self.officials[fields["official"]].postings, (at, seq, Posting(fields["agency"], fields["role"])))
        elif kind == "OfficialDeparted":
            self.officials[fields["official"]].departed_at = at
        elif kind == "ProcedureDefined":
            procedure = Procedure(
                fields["procedure"],
                fields["name"],
                fields["processing_days"],
                fields.get("focal_agency"),
                tuple(fields.get("domains") or ()),
            )
            insort(self.procedures.setdefault(procedure.code, []), (at, seq, procedure))
        elif kind == "CalendarDayDeclared":
            self.calendar[date.fromisoformat(fields["date"])] = (fields["working"], fields["reference"])

    # --- look-ups as of a moment -----------------------------------------------------------

    def agency_at(self, code: str, moment: datetime) -> Agency | None:
        """The agency if it exists (registered, not merged away) at `moment`."""
        agency = self.agencies.get(code)
        return agency if agency is not None and agency.exists_at(moment) else None

    def successor_at(self, code: str, moment: datetime) -> str:
        """Who holds `code`'s obligations at `moment`: follows merges made by then."""
        seen = {code}
        agency = self.agencies.get(code)
        while agency is not None and agency.is_merged_at(moment) and agency.merged_into not in seen:
            code = agency.merged_into or code
            seen.add(code)
            agency = self.agencies.get(code)
        return code

    def mandate_at(self, code: str, moment: datetime) -> tuple[str, ...]:
        agency = self.agencies.get(code)
        return agency.mandate_at(moment) if agency else ()

    def posting_at(self, official: str, moment: datetime) -> Posting | None:
        record = self.officials.get(official)
        return record.posting_at(moment) if record else None

    def procedure_at(self, code: str, moment: datetime) -> Procedure | None:
        procedure: Procedure | None = _as_of(self.procedures.get(code, []), moment)
        return procedure

    def calendar_overrides(self) -> dict[date, bool]:
        return {day: working for day, (working, _) in self.calendar.items()}

    # --- the acting official ---------------------------------------------------------------

    def actor_at(self, official: str, moment: datetime) -> Posting:
        """The acting official's posting at `moment`; refuses unknown, departed or merged-away."""
        record = self.officials.get(official)
        if record is None:
            raise UnknownReference(code="unknown_official", params={"official": repr(official)}, field="by")
        if record.departed_at is not None and record.departed_at <= moment:
            raise UnknownReference(
                code="official_departed_on", params={"official": repr(official), "departed": record.departed_at}, field="by"
            )
        posting = record.posting_at(moment)
        if posting is None:
            raise UnknownReference(
                code="official_not_yet_appointed", params={"official": repr(official), "at": moment}, field="by"
            )
        agency = self.agencies.get(posting.agency)
        if agency is not None and agency.is_merged_at(moment):
            raise InvalidState(
                code="official_agency_merged",
                params={
                    "official": repr(official),
                    "agency": posting.agency,
                    "into": agency.merged_into,
                    "merged": agency.merged_at if agency.merged_at else "?",
                },
                field="by",
            )
        return posting

    def require_agency(self, code: str, moment: datetime, field_name: str) -> Agency:
        agency = self.agency_at(code, moment)
        if agency is not None:
            return agency
        known = self.agencies.get(code)
        if known is None:
            raise UnknownReference(code="unknown_agency", params={"agency": repr(code)}, field=field_name)
        if known.is_merged_at(moment):
            raise InvalidState(
                code="agency_merged",
                params={"agency": repr(code), "into": known.merged_into, "at": moment},
                field=field_name,
            )
        raise UnknownReference(
            code="agency_not_yet_registered", params={"agency": repr(code), "at": moment}, field=field_name
        )


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
        self.state.apply(event.type, event.at, event.fields)

    def record(self, envelope: Envelope, *, source: str, timestamp: datetime) -> None:
        """Validate a registry event against the registry as of its claimed time, then record it."""
        check = getattr(self, f"_check_{envelope.type}")
        check(envelope.at, envelope.fields)
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

    def _check_AgencyRegistered(self, at: datetime, f: dict[str, Any]) -> None:
        if f["agency"] in self.state.agencies:
            raise InvalidState(code="agency_already_registered", params={"agency": repr(f["agency"])}, field="agency")

    def _check_AgencyMandateChanged(self, at: datetime, f: dict[str, Any]) -> None:
        self.state.require_agency(f["agency"], at, "agency")

    def _check_AgencyMerged(self, at: datetime, f: dict[str, Any]) -> None:
        self.state.require_agency(f["agency"], at, "agency")
        self.state.require_agency(f["into"], at, "into")
        if f["agency"] == f["into"]:
            raise InvalidField(code="merge_into_itself", params={}, field="into")

    def _check_OfficialAppointed(self, at: datetime, f: dict[str, Any]) -> None:
        if f["official"] in self.state.officials:
            raise InvalidState(
                code="official_already_appointed", params={"official": repr(f["official"])}, field="official"
            )
        self.state.require_agency(f["agency"], at, "agency")

    def _check_OfficialTransferred(self, at: datetime, f: dict[str, Any]) -> None:
        self._require_serving(f["official"], at)
        self.state.require_agency(f["agency"], at, "agency")

    def _check_OfficialDeparted(self, at: datetime, f: dict[str, Any]) -> None:
        self._require_serving(f["official"], at)

    def _require_serving(self, official: str, at: datetime) -> None:
        record = self.state.officials.get(official)
        if record is None:
            raise UnknownReference(code="unknown_official", params={"official": repr(official)}, field="official")
        if record.departed_at is not None and record.departed_at <= at:
            raise UnknownReference(code="official_departed", params={"official": repr(official)}, field="official")
        if record.posting_at(at) is None:
            raise UnknownReference(
                code="official_not_yet_appointed", params={"official": repr(official), "at": at}, field="official"
            )

    def _check_ProcedureDefined(self, at: datetime, f: dict[str, Any]) -> None:
        if f.get("focal_agency") is not None:
            self.state.require_agency(f["focal_agency"], at, "focal_agency")

    def _check_CalendarDayDeclared(self, at: datetime, f: dict[str, Any]) -> None:
        """Any date may be declared; the schema already requires the notice's reference."""


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
