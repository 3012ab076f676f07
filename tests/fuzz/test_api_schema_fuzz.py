"""The JSON API fuzzed against its own OpenAPI document, in-process on the WSGI application.

Stateless (schemathesis 4): every operation of /api/openapi.json, with valid and with invalid data
generated from the document, sent with a real bearer token (an admin's, then an official's) of a
seeded ledger. Stateful: the document declares no links (schemathesis infers only "a case, then its
history", which never reaches a case it could not know), so a hypothesis state machine drives the
API instead: it opens cases, assigns leads, consults, answers, pauses, resolves, retries, reuses ids
and sends hostile bodies through POST /api/v1/events, and reads everything back through the read
endpoints, keeping its own count of what the API said it appended.

Every answer is held to the document: never a 5xx, a status code the operation documents (by
itself, not only through the `default` flask-smorest adds), a documented content type, headers and
a body valid against the documented schema. Two enumerations complete the random ones: every
hostile body of the machine's list sent once, and, for some event types, each documented property
given values the document's own validator refuses, in an otherwise valid event: never appended
(schemathesis' negative bodies are refused for their content before their shape matters). The schemathesis pytest plugin's lazy loader
(`schemathesis.pytest.from_fixture`) fails on pytest 9 (`Function._nodeid`), so the operations'
strategies are driven here with hypothesis' own `@given`.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ledger import LOCAL_TZ, Ledger
from tests.fuzz.conftest import CASE, Crashes, set_phase
from web.config import MAX_BODY_BYTES, MAX_EVENTS_PER_REQUEST

DOCUMENT = "/api/openapi.json"
EVENTS = "/api/v1/events"
#: Who holds each token: the admin's reads everything and appends registry events; SXD's clerk
#: opens cases and assigns leads, SXD's specialist (the lead official) consults and pauses, STC's
#: clerk answers; the inspector's reads histories but no reports; the oversight token only reads.
TOKENS = {"admin": ("vp.clerk", "admin"), "official": ("sxd.nva", "official"), "clerk": ("sxd.clerk", "official"),
          "consulted": ("stc.clerk", "official"), "inspector": ("tttp.insp1", "official"),
          "oversight": ("vp.head", "oversight")}


def status_documented_by_itself(ctx: Any, response: Any, case: Any) -> bool | None:
    """The status is one the operation lists itself: `default` (flask-smorest adds it to every
    operation) would otherwise make any status, a 500 included, "documented". (Not registered with
    `@schemathesis.check`, which would add it to every schemathesis run of the process.)"""
    listed = set(case.operation.definition.raw.get("responses", {})) - {"default"}
    if str(response.status_code) not in listed:
        raise AssertionError(f"{case.operation.label} answered {response.status_code}, which it does not document"
                             f" (documented: {sorted(listed)})")
    return None


CHECKS = [not_a_server_error, status_code_conformance, status_documented_by_itself, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


def bearer(ledger: Ledger, who: str) -> dict[str, str]:
    official, role = TOKENS[who]
    _, secret = ledger.accounts.create_token(official, role)
    return {"Authorization": f"Bearer {secret}"}


def load_schema(app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi(DOCUMENT, app)


def reproduction(case: Any, headers: dict[str, str]) -> str:
    try:
        return case.as_curl_command(headers=headers)
    except (TypeError, ValueError, KeyError, AttributeError):  # a body curl cannot carry: its repr then
        return repr(case)


def check(case: Any, response: Any, headers: dict[str, str], crashes: Crashes) -> None:
    """The answer as the document says it may be; on failure, the traceback of a crash and a
    reproduction (a curl command)."""
    try:
        assert not crashes.found, crashes.found[-1]
        case.validate_response(response, checks=CHECKS)
    except Exception as failure:
        body: bytes = response.content if hasattr(response, "content") else response.get_data()
        raise AssertionError(f"{failure}\nstatus {response.status_code}, body {body[:600]!r}\n"
                             f"reproduce: {reproduction(case, headers)}") from failure


# --- stateless ---------------------------------------------------------------------------------

STATELESS = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                     # Generating event bodies from a 21-way oneOf is slow and filters much; the
                     # examples are bounded by max_examples, not by generation time.
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def fuzz_every_operation(app: Flask, ledger: Ledger, who: str, crashes: Crashes) -> list[str]:
    """Each operation of the document, with valid then invalid data; the failures, one per
    operation and mode (hypothesis shrinks each to a minimal reproduction)."""
    set_phase(app, f"api stateless ({who} token)")
    schema = load_schema(app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {f"POST {EVENTS}", "GET /api/v1/cases/{case}",
                                               "GET /api/v1/cases/{case}/history", "GET /api/v1/violations",
                                               "GET /api/v1/scorecard"}
    headers = bearer(ledger, who)
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(mode))
            @STATELESS
            def run(case: Any) -> None:
                check(case, case.call(headers=headers), headers, crashes)

            try:
                run()
            except AssertionError as failure:
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    return failures


def test_every_operation_answers_as_documented_to_an_admin_token(
        fuzz_app: Flask, fuzz_ledger: Ledger, crashes: Crashes) -> None:
    failures = fuzz_every_operation(fuzz_app, fuzz_ledger, "admin", crashes)
    assert not failures, "\n\n".join(failures)


def test_every_operation_answers_as_documented_to_an_officials_token(
        fuzz_app: Flask, fuzz_ledger: Ledger, crashes: Crashes) -> None:
    failures = fuzz_every_operation(fuzz_app, fuzz_ledger, "official", crashes)
    assert not failures, "\n\n".join(failures)


# --- stateful ----------------------------------------------------------------------------------

#: Characters of the case references the machine opens: slashes, dots and Vietnamese letters
#: included (a reference is any text; the URLs escape it).
REF_CHARACTERS = "ABCHMhistory0123456789-_./ĐốỹàẫẠ "
#: Endings that collide with the routes' own segments.
REF_ENDINGS = ("", "/history", "/slip.pdf", "/", "%2F", "/..")
SECOND = timedelta(seconds=1)


@dataclass
class CaseModel:
    ref: str
    events: int = 1
    lead: bool = False
    resolved: bool = False
    paused: bool = False
    consultations: dict[str, bool] = field(default_factory=dict)  # id → open


@dataclass(frozen=True)
class Accepted:
    """A body the API appended (201), with the token that sent it: a retry must be a duplicate."""

    body: Any
    who: str


def hostile_bodies(case: str, at: str) -> list[tuple[str, bytes, str]]:
    """(what it is, raw body, content type) of requests the API must refuse without appending."""
    good = {"type": "SupplementRequested", "case": case, "reason": "Thiếu giấy phép", "at": at}

    def dumped(obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=False).encode()

    def raw_event(middle: str) -> bytes:
        """The event written by hand, `middle` between its case and its time."""
        return ('{"type": "SupplementRequested", "case": ' + json.dumps(case) + ", " + middle + ', "at": "' + at
                + '"}').encode()

    def with_field(name: str, value: Any) -> tuple[str, bytes, str]:
        return (f"{name}={value!r:.40}", dumped({**good, name: value}), "application/json")

    wrong_values = [with_field(name, value) for name, value in [
        ("reason", 7), ("reason", ["x"]), ("reason", {"a": 1}), ("reason", True), ("reason", None), ("reason", ""),
        ("reason", "   "), ("case", 5), ("case", None), ("case", ""), ("case", case + "\x07"), ("case", case + "\u202e"),
        ("case", "x" * 201), ("at", "yesterday"), ("at", at[:19]), ("at", 1700000000), ("at", "2026-02-30T10:00:00+07:00"),
        ("type", "NoSuchEvent"), ("type", 3), ("type", None), ("reason", "Thiếu\x00giấy"), ("reason", "a\x0bb"),
        ("reason", "a\u202eb"), ("note", "x\x1b[31m"), ("id", ""), ("id", "i" * 201), ("id", "a\nb"),
    ]]
    raw = [
        ("lone surrogate escaped", raw_event('"reason": "a\\ud800b"'), "application/json"),
        ("NUL escaped", raw_event('"reason": "a\\u0000b"'), "application/json"),
        ("invalid UTF-8", dumped(good).replace("Thiếu".encode(), b"Thi\xff\xfe"), "application/json"),
        ("CESU-8 surrogate", dumped(good).replace("Thiếu".encode(), b"Thi\xed\xa0\x80"), "application/json"),
        ("duplicate key", raw_event('"reason": "a", "reason": "b"'), "application/json"),
        ("byte order mark", b"\xef\xbb\xbf" + dumped(good), "application/json"),
        ("NaN", dumped(good).replace(b'"Thi', b'NaN, "x": "Thi'), "application/json"),
        ("huge number", dumped({**good, "type": "ConsultationRequested", "consultation": "CX", "to": "STC",
                                "question": "q"}).replace(b"}", b', "due_days": 1e999999}'), "application/json"),
        ("deep nesting", dumped({**good, "note": None}).replace(b"null", b"[" * 5000 + b"]" * 5000),
         "application/json"),
        ("not JSON", b"type=SupplementRequested", "application/json"),
        ("truncated", dumped(good)[:-5], "application/json"),
        ("form content type", dumped(good), "application/x-www-form-urlencoded"),
        ("text content type", dumped(good), "text/plain"),
        ("empty body", b"", "application/json"),
        ("empty array", b"[]", "application/json"),
        ("a bare string", b'"SupplementRequested"', "application/json"),
        ("array of numbers", b"[1, 2]", "application/json"),
        ("too many events", dumped([good] * (MAX_EVENTS_PER_REQUEST + 1)), "application/json"),
        ("over the body limit", dumped({**good, "reason": "x" * MAX_BODY_BYTES}), "application/json"),
    ]
    missing = [(f"without {name}", dumped({k: v for k, v in good.items() if k != name}), "application/json")
               for name in sorted(good)]
    return [*wrong_values, *raw, *missing]


class ApiMachine(RuleBasedStateMachine):
    """Appends through POST /api/v1/events and reads back through the read endpoints; the model
    follows what the API *said* (201 and its events), and the invariants hold the ledger to it."""

    app: Flask
    ledger: Ledger
    crashes: Crashes
    operations: dict[str, Any]
    headers: dict[str, dict[str, str]]
    clock = itertools.count()  # seconds since the machine's epoch, across runs: claimed times only grow
    epoch: datetime
    runs = itertools.count()

    cases = Bundle("cases")

    def __init__(self) -> None:
        super().__init__()
        self.client: FlaskClient = self.app.test_client()
        self.run = next(self.runs)
        self.serial = itertools.count()
        self.base = self.ledger.event_count()
        self.appended = 0
        self.models: dict[str, CaseModel] = {}
        self.accepted: list[Accepted] = []

    # --- plumbing ---------------------------------------------------------------------------

    def at(self) -> str:
        return (self.epoch + next(self.clock) * SECOND).isoformat()

    def validated(self, label: str, response: Any, who: str, **case: Any) -> Any:
        check(self.operations[label].Case(**case), response, self.headers[who], self.crashes)
        return response

    def append(self, body: Any, who: str) -> Any:
        response = self.client.post(EVENTS, json=body, headers=self.headers[who])
        self.validated(f"POST {EVENTS}", response, who, body=body, media_type="application/json")
        note(f"POST {who} {json.dumps(body, ensure_ascii=False)[:300]} → {response.status_code}"
             f" {response.get_data(as_text=True)[:300]}")
        if response.status_code == 201:
            events = response.get_json()["events"]
            assert len(events) == (len(body) if isinstance(body, list) else 1)
            self.appended += sum(not e["duplicate"] for e in events)
            if not any(e["duplicate"] for e in events):
                self.accepted.append(Accepted(body, who))
        return response

    def event(self, model: CaseModel, kind: str, who: str, **fields: Any) -> bool:
        """Append one event of `model`'s case; True when the ledger appended it."""
        body = {"type": kind, "case": model.ref, "at": self.at(), "id": f"fz-{self.run}-{next(self.serial)}",
                **fields}
        response = self.append(body, who)
        assert response.status_code in (201, 400, 403, 409), response.status_code
        if response.status_code == 201:
            model.events += 1
            return True
        return False

    def ref_url(self, ref: str, suffix: str = "") -> str:
        return f"/api/v1/cases/{quote(ref, safe='')}{suffix}"

    # --- appends ----------------------------------------------------------------------------

    @initialize()
    def seeded_case_reads(self) -> None:
        response = self.client.get(self.ref_url(CASE), headers=self.headers["clerk"])
        self.validated("GET /api/v1/cases/{case}", response, "clerk", path_parameters={"case": CASE})
        assert response.status_code == 200 and response.get_json()["case"] == CASE

    @rule(target=cases, name=st.text(REF_CHARACTERS, min_size=1, max_size=24), ending=st.sampled_from(REF_ENDINGS))
    def open_case(self, name: str, ending: str) -> CaseModel:
        ref = f"FZ{self.run}-{next(self.serial)}-{name}{ending}".strip()
        model = CaseModel(ref)
        response = self.append({"type": "CaseOpened", "case": ref, "procedure": "REAL_ESTATE_DIFFICULTY",
                                "title": f"Hồ sơ {name}", "at": self.at()}, "clerk")
        assert response.status_code == 201, response.get_data(as_text=True)
        assert response.get_json()["events"][0]["case"] == ref
        self.models[ref] = model
        return model

    @rule(model=cases)
    def assign_lead(self, model: CaseModel) -> None:
        if self.event(model, "LeadAssigned", "clerk", agency="SXD", official="sxd.nva"):
            model.lead = True

    @rule(model=cases)
    def request_consultation(self, model: CaseModel) -> None:
        consultation = f"C{next(self.serial)}"
        if self.event(model, "ConsultationRequested", "official", consultation=consultation, to="STC",
                      question="Ý kiến về nguồn vốn?", due_days=10):
            model.consultations[consultation] = True

    @rule(model=cases, data=st.data(), position=st.sampled_from(["agree", "disagree", "conditional"]))
    def answer_consultation(self, model: CaseModel, data: st.DataObject, position: str) -> None:
        open_ones = sorted(c for c, is_open in model.consultations.items() if is_open)
        if not open_ones:
            return
        consultation = data.draw(st.sampled_from(open_ones))
        extra = {"conditions": "Bổ sung hồ sơ"} if position == "conditional" else {}
        if self.event(model, "ConsultationAnswered", "consulted", consultation=consultation, position=position,
                      reasoning="Phù hợp quy định về vốn", legal_basis="Luật Đầu tư 2020", **extra):
            model.consultations[consultation] = False

    @rule(model=cases)
    def pause_or_resume(self, model: CaseModel) -> None:
        if model.paused:
            if self.event(model, "SupplementReceived", "official"):
                model.paused = False
        elif self.event(model, "SupplementRequested", "official", reason="Thiếu bản vẽ"):
            model.paused = True

    @rule(model=cases, outcome=st.sampled_from(["approved", "rejected", "answered"]))
    def resolve(self, model: CaseModel, outcome: str) -> None:
        if self.event(model, "CaseResolved", "official", outcome=outcome):
            model.resolved = True

    @rule(data=st.data())
    def retry_is_a_duplicate(self, data: st.DataObject) -> None:
        """A retry of an appended body (same ids) appends nothing and answers the original's result."""
        if not self.accepted:
            return
        earlier = data.draw(st.sampled_from(self.accepted))
        body = earlier.body
        if not all("id" in e for e in (body if isinstance(body, list) else [body])):
            return
        before = self.ledger.event_count()
        response = self.append(body, earlier.who)
        assert response.status_code == 201, response.get_data(as_text=True)
        assert all(e["duplicate"] for e in response.get_json()["events"])
        assert self.ledger.event_count() == before

    @rule(data=st.data())
    def reused_id_is_a_conflict(self, data: st.DataObject) -> None:
        """The id of an appended event sent again with other content: 409, nothing appended."""
        earlier = [a for a in self.accepted if isinstance(a.body, dict) and "id" in a.body]
        if not earlier:
            return
        chosen = data.draw(st.sampled_from(earlier))
        before = self.ledger.event_count()
        response = self.append({**chosen.body, "note": "nội dung khác"}, chosen.who)
        assert response.status_code == 409, response.get_data(as_text=True)
        assert self.ledger.event_count() == before

    @rule(model=cases, data=st.data())
    def hostile_body_is_refused(self, model: CaseModel, data: st.DataObject) -> None:
        what, raw, kind = data.draw(st.sampled_from(hostile_bodies(model.ref, self.at())))
        before = self.ledger.event_count()
        response = self.client.post(EVENTS, data=raw, content_type=kind, headers=self.headers["official"])
        note(f"hostile {what} → {response.status_code} {response.get_data(as_text=True)[:300]}")
        self.validated(f"POST {EVENTS}", response, "official", media_type=kind)
        assert response.status_code in (400, 413), (what, response.status_code, response.get_data(as_text=True)[:300])
        assert self.ledger.event_count() == before, f"{what} appended something"

    @rule(model=cases, index=st.integers(0, 2))
    def a_batch_with_one_bad_event_appends_nothing(self, model: CaseModel, index: int) -> None:
        good: list[dict[str, Any]] = [{"type": "SupplementRequested" if not model.paused else "SupplementReceived", "case": model.ref,
                 "reason": "Thiếu giấy phép", "at": self.at()} for _ in range(3)]
        good[index] = {**good[index], "reason": 42, "type": "SupplementRequested"}
        before = self.ledger.event_count()
        response = self.append(good, "official")
        assert response.status_code in (400, 403, 409), response.status_code
        assert self.ledger.event_count() == before

    @rule(days=st.integers(1, 60), who=st.sampled_from(["official", "oversight"]))
    def define_a_procedure(self, days: int, who: str) -> None:
        """Registry events are the admin token's: appended for it, refused (403) to the others."""
        body = {"type": "ProcedureDefined", "procedure": f"FZ_{self.run}_{next(self.serial)}", "name": "Thủ tục thử",
                "processing_days": days, "domains": ["housing"], "at": self.at()}
        before = self.ledger.event_count()
        assert self.append(body, who).status_code == 403
        assert self.ledger.event_count() == before
        assert self.append(body, "admin").status_code == 201

    @rule(model=cases, who=st.sampled_from(["admin", "oversight"]))
    def case_events_are_not_the_admins_nor_oversights(self, model: CaseModel, who: str) -> None:
        body = {"type": "SupplementRequested", "case": model.ref, "reason": "Thiếu giấy phép", "at": self.at()}
        before = self.ledger.event_count()
        assert self.append(body, who).status_code == 403
        assert self.ledger.event_count() == before

    # --- reads ------------------------------------------------------------------------------

    @rule(model=cases, who=st.sampled_from(["admin", "clerk", "consulted"]))
    def read_case(self, model: CaseModel, who: str) -> None:
        response = self.client.get(self.ref_url(model.ref), headers=self.headers[who])
        self.validated("GET /api/v1/cases/{case}", response, who, path_parameters={"case": model.ref})
        assert response.status_code == 200, (model.ref, response.get_data(as_text=True)[:300])
        body = response.get_json()
        assert body["case"] == model.ref, (model.ref, body)
        assert (body["status"] == "resolved") == model.resolved, body["status"]

    @rule(model=cases, who=st.sampled_from(["admin", "inspector"]))
    def read_history(self, model: CaseModel, who: str) -> None:
        response = self.client.get(self.ref_url(model.ref, "/history"), headers=self.headers[who])
        self.validated("GET /api/v1/cases/{case}/history", response, who, path_parameters={"case": model.ref})
        assert response.status_code == 200, (model.ref, response.get_data(as_text=True)[:300])
        body = response.get_json()
        assert body["case"] == model.ref, (model.ref, body.get("case"))
        assert len(body["events"]) + body["hidden"] == model.events, (model, len(body["events"]), body["hidden"])

    @rule(model=cases)
    def an_official_may_not_read_histories(self, model: CaseModel) -> None:
        response = self.client.get(self.ref_url(model.ref, "/history"), headers=self.headers["clerk"])
        self.validated("GET /api/v1/cases/{case}/history", response, "clerk", path_parameters={"case": model.ref})
        assert response.status_code == 403

    @rule(kind=st.sampled_from(["violations", "scorecard"]), fmt=st.sampled_from(["json", "json", "csv"]))
    def read_report(self, kind: str, fmt: str) -> None:
        today = self.ledger.today().isoformat()
        query = {"format": fmt} if kind == "violations" else {"from": "2024-01-01", "to": today, "format": fmt}
        response = self.client.get(f"/api/v1/{kind}", query_string=query, headers=self.headers["admin"])
        self.validated(f"GET /api/v1/{kind}", response, "admin", query=query)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def the_ledger_holds_what_the_api_said_it_appended(self) -> None:
        assert not self.crashes.found, self.crashes.found[-1]
        assert self.ledger.event_count() == self.base + self.appended


def test_a_state_machine_appending_and_reading_back_through_the_api_keeps_the_ledger_and_the_document(
        fuzz_app: Flask, fuzz_ledger: Ledger, crashes: Crashes) -> None:
    set_phase(fuzz_app, "api stateful")
    schema = load_schema(fuzz_app)
    ApiMachine.app, ApiMachine.ledger, ApiMachine.crashes = fuzz_app, fuzz_ledger, crashes
    ApiMachine.operations = {op.label: op for op in (result.ok() for result in schema.get_all_operations())}
    ApiMachine.headers = {who: bearer(fuzz_ledger, who) for who in TOKENS}
    ApiMachine.epoch = datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(hours=2)
    ApiMachine.clock = itertools.count()
    run_state_machine_as_test(ApiMachine, settings=settings(
        max_examples=20, stateful_step_count=25, deadline=None, derandomize=True, database=None,
        suppress_health_check=[HealthCheck.too_slow]))


def test_every_hostile_body_is_refused_with_a_documented_answer_and_appends_nothing(
        fuzz_app: Flask, fuzz_ledger: Ledger, crashes: Crashes) -> None:
    """The machine draws from these; here each is sent once (a bad type, a control character, NUL
    or a lone surrogate escaped or as bytes, a duplicate key, a BOM, NaN, a huge number, deep
    nesting, a wrong content type, a batch too large, a body over the limit, each field missing)."""
    set_phase(fuzz_app, "api hostile bodies")
    schema = load_schema(fuzz_app)
    operation = schema["/api/v1/events"]["POST"]
    headers = bearer(fuzz_ledger, "official")
    client = fuzz_app.test_client()
    at = (datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(minutes=1)).isoformat()
    failures = []
    for what, raw, kind in hostile_bodies(CASE, at):
        before = fuzz_ledger.event_count()
        response = client.post(EVENTS, data=raw, content_type=kind, headers=headers)
        try:
            check(operation.Case(media_type=kind), response, headers, crashes)
            assert response.status_code in (400, 413), response.status_code
            assert fuzz_ledger.event_count() == before, "appended"
        except AssertionError as failure:
            failures.append(f"{what}: {failure} (body {raw[:200]!r})")
    assert not failures, "\n".join(failures)


# --- bodies the document itself declares invalid ----------------------------------------------

#: A valid event of some types for the seeded ledger (`n` makes it new), and the token that sends it.
TEMPLATES: dict[str, tuple[str, Any]] = {
    "CaseOpened": ("clerk", lambda n: {"case": f"HCM-DOC-{n}", "procedure": "REAL_ESTATE_DIFFICULTY",
                                       "title": "Hồ sơ", "domains": ["real_estate"],
                                       "applicant": {"name": "Công ty B", "kind": "enterprise"}}),
    "ConsultationRequested": ("official", lambda n: {"case": CASE, "consultation": f"C-DOC-{n}", "to": "STC",
                                                     "question": "Ý kiến?", "due_days": 10, "domains": ["finance"]}),
    "FindingRecorded": ("inspector", lambda n: {"case": CASE, "rule": "REDUNDANT_CONSULTATION",
                                                "decision": "dismissed", "consultation": "C1"}),
    "ProcedureDefined": ("admin", lambda n: {"procedure": f"DOC_PROCEDURE_{n}", "name": "Thủ tục", "processing_days": 10,
                                             "focal_agency": "SXD", "domains": ["housing"]}),
    "OfficialAppointed": ("admin", lambda n: {"official": f"sxd.doc{n}", "name": "Phạm Văn Mới", "agency": "SXD",
                                              "role": "specialist"}),
    "CalendarDayDeclared": ("admin", lambda n: {"date": "2027-04-19", "working": True, "reference": "Công văn 1"}),
}


def wrong_values(spec: dict[str, Any]) -> list[Any]:
    """Values of the wrong type or out of the bounds a property's schema gives."""
    kind = str(spec.get("type"))
    by_type: dict[str, list[Any]] = {"string": [123, ["x"], {"a": "b"}, True], "integer": ["12", 1.5, True, [1]],
                                     "number": ["1"], "boolean": ["yes", 1], "array": ["x", [1], {"a": 1}],
                                     "object": ["x", [], {}]}
    found = list(by_type.get(kind, [123]))
    if kind == "string" and spec.get("minLength"):
        found.append("")
    if kind == "string" and spec.get("maxLength"):
        found.append("x" * (spec["maxLength"] + 1))
    if kind == "integer" and "minimum" in spec:
        found.append(spec["minimum"] - 1)
    if kind == "integer" and "maximum" in spec:
        found.append(spec["maximum"] + 1)
    if "enum" in spec:
        found.append("not-in-the-enum")
    return found


def test_a_body_the_document_declares_invalid_is_never_appended(
        fuzz_app: Flask, fuzz_ledger: Ledger, crashes: Crashes) -> None:
    """For each documented property of some event types, values the document's own schema refuses
    (checked with its validator) sent in an otherwise valid event: the API must refuse each one, not
    append it (schemathesis' generated bodies are refused for their content long before this)."""
    from openapi_schema_validator import OAS30Validator, oas30_format_checker

    set_phase(fuzz_app, "api bodies the document declares invalid")
    client = fuzz_app.test_client()
    document = client.get(DOCUMENT).get_json()
    operation = load_schema(fuzz_app)["/api/v1/events"]["POST"]
    headers = {who: bearer(fuzz_ledger, who) for who in TOKENS}
    serial = itertools.count(1)
    at = (datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(minutes=5)).isoformat()
    validator = OAS30Validator({"$ref": "#/components/schemas/Event", "components": document["components"]},
                               format_checker=oas30_format_checker)
    failures = []
    for kind, (who, template) in TEMPLATES.items():
        valid = {"type": kind, "at": at, **template(next(serial))}
        assert not list(validator.iter_errors(valid)), (kind, [e.message for e in validator.iter_errors(valid)])
        response = client.post(EVENTS, json=valid, headers=headers[who])
        assert response.status_code == 201, (kind, response.get_data(as_text=True)[:300])
        properties = document["components"]["schemas"][f"Event.{kind}"]["properties"]
        for name, spec in properties.items():
            if name == "type":
                continue
            for value in wrong_values(spec):
                body = {"type": kind, "at": at, **template(next(serial)), name: value}
                if not list(validator.iter_errors(body)):
                    continue  # the document lets this one through (nullable, …)
                before = fuzz_ledger.event_count()
                response = client.post(EVENTS, json=body, headers=headers[who])
                try:
                    check(operation.Case(body=body, media_type="application/json"), response, headers[who], crashes)
                    assert response.status_code != 201 and fuzz_ledger.event_count() == before, (
                        f"appended although the document declares it invalid"
                        f" ({next(validator.iter_errors(body)).message})")
                except AssertionError as failure:
                    failures.append(f"{kind}.{name} = {value!r:.60}: {str(failure)[:300]}\n  body:"
                                    f" {json.dumps(body, ensure_ascii=False)[:300]}")
    assert not failures, f"{len(failures)} bodies:\n" + "\n".join(failures)


# --- methods the document does not name ---------------------------------------------------------


def test_an_undocumented_method_is_a_405_naming_the_documented_ones_with_the_documented_error_body(
        fuzz_app: Flask, fuzz_ledger: Ledger, crashes: Crashes) -> None:
    """Each path of the document asked with each method it does not document: a 405 whose Allow
    names the documented methods, and whose body is what the document promises for any status it
    does not list (its `default` response)."""
    from openapi_schema_validator import OAS30Validator

    set_phase(fuzz_app, "api undocumented methods")
    client = fuzz_app.test_client()
    document = client.get(DOCUMENT).get_json()
    headers = bearer(fuzz_ledger, "admin")
    failures = []
    for path, item in document["paths"].items():
        documented = {method.upper() for method in item if method != "parameters"}
        url = path.replace("{case}", CASE)
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - documented):
            response = client.open(url, method=method, headers=headers)
            default = next(iter(item.values()))["responses"]["default"]
            if "$ref" in default:
                default = document["components"]["responses"][default["$ref"].rsplit("/", 1)[1]]
            schema = default["content"]["application/json"]["schema"]
            validator = OAS30Validator({**schema, "components": document["components"]})
            problems = [error.message for error in validator.iter_errors(response.get_json(silent=True))]
            allowed = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
            if response.status_code != 405 or not documented <= allowed or problems:
                failures.append(f"{method} {url}: {response.status_code}, Allow {sorted(allowed)},"
                                f" body {response.get_data(as_text=True)[:200]!r} against the documented default"
                                f" response: {problems}")
    assert not crashes.found, crashes.found[-1]
    assert not failures, f"{len(failures)} answers:\n" + "\n".join(failures)
