"""The API's plumbing: its query parser, its replies (problems, failures) and who may append what.

Split from `web.api`, which keeps only the endpoints."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, jsonify
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields
from webargs.flaskparser import FlaskParser

from ledger import EVENT_TYPES, REGISTRY_TYPES, Refused


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # SPEC §11: bad input is a 400 (webargs' default is 422)

    def load_querystring(self, req: Any, schema: Any) -> Any:
        """A parameter that is no list, sent twice, is ambiguous: refused, as a repeated JSON key is."""
        repeated = [key for key in req.args if len(req.args.getlist(key)) > 1
                    and not isinstance(schema.fields.get(key) or _by_data_key(schema, key), fields.List)]
        if repeated:
            raise ValidationError({key: ["sent more than once"] for key in repeated})
        return super().load_querystring(req, schema)


def _by_data_key(schema: Any, key: str) -> Any:
    return next((f for f in schema.fields.values() if f.data_key == key), None)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()


def problem(refusal: Refused, index: int | None = None) -> dict[str, Any]:
    return {"index": index, "field": refusal.field, "code": getattr(refusal, "code", "refused"),
            "message": str(refusal), "params": dict(getattr(refusal, "params", {}) or {})}


def bad_request(*problems: dict[str, Any]) -> Response:
    response = jsonify(errors=list(problems))
    response.status_code = 400
    return response


def failure(status: int, message: str, **headers: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    response.headers.update(headers)
    return response


LOCATED = re.compile(r"^\[(\d+)\](?:\.([A-Za-z_][A-Za-z0-9_]*))?")
FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)")


def located(found: dict[str, Any], *, nested: bool = False) -> dict[str, Any]:
    """A refusal of the whole body that names where it is (`[1].reason`): its index and field;
    `nested`: the refusal of one element, whose index is already known."""
    name = str(found["params"].get("name") or "")
    if nested:
        plain = FIELD.match(name) or FIELD.match(str(found["params"].get("key") or "").strip("'\""))
        return {**found, "field": found["field"] or (plain.group(1) if plain else found.get("field"))}
    match = LOCATED.match(name)
    if match:
        return {**found, "index": int(match.group(1)), "field": match.group(2) or found["field"]}
    plain = FIELD.match(name)
    if plain:  # a single event: the field is the first step of the path
        return {**found, "index": 0, "field": found["field"] or plain.group(1)}
    return found


def role_refusal(role: str, kind: object) -> str | None:
    """The product roles of the web, for tokens too: `official` tokens append case events,
    `admin` tokens registry events, `oversight` tokens only read. A `type` that is no string is
    left for the ledger to refuse as bad input."""
    if role == "oversight":
        return "an oversight token only reads"
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        return None  # the ledger refuses it as bad input, naming the field
    if kind in REGISTRY_TYPES and role != "admin":
        return f"only an admin token appends registry events ({kind})"
    if kind not in REGISTRY_TYPES and role == "admin":
        return f"an admin token appends registry events only; {kind} is recorded by an official's token"
    return None
