"""The JSON API (SPEC §11), documented at `/api/openapi.json` by flask-smorest from this code.

- Every endpoint needs `Authorization: Bearer <token>` (`ledger token create`); the token's
  official is the actor of what it appends, and only an `admin` token appends registry events.
- Bodies are read by the ledger's own strict JSON reader (duplicate keys, NaN, over-deep nesting
  and lone surrogates refused), never by Flask's, then validated exactly as an import line is.
- Bad input is a 400 with per-field errors `{index, field, code, message, params}`; a retry with
  the same `id` returns the original event's result; a conflict that cannot be retried safely
  (an `id` reused for other content, or other writers winning every retry) is a 409; a body over
  `web.config.MAX_BODY_BYTES` is a 413 before it is read.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request
from marshmallow import RAISE

from ledger import (
    EVENT_TYPES,
    EXPORT_FORMATS,
    BatchRefused,
    ConcurrentAppend,
    InvalidField,
    KeyConflict,
    NotPermitted,
    Refused,
    event_schemas,
    export_file_name,
    export_media_type,
    export_report,
    parse_document,
    refused_element,
)

from .api_schemas import (
    AppendResult,
    CaseState,
    Failure,
    History,
    HistoryQuery,
    Problems,
    Report,
    ScorecardQuery,
    ViolationsQuery,
)
from .api_replies import ApiBlueprint, bad_request, failure, located, problem, role_refusal
from .config import MAX_EVENTS_PER_REQUEST
from .context import ledger
from .routing import raw_reference


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="Append events and read the ledger.")

CASES = "/api/v1/cases/"


@bp.before_request
def authenticate() -> Response | None:
    header = request.headers.get("Authorization", "")
    scheme, _, text = header.partition(" ")
    token = ledger().accounts.token_for(text.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return failure(401, "a valid token is required: 'Authorization: Bearer <token>' (ledger token create)",
                       **{"WWW-Authenticate": 'Bearer realm="ledger"'})
    if not ledger().queries.official_exists(token.official):
        return failure(403, f"the token's official {token.official} is no longer serving (departed, or unknown);"
                            " the token acts for nobody")
    g.token = token
    return None


_401: dict[str, Any] = {"schema": Failure, "description": "no valid token"}
_403: dict[str, Any] = {"schema": Failure, "description": "the token may not do this"}


# Who reads what: the same audiences as the pages (web/auth.py). Any token reads a case as it
# stands (an agency's own system checks a case before it appends); whole histories are for the
# inspectors and the oversight and admin tokens (`/inspect`); every agency's violations and
# scorecards for the oversight and admin tokens (`/oversight`).
def _reads_histories(token: Any) -> bool:
    if token.role in ("oversight", "admin"):
        return True
    official = ledger().queries.official(token.official)
    return official is not None and official.role == "inspector"


def _reads_reports(token: Any) -> bool:
    return bool(token.role in ("oversight", "admin"))


def _refused_unless(allowed: bool, what: str) -> Response | None:
    if allowed:
        return None
    return failure(403, f"this token ({g.token.role} of {g.token.official}) may not read {what}; the pages refuse"
                        " the same to its login")


@bp.post("/events")
@bp.doc(
    security=[{"bearer": []}],
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": {"oneOf": [
            {"$ref": "#/components/schemas/Event"},
            {"type": "array", "minItems": 1, "maxItems": MAX_EVENTS_PER_REQUEST,
             "items": {"$ref": "#/components/schemas/Event"}},
        ]}}},
    },
)
@bp.response(201, AppendResult)
@bp.alt_response(400, schema=Problems, description="refused: nothing was appended")
@bp.alt_response(401, **_401)
@bp.alt_response(403, **_403)
@bp.alt_response(409, schema=Failure, description="conflicts with the ledger; nothing was appended")
@bp.alt_response(413, schema=Failure, description="body too large")
def append_events() -> Any:
    """Append one event, or an array of them all or nothing; the token's official is the actor."""
    if request.mimetype != "application/json":
        return bad_request({"index": None, "field": None, "code": "not_json",
                            "message": "the body must be JSON (Content-Type: application/json)", "params": {}})
    data = request.get_data(cache=False)
    if data.startswith(b"\xef\xbb\xbf"):
        return bad_request({"index": None, "field": None, "code": "byte_order_mark",
                            "message": "the body starts with a byte order mark (U+FEFF); send JSON without it",
                            "params": {}})
    try:
        body = parse_document(data.decode("utf-8"))
    except UnicodeDecodeError:
        return bad_request({"index": None, "field": None, "code": "invalid_utf8",
                            "message": "the body is not valid UTF-8", "params": {}})
    except InvalidField as refusal:
        element = refused_element(data.decode("utf-8"))
        if element is not None:  # one event of an array: say which, and which of its fields
            index, inner = element
            return bad_request(located({**problem(inner), "index": index}, nested=True))
        return bad_request(located(problem(refusal)))
    items = body if isinstance(body, list) else [body]
    if not items or len(items) > MAX_EVENTS_PER_REQUEST:
        return bad_request({"index": None, "field": None, "code": "batch_size",
                            "message": f"send from 1 to {MAX_EVENTS_PER_REQUEST} events", "params": {
                                "max": MAX_EVENTS_PER_REQUEST}})
    for index, item in enumerate(items):
        # An item that is no object is refused by the ledger with the others, each by its index.
        not_for_role = role_refusal(g.token.role, item.get("type")) if isinstance(item, dict) else None
        if not_for_role:
            return failure(403, f"event #{index}: {not_for_role}")
    try:
        outcomes = ledger().append(items, source="api", actor=g.token.official)
    except BatchRefused as refused:
        conflicts = [r for _, r in refused.refusals if isinstance(r, KeyConflict)]
        if conflicts:
            return failure(409, str(conflicts[0]))
        denied = [(i, r) for i, r in refused.refusals if isinstance(r, NotPermitted)]
        if denied:
            return failure(403, "; ".join(f"event #{i}: {r}" for i, r in denied))
        return bad_request(*(problem(r, i) for i, r in refused.refusals))
    except ConcurrentAppend as conflict:
        return failure(409, str(conflict))
    return {"events": [o.as_dict() for o in outcomes]}


@bp.get("/cases/<ref:case>")
@bp.doc(security=[{"bearer": []}])
@bp.response(200, CaseState)
@bp.alt_response(401, **_401)
@bp.alt_response(404, schema=Failure, description="no such case")
def get_case(case: str) -> Any:
    """A case as it stands now: its lead, status, due dates and consultations."""
    payload = _case_payload(case)
    if payload is None:
        return failure(404, f"unknown case {case!r}")
    return payload


def _case_payload(case: str) -> dict[str, Any] | None:
    summary = ledger().queries.case(case)
    if summary is None:
        return None
    return {"case": summary.case, "title": summary.title, "procedure": summary.procedure, "status": summary.status,
            "lead_agency": summary.lead_agency, "lead_official": summary.lead_official, "state": summary.state}


@bp.get("/cases/<ref:case>/history")
@bp.doc(security=[{"bearer": []}])
@bp.arguments(HistoryQuery, location="query", unknown=RAISE)
@bp.response(200, History)
@bp.alt_response(400, schema=Problems, description="bad parameters")
@bp.alt_response(401, **_401)
@bp.alt_response(403, **_403)
@bp.alt_response(404, schema=Failure, description="no such case")
def get_history(args: dict[str, Any], case: str) -> Any:
    """The case's events with claimed and recorded times and its state after each (SPEC §9 history).
    Inspectors', oversight and admin tokens only."""
    try:
        raw = raw_reference(CASES, "/history")
        if raw is not None and not raw[1]:  # ".../A%2Fhistory": the case "A/history" itself
            payload = _case_payload(raw[0])
            return jsonify(payload) if payload is not None else failure(404, f"unknown case {raw[0]!r}")
        case = raw[0] if raw else case
        refused = _refused_unless(_reads_histories(g.token), "case histories (inspectors, oversight and admin)")
        if refused is not None:
            return refused
        return ledger().history(case, as_of=args.get("as_of"), known_at=args.get("known_at"))
    except Refused as refusal:
        if refusal.field == "case":
            return failure(404, str(refusal))
        return bad_request(problem(refusal))


def _report(kind: str, parameters: dict[str, Any], fmt: str) -> Any:
    """JSON as the documented object; any other format as a file to save, named after the report,
    its date and its checkpoint (the same bytes the CLI and the pages export)."""
    data = ledger().report(kind, parameters, fmt)
    if fmt == "json":
        return data
    return Response(export_report(data, fmt), content_type=export_media_type(fmt), headers={
        "Content-Disposition": f'attachment; filename="{export_file_name(data, fmt)}"'})


#: The 200 of a report in each format (flask-smorest documents only the JSON one by itself).
REPORT_FILES: dict[str, Any] = {"responses": {200: {
    "description": "the report: JSON by default; with `format=csv|xlsx|pdf` a file to save (its name in"
                   " Content-Disposition). CSV is UTF-8 with a BOM and, like JSON, verifiable with"
                   " `ledger verify-report`; XLSX and PDF carry the same checkpoint and versions, for reading.",
    "headers": {"Content-Disposition": {
        "description": "with format=csv|xlsx|pdf: attachment; filename=\"KIND_DATE_at-SIZE.FORMAT\"",
        "schema": {"type": "string"}}},
    "content": {export_media_type(fmt).split(";")[0]: {"schema": {"type": "string"} if fmt == "csv" else
                                                        {"type": "string", "format": "binary"}}
                for fmt in EXPORT_FORMATS if fmt != "json"},
}}}


@bp.get("/violations")
@bp.doc(security=[{"bearer": []}], **REPORT_FILES)
@bp.arguments(ViolationsQuery, location="query", unknown=RAISE)
@bp.response(200, Report, content_type="application/json")
@bp.alt_response(400, schema=Problems, description="bad parameters")
@bp.alt_response(401, **_401)
@bp.alt_response(403, **_403)
def get_violations(args: dict[str, Any]) -> Any:
    """The violations (SPEC §6) as a verifiable report: the rows of `ledger violations` for the same
    filters, with the signed checkpoint, rulebook and calendar they were computed at. `format=csv`
    gives the same report as CSV (UTF-8 with a BOM), `format=xlsx` as a spreadsheet and
    `format=pdf` as a document to file. Oversight and admin tokens only."""
    refused = _refused_unless(_reads_reports(g.token), "every agency's violations (oversight and admin)")
    if refused is not None:
        return refused
    known_at = args.get("known_at")
    known = set(ledger().queries.agency_codes())
    strangers = [a for a in args.get("agency", []) if a not in known]
    if strangers:
        return bad_request({"index": None, "field": "agency", "code": "unknown_agency",
                            "message": f"unknown agency {', '.join(strangers)}", "params": {"agency": strangers[0]}})
    parameters = {"as_of": (args.get("as_of") or ledger().today()).isoformat(),
                  "known_at": known_at.isoformat() if known_at else None,
                  "rules": list(args.get("rule", [])), "agencies": list(args.get("agency", [])),
                  "include_dismissed": bool(args.get("include_dismissed", False))}
    return _report("violations", parameters, args["format"])


@bp.get("/scorecard")
@bp.doc(security=[{"bearer": []}], **REPORT_FILES)
@bp.arguments(ScorecardQuery, location="query", unknown=RAISE)
@bp.response(200, Report, content_type="application/json")
@bp.alt_response(400, schema=Problems, description="bad parameters")
@bp.alt_response(401, **_401)
@bp.alt_response(403, **_403)
def get_scorecard(args: dict[str, Any]) -> Any:
    """On-time rates and the Decision 766 score per agency or official over [from, to] (SPEC §7),
    as a verifiable report; `format=csv|xlsx|pdf` as a file, as for the violations. Oversight and
    admin tokens only."""
    refused = _refused_unless(_reads_reports(g.token), "every agency's scorecard (oversight and admin)")
    if refused is not None:
        return refused
    if args["to"] < args["from_"]:
        return bad_request({"index": None, "field": "to", "code": "period_reversed",
                            "message": "the period ends before it starts", "params": {}})
    parameters = {"from": args["from_"].isoformat(), "to": args["to"].isoformat(), "by": args["by"], "known_at": None}
    return _report("scorecard", parameters, args["format"])


def register_components(api: Any) -> None:
    """The event schemas (from the ledger's own schema) and the bearer scheme, in the document."""
    schemas = event_schemas()
    for kind in EVENT_TYPES:
        api.spec.components.schema(f"Event.{kind}", component=schemas[kind])
    api.spec.components.schema("Event", component={
        "oneOf": [{"$ref": f"#/components/schemas/Event.{kind}"} for kind in EVENT_TYPES],
        "discriminator": {"propertyName": "type",
                          "mapping": {kind: f"#/components/schemas/Event.{kind}" for kind in EVENT_TYPES}},
    })
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
