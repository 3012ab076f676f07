"""Parsing the event vocabulary of SPEC §3–§4 (declared in `payloads`, one class per type).

`parse_event` turns one JSON object (a line of §8, a form, an API body) into an `Envelope`:
the common fields typed, and the type's own fields checked and kept as given (the wire form that
is stored and hashed); `Envelope.payload` is their typed view. Fields the SPEC
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime
from typing import Any

from .errors import InvalidField
from .values import parse_timestamp, shown
from .checks import FieldSpec, _free_text, _identifier, _code, _req
from .payloads import AGENCY_SCOPE, PAYLOADS, FindingRecorded, Payload, typed


def _table(family: str) -> dict[str, tuple[FieldSpec, ...]]:
    return {kind: cls.SPECS for kind, cls in PAYLOADS.items() if family == cls.FAMILY}


#: Registry events (SPEC §3): no case, no required actor.
REGISTRY_TYPES: dict[str, tuple[FieldSpec, ...]] = _table("registry")

#: Case events (SPEC §4): each names its case and its acting official.
CASE_TYPES: dict[str, tuple[FieldSpec, ...]] = _table("case")

#: Agency-year events: no case (a finding on a case is a case event, see `finding_scope`).
AGENCY_YEAR_TYPES: dict[str, tuple[FieldSpec, ...]] = _table("agency_year")

FINDING_FIELDS: tuple[FieldSpec, ...] = FindingRecorded.SPECS

EVENT_TYPES: tuple[str, ...] = tuple(PAYLOADS)


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
        family = PAYLOADS[self.type].FAMILY
        if family == "finding":
            return "case" if self.case is not None else "agency_year"
        return family

    @cached_property
    def payload(self) -> Payload:
        """The typed view of the fields (dates as dates, tags as tuples)."""
        return typed(self.type, self.fields)

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


#: `json.dumps(…, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`, its encoder made once
#: (`json.dumps` with options makes a new one on every call; this runs for every imported event).
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


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
    text = _CANONICAL_JSON(content)
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
        fields.update(_check_fields(obj, AGENCY_SCOPE))
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
