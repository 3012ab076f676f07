"""The event vocabulary of SPEC §3–§4: which fields each type has, and their validation.

`parse_event` turns one JSON object (a line of §8, a form, an API body) into an `Envelope`:
the common fields typed, and the type's own fields checked and kept as given. Fields the SPEC
does not name are dropped, so an export's `recorded`, `position`, `source` and `event` can be
read back as new history.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import InvalidField
from .values import (
    FIRST_DATE,
    LAST_DATE,
    MAX_IDENTIFIER,
    MAX_WORKING_DAYS,
    AGENCY_KINDS,
    DECISIONS,
    OUTCOMES,
    ROLES,
    RULE_CODES,
    parse_date,
    parse_timestamp,
)

Checker = Callable[[str, object], object]


def _text(name: str, value: object) -> object:
    if not isinstance(value, str):
        raise InvalidField(f"'{name}' must be a string", field=name)
    if not value.strip():
        raise InvalidField(f"'{name}' must not be empty", field=name)
    return value


def _free_text(name: str, value: object) -> object:
    """Optional prose that may be null or blank (judged later, never refused)."""
    if value is not None and not isinstance(value, str):
        raise InvalidField(f"'{name}' must be a string or null", field=name)
    return value


def _tags(name: str, value: object) -> object:
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise InvalidField(f"'{name}' must be a list of non-empty strings", field=name)
    return list(value)


def _date(name: str, value: object) -> object:
    parse_date(value, name)
    return value


def _code(name: str, value: object) -> object:
    """An identifier: a reference, a code, an official's id."""
    _text(name, value)
    assert isinstance(value, str)
    if len(value) > MAX_IDENTIFIER:
        raise InvalidField(f"'{name}' is longer than {MAX_IDENTIFIER} characters", field=name)
    return value


def _positive_int(name: str, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WORKING_DAYS:
        raise InvalidField(f"'{name}' must be a whole number from 1 to {MAX_WORKING_DAYS}", field=name)
    return value


def _year(name: str, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or not FIRST_DATE.year <= value <= LAST_DATE.year:
        raise InvalidField(f"'{name}' must be a year from {FIRST_DATE.year} to {LAST_DATE.year}", field=name)
    return value


def _bool(name: str, value: object) -> object:
    if not isinstance(value, bool):
        raise InvalidField(f"'{name}' must be true or false", field=name)
    return value


def _any(name: str, value: object) -> object:
    # A consultation's `position` is stored as given and judged later (SPEC §4).
    return value


def _nullable_code(name: str, value: object) -> object:
    return None if value is None else _code(name, value)


def _applicant(name: str, value: object) -> object:
    if not isinstance(value, dict):
        raise InvalidField(f"'{name}' must be an object with 'name' and 'kind'", field=name)
    for key in ("name", "kind"):
        _text(f"{name}.{key}", value.get(key))
    return {"name": value["name"], "kind": value["kind"]}


def _enum(*allowed: str) -> Checker:
    def check(name: str, value: object) -> object:
        if value not in allowed:
            raise InvalidField(f"'{name}' must be one of {', '.join(allowed)}; got {value!r}", field=name)
        return value

    return check


@dataclass(frozen=True)
class FieldSpec:
    name: str
    check: Checker
    required: bool = True


def _req(name: str, check: Checker = _text) -> FieldSpec:
    return FieldSpec(name, check, True)


def _opt(name: str, check: Checker = _free_text) -> FieldSpec:
    return FieldSpec(name, check, False)


#: Registry events (SPEC §3): no case, no required actor.
REGISTRY_TYPES: dict[str, tuple[FieldSpec, ...]] = {
    "AgencyRegistered": (
        _req("agency", _code),
        _req("name"),
        _req("name_en"),
        _req("kind", _enum(*AGENCY_KINDS)),
        _req("mandate", _tags),
    ),
    "AgencyMandateChanged": (_req("agency", _code), _req("mandate", _tags)),
    "AgencyMerged": (_req("agency", _code), _req("into", _code)),
    "OfficialAppointed": (_req("official", _code), _req("name"), _req("agency", _code), _req("role", _enum(*ROLES))),
    "OfficialTransferred": (_req("official", _code), _req("agency", _code), _req("role", _enum(*ROLES))),
    "OfficialDeparted": (_req("official", _code),),
    "ProcedureDefined": (
        _req("procedure", _code),
        _req("name"),
        _req("processing_days", _positive_int),
        _opt("focal_agency", _nullable_code),
        _opt("domains", _tags),
    ),
    "CalendarDayDeclared": (_req("date", _date), _req("working", _bool), _req("reference")),
}

#: Case events (SPEC §4): each names its case and its acting official.
CASE_TYPES: dict[str, tuple[FieldSpec, ...]] = {
    "CaseOpened": (
        _req("procedure", _code),
        _req("title"),
        _opt("domains", _tags),
        _opt("applicant", _applicant),
        _opt("due", _date),
    ),
    "LeadAssigned": (_req("agency", _code), _req("official", _code), _opt("reason")),
    "CoordinatorAssigned": (_req("agency", _code), _req("part"), _opt("official", _nullable_code)),
    "ConsultationRequested": (
        _req("consultation", _code),
        _req("to", _code),
        _req("question"),
        _opt("domains", _tags),
        _opt("due", _date),
        _opt("due_days", _positive_int),
    ),
    "ConsultationHandlerDesignated": (_req("consultation", _code), _req("official", _code)),
    "ConsultationAnswered": (
        _req("consultation", _code),
        _opt("position", _any),
        _opt("reasoning"),
        _opt("conditions"),
        _opt("refer_to", _nullable_code),
        _opt("legal_basis"),
        _opt("domains", _tags),
    ),
    "ConsultationWithdrawn": (_req("consultation", _code), _req("reason")),
    "SupplementRequested": (_req("reason"),),
    "SupplementReceived": (),
    "ApologyIssued": (_req("reason"), _req("new_due", _date)),
    "CaseResolved": (_req("outcome", _enum(*OUTCOMES)),),
}

#: Agency-year events: no case (a finding on a case is a case event, see `finding_scope`).
AGENCY_YEAR_TYPES: dict[str, tuple[FieldSpec, ...]] = {
    "WorkProgrammeAdopted": (_req("agency", _code), _req("year", _year)),
}

FINDING_FIELDS: tuple[FieldSpec, ...] = (
    _req("rule", _enum(*RULE_CODES)),
    _req("decision", _enum(*DECISIONS)),
    _opt("consultation", _nullable_code),
    _opt("evidence", _nullable_code),
)

EVENT_TYPES: tuple[str, ...] = (
    *REGISTRY_TYPES,
    *CASE_TYPES,
    *AGENCY_YEAR_TYPES,
    "FindingRecorded",
)


@dataclass(frozen=True)
class Envelope:
    """One validated incoming event: common fields typed, the type's own fields as given."""

    type: str
    at: datetime
    by: str | None = None
    case: str | None = None
    key: str | None = None
    note: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def family(self) -> str:
        """`registry`, `case` or `agency_year`: which aggregate the event belongs to."""
        if self.type in REGISTRY_TYPES:
            return "registry"
        if self.type in AGENCY_YEAR_TYPES or (self.type == "FindingRecorded" and self.case is None):
            return "agency_year"
        return "case"

    def digest(self) -> str:
        """The content an idempotency id stands for: same id and digest is a no-op."""
        return content_digest(self.type, self.at, self.by, self.case, self.note, self.fields)

    def with_actor(self, official: str) -> Envelope:
        return Envelope(self.type, self.at, official, self.case, self.key, self.note, self.fields)


def content_digest(
    kind: str,
    at: datetime,
    by: str | None,
    case: str | None,
    note: str | None,
    fields: Mapping[str, Any],
) -> str:
    """A hash of an event's content, as the client sent it (no ledger-assigned values)."""
    content = {"type": kind, "at": at.isoformat(), "by": by, "case": case, "note": note, "fields": dict(fields)}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _check_fields(obj: Mapping[str, Any], specs: tuple[FieldSpec, ...]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for spec in specs:
        if spec.name not in obj:
            if spec.required:
                raise InvalidField(f"missing required field '{spec.name}'", field=spec.name)
            continue
        value = obj[spec.name]
        if value is None and spec.required:
            raise InvalidField(f"missing required field '{spec.name}' (it is null)", field=spec.name)
        checked[spec.name] = value if (value is None and not spec.required) else spec.check(spec.name, value)
    return checked


def _optional_string(obj: Mapping[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(f"'{name}' must be a non-empty string", field=name)
    if len(value) > MAX_IDENTIFIER:
        raise InvalidField(f"'{name}' is longer than {MAX_IDENTIFIER} characters", field=name)
    return value


def parse_event(obj: object, *, actor: str | None = None) -> Envelope:
    """Validate one event object; `actor` (an API token's official) replaces any `by`."""
    if not isinstance(obj, dict):
        raise InvalidField("an event must be a JSON object")
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise InvalidField("missing required field 'type'", field="type")
    if kind not in EVENT_TYPES:
        raise InvalidField(f"unknown event type {kind!r}", field="type")
    if "at" not in obj:
        raise InvalidField("missing required field 'at'", field="at")
    at = parse_timestamp(obj["at"])
    key = _optional_string(obj, "id")
    note = _free_text("note", obj.get("note"))
    by = actor if actor is not None else _optional_string(obj, "by")
    case = _optional_string(obj, "case")

    if kind in REGISTRY_TYPES:
        fields = _check_fields(obj, REGISTRY_TYPES[kind])
        case = None
    else:
        if by is None:
            raise InvalidField("missing required field 'by' (the official who acted)", field="by")
        if kind in CASE_TYPES:
            if case is None:
                raise InvalidField("missing required field 'case'", field="case")
            fields = _check_fields(obj, CASE_TYPES[kind])
        elif kind in AGENCY_YEAR_TYPES:
            fields = _check_fields(obj, AGENCY_YEAR_TYPES[kind])
            case = None
        else:
            fields = _finding_fields(obj, case)
    return Envelope(kind, at, by, case, key, note if isinstance(note, str) else None, fields)


def _finding_fields(obj: Mapping[str, Any], case: str | None) -> dict[str, Any]:
    fields = _check_fields(obj, FINDING_FIELDS)
    if case is None:
        if fields["rule"] != "WORK_PROGRAMME_LATE":
            raise InvalidField(
                f"a finding on {fields['rule']} must name its 'case'", field="case"
            )
        fields.update(_check_fields(obj, (_req("agency", _code), _req("year", _year))))
    elif fields["rule"] == "WORK_PROGRAMME_LATE":
        raise InvalidField(
            "a finding on WORK_PROGRAMME_LATE names an 'agency' and a 'year', not a case",
            field="case",
        )
    return fields
