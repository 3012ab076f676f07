"""JSON Schemas of the event objects (SPEC §3–§4, §8), derived from the schema's own field table so
the API's OpenAPI document cannot drift from what the ledger accepts.

A JSON Schema cannot say everything the ledger checks (who may act, the case's state, character
rules); it says the shape: which fields, their JSON types, which are required. The ledger's
refusal is always the last word.
"""

from __future__ import annotations

from typing import Any

from . import schema
from .values import FIRST_DATE, LAST_DATE, MAX_IDENTIFIER, MAX_WORKING_DAYS

_STRING = {"type": "string"}
_IDENTIFIER = {"type": "string", "minLength": 1, "maxLength": MAX_IDENTIFIER}
_TAGS = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": MAX_IDENTIFIER}}

#: Each checker of `ledger.domain.schema` by name, as a JSON Schema.
_BY_CHECKER: dict[str, dict[str, Any]] = {
    "_text": {"type": "string", "minLength": 1},
    "_free_text": {"type": "string", "nullable": True},
    "_code": _IDENTIFIER,
    "_nullable_code": {**_IDENTIFIER, "nullable": True},
    "_date": {"type": "string", "format": "date"},
    "_positive_int": {"type": "integer", "minimum": 1, "maximum": MAX_WORKING_DAYS},
    "_year": {"type": "integer", "minimum": FIRST_DATE.year, "maximum": LAST_DATE.year},
    "_bool": {"type": "boolean"},
    "_tags": _TAGS,
    "_some_tags": {**_TAGS, "minItems": 1},
    "_any": {"description": "stored as given; anything but agree, disagree, conditional or not_competent is"
                            " judged as an unclear position"},
    "_applicant": {"type": "object", "required": ["name", "kind"],
                   "properties": {"name": {"type": "string"}, "kind": {"type": "string"}}},
}

_COMMON = {
    "type": {"type": "string"},
    "at": {"type": "string", "format": "date-time", "description": "the claimed time, with its UTC offset"},
    "id": {**_IDENTIFIER, "description": "idempotency key: a retry with the same id never duplicates"},
    "note": {"type": "string", "nullable": True},
}


def _field(spec: Any) -> dict[str, Any]:
    choices = getattr(spec.check, "choices", None)
    if choices is not None:
        return {"type": "string", "enum": list(choices)}
    found = _BY_CHECKER.get(spec.check.__name__)
    if found is None:
        raise KeyError(f"no JSON Schema for the checker {spec.check.__name__} of {spec.name}")
    return dict(found)


def event_schema(kind: str, *, with_actor: bool = False) -> dict[str, Any]:
    """The JSON Schema of one event type; `with_actor` adds `by` (an import line has it; an API
    body does not: the token's official is the actor)."""
    properties: dict[str, Any] = {**_COMMON, "type": {"type": "string", "enum": [kind]}}
    required = ["type", "at"]
    if kind in schema.REGISTRY_TYPES:
        specs = schema.REGISTRY_TYPES[kind]
    else:
        if with_actor:
            properties["by"] = _IDENTIFIER
            required.append("by")
        if kind in schema.CASE_TYPES:
            specs = schema.CASE_TYPES[kind]
            properties["case"] = _IDENTIFIER
            required.append("case")
        elif kind in schema.AGENCY_YEAR_TYPES:
            specs = schema.AGENCY_YEAR_TYPES[kind]
        else:
            specs = schema.FINDING_FIELDS
            properties["case"] = {**_IDENTIFIER, "description": "required but for WORK_PROGRAMME_LATE"}
            properties["agency"] = {**_IDENTIFIER, "description": "WORK_PROGRAMME_LATE findings only"}
            properties["year"] = {**_BY_CHECKER["_year"], "description": "WORK_PROGRAMME_LATE findings only"}
    for spec in specs:
        properties[spec.name] = _field(spec)
        if spec.required:
            required.append(spec.name)
    return {"type": "object", "title": kind, "properties": properties, "required": required}


def event_schemas(*, with_actor: bool = False) -> dict[str, dict[str, Any]]:
    return {kind: event_schema(kind, with_actor=with_actor) for kind in schema.EVENT_TYPES}
