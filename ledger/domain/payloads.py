"""The typed events of SPEC §3–§4: one frozen dataclass per event type, declared once.

Each class lists its type's own fields with their Python types, whether they are required and the
checker that refuses a malformed value (`ledger.domain.checks`). Everything reads these
declarations: the parser (`schema.parse_event`), the JSON schemas of the forms and the OpenAPI
document (`jsonschema`), the aggregates, the case fold and the rules, which dispatch on the class
and read attributes, never strings.

The wire form — the JSON object of the fields, exactly as given — stays on the envelope and the
stored event: the stored bytes, content hashes, Merkle leaves and exports are made from it and do
not change. `typed(kind, fields)` makes the typed view from it: a date becomes a `date`, a tag list
a tuple, an applicant a small record. Absent and null optional fields are both `None`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields as dataclass_fields
from datetime import date
from typing import Any, ClassVar, TypeVar

from .checks import (
    FieldSpec,
    _any,
    _applicant,
    _bool,
    _code,
    _date,
    _enum,
    _free_text,
    _nullable_code,
    _positive_int,
    _some_tags,
    _tags,
    _text,
    _year,
)
from .values import AGENCY_KINDS, DECISIONS, OUTCOMES, ROLES, RULE_CODES

Converter = Callable[[Any], Any]


def _declared(check: Callable[[str, object], object], required: bool, to: Converter | None, listed: bool) -> Any:
    metadata = {"check": check, "required": required, "to": to, "listed": listed}
    return field(metadata=metadata) if required else field(default=None, metadata=metadata)


def required(check: Callable[[str, object], object] = _text, *, to: Converter | None = None) -> Any:
    """A field every event of the type holds (absent or null is refused)."""
    return _declared(check, True, to, True)


def optional(check: Callable[[str, object], object] = _free_text, *, to: Converter | None = None) -> Any:
    """A field that may be absent or null (both read as None)."""
    return _declared(check, False, to, True)


def scoped(to: Converter | None = None) -> Any:
    """A field the parser checks against the event's scope, not the type's table (a finding's
    agency and year exist only without a case)."""
    return _declared(_code, False, to, False)


def _tuple(value: list[str]) -> tuple[str, ...]:
    return tuple(value)


@dataclass(frozen=True)
class Applicant:
    """Who applied (`CaseOpened.applicant`): a person or an organisation."""

    name: str
    kind: str


def _applicant_record(value: Mapping[str, str]) -> Applicant:
    return Applicant(value["name"], value["kind"])


@dataclass(frozen=True, kw_only=True)
class Payload:
    """Base of every typed event: `TYPE` is its §8 `type`, `FAMILY` the aggregate it belongs to."""

    TYPE: ClassVar[str] = ""
    FAMILY: ClassVar[str] = ""  # registry | case | agency_year | finding
    #: The type's own fields as the parser checks them, in declaration order.
    SPECS: ClassVar[tuple[FieldSpec, ...]] = ()
    _CONVERT: ClassVar[tuple[tuple[str, Converter | None], ...]] = ()

    @classmethod
    def from_wire(cls: type[P], wire: Mapping[str, Any]) -> P:
        """The typed view of fields already checked by the parser (or read back from the store)."""
        values = {}
        for name, to in cls._CONVERT:
            value = wire.get(name)
            if value is not None:
                values[name] = to(value) if to is not None else value
        return cls(**values)


P = TypeVar("P", bound=Payload)

#: Every event type by its §8 name, in the order of SPEC §3–§4.
PAYLOADS: dict[str, type[Payload]] = {}


def event_type(family: str) -> Callable[[type[P]], type[P]]:
    """Declare one event type: make it a frozen dataclass and register it under its class name."""

    def declare(cls: type[P]) -> type[P]:
        cls = dataclass(frozen=True, kw_only=True)(cls)
        cls.TYPE, cls.FAMILY = cls.__name__, family
        declared = dataclass_fields(cls)  # type: ignore[arg-type]
        cls.SPECS = tuple(
            FieldSpec(f.name, f.metadata["check"], f.metadata["required"]) for f in declared if f.metadata["listed"]
        )
        cls._CONVERT = tuple((f.name, f.metadata["to"]) for f in declared)
        assert all(f.default is MISSING or f.default is None for f in declared), cls
        PAYLOADS[cls.TYPE] = cls
        return cls

    return declare


def typed(kind: str, wire: Mapping[str, Any]) -> Payload:
    """The typed event of type `kind` with these wire fields."""
    return PAYLOADS[kind].from_wire(wire)


# --- the registry (SPEC §3): no case, no required actor -------------------------------------------


@event_type("registry")
class AgencyRegistered(Payload):
    agency: str = required(_code)
    name: str = required()
    name_en: str = required()
    kind: str = required(_enum(*AGENCY_KINDS))
    mandate: tuple[str, ...] = required(_tags, to=_tuple)


@event_type("registry")
class AgencyMandateChanged(Payload):
    agency: str = required(_code)
    mandate: tuple[str, ...] = required(_tags, to=_tuple)


@event_type("registry")
class AgencyMerged(Payload):
    agency: str = required(_code)
    into: str = required(_code)


@event_type("registry")
class OfficialAppointed(Payload):
    official: str = required(_code)
    name: str = required()
    agency: str = required(_code)
    role: str = required(_enum(*ROLES))


@event_type("registry")
class OfficialTransferred(Payload):
    official: str = required(_code)
    agency: str = required(_code)
    role: str = required(_enum(*ROLES))


@event_type("registry")
class OfficialDeparted(Payload):
    official: str = required(_code)


@event_type("registry")
class ProcedureDefined(Payload):
    procedure: str = required(_code)
    name: str = required()
    processing_days: int = required(_positive_int)
    focal_agency: str | None = optional(_nullable_code)
    domains: tuple[str, ...] = required(_some_tags, to=_tuple)


@event_type("registry")
class CalendarDayDeclared(Payload):
    date: date = required(_date, to=date.fromisoformat)
    working: bool = required(_bool)
    reference: str = required()


# --- case events (SPEC §4): each names its case and its acting official --------------------------


@event_type("case")
class CaseOpened(Payload):
    procedure: str = required(_code)
    title: str = required()
    domains: tuple[str, ...] | None = optional(_tags, to=_tuple)
    applicant: Applicant | None = optional(_applicant, to=_applicant_record)
    due: date | None = optional(_date, to=date.fromisoformat)


@event_type("case")
class LeadAssigned(Payload):
    agency: str = required(_code)
    official: str = required(_code)
    reason: str | None = optional()


@event_type("case")
class CoordinatorAssigned(Payload):
    agency: str = required(_code)
    part: str = required()
    official: str | None = optional(_nullable_code)


@event_type("case")
class ConsultationRequested(Payload):
    consultation: str = required(_code)
    to: str = required(_code)
    question: str = required()
    domains: tuple[str, ...] | None = optional(_tags, to=_tuple)
    due: date | None = optional(_date, to=date.fromisoformat)
    due_days: int | None = optional(_positive_int)


@event_type("case")
class ConsultationHandlerDesignated(Payload):
    consultation: str = required(_code)
    official: str = required(_code)


@event_type("case")
class ConsultationAnswered(Payload):
    consultation: str = required(_code)
    position: Any = optional(_any)  # stored as given, judged later (SPEC §4)
    reasoning: str | None = optional()
    conditions: str | None = optional()
    refer_to: str | None = optional(_nullable_code)
    legal_basis: str | None = optional()
    domains: tuple[str, ...] | None = optional(_tags, to=_tuple)


@event_type("case")
class ConsultationWithdrawn(Payload):
    consultation: str = required(_code)
    reason: str = required()


@event_type("case")
class SupplementRequested(Payload):
    reason: str = required()


@event_type("case")
class SupplementReceived(Payload):
    """No fields of its own: the open supplement request of its case is answered (SPEC §4)."""


@event_type("case")
class ApologyIssued(Payload):
    reason: str = required()
    new_due: date = required(_date, to=date.fromisoformat)


@event_type("case")
class CaseResolved(Payload):
    outcome: str = required(_enum(*OUTCOMES))


# --- an agency's year, and findings ---------------------------------------------------------------


@event_type("agency_year")
class WorkProgrammeAdopted(Payload):
    agency: str = required(_code)
    year: int = required(_year)


@event_type("finding")
class FindingRecorded(Payload):
    """An inspector's decision on a detected violation: of a case, or (`WORK_PROGRAMME_LATE`, no
    case) of an agency's year, which then names the agency and the year."""

    rule: str = required(_enum(*RULE_CODES))
    decision: str = required(_enum(*DECISIONS))
    consultation: str | None = optional(_nullable_code)
    evidence: str | None = optional(_nullable_code)
    agency: str | None = scoped()
    year: int | None = scoped()


#: The fields a finding without a case must name, checked by the parser (SPEC §4).
AGENCY_SCOPE: tuple[FieldSpec, ...] = (FieldSpec("agency", _code, True), FieldSpec("year", _year, True))


#: The events that name a consultation.
_NAMING_CONSULTATION = (
    ConsultationRequested,
    ConsultationHandlerDesignated,
    ConsultationAnswered,
    ConsultationWithdrawn,
    FindingRecorded,
)


def consultation_named(payload: Payload) -> str | None:
    """The consultation an event names, if it names one (a finding may)."""
    return payload.consultation if isinstance(payload, _NAMING_CONSULTATION) else None
