"""The OpenAPI document at /api/openapi.json (SPEC §11): valid, complete and true to the API.

The routes are read from the application's own `url_map`, and the event types from
`ledger.EVENT_TYPES`, so a route or an event type added later cannot escape the document."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate

from ledger import EVENT_TYPES, LOCAL_TZ, InvalidField, Ledger, parse_event

DOCUMENT = "/api/openapi.json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def _at(**delta: float) -> str:
    return (datetime.now(LOCAL_TZ).replace(microsecond=0) + timedelta(minutes=-10, **delta)).isoformat()


#: One body of each event type as an API client sends it (no `by`: the token names the actor).
EXAMPLES: dict[str, dict[str, Any]] = {
    "AgencyRegistered": {"agency": "SDMST", "name": "Sở Đổi mới sáng tạo", "name_en": "Department of Innovation",
                         "kind": "department", "mandate": ["innovation"]},
    "AgencyMandateChanged": {"agency": "SXD", "mandate": ["construction", "housing"]},
    "AgencyMerged": {"agency": "SQHKT", "into": "SXD"},
    "OfficialAppointed": {"official": "sxd.moi", "name": "Phạm Văn Mới", "agency": "SXD", "role": "specialist"},
    "OfficialTransferred": {"official": "sxd.ttb", "agency": "STC", "role": "specialist"},
    "OfficialDeparted": {"official": "sxd.ttb"},
    "ProcedureDefined": {"procedure": "HOUSING_SUPPORT", "name": "Hỗ trợ nhà ở xã hội", "processing_days": 10,
                         "focal_agency": None, "domains": ["housing"]},
    "CalendarDayDeclared": {"date": "2026-05-02", "working": True, "reference": "Công văn số 1/VPCP"},
    "CaseOpened": {"case": "HCM-DOC-1", "procedure": "REAL_ESTATE_DIFFICULTY", "title": "Vướng mắc dự án B",
                   "domains": ["real_estate"], "applicant": {"name": "Công ty B", "kind": "enterprise"}},
    "LeadAssigned": {"case": "HCM-DOC-1", "agency": "SXD", "official": "sxd.nva"},
    "CoordinatorAssigned": {"case": "HCM-DOC-1", "agency": "STC", "part": "vốn", "official": "stc.pttt"},
    "ConsultationRequested": {"case": "HCM-DOC-1", "consultation": "C1", "to": "STC", "question": "Ý kiến về vốn?",
                              "due_days": 10},
    "ConsultationHandlerDesignated": {"case": "HCM-DOC-1", "consultation": "C1", "official": "stc.pttt"},
    "ConsultationAnswered": {"case": "HCM-DOC-1", "consultation": "C1", "position": "agree",
                             "reasoning": "Nguồn vốn hợp pháp", "legal_basis": "Luật Đầu tư 2020"},
    "ConsultationWithdrawn": {"case": "HCM-DOC-1", "consultation": "C1", "reason": "Không còn cần thiết"},
    "SupplementRequested": {"case": "HCM-DOC-1", "reason": "Thiếu giấy phép"},
    "SupplementReceived": {"case": "HCM-DOC-1"},
    "ApologyIssued": {"case": "HCM-DOC-1", "reason": "Chậm do phối hợp", "new_due": "2027-01-15"},
    "CaseResolved": {"case": "HCM-DOC-1", "outcome": "answered"},
    "WorkProgrammeAdopted": {"agency": "SXD", "year": 2026},
    "FindingRecorded": {"case": "HCM-DOC-1", "rule": "NO_LEAD", "decision": "confirmed"},
}


def example(kind: str) -> dict[str, Any]:
    return {"type": kind, **copy.deepcopy(EXAMPLES[kind]), "at": _at()}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get(DOCUMENT)
    assert response.status_code == 200
    return response.get_json()


def validator(document: dict[str, Any], name: str) -> OAS30Validator:
    """A validator for one component schema, its `$ref`s resolved within the document."""
    root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return OAS30Validator(root, format_checker=oas30_format_checker)


def errors_of(document: dict[str, Any], name: str, instance: Any) -> list[str]:
    return [error.message for error in validator(document, name).iter_errors(instance)]


def api_rules(app: Flask) -> list[tuple[str, set[str]]]:
    """(OpenAPI path, methods) of every /api/v1 route of the application."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1":
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            found.append((path, {m.lower() for m in rule.methods or ()} - {"head", "options"}))
    return found


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in HTTP_METHODS]


# --- the document -----------------------------------------------------------------------------


def test_the_document_is_served_without_a_token_as_json(client: FlaskClient) -> None:
    response = client.get(DOCUMENT)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json()["openapi"].startswith("3.")


def test_the_document_is_a_valid_openapi_document(document: dict[str, Any]) -> None:
    validate(document)


def test_every_api_route_of_the_application_is_documented_with_each_of_its_methods(
    app: Flask, document: dict[str, Any]
) -> None:
    rules = api_rules(app)
    assert len(rules) >= 5
    for path, methods in rules:
        assert path in document["paths"], path
        documented = {m for m in document["paths"][path] if m in HTTP_METHODS}
        assert methods <= documented, (path, methods, documented)


def test_the_document_names_no_api_route_the_application_does_not_have(app: Flask, document: dict[str, Any]) -> None:
    routes = dict(api_rules(app))
    for path, method, _ in operations(document):
        assert path in routes, path
        assert method in routes[path], (path, method)


def test_the_path_parameters_of_each_route_are_documented(app: Flask, document: dict[str, Any]) -> None:
    for path, _ in api_rules(app):
        wanted = set(re.findall(r"{([^}]+)}", path))
        item = document["paths"][path]
        for method in (m for m in item if m in HTTP_METHODS):
            declared = {p["name"] for p in [*item.get("parameters", []), *item[method].get("parameters", [])]
                        if p["in"] == "path"}
            assert wanted == declared, (path, method)


def test_the_bearer_security_scheme_is_documented_and_required_by_every_api_operation(
    document: dict[str, Any]
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"].lower() == "bearer"
    for path, method, operation in operations(document):
        security = operation.get("security", document.get("security"))
        assert security and any("bearer" in requirement for requirement in security), (path, method)


def test_every_api_operation_documents_its_401(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        assert "401" in operation["responses"], (path, method)


def test_every_api_operation_that_takes_input_documents_its_400(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        takes_input = "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", []))
        if takes_input:
            assert "400" in operation["responses"], (path, method)


def test_no_operation_documents_a_422_since_bad_input_is_answered_with_400(document: dict[str, Any]) -> None:
    documented = [(path, method) for path, method, operation in operations(document)
                  if "422" in operation["responses"]]
    assert documented == []


def test_the_append_documents_its_201_403_409_and_413(document: dict[str, Any]) -> None:
    responses = document["paths"]["/api/v1/events"]["post"]["responses"]
    assert {"201", "400", "401", "403", "409", "413"} <= set(responses)


# --- the event schemas ------------------------------------------------------------------------


def test_the_event_schema_lists_every_event_type_of_the_ledger(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    event = schemas["Event"]
    refs = [choice["$ref"] for choice in event["oneOf"]]
    assert refs == [f"#/components/schemas/Event.{kind}" for kind in EVENT_TYPES]
    assert set(event["discriminator"]["mapping"]) == set(EVENT_TYPES)
    for kind in EVENT_TYPES:
        assert schemas[f"Event.{kind}"]["properties"]["type"]["enum"] == [kind]


def test_the_append_body_is_an_event_or_an_array_of_them(document: dict[str, Any]) -> None:
    body = document["paths"]["/api/v1/events"]["post"]["requestBody"]
    assert body["required"] is True
    choices = body["content"]["application/json"]["schema"]["oneOf"]
    assert {"$ref": "#/components/schemas/Event"} in choices
    [array] = [c for c in choices if c.get("type") == "array"]
    assert array["items"] == {"$ref": "#/components/schemas/Event"} and array["minItems"] == 1


def test_every_event_type_has_an_example_here() -> None:
    assert set(EXAMPLES) == set(EVENT_TYPES)


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_each_event_schema_accepts_a_body_the_ledger_accepts(document: dict[str, Any], kind: str) -> None:
    body = example(kind)
    parse_event(body, actor="sxd.clerk")  # the ledger reads it (shape, types, required fields)
    assert errors_of(document, f"Event.{kind}", body) == []
    assert errors_of(document, "Event", body) == []


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_each_event_schema_rejects_a_body_missing_a_required_field_as_the_ledger_does(
    document: dict[str, Any], kind: str
) -> None:
    required = document["components"]["schemas"][f"Event.{kind}"]["required"]
    assert {"type", "at"} <= set(required)
    for name in required:
        body = {k: v for k, v in example(kind).items() if k != name}
        assert errors_of(document, f"Event.{kind}", body), (kind, name)
        assert errors_of(document, "Event", body), (kind, name)
        with pytest.raises(InvalidField):
            parse_event(body, actor="sxd.clerk")


def test_a_real_case_opened_body_is_valid_against_the_document_and_appended_by_the_api(
    client: FlaskClient, web_ledger: Ledger, document: dict[str, Any]
) -> None:
    body = example("CaseOpened")
    assert errors_of(document, "Event.CaseOpened", body) == []
    _, secret = web_ledger.accounts.create_token("sxd.clerk")
    response = client.post("/api/v1/events", json=body, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201, response.get_data(as_text=True)
    missing_title = {k: v for k, v in body.items() if k != "title"} | {"case": "HCM-DOC-2"}
    assert errors_of(document, "Event.CaseOpened", missing_title)
    assert client.post("/api/v1/events", json=missing_title,
                       headers={"Authorization": f"Bearer {secret}"}).status_code == 400


def test_the_case_opened_schema_rejects_fields_of_the_wrong_type(document: dict[str, Any]) -> None:
    for name, value in (("title", 7), ("case", ["HCM-1"]), ("domains", "real_estate"), ("at", "yesterday"),
                        ("due", "soon"), ("applicant", {"name": "B"})):
        body = example("CaseOpened") | {name: value}
        assert errors_of(document, "Event.CaseOpened", body), name


# --- the answers match their documented schemas -----------------------------------------------


def _response_schema(document: dict[str, Any], path: str, method: str, status: int) -> str:
    content = document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
    return content["schema"]["$ref"].rsplit("/", 1)[1]


def test_the_apis_answers_match_the_schemas_the_document_gives_them(
    client: FlaskClient, web_ledger: Ledger, document: dict[str, Any], opened_case: str
) -> None:
    _, secret = web_ledger.accounts.create_token("sxd.clerk")
    token = {"Authorization": f"Bearer {secret}"}
    cases = "/api/v1/cases/{case}"
    answers = [
        ("/api/v1/events", "post", client.post("/api/v1/events", json=example("CaseOpened"), headers=token)),
        ("/api/v1/events", "post", client.post("/api/v1/events", json={"type": "CaseOpened"}, headers=token)),
        ("/api/v1/events", "post", client.post("/api/v1/events", json=example("CaseOpened"))),
        ("/api/v1/events", "post", client.post("/api/v1/events", json=example("AgencyMerged"), headers=token)),
        (cases, "get", client.get(f"/api/v1/cases/{opened_case}", headers=token)),
        (cases, "get", client.get("/api/v1/cases/HCM-NONE", headers=token)),
        (cases + "/history", "get", client.get(f"/api/v1/cases/{opened_case}/history", headers=token)),
        (cases + "/history", "get", client.get(f"/api/v1/cases/{opened_case}/history?as_of=x", headers=token)),
        ("/api/v1/violations", "get", client.get("/api/v1/violations", headers=token)),
        ("/api/v1/scorecard", "get", client.get("/api/v1/scorecard?from=2024-01-01&to=2024-12-31", headers=token)),
        ("/api/v1/scorecard", "get", client.get("/api/v1/scorecard", headers=token)),
    ]
    statuses = set()
    for path, method, response in answers:
        statuses.add(response.status_code)
        name = _response_schema(document, path, method, response.status_code)
        assert errors_of(document, name, response.get_json()) == [], (path, response.status_code)
    assert statuses == {200, 201, 400, 401, 403, 404}


def test_the_document_is_the_same_on_every_request(client: FlaskClient) -> None:
    first, second = client.get(DOCUMENT).get_data(), client.get(DOCUMENT).get_data()
    assert json.loads(first) == json.loads(second)
