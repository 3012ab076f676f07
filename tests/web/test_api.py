"""The JSON API (SPEC §4, §8, §11): tokens, appends all or nothing, retries, and the read endpoints.

Every test talks to the application through Flask's test client, with a bearer token made by
`web_ledger.accounts.create_token`, and checks the ledger itself (`event_count`, `history`,
`violations`) rather than trusting the API's own word about what it appended."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger import LOCAL_TZ, RULE_CODES, ConcurrentAppend, Ledger
from ledger.domain import schema
from ledger.interchange import decode_lines
from tests.web.conftest import working_days_ago
from web.config import MAX_BODY_BYTES, MAX_EVENTS_PER_REQUEST

EVENTS = "/api/v1/events"
PROBLEM_KEYS = {"index", "field", "code", "message", "params"}
APPENDED_KEYS = {"event", "type", "case", "id", "duplicate", "recorded", "position"}
REPORT_KEYS = {"report", "parameters", "checkpoint", "rulebook", "calendar", "rows"}


# --- helpers ----------------------------------------------------------------------------------


def bearer(ledger: Ledger, official: str, role: str = "official") -> dict[str, str]:
    _, secret = ledger.accounts.create_token(official, role)
    return {"Authorization": f"Bearer {secret}"}


def moment(**delta: float) -> str:
    """A claimed time a little before now (Vietnam time, with its offset)."""
    return (datetime.now(LOCAL_TZ).replace(microsecond=0) + timedelta(**delta)).isoformat()


def claimed_on(day: date, hour: int = 10) -> str:
    return datetime.combine(day, time(hour, 0), tzinfo=LOCAL_TZ).isoformat()


def case_opened(ref: str, **extra: Any) -> dict[str, Any]:
    return {"type": "CaseOpened", "case": ref, "procedure": "REAL_ESTATE_DIFFICULTY", "title": f"Hồ sơ {ref}",
            "at": moment(minutes=-10), **extra}


def lead_assigned(ref: str, **extra: Any) -> dict[str, Any]:
    return {"type": "LeadAssigned", "case": ref, "agency": "SXD", "official": "sxd.nva", "at": moment(minutes=-9),
            **extra}


def post(client: FlaskClient, body: Any, headers: dict[str, str]) -> Any:
    return client.post(EVENTS, json=body, headers=headers)


def post_raw(client: FlaskClient, data: bytes | str, headers: dict[str, str],
             content_type: str = "application/json") -> Any:
    return client.post(EVENTS, data=data, content_type=content_type, headers=headers)


def assert_problems(response: Any) -> list[dict[str, Any]]:
    """A 400 with per-field errors; returns them."""
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    errors = response.get_json()["errors"]
    assert errors, "a 400 names at least one problem"
    for error in errors:
        assert set(error) == PROBLEM_KEYS, error
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"]
        assert isinstance(error["params"], dict)
    return errors


def api_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, URL) of every /api/v1 route, path parameters filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            url = rule.rule.replace("<path:case>", "HCM-WEB-1")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, url))
    return found


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def reader(web_ledger: Ledger) -> dict[str, str]:
    """An oversight token: reads every case history and every agency's reports (as its login does)."""
    return bearer(web_ledger, "vp.head", "oversight")


@pytest.fixture
def clerk(web_ledger: Ledger) -> dict[str, str]:
    """A token acting as SXD's clerk (the lead agency of HCM-WEB-1)."""
    return bearer(web_ledger, "sxd.clerk")


@pytest.fixture
def admin(web_ledger: Ledger) -> dict[str, str]:
    return bearer(web_ledger, "vp.clerk", "admin")


# --- 401: no valid token ----------------------------------------------------------------------


def test_every_api_route_refuses_a_request_without_a_token_with_401_and_a_www_authenticate_header(
    app: Flask, client: FlaskClient, opened_case: str
) -> None:
    routes = api_routes(app)
    assert ("POST", EVENTS) in routes and len(routes) >= 5
    for method, url in routes:
        response = client.open(url, method=method, json=case_opened("HCM-NO-TOKEN"))
        assert response.status_code == 401, (method, url)
        assert response.headers.get("WWW-Authenticate", "").lower().startswith("bearer"), (method, url)
        assert "error" in response.get_json()


@pytest.mark.parametrize("header", [
    "Bearer",
    "Bearer ",
    "Bearer not-a-token",
    "Bearer pl_0123456789abcdef",
    "Bearer pl_XYZ_" + "a" * 43,
    "Basic dXNlcjpwYXNz",
    "pl_0123456789abcdef_" + "a" * 43,
])
def test_a_malformed_token_is_refused_with_401(client: FlaskClient, web_ledger: Ledger, header: str) -> None:
    count = web_ledger.event_count()
    response = client.post(EVENTS, json=case_opened("HCM-BAD-TOKEN"), headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate")
    assert web_ledger.event_count() == count


def test_an_unknown_token_and_a_known_token_with_the_wrong_secret_are_refused_with_401(
    client: FlaskClient, web_ledger: Ledger
) -> None:
    token, secret = web_ledger.accounts.create_token("sxd.clerk")
    unknown = "pl_" + ("0" * 16 if token.token_id != "0" * 16 else "1" * 16) + secret[-44:]
    wrong_secret = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for text in (unknown, wrong_secret):
        response = client.get("/api/v1/violations", headers={"Authorization": f"Bearer {text}"})
        assert response.status_code == 401, text
        assert response.headers.get("WWW-Authenticate")


def test_a_revoked_token_is_refused_at_once(client: FlaskClient, web_ledger: Ledger, opened_case: str) -> None:
    token, secret = web_ledger.accounts.create_token("sxd.clerk")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/api/v1/cases/{opened_case}", headers=headers).status_code == 200
    web_ledger.accounts.revoke_token(token.token_id)
    response = client.get(f"/api/v1/cases/{opened_case}", headers=headers)
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate")
    count = web_ledger.event_count()
    assert post(client, case_opened("HCM-REVOKED"), headers).status_code == 401
    assert web_ledger.event_count() == count


def test_the_bearer_scheme_is_read_case_insensitively(client: FlaskClient, web_ledger: Ledger) -> None:
    _, secret = web_ledger.accounts.create_token("vp.head", "oversight")
    response = client.get("/api/v1/violations", headers={"Authorization": f"bearer {secret}"})
    assert response.status_code == 200


# --- POST /api/v1/events ----------------------------------------------------------------------


def test_one_event_is_appended_with_201_and_its_event_id_recorded_time_and_position(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    count = web_ledger.event_count()
    response = post(client, case_opened("HCM-API-1", id="client-key-1"), clerk)
    assert response.status_code == 201, response.get_data(as_text=True)
    [appended] = response.get_json()["events"]
    assert set(appended) == APPENDED_KEYS
    assert appended["type"] == "CaseOpened" and appended["case"] == "HCM-API-1"
    assert appended["id"] == "client-key-1" and appended["duplicate"] is False
    assert appended["position"] == count + 1
    assert web_ledger.event_count() == count + 1
    [event] = web_ledger.history("HCM-API-1")["events"]
    assert event["event"] == appended["event"]
    assert event["position"] == appended["position"]
    assert datetime.fromisoformat(appended["recorded"]) == datetime.fromisoformat(event["recorded"])
    assert event["source"] == "api"


def test_an_array_of_events_is_appended_in_order_with_201(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    count = web_ledger.event_count()
    response = post(client, [case_opened("HCM-API-2"), lead_assigned("HCM-API-2")], clerk)
    assert response.status_code == 201, response.get_data(as_text=True)
    events = response.get_json()["events"]
    assert [e["type"] for e in events] == ["CaseOpened", "LeadAssigned"]
    assert [e["position"] for e in events] == [count + 1, count + 2]
    assert web_ledger.event_count() == count + 2
    history = web_ledger.history("HCM-API-2")["events"]
    assert [e["event"] for e in history] == [e["event"] for e in events]


def test_an_array_with_one_bad_event_is_refused_whole_with_per_field_errors_and_nothing_appended(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    count = web_ledger.event_count()
    bad = {"type": "ConsultationRequested", "case": "HCM-API-3", "consultation": "C1", "question": "Ý kiến?",
           "at": moment(minutes=-8)}  # no `to`
    response = post(client, [case_opened("HCM-API-3"), lead_assigned("HCM-API-3"), bad], clerk)
    errors = assert_problems(response)
    assert [(e["index"], e["field"]) for e in errors] == [(2, "to")]
    assert errors[0]["code"] == "missing_field"
    assert web_ledger.event_count() == count
    assert client.get("/api/v1/cases/HCM-API-3", headers=clerk).status_code == 404


def test_every_bad_event_of_an_array_is_listed_with_its_index(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    count = web_ledger.event_count()
    body = [case_opened("HCM-API-4", procedure="NO_SUCH_PROCEDURE"), case_opened("HCM-API-5"),
            case_opened("HCM-API-6", at="2024-03-04")]
    errors = assert_problems(post(client, body, clerk))
    assert {(e["index"], e["field"]) for e in errors} == {(0, "procedure"), (2, "at")}
    assert web_ledger.event_count() == count


def test_the_tokens_official_is_the_actor_and_a_by_in_the_body_is_ignored(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    response = post(client, [case_opened("HCM-API-7", by="stc.head"), lead_assigned("HCM-API-7", by="tttp.insp1")],
                    clerk)
    assert response.status_code == 201, response.get_data(as_text=True)
    events = web_ledger.history("HCM-API-7")["events"]
    assert [(e["by"], e["agency"]) for e in events] == [("sxd.clerk", "SXD"), ("sxd.clerk", "SXD")]


def test_an_event_without_by_is_accepted_since_the_token_names_the_actor(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    body = case_opened("HCM-API-8")
    assert "by" not in body
    assert post(client, body, clerk).status_code == 201
    assert web_ledger.history("HCM-API-8")["events"][0]["by"] == "sxd.clerk"


#: A valid body of each registry event type (SPEC §3), as an admin's system would send it.
REGISTRY_BODIES: dict[str, dict[str, Any]] = {
    "AgencyRegistered": {"agency": "SDMST", "name": "Sở Đổi mới sáng tạo", "name_en": "Department of Innovation",
                         "kind": "department", "mandate": ["innovation"]},
    "AgencyMandateChanged": {"agency": "SXD", "mandate": ["construction", "housing", "real_estate", "urban"]},
    "AgencyMerged": {"agency": "SQHKT", "into": "SXD"},
    "OfficialAppointed": {"official": "sxd.moi", "name": "Phạm Văn Mới", "agency": "SXD", "role": "specialist"},
    "OfficialTransferred": {"official": "sxd.ttb", "agency": "STC", "role": "specialist"},
    "OfficialDeparted": {"official": "sxd.ttb"},
    "ProcedureDefined": {"procedure": "HOUSING_SUPPORT", "name": "Hỗ trợ nhà ở xã hội", "processing_days": 10,
                         "domains": ["housing"]},
    "CalendarDayDeclared": {"date": "2026-05-02", "working": True, "reference": "Công văn số 1/VPCP"},
}


def registry_body(kind: str) -> dict[str, Any]:
    return {"type": kind, **REGISTRY_BODIES[kind], "at": moment(minutes=-5)}


def test_every_registry_event_type_of_the_ledger_has_a_body_here() -> None:
    assert set(REGISTRY_BODIES) == set(schema.REGISTRY_TYPES)


@pytest.mark.parametrize("kind", sorted(schema.REGISTRY_TYPES))
def test_a_registry_event_from_a_token_that_is_not_admin_is_refused_with_403(
    client: FlaskClient, web_ledger: Ledger, kind: str
) -> None:
    count = web_ledger.event_count()
    for headers in (bearer(web_ledger, "sxd.head"), bearer(web_ledger, "vp.head", "oversight")):
        response = post(client, registry_body(kind), headers)
        assert response.status_code == 403, (kind, response.get_data(as_text=True))
        assert "error" in response.get_json()
    assert web_ledger.event_count() == count


@pytest.mark.parametrize("kind", sorted(schema.REGISTRY_TYPES))
def test_a_registry_event_from_an_admin_token_is_appended_with_201(
    client: FlaskClient, web_ledger: Ledger, admin: dict[str, str], kind: str
) -> None:
    count = web_ledger.event_count()
    response = post(client, registry_body(kind), admin)
    assert response.status_code == 201, (kind, response.get_data(as_text=True))
    [appended] = response.get_json()["events"]
    assert appended["type"] == kind and appended["case"] is None
    assert web_ledger.event_count() == count + 1


def test_a_registry_event_hidden_in_an_array_refuses_the_whole_array_with_403(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    count = web_ledger.event_count()
    appointed = {"type": "OfficialAppointed", "official": "sxd.new", "name": "Người Mới", "agency": "SXD",
                 "role": "specialist", "at": moment(minutes=-5)}
    assert post(client, [case_opened("HCM-API-9"), appointed], clerk).status_code == 403
    assert web_ledger.event_count() == count


def test_an_official_appointed_by_an_admin_token_is_in_the_registry_at_once(
    client: FlaskClient, web_ledger: Ledger, admin: dict[str, str]
) -> None:
    assert not web_ledger.queries.official_exists("sxd.moi")
    assert post(client, registry_body("OfficialAppointed"), admin).status_code == 201
    assert web_ledger.queries.official_exists("sxd.moi")
    history = [e for e in web_ledger.export_lines() if '"sxd.moi"' in e]
    assert history and json.loads(history[0])["by"] == "vp.clerk"


def test_an_act_the_official_may_not_do_is_refused_with_403_and_nothing_appended(
    client: FlaskClient, web_ledger: Ledger, opened_case: str
) -> None:
    count = web_ledger.event_count()
    # STC is consulted, not lead: it may not consult in this case.
    request = {"type": "ConsultationRequested", "case": opened_case, "consultation": "C2", "to": "STNMT",
               "question": "Ý kiến về đất?", "at": moment(minutes=-5)}
    # A clerk is neither head nor deputy head: no apology.
    apology = {"type": "ApologyIssued", "case": opened_case, "reason": "Chậm", "new_due": (web_ledger.today() + timedelta(days=10)).isoformat(),
               "at": moment(minutes=-5)}
    # Only an inspector records a finding.
    finding = {"type": "FindingRecorded", "case": opened_case, "rule": "NO_LEAD", "decision": "confirmed",
               "at": moment(minutes=-5)}
    for who, body in (("stc.clerk", request), ("sxd.clerk", apology), ("sxd.clerk", finding)):
        response = post(client, body, bearer(web_ledger, who))
        assert response.status_code == 403, (who, body["type"], response.get_data(as_text=True))
        assert "error" in response.get_json()
    assert web_ledger.event_count() == count


def test_an_act_the_official_may_do_in_the_same_case_is_appended(
    client: FlaskClient, web_ledger: Ledger, opened_case: str
) -> None:
    request = {"type": "ConsultationRequested", "case": opened_case, "consultation": "C2", "to": "STNMT",
               "question": "Ý kiến về đất?", "domains": ["land"], "at": moment(minutes=-5)}
    response = post(client, request, bearer(web_ledger, "sxd.nva"))
    assert response.status_code == 201, response.get_data(as_text=True)


def test_a_forbidden_act_in_an_array_refuses_the_valid_events_before_it_too(
    client: FlaskClient, web_ledger: Ledger, opened_case: str
) -> None:
    count = web_ledger.event_count()
    answer = {"type": "ConsultationAnswered", "case": opened_case, "consultation": "C1", "position": "agree",
              "reasoning": "Đủ vốn", "at": moment(minutes=-5)}
    response = post(client, [case_opened("HCM-API-10"), answer], bearer(web_ledger, "sxd.clerk"))
    assert response.status_code == 403
    assert web_ledger.event_count() == count


@pytest.mark.parametrize("data", [
    pytest.param(b"", id="empty body"),
    pytest.param(b"{", id="truncated"),
    pytest.param(b"not json", id="not JSON"),
    pytest.param(b"\xff\xfe{}", id="invalid UTF-8"),
    pytest.param(b'{"type": "CaseOpened", "title": "\xc3"}', id="invalid UTF-8 in a string"),
    pytest.param(b'{"type": "CaseOpened", "type": "LeadAssigned"}', id="duplicate keys"),
    pytest.param(b'{"type": "CaseOpened", "due_days": NaN}', id="NaN"),
    pytest.param(b'{"type": "CaseOpened", "due_days": Infinity}', id="Infinity"),
    pytest.param(b'{"type": "CaseOpened", "due_days": 1e999}', id="number overflowing to infinity"),
    pytest.param(b'{"type": "CaseOpened", "due_days": ' + b"9" * 5000 + b"}", id="number of 5000 digits"),
    pytest.param(b'{"type": "CaseOpened", "title": "\\ud800"}', id="lone surrogate"),
    pytest.param(b'{"type": "CaseOpened", "title": "a\\u0000b"}', id="NUL"),
    pytest.param(b"[" * 100 + b"]" * 100, id="arrays nested 100 deep"),
    pytest.param(b'{"a":' * 10000 + b"1" + b"}" * 10000, id="objects nested 10000 deep"),
    pytest.param(b"null", id="null"),
    pytest.param(b"42", id="a number"),
    pytest.param(b'"CaseOpened"', id="a string"),
    pytest.param(b"[1, 2]", id="an array of numbers"),
    pytest.param(b"[[]]", id="an array of an array"),
    pytest.param(b"{}", id="an empty object"),
    pytest.param(b'{"type": null}', id="a null type"),
    pytest.param(b'{"type": 7}', id="a numeric type"),
    pytest.param(b'{"type": ["OfficialAppointed"]}', id="a type that is a list"),
    pytest.param(b'{"type": {"name": "OfficialAppointed"}}', id="a type that is an object"),
    pytest.param(b'[{"type": "CaseOpened"}, {"type": []}]', id="a list type in an array"),
    pytest.param(b'{"type": "NoSuchEvent", "at": "2026-01-05T09:00:00+07:00"}', id="an unknown type"),
    pytest.param(b'{"type": "CaseOpened", "case": "X", "procedure": "REAL_ESTATE_DIFFICULTY", "title": "t",'
                 b' "at": "2026-01-05T09:00:00"}', id="a naive timestamp"),
    pytest.param(b'{"type": "CaseOpened", "case": "X", "procedure": "REAL_ESTATE_DIFFICULTY", "title": "t",'
                 b' "at": []}', id="a timestamp that is a list"),
    pytest.param(b'{"type": "CaseOpened", "case": ["X"], "procedure": "REAL_ESTATE_DIFFICULTY", "title": "t",'
                 b' "at": "2026-01-05T09:00:00+07:00"}', id="a case that is a list"),
    pytest.param(b'{"type": "CaseOpened", "case": "X", "procedure": "REAL_ESTATE_DIFFICULTY", "title": "t",'
                 b' "at": "2026-01-05T09:00:00+07:00", "id": {"k": 1}}', id="an id that is an object"),
])
def test_a_hostile_or_malformed_body_is_a_400_never_a_500_and_appends_nothing(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], data: bytes
) -> None:
    count = web_ledger.event_count()
    assert_problems(post_raw(client, data, clerk))
    assert web_ledger.event_count() == count


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_body_that_is_not_declared_json_is_a_400(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], content_type: str
) -> None:
    count = web_ledger.event_count()
    response = post_raw(client, json.dumps(case_opened("HCM-API-11")), clerk, content_type)
    errors = assert_problems(response)
    assert errors[0]["code"] == "not_json"
    assert web_ledger.event_count() == count


def test_a_body_without_a_content_type_is_a_400(client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]) -> None:
    count = web_ledger.event_count()
    response = client.post(EVENTS, data=json.dumps(case_opened("HCM-API-12")).encode(), headers=clerk)
    assert_problems(response)
    assert web_ledger.event_count() == count


def test_json_with_a_charset_parameter_is_accepted(client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]) -> None:
    response = post_raw(client, json.dumps(case_opened("HCM-API-13"), ensure_ascii=False).encode(), clerk,
                        "application/json; charset=utf-8")
    assert response.status_code == 201, response.get_data(as_text=True)


def test_an_empty_array_is_a_400(client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]) -> None:
    errors = assert_problems(post(client, [], clerk))
    assert errors[0]["code"] == "batch_size"


def test_more_events_than_one_request_may_carry_is_a_400_and_appends_nothing(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    count = web_ledger.event_count()
    body = [case_opened(f"HCM-MANY-{i}") for i in range(MAX_EVENTS_PER_REQUEST + 1)]
    assert len(json.dumps(body).encode()) < MAX_BODY_BYTES  # refused for its count, not its size
    errors = assert_problems(post(client, body, clerk))
    assert errors[0]["code"] == "batch_size"
    assert errors[0]["params"] == {"max": MAX_EVENTS_PER_REQUEST}
    assert web_ledger.event_count() == count


def test_as_many_events_as_one_request_may_carry_are_appended(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    count = web_ledger.event_count()
    body = [case_opened(f"HCM-MAX-{i}") for i in range(MAX_EVENTS_PER_REQUEST)]
    response = post(client, body, clerk)
    assert response.status_code == 201
    assert len(response.get_json()["events"]) == MAX_EVENTS_PER_REQUEST
    assert web_ledger.event_count() == count + MAX_EVENTS_PER_REQUEST


def test_a_body_over_one_mebibyte_is_a_413_and_appends_nothing(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    count = web_ledger.event_count()
    body = json.dumps([case_opened(f"HCM-BIG-{i}", note="x" * 4096) for i in range(300)]).encode()
    assert len(body) > MAX_BODY_BYTES
    response = post_raw(client, body, clerk)
    assert response.status_code == 413
    assert response.is_json and "error" in response.get_json()
    assert web_ledger.event_count() == count


def post_streamed(client: FlaskClient, body: bytes, headers: dict[str, str]) -> Any:
    """A body sent without a Content-Length (chunked), as a WSGI server that terminates the input
    stream (gunicorn, for one) hands it to the application."""
    return client.post(EVENTS, input_stream=io.BytesIO(body), content_type="application/json",
                       headers={**headers, "Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})


def test_a_chunked_body_over_one_mebibyte_without_a_content_length_is_a_413(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    count = web_ledger.event_count()
    body = json.dumps([case_opened(f"HCM-CHUNK-{i}", note="x" * 4096) for i in range(300)]).encode()
    assert len(body) > MAX_BODY_BYTES
    response = post_streamed(client, body, clerk)
    assert response.status_code == 413, response.get_data(as_text=True)[:300]
    assert web_ledger.event_count() == count


def test_a_chunked_body_over_one_mebibyte_is_never_cut_at_the_limit_and_appended(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    event = case_opened("HCM-CUT")
    padding = MAX_BODY_BYTES - len(json.dumps({**event, "note": ""}).encode())
    first_mebibyte = json.dumps({**event, "note": "x" * padding}).encode()
    assert len(first_mebibyte) == MAX_BODY_BYTES
    count = web_ledger.event_count()
    # As a whole this is no JSON document; only its first MAX_BODY_BYTES bytes are one.
    response = post_streamed(client, first_mebibyte + b' {"type": "CaseResolved"}', clerk)
    assert response.status_code == 413, response.get_data(as_text=True)[:300]
    assert web_ledger.event_count() == count
    assert client.get("/api/v1/cases/HCM-CUT", headers=clerk).status_code == 404


def test_a_chunked_body_under_the_limit_is_read_whole(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    response = post_streamed(client, json.dumps(case_opened("HCM-CHUNK-SMALL")).encode(), clerk)
    assert response.status_code == 201, response.get_data(as_text=True)[:300]


def test_a_body_just_under_the_limit_is_read(client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]) -> None:
    event = case_opened("HCM-ALMOST-BIG")
    padding = MAX_BODY_BYTES - len(json.dumps({**event, "note": ""}).encode()) - 16
    body = json.dumps({**event, "note": "x" * padding}).encode()
    assert MAX_BODY_BYTES - 64 < len(body) <= MAX_BODY_BYTES
    assert post_raw(client, body, clerk).status_code == 201


def test_a_claimed_time_in_the_future_is_a_400_on_the_at_field(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    errors = assert_problems(post(client, case_opened("HCM-FUTURE", at=moment(hours=1)), clerk))
    assert [e["field"] for e in errors] == ["at"]


# --- retries and conflicts --------------------------------------------------------------------


def test_a_retry_with_the_same_id_returns_the_original_result_and_appends_once(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    count = web_ledger.event_count()
    body = case_opened("HCM-RETRY-1", id="retry-1")
    first = post(client, body, clerk)
    assert first.status_code == 201
    second = post(client, body, clerk)
    assert second.status_code in (200, 201)
    [original], [retried] = first.get_json()["events"], second.get_json()["events"]
    assert original["duplicate"] is False and retried["duplicate"] is True
    for name in ("event", "type", "case", "id", "position", "recorded"):
        assert retried[name] == original[name], name
    assert web_ledger.event_count() == count + 1
    assert len(web_ledger.history("HCM-RETRY-1")["events"]) == 1


def test_a_retried_array_returns_every_original_result_and_appends_nothing_more(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    body = [case_opened("HCM-RETRY-2", id="retry-2a"), lead_assigned("HCM-RETRY-2", id="retry-2b")]
    first = post(client, body, clerk)
    assert first.status_code == 201
    count = web_ledger.event_count()
    second = post(client, body, clerk)
    assert second.status_code in (200, 201)
    originals, retried = first.get_json()["events"], second.get_json()["events"]
    assert [r["duplicate"] for r in retried] == [True, True]
    assert [(r["event"], r["position"], r["recorded"]) for r in retried] == \
           [(o["event"], o["position"], o["recorded"]) for o in originals]
    assert web_ledger.event_count() == count


def test_a_retry_whose_body_names_another_by_is_still_the_same_event(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    body = case_opened("HCM-RETRY-3", id="retry-3")
    first = post(client, body, clerk).get_json()["events"][0]
    count = web_ledger.event_count()
    again = post(client, {**body, "by": "stc.head"}, clerk)
    assert again.status_code in (200, 201)
    assert again.get_json()["events"][0]["event"] == first["event"]
    assert web_ledger.event_count() == count


def test_the_same_id_with_different_content_is_a_409_and_appends_nothing(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    assert post(client, case_opened("HCM-CONFLICT-1", id="conflict-1"), clerk).status_code == 201
    count = web_ledger.event_count()
    response = post(client, case_opened("HCM-CONFLICT-1", id="conflict-1", title="Another title"), clerk)
    assert response.status_code == 409
    assert "error" in response.get_json()
    assert web_ledger.event_count() == count


def test_a_conflicting_id_in_an_array_refuses_the_whole_array_with_409(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    assert post(client, case_opened("HCM-CONFLICT-2", id="conflict-2"), clerk).status_code == 201
    count = web_ledger.event_count()
    body = [case_opened("HCM-CONFLICT-3"), case_opened("HCM-CONFLICT-4", id="conflict-2")]
    assert post(client, body, clerk).status_code == 409
    assert web_ledger.event_count() == count
    assert client.get("/api/v1/cases/HCM-CONFLICT-3", headers=clerk).status_code == 404


def test_another_officials_request_with_an_id_already_used_is_a_409_not_the_first_officials_result(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    body = case_opened("HCM-CONFLICT-5", id="conflict-5")
    assert post(client, body, clerk).status_code == 201
    count = web_ledger.event_count()
    assert post(client, body, bearer(web_ledger, "sxd.nva")).status_code == 409
    assert web_ledger.event_count() == count
    assert web_ledger.history("HCM-CONFLICT-5")["events"][0]["by"] == "sxd.clerk"


def test_an_array_mixing_a_retried_event_and_a_new_one_appends_only_the_new_one(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    opened = case_opened("HCM-RETRY-4", id="retry-4a")
    original = post(client, opened, clerk).get_json()["events"][0]
    count = web_ledger.event_count()
    response = post(client, [opened, lead_assigned("HCM-RETRY-4", id="retry-4b")], clerk)
    assert response.status_code == 201
    events = response.get_json()["events"]
    assert [e["duplicate"] for e in events] == [True, False]
    assert events[0]["event"] == original["event"] and events[0]["position"] == original["position"]
    assert events[1]["position"] == count + 1
    assert web_ledger.event_count() == count + 1


def test_a_retry_after_the_case_was_resolved_still_returns_the_original_result(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    lead = lead_assigned("HCM-RETRY-5", id="retry-5")
    assert post(client, case_opened("HCM-RETRY-5"), clerk).status_code == 201
    original = post(client, lead, clerk).get_json()["events"][0]
    resolved = {"type": "CaseResolved", "case": "HCM-RETRY-5", "outcome": "answered", "at": moment(minutes=-1)}
    assert post(client, resolved, clerk).status_code == 201
    count = web_ledger.event_count()
    retried = post(client, lead, clerk)
    assert retried.status_code in (200, 201), retried.get_data(as_text=True)
    again = retried.get_json()["events"][0]
    assert again["duplicate"] is True
    assert (again["event"], again["position"], again["recorded"]) == \
           (original["event"], original["position"], original["recorded"])
    assert web_ledger.event_count() == count


def test_the_same_id_twice_in_one_array_with_the_same_content_is_appended_once(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    count = web_ledger.event_count()
    body = case_opened("HCM-RETRY-6", id="retry-6")
    response = post(client, [body, body], clerk)
    assert response.status_code == 201
    first, second = response.get_json()["events"]
    assert (first["duplicate"], second["duplicate"]) == (False, True)
    assert second["event"] == first["event"]
    assert web_ledger.event_count() == count + 1


def test_the_same_id_twice_in_one_array_with_different_content_is_a_409_and_appends_nothing(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    count = web_ledger.event_count()
    body = [case_opened("HCM-CONFLICT-6", id="conflict-6"), case_opened("HCM-CONFLICT-7", id="conflict-6")]
    assert post(client, body, clerk).status_code == 409
    assert web_ledger.event_count() == count


def test_other_writers_winning_every_retry_is_a_409_and_appends_nothing(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def always_beaten(*args: Any, **kwargs: Any) -> Any:
        raise ConcurrentAppend("another writer appended first (gave up after 12 tries; retrying is safe)")

    count = web_ledger.event_count()
    monkeypatch.setattr(web_ledger, "append", always_beaten)
    response = post(client, case_opened("HCM-BEATEN"), clerk)
    assert response.status_code == 409
    assert "error" in response.get_json()
    assert web_ledger.event_count() == count


# --- LATE_RECORDING ---------------------------------------------------------------------------


def test_every_event_appended_through_the_api_long_after_its_claimed_time_is_judged_late_recording(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    claimed = working_days_ago(web_ledger, 3)
    ref = "HCM-LATE-1"
    body = [case_opened(ref, at=claimed_on(claimed, 9)), lead_assigned(ref, at=claimed_on(claimed, 10))]
    response = post(client, body, clerk)
    assert response.status_code == 201, response.get_data(as_text=True)
    appended = [e["event"] for e in response.get_json()["events"]]
    late = [v for v in web_ledger.violations() if v.rule == "LATE_RECORDING" and v.case == ref]
    assert sorted(e for v in late for e in v.evidence) == sorted(appended)
    expected_days = web_ledger.calendar().wd(claimed, web_ledger.today()) - 1
    for violation in late:
        assert violation.days_late == expected_days >= 2
        assert (violation.agency, violation.official) == ("SXD", "sxd.clerk")


def test_an_event_appended_through_the_api_soon_after_its_claimed_time_is_not_judged_late_recording(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]
) -> None:
    assert post(client, case_opened("HCM-LATE-2"), clerk).status_code == 201
    assert not [v for v in web_ledger.violations() if v.rule == "LATE_RECORDING" and v.case == "HCM-LATE-2"]


# --- GET /api/v1/cases/{case} -----------------------------------------------------------------


def test_a_case_is_shown_with_its_lead_status_and_state(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], opened_case: str
) -> None:
    response = client.get(f"/api/v1/cases/{opened_case}", headers=clerk)
    assert response.status_code == 200
    case = response.get_json()
    assert case["case"] == opened_case
    assert case["procedure"] == "REAL_ESTATE_DIFFICULTY" and case["title"] == "Khó khăn dự án A"
    assert case["status"] == "open"
    assert (case["lead_agency"], case["lead_official"]) == ("SXD", "sxd.nva")
    assert [c["consultation"] for c in case["state"]["consultations"]] == ["C1"]


def test_an_unknown_case_is_a_404(client: FlaskClient, clerk: dict[str, str]) -> None:
    response = client.get("/api/v1/cases/HCM-NO-SUCH-CASE", headers=clerk)
    assert response.status_code == 404
    assert "error" in response.get_json()


@pytest.mark.parametrize("ref", ["HCM/2024/0007", "Hồ sơ số 7", "50% vốn", "A?b#c"])
def test_a_case_whose_reference_needs_escaping_is_shown_at_its_url(
    client: FlaskClient, clerk: dict[str, str], ref: str, reader: dict[str, str]
) -> None:
    assert post(client, case_opened(ref), clerk).status_code == 201
    escaped = quote(ref, safe="/")
    response = client.get(f"/api/v1/cases/{escaped}", headers=reader)
    assert response.status_code == 200 and response.get_json()["case"] == ref
    response = client.get(f"/api/v1/cases/{escaped}/history", headers=reader)
    assert response.status_code == 200 and response.get_json()["case"] == ref


def test_no_case_the_api_accepts_is_hidden_behind_the_history_route(
    client: FlaskClient, clerk: dict[str, str], reader: dict[str, str]
) -> None:
    ref = "HCM-2024/history"
    appended = post(client, case_opened(ref), clerk).status_code == 201
    shown = client.get(f"/api/v1/cases/{quote(ref, safe='')}", headers=reader)
    assert not appended or (shown.status_code == 200 and shown.get_json()["case"] == ref), \
        "the API appended a case whose summary it cannot serve"


# --- GET /api/v1/cases/{case}/history ---------------------------------------------------------


def test_a_cases_history_lists_its_events_with_both_times_and_its_state(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], opened_case: str, reader: dict[str, str]
) -> None:
    response = client.get(f"/api/v1/cases/{opened_case}/history", headers=reader)
    assert response.status_code == 200
    history = response.get_json()
    assert history["case"] == opened_case and history["hidden"] == 0
    assert [e["type"] for e in history["events"]] == ["CaseOpened", "LeadAssigned", "ConsultationRequested"]
    assert all(e["at"] and e["recorded"] and "state" in e for e in history["events"])
    assert history == json.loads(json.dumps(web_ledger.history(opened_case)))


def test_history_as_of_a_date_shows_only_the_events_claimed_by_then(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], reader: dict[str, str]
) -> None:
    opened = working_days_ago(web_ledger, 3)
    ref = "HCM-ASOF-1"
    web_ledger.import_lines([json.dumps({**case_opened(ref, at=claimed_on(opened)), "by": "sxd.clerk"}),
                             json.dumps({**lead_assigned(ref), "by": "sxd.clerk"})])
    response = client.get(f"/api/v1/cases/{ref}/history", query_string={"as_of": opened.isoformat()}, headers=reader)
    assert response.status_code == 200
    history = response.get_json()
    assert history["as_of"] == opened.isoformat()
    assert [e["type"] for e in history["events"]] == ["CaseOpened"]
    assert history["hidden"] == 1
    assert history == json.loads(json.dumps(web_ledger.history(ref, as_of=opened)))


def test_history_known_at_a_time_shows_only_the_events_recorded_by_then(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], reader: dict[str, str]
) -> None:
    ref = "HCM-KNOWN-1"
    first = post(client, case_opened(ref), clerk).get_json()["events"][0]
    assert post(client, lead_assigned(ref), clerk).status_code == 201
    response = client.get(f"/api/v1/cases/{ref}/history", query_string={"known_at": first["recorded"]},
                          headers=reader)
    assert response.status_code == 200, response.get_data(as_text=True)
    history = response.get_json()
    assert [e["event"] for e in history["events"]] == [first["event"]]
    assert history["hidden"] == 1


def test_history_known_at_a_bare_date_means_the_end_of_that_local_day(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], opened_case: str, reader: dict[str, str]
) -> None:
    today = web_ledger.today()
    url = f"/api/v1/cases/{opened_case}/history"
    response = client.get(url, query_string={"known_at": today.isoformat()}, headers=reader)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(response.get_json()["events"]) == 3
    response = client.get(url, query_string={"known_at": (today - timedelta(days=1)).isoformat()}, headers=reader)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["events"] == [] and response.get_json()["hidden"] == 3


@pytest.mark.parametrize("query, field", [
    pytest.param({"as_of": "not-a-date"}, "as_of", id="as_of not a date"),
    pytest.param({"as_of": "2024-02-30"}, "as_of", id="as_of no such day"),
    pytest.param({"as_of": "2024-W10-1"}, "as_of", id="as_of an ISO week date, not YYYY-MM-DD"),
    pytest.param({"as_of": "2250-01-01"}, "as_of", id="as_of after the ledgers dates"),
    pytest.param({"as_of": "1900-01-01"}, "as_of", id="as_of before the ledgers dates"),
    pytest.param({"known_at": "yesterday"}, "known_at", id="known_at not a time"),
    pytest.param({"known_at": "2024-03-04T09:00:00"}, "known_at", id="known_at without an offset"),
])
def test_a_bad_history_parameter_is_a_400_with_per_field_errors(
    client: FlaskClient, clerk: dict[str, str], opened_case: str, query: dict[str, str], field: str, reader: dict[str, str]
) -> None:
    response = client.get(f"/api/v1/cases/{opened_case}/history", query_string=query, headers=reader)
    errors = assert_problems(response)
    assert [e["field"] for e in errors] == [field]


def test_an_unknown_history_parameter_is_a_400_naming_it(
    client: FlaskClient, clerk: dict[str, str], opened_case: str, reader: dict[str, str]
) -> None:
    response = client.get(f"/api/v1/cases/{opened_case}/history", query_string={"asof": "2024-03-04"},
                          headers=reader)
    errors = assert_problems(response)
    assert [e["field"] for e in errors] == ["asof"]


def test_the_history_of_an_unknown_case_is_a_404(client: FlaskClient, clerk: dict[str, str], reader: dict[str, str]) -> None:
    assert client.get("/api/v1/cases/HCM-NO-SUCH-CASE/history", headers=reader).status_code == 404


# --- GET /api/v1/violations -------------------------------------------------------------------


@pytest.fixture
def late_case(client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]) -> str:
    """A case opened through the API three working days after the fact, never given a lead."""
    ref = "HCM-VIOL-1"
    claimed = working_days_ago(web_ledger, 3)
    assert post(client, case_opened(ref, at=claimed_on(claimed)), clerk).status_code == 201
    return ref


def _rows(ledger: Ledger, *, rules: tuple[str, ...] = (), agencies: tuple[str, ...] = (),
          **options: Any) -> list[dict[str, Any]]:
    return json.loads(json.dumps([
        v.as_dict() for v in ledger.violations(**options)
        if (not rules or v.rule in rules) and (not agencies or v.agency in agencies)
    ]))


def test_violations_are_a_verifiable_report_with_the_ledgers_rows(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], late_case: str, reader: dict[str, str]
) -> None:
    response = client.get("/api/v1/violations", headers=reader)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    report = response.get_json()
    assert set(report) == REPORT_KEYS
    assert report["report"] == "violations"
    assert report["checkpoint"]["size"] == web_ledger.event_count()
    assert report["rulebook"] and report["calendar"]
    assert report["rows"] == _rows(web_ledger)
    assert {("NO_LEAD", late_case), ("LATE_RECORDING", late_case)} <= {(r["rule"], r["case"]) for r in report["rows"]}
    ok, lines = web_ledger.verify_report(response.get_data(as_text=True))
    assert ok, lines


@pytest.mark.parametrize("rules", [("LATE_RECORDING",), ("NO_LEAD", "WORK_PROGRAMME_LATE")])
def test_violations_filtered_by_rule_are_the_ledgers_rows_of_those_rules(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], late_case: str, rules: tuple[str, ...], reader: dict[str, str]
) -> None:
    response = client.get("/api/v1/violations", query_string={"rule": list(rules)}, headers=reader)
    assert response.status_code == 200
    report = response.get_json()
    assert report["rows"] and {r["rule"] for r in report["rows"]} <= set(rules)
    assert report["rows"] == _rows(web_ledger, rules=rules)
    assert report["parameters"]["rules"] == list(rules)
    assert web_ledger.verify_report(response.get_data(as_text=True))[0]


def test_violations_filtered_by_agency_are_the_ledgers_rows_of_that_agency(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], late_case: str, reader: dict[str, str]
) -> None:
    response = client.get("/api/v1/violations", query_string={"agency": "SXD"}, headers=reader)
    assert response.status_code == 200
    rows = response.get_json()["rows"]
    assert rows and {r["agency"] for r in rows} == {"SXD"}
    assert rows == _rows(web_ledger, agencies=("SXD",))


def test_a_dismissed_violation_leaves_the_report_unless_include_dismissed_is_asked(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], late_case: str, reader: dict[str, str]
) -> None:
    finding = {"type": "FindingRecorded", "case": late_case, "rule": "NO_LEAD", "decision": "dismissed",
               "note": "Đã giao ngoài hệ thống", "at": moment(minutes=-1)}
    response = post(client, finding, bearer(web_ledger, "tttp.insp1"))
    assert response.status_code == 201, response.get_data(as_text=True)
    default = client.get("/api/v1/violations", query_string={"rule": "NO_LEAD"}, headers=reader).get_json()["rows"]
    assert late_case not in {r["case"] for r in default}
    response = client.get("/api/v1/violations", query_string={"rule": "NO_LEAD", "include_dismissed": "true"},
                          headers=reader)
    rows = response.get_json()["rows"]
    assert [r["finding"] for r in rows if r["case"] == late_case] == ["dismissed"]
    assert rows == _rows(web_ledger, rules=("NO_LEAD",), include_dismissed=True)


def test_violations_as_of_a_past_date_are_the_ledgers_rows_as_of_then(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], late_case: str, reader: dict[str, str]
) -> None:
    as_of = date(2025, 3, 3)
    response = client.get("/api/v1/violations", query_string={"as_of": as_of.isoformat()}, headers=reader)
    assert response.status_code == 200
    report = response.get_json()
    assert report["parameters"]["as_of"] == as_of.isoformat()
    assert report["rows"] == _rows(web_ledger, as_of=as_of)
    assert late_case not in {r["case"] for r in report["rows"]}


def test_violations_known_at_a_time_leave_out_what_was_recorded_later(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], late_case: str, reader: dict[str, str]
) -> None:
    known_at = web_ledger.history(late_case)["events"][0]["recorded"]
    before = (datetime.fromisoformat(known_at) - timedelta(seconds=1)).isoformat()
    response = client.get("/api/v1/violations", query_string={"known_at": before}, headers=reader)
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = response.get_json()["rows"]
    assert rows == _rows(web_ledger, known_at=datetime.fromisoformat(before))
    assert late_case not in {r["case"] for r in rows}


def test_violations_of_an_unknown_rule_are_a_400_that_explains_the_rule_is_unknown(
    client: FlaskClient, clerk: dict[str, str], reader: dict[str, str]
) -> None:
    assert "NO_SUCH_RULE" not in RULE_CODES
    response = client.get("/api/v1/violations", query_string={"rule": "NO_SUCH_RULE"}, headers=reader)
    [error] = assert_problems(response)
    assert error["field"] == "rule"
    # The message says what is wrong (the bad value or the rules allowed), not an index.
    assert "NO_SUCH_RULE" in error["message"] or "NO_LEAD" in error["message"], error


def test_violations_of_an_unknown_agency_are_a_400(client: FlaskClient, clerk: dict[str, str], reader: dict[str, str]) -> None:
    response = client.get("/api/v1/violations", query_string={"agency": "NOSUCH"}, headers=reader)
    [error] = assert_problems(response)
    assert error["field"] == "agency" and error["code"] == "unknown_agency"


@pytest.mark.parametrize("query, field", [
    pytest.param({"as_of": "03/04/2024"}, "as_of", id="as_of"),
    pytest.param({"known_at": "noon"}, "known_at", id="known_at"),
    pytest.param({"include_dismissed": "maybe"}, "include_dismissed", id="include_dismissed"),
    pytest.param({"format": "html"}, "format", id="format"),
    pytest.param({"rules": "NO_LEAD"}, "rules", id="an unknown parameter"),
])
def test_a_bad_violations_parameter_is_a_400_naming_it(
    client: FlaskClient, clerk: dict[str, str], query: dict[str, str], field: str, reader: dict[str, str]
) -> None:
    errors = assert_problems(client.get("/api/v1/violations", query_string=query, headers=reader))
    assert [e["field"] for e in errors] == [field]


@pytest.mark.parametrize("as_of", [
    pytest.param("1900-01-01", id="before the ledgers dates (the CLI refuses it)"),
    pytest.param("2250-01-01", id="after the calendar"),
    pytest.param("9999-12-31", id="the last date"),
])
def test_violations_as_of_a_date_outside_the_ledgers_dates_are_a_400(
    client: FlaskClient, clerk: dict[str, str], as_of: str, reader: dict[str, str]
) -> None:
    errors = assert_problems(client.get("/api/v1/violations", query_string={"as_of": as_of}, headers=reader))
    assert [e["field"] for e in errors] == ["as_of"]


def test_violations_as_csv_are_utf8_with_a_bom_and_verify_as_a_downloaded_file(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], late_case: str, reader: dict[str, str]
) -> None:
    response = client.get("/api/v1/violations", query_string={"format": "csv"}, headers=reader)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8")
    assert late_case in text and "LATE_RECORDING" in text
    ok, lines = web_ledger.verify_report("".join(decode_lines(response.data)))  # as `ledger verify-report`
    assert ok, lines


# --- GET /api/v1/scorecard --------------------------------------------------------------------


def test_the_scorecard_is_a_verifiable_report_with_the_ledgers_rows(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], late_case: str, reader: dict[str, str]
) -> None:
    today = web_ledger.today()
    start = today - timedelta(days=60)
    response = client.get("/api/v1/scorecard", query_string={"from": start.isoformat(), "to": today.isoformat()},
                          headers=reader)
    assert response.status_code == 200, response.get_data(as_text=True)
    report = response.get_json()
    assert set(report) == REPORT_KEYS and report["report"] == "scorecard"
    assert report["rows"] == json.loads(json.dumps(web_ledger.scorecard(start, today)))
    assert "SXD" in {r["agency"] for r in report["rows"]}
    assert web_ledger.verify_report(response.get_data(as_text=True))[0]


def test_the_scorecard_by_official_has_one_row_per_official(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], opened_case: str, reader: dict[str, str]
) -> None:
    today = web_ledger.today()
    response = client.get("/api/v1/scorecard", query_string={"from": today.isoformat(), "to": today.isoformat(),
                                                               "by": "official"}, headers=reader)
    assert response.status_code == 200
    rows = response.get_json()["rows"]
    assert rows == json.loads(json.dumps(web_ledger.scorecard(today, today, by_official=True)))
    assert all("official" in r for r in rows)


def test_the_scorecard_as_csv_is_utf8_with_a_bom(client: FlaskClient, clerk: dict[str, str], reader: dict[str, str]) -> None:
    response = client.get("/api/v1/scorecard", query_string={"from": "2024-01-01", "to": "2024-12-31",
                                                               "format": "csv"}, headers=reader)
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.data.startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("query, fields", [
    pytest.param({}, {"from", "to"}, id="neither"),
    pytest.param({"from": "2024-01-01"}, {"to"}, id="no to"),
    pytest.param({"to": "2024-12-31"}, {"from"}, id="no from"),
])
def test_the_scorecard_without_its_period_is_a_400_naming_what_is_missing(
    client: FlaskClient, clerk: dict[str, str], query: dict[str, str], fields: set[str], reader: dict[str, str]
) -> None:
    errors = assert_problems(client.get("/api/v1/scorecard", query_string=query, headers=reader))
    assert {e["field"] for e in errors} == fields


def test_a_reversed_scorecard_period_is_a_400(client: FlaskClient, clerk: dict[str, str], reader: dict[str, str]) -> None:
    response = client.get("/api/v1/scorecard", query_string={"from": "2024-12-31", "to": "2024-01-01"}, headers=reader)
    [error] = assert_problems(response)
    assert error["field"] == "to" and error["code"] == "period_reversed"


@pytest.mark.parametrize("query, field", [
    pytest.param({"from": "2024-01-01", "to": "2024-13-01"}, "to", id="to"),
    pytest.param({"from": "2024-01-01", "to": "2024-12-31", "by": "district"}, "by", id="by"),
    pytest.param({"from": "2024-01-01", "to": "2024-12-31", "period": "year"}, "period", id="an unknown parameter"),
])
def test_a_bad_scorecard_parameter_is_a_400_naming_it(
    client: FlaskClient, clerk: dict[str, str], query: dict[str, str], field: str, reader: dict[str, str]
) -> None:
    errors = assert_problems(client.get("/api/v1/scorecard", query_string=query, headers=reader))
    assert [e["field"] for e in errors] == [field]


@pytest.mark.parametrize("start, end", [
    pytest.param("1900-01-01", "1900-12-31", id="before the ledgers dates (the CLI refuses it)"),
    pytest.param("2024-01-01", "2250-01-01", id="ending after the calendar"),
    pytest.param("0001-01-01", "9999-12-31", id="the whole date range"),
])
def test_a_scorecard_period_outside_the_ledgers_dates_is_a_400(
    client: FlaskClient, clerk: dict[str, str], opened_case: str, start: str, end: str, reader: dict[str, str]
) -> None:
    response = client.get("/api/v1/scorecard", query_string={"from": start, "to": end}, headers=reader)
    assert_problems(response)


# --- 405 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, url, allowed", [
    ("GET", EVENTS, {"POST"}),
    ("DELETE", EVENTS, {"POST"}),
    ("PUT", EVENTS, {"POST"}),
    ("POST", "/api/v1/violations", {"GET"}),
    ("DELETE", "/api/v1/cases/HCM-WEB-1", {"GET"}),
    ("PATCH", "/api/v1/cases/HCM-WEB-1/history", {"GET"}),
    ("POST", "/api/v1/scorecard", {"GET"}),
])
def test_a_method_the_route_does_not_take_is_a_405_with_an_allow_header(
    client: FlaskClient, clerk: dict[str, str], method: str, url: str, allowed: set[str]
) -> None:
    response = client.open(url, method=method, headers=clerk)
    assert response.status_code == 405
    allow = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
    assert allowed <= allow and method not in allow
    assert response.is_json and "error" in response.get_json()
