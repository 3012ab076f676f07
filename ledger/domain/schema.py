"""The event vocabulary of SPEC §3–§4: which fields each type has, and their validation.

`parse_event` turns one JSON object (a line of §8, a form, an API body) into an `Envelope`:
the common fields typed, and the type's own fields checked and kept as given. Fields the SPEC
does not name are dropped, so an export's `recorded`, `position`, `source` and `event` can be
read back as new history.

Strings are held to `ledger.domain.values`' rules on characters: an identifier (a case reference,
a code, an id, an official's id, a domain tag) holds no control character at all; free text
(title, question, reasoning, note, names…) may hold tab, line feed and carriage return and no
other control character; nothing holds NUL or a lone surrogate. A present field of the wrong
type is refused as such ("'type' must be a string"); "missing" is said only of a field that is
absent or null. `ProcedureDefined.domains` is required and holds at least one tag (SPEC §3,
§12); `mandate` and the other `domains` may be empty lists.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import InvalidField
from .values import (
    AGENCY_KINDS,
    DECISIONS,
    FIRST_DATE,
    IDENTIFIER_FORBIDDEN,
    LAST_DATE,
    MAX_DEPTH,
    MAX_IDENTIFIER,
    MAX_NUMBER_DIGITS,
    MAX_WORKING_DAYS,
    OUTCOMES,
    ROLES,
    RULE_CODES,
    check_characters,
    parse_date,
    parse_timestamp,
    path_key,
    shown,
)

Checker = Callable[[str, object], object]

#: The most tags one list (domains, mandate) may hold.
MAX_TAGS = 100


def _text(name: str, value: object) -> object:
    """Required prose: a string, not blank, holding no control character but tab and newlines."""
    if not isinstance(value, str):
        raise InvalidField(code="must_be_string", params={"name": name}, field=name)
    if not value.strip():
        raise InvalidField(code="must_not_be_empty", params={"name": name}, field=name)
    check_characters(name, value, identifier=False)
    return value


def _free_text(name: str, value: object) -> object:
    """Optional prose that may be null or blank (judged later, never refused for its content,
    but for characters no text may hold)."""
    if value is None:
        return value
    if not isinstance(value, str):
        raise InvalidField(code="must_be_string_or_null", params={"name": name}, field=name)
    check_characters(name, value, identifier=False)
    return value


def _identifier(name: str, value: str) -> str:
    if len(value) > MAX_IDENTIFIER:
        raise InvalidField(code="too_long", params={"name": name, "limit": MAX_IDENTIFIER}, field=name)
    check_characters(name, value, identifier=True)
    return value


def _tag_list(name: str, value: object, *, at_least: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise InvalidField(code="must_be_tag_list", params={"name": name}, field=name)
    if len(value) < at_least:
        raise InvalidField(code="too_few_tags", params={"name": name, "minimum": at_least}, field=name)
    if len(value) > MAX_TAGS:
        raise InvalidField(code="too_many_tags", params={"name": name, "limit": MAX_TAGS}, field=name)
    for index, tag in enumerate(value):
        if len(tag) > MAX_IDENTIFIER or IDENTIFIER_FORBIDDEN.search(tag):
            _identifier(f"{name}[{index}]", tag)  # raises, naming the tag
    return list(value)


def _tags(name: str, value: object) -> object:
    """A list of domain tags; it may be empty (an agency with no mandate, an answer claiming no topic)."""
    return _tag_list(name, value, at_least=0)


def _some_tags(name: str, value: object) -> object:
    """A list of at least one domain tag (`ProcedureDefined.domains`, SPEC §3)."""
    return _tag_list(name, value, at_least=1)


def _date(name: str, value: object) -> object:
    parse_date(value, name)
    return value


def _code(name: str, value: object) -> object:
    """An identifier: a reference, a code, an official's id (no control character at all)."""
    if not isinstance(value, str):
        raise InvalidField(code="must_be_string", params={"name": name}, field=name)
    if not value.strip():
        raise InvalidField(code="must_not_be_empty", params={"name": name}, field=name)
    return _identifier(name, value)


def _positive_int(name: str, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WORKING_DAYS:
        raise InvalidField(code="must_be_day_count", params={"name": name, "limit": MAX_WORKING_DAYS}, field=name)
    return value


def _year(name: str, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or not FIRST_DATE.year <= value <= LAST_DATE.year:
        raise InvalidField(
            code="must_be_year", params={"name": name, "first": FIRST_DATE.year, "last": LAST_DATE.year}, field=name
        )
    return value


def _bool(name: str, value: object) -> object:
    if not isinstance(value, bool):
        raise InvalidField(code="must_be_boolean", params={"name": name}, field=name)
    return value


def _any(name: str, value: object) -> object:
    """A consultation's `position` is stored as given and judged later (SPEC §4); whatever it
    holds, its strings (keys included) are held to the rules of free text, its numbers must be
    finite and it may not nest deeper than `MAX_DEPTH`."""
    stack: list[tuple[object, str, int]] = [(value, name, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            check_characters(where, item, identifier=False)
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidField(code="must_be_finite", params={"name": where}, field=name)
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) >= 10**MAX_NUMBER_DIGITS:
            raise InvalidField(code="too_many_digits", params={"name": where, "limit": MAX_NUMBER_DIGITS}, field=name)
        elif isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                raise InvalidField(code="nested_too_deep", params={"name": name, "limit": MAX_DEPTH}, field=name)
            if isinstance(item, dict):
                for key, inner in item.items():
                    if not isinstance(key, str):
                        raise InvalidField(code="must_have_string_keys", params={"name": where}, field=name)
                    check_characters(f"{where} key", key, identifier=False)
                    stack.append((inner, f"{where}.{path_key(key)}", depth + 1))
            else:
                stack.extend((inner, f"{where}[{i}]", depth + 1) for i, inner in enumerate(item))
        elif item is not None and not isinstance(item, (bool, int, float)):
            raise InvalidField(code="must_be_json_value", params={"name": where}, field=name)
    return value


def _nullable_code(name: str, value: object) -> object:
    return None if value is None else _code(name, value)


def _applicant(name: str, value: object) -> object:
    if not isinstance(value, dict):
        raise InvalidField(code="must_be_applicant", params={"name": name}, field=name)
    for key in ("name", "kind"):
        if value.get(key) is None:
            raise InvalidField(code="missing_field", params={"name": f"{name}.{key}"}, field=name)
        _text(f"{name}.{key}", value[key])
    return {"name": value["name"], "kind": value["kind"]}


def _enum(*allowed: str) -> Checker:
    def check(name: str, value: object) -> object:
        if not isinstance(value, str):
            raise InvalidField(code="must_be_choice_string", params={"name": name, "allowed": allowed}, field=name)
        if value not in allowed:
            raise InvalidField(
                code="not_one_of", params={"name": name, "allowed": allowed, "value": shown(value)}, field=name
            )
        return value

    check.choices = allowed  # type: ignore[attr-defined]  # read by ledger.domain.jsonschema
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
        _req("domains", _some_tags),
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
        """The content an idempotency id stands for: same id and digest is a no-op (computed once
        per envelope: a batch asks for it when it looks for a duplicate and when it stages)."""
        cached = self.__dict__.get("_digest")
        if cached is None:
            cached = content_digest(self.type, self.at, self.by, self.case, self.note, self.fields)
            object.__setattr__(self, "_digest", cached)
        return cached

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
                raise InvalidField(code="missing_field", params={"name": spec.name}, field=spec.name)
            continue
        value = obj[spec.name]
        if value is None and spec.required:
            raise InvalidField(code="missing_field_null", params={"name": spec.name}, field=spec.name)
        checked[spec.name] = value if (value is None and not spec.required) else spec.check(spec.name, value)
    return checked


def _optional_string(obj: Mapping[str, Any], name: str) -> str | None:
    """A common identifier field (`id`, `by`, `case`): absent or null is None."""
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(code="must_be_non_empty_string", params={"name": name}, field=name)
    return _identifier(name, value)


def parse_event(obj: object, *, actor: str | None = None) -> Envelope:
    """Validate one event object; `actor` (an API token's official) replaces any `by`."""
    if not isinstance(obj, dict):
        raise InvalidField(code="event_not_object", params={})
    kind = obj.get("type")
    if kind is None:
        raise InvalidField(
            code="missing_field_null" if "type" in obj else "missing_field", params={"name": "type"}, field="type"
        )
    if not isinstance(kind, str):
        raise InvalidField(code="must_be_string", params={"name": "type"}, field="type")
    if kind not in EVENT_TYPES:
        raise InvalidField(code="unknown_event_type", params={"type": shown(kind)}, field="type")
    if obj.get("at") is None:
        raise InvalidField(
            code="missing_field_null" if "at" in obj else "missing_field", params={"name": "at"}, field="at"
        )
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
            raise InvalidField(code="missing_actor", params={}, field="by")
        if kind in CASE_TYPES:
            if case is None:
                raise InvalidField(code="missing_field", params={"name": "case"}, field="case")
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
            raise InvalidField(code="finding_needs_case", params={"rule": fields["rule"]}, field="case")
        fields.update(_check_fields(obj, (_req("agency", _code), _req("year", _year))))
    elif fields["rule"] == "WORK_PROGRAMME_LATE":
        raise InvalidField(code="agency_finding_names_case", params={}, field="case")
    else:
        # An agency or year beside a case would be dropped, not stored: refuse it rather than
        # keep a finding that says less than what was sent.
        for name in ("agency", "year"):
            if name in obj:
                raise InvalidField(code="case_finding_names_agency", params={"name": name}, field=name)
    return fields


def field_refusals(obj: Mapping[str, Any], *, actor: str | None = None) -> list[InvalidField]:
    """Every field of one event object refused on its own, not only the first (a form shows them
    all at once). The same checks as `parse_event`, one field at a time; empty when the shape is
    right. Who may act and the case's state are judged later, by the ledger."""
    found: list[InvalidField] = []

    def attempt(check: Callable[[], object]) -> None:
        try:
            check()
        except InvalidField as refusal:
            if all(r.field != refusal.field for r in found):
                found.append(refusal)

    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        attempt(lambda: parse_event(obj, actor=actor))
        return found
    attempt(lambda: _check_fields({"at": obj.get("at")}, (_req("at", lambda n, v: parse_timestamp(v, n)),)))
    attempt(lambda: _free_text("note", obj.get("note")))
    for name in ("id", "case") if actor is not None else ("id", "case", "by"):
        attempt(lambda name=name: _optional_string(obj, name))  # type: ignore[misc]
    specs = next((table[kind] for table in (REGISTRY_TYPES, CASE_TYPES, AGENCY_YEAR_TYPES) if kind in table),
                 FINDING_FIELDS)
    if kind in CASE_TYPES and obj.get("case") is None:
        attempt(lambda: _check_fields({}, (_req("case", _code),)))
    for spec in specs:
        attempt(lambda spec=spec: _check_fields(obj, (spec,)))  # type: ignore[misc]
    if not found:
        attempt(lambda: parse_event(obj, actor=actor))
    return found
