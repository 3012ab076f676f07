"""A hostile tester's findings on the web application and the JSON API (issue "web application,
part 1"). Each test states how the product SHOULD behave; each failed when it was written.

Forms are posted through Flask's test client (CSRF off, as in `app`); the development server's own
framing is exercised through `werkzeug.serving.make_server` on 127.0.0.1. Every test checks the
ledger itself (`event_count`, `history`) rather than trusting the page's word about what it did.
"""

from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urljoin

import pytest
from flask import Flask, url_for

from ledger import LOCAL_TZ, Ledger
from tests.web.conftest import PASSWORD, USERS, local_now

EVENTS = "/api/v1/events"


# --- helpers ----------------------------------------------------------------------------------


def bearer(ledger: Ledger, official: str, role: str = "official") -> dict[str, str]:
    _, secret = ledger.accounts.create_token(official, role)
    return {"Authorization": f"Bearer {secret}"}


def moment(**delta: float) -> str:
    return (datetime.now(LOCAL_TZ).replace(microsecond=0) + timedelta(**delta)).isoformat()


def page(response: Any) -> str:
    return response.get_data(as_text=True)


def shown_errors(response: Any) -> list[str]:
    """The refusals a person can see on a form page: beside a field, or above the form."""
    return re.findall(r'<p class="error[^"]*"[^>]*>([^<]+)</p>', page(response))


def open_case(ledger: Ledger, ref: str, title: str | None = None) -> None:
    ledger.append({"type": "CaseOpened", "case": ref, "procedure": "REAL_ESTATE_DIFFICULTY",
                   "title": title or f"Hồ sơ riêng {ref}", "at": moment(minutes=-20), "by": "sxd.clerk"},
                  source="import")


# --- whole-number fields ----------------------------------------------------------------------

#: (who, form URL, fields besides the number, the number's field). `case` is filled with the case
#: of `opened_case` where the form needs one.
NUMBER_FORMS = {
    "due_days": ("specialist", "/events/ConsultationRequested",
                 {"consultation": "C-NUM", "to": "STC", "question": "Ý kiến?"}),
    "year": ("head", "/events/WorkProgrammeAdopted", {"agency": "SXD"}),
    "finding_year": ("inspector", "/inspect/findings", {"rule": "NO_LEAD", "decision": "dismissed"}),
    "processing_days": ("admin", "/admin/registry/ProcedureDefined",
                        {"procedure": "HOSTILE_NUMBER", "name": "Thủ tục thử", "domains": "housing"}),
}


@pytest.mark.parametrize("typed", ["²", "--5", "-¹"])
@pytest.mark.parametrize("name", list(NUMBER_FORMS))
def test_a_number_typed_with_superscripts_or_a_doubled_minus_is_a_400_beside_its_field_never_a_500(
    as_user: Any, web_ledger: Ledger, opened_case: str, name: str, typed: str
) -> None:
    """forms._value: `"²".isdigit()` and `"--5".lstrip("-").isdigit()` are true, so `int()` raises
    ValueError and the form answers 500 instead of "this must be a whole number"."""
    who, url, fields = NUMBER_FORMS[name]
    field = "year" if name == "finding_year" else name
    data = {**fields, "case": opened_case, "at": local_now(minutes=-1), field: typed}
    before = web_ledger.event_count()
    response = as_user(who).post(url, data=data)
    assert response.status_code == 400, page(response)[:300]
    assert f'id="{field}-error"' in page(response), "the refusal is shown beside the number's field"
    assert web_ledger.event_count() == before


@pytest.mark.parametrize("typed", ["٣", "５", "३"])
def test_a_number_in_non_ascii_digits_is_refused_not_silently_read(
    as_user: Any, web_ledger: Ledger, opened_case: str, typed: str
) -> None:
    """forms._value reads Arabic-Indic, full-width and Devanagari digits as ASCII ones (`int("٣")`
    is 3), so a consultation is appended with a due time the API itself would refuse as not a
    whole number; the form should say "this must be a whole number" and append nothing."""
    data = {"case": opened_case, "at": local_now(minutes=-1), "consultation": "C-DIGITS", "to": "STC",
            "question": "Ý kiến?", "due_days": typed}
    before = web_ledger.event_count()
    response = as_user("specialist").post("/events/ConsultationRequested", data=data)
    assert response.status_code == 400, response.headers.get("Location")
    assert web_ledger.event_count() == before


# --- the time field ---------------------------------------------------------------------------


def test_an_emptied_time_field_is_refused_beside_it_not_filled_with_the_servers_clock(
    as_user: Any, web_ledger: Ledger, opened_case: str
) -> None:
    """forms.new_form fills a blank `at` with "now" on a POST too, so a form whose time was cleared
    is appended at a time nobody claimed; an import refuses a missing `at` (SPEC §4)."""
    before = web_ledger.event_count()
    response = as_user("specialist").post("/events/SupplementRequested",
                                          data={"case": opened_case, "at": "", "reason": "Thiếu giấy phép"})
    assert response.status_code == 400, response.headers.get("Location")
    assert 'id="at-error"' in page(response)
    assert web_ledger.event_count() == before


def test_a_time_typed_with_its_own_utc_offset_is_recorded_at_that_instant_not_moved_to_vietnam_time(
    as_user: Any, web_ledger: Ledger
) -> None:
    """forms.local_timestamp treats any 19-character value without "+" or "Z" as a datetime-local
    and *replaces* its offset: "…T09:00-07" is recorded as 09:00+07:00, fourteen hours off, though
    its docstring promises that a value with an offset is kept as typed."""
    instant = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)
    typed = instant.astimezone(timezone(timedelta(hours=-7))).strftime("%Y-%m-%dT%H:%M") + "-07"
    assert len(typed) == 19
    before = web_ledger.event_count()
    response = as_user("clerk").post("/events/CaseOpened", data={
        "case": "HCM-OFFSET-1", "procedure": "REAL_ESTATE_DIFFICULTY", "title": "Giờ có độ lệch", "at": typed})
    if response.status_code == 302:  # appended: then at the instant typed
        claimed = web_ledger.history("HCM-OFFSET-1")["events"][0]["at"]
        assert datetime.fromisoformat(claimed) == instant, f"typed {typed}, recorded {claimed}"
    else:  # or refused, with nothing appended
        assert response.status_code == 400
        assert web_ledger.event_count() == before


# --- what a form body holds -------------------------------------------------------------------


@pytest.mark.parametrize("escape", ["%FF%FE", "%ED%A0%80", "%C0%AF", "%F4%90%80%80"])
def test_invalid_utf8_in_a_urlencoded_form_is_a_400_and_appends_nothing(
    as_user: Any, web_ledger: Ledger, opened_case: str, escape: str
) -> None:
    """Werkzeug keeps undecodable percent-escapes as the literal text "%FF%FE", so the reason is
    appended as characters nobody typed (and indistinguishable from a typed "%FF%FE")."""
    body = f"case={opened_case}&at={quote(local_now(minutes=-1))}&reason=Thi%E1%BA%BFu+{escape}"
    before = web_ledger.event_count()
    response = as_user("specialist").post("/events/SupplementRequested", data=body,
                                          content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.headers.get("Location")
    assert web_ledger.event_count() == before


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"\xed\xa0\x80", b"\xc3"])
def test_invalid_utf8_in_a_multipart_form_is_a_400_and_appends_nothing(
    as_user: Any, web_ledger: Ledger, opened_case: str, raw: bytes
) -> None:
    """A multipart part that is not UTF-8 is decoded with replacement characters (U+FFFD) and the
    damaged reason is appended."""
    boundary = "hostile-boundary"
    parts = [("case", opened_case.encode()), ("at", local_now(minutes=-1).encode()), ("reason", b"Thieu " + raw)]
    body = b"".join(
        b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n'
        + value + b"\r\n" for name, value in parts
    ) + b"--" + boundary.encode() + b"--\r\n"
    before = web_ledger.event_count()
    response = as_user("specialist").post("/events/SupplementRequested", data=body,
                                          content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400, response.headers.get("Location")
    assert web_ledger.event_count() == before


def test_a_field_sent_twice_with_different_values_is_refused_as_ambiguous(
    as_user: Any, web_ledger: Ledger, opened_case: str
) -> None:
    """WTForms keeps the first of repeated values, so `outcome=approved&outcome=rejected` resolves
    the case as approved; the import refuses a duplicate key as ambiguous, and so should a form."""
    body = (f"case={opened_case}&at={quote(local_now(minutes=-1))}"
            "&outcome=approved&outcome=rejected")
    before = web_ledger.event_count()
    response = as_user("specialist").post("/events/CaseResolved", data=body,
                                          content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.headers.get("Location")
    assert web_ledger.event_count() == before


# --- idempotency ids refused ------------------------------------------------------------------


def _answer(case: str, reasoning: str) -> dict[str, str]:
    return {"case": case, "consultation": "C1", "position": "agree", "reasoning": reasoning,
            "legal_basis": "Luật Đầu tư 2020"}


RESUBMITTED = {
    "SupplementRequested": ("specialist", lambda case: {"case": case, "reason": "Thiếu giấy phép"},
                            {"reason": "Thiếu bản vẽ"}),
    "ConsultationAnswered": ("consulted", lambda case: _answer(case, "Nguồn vốn hợp pháp"),
                             {"reasoning": "Nguồn vốn đã được thẩm định"}),
}


@pytest.mark.parametrize("kind", list(RESUBMITTED))
def test_a_form_resubmitted_with_other_content_under_its_used_id_shows_why_it_was_refused(
    as_user: Any, web_ledger: Ledger, opened_case: str, kind: str
) -> None:
    """The back button, an edit, submit again: the form's hidden id is already in the ledger with
    other content (KeyConflict, field `id`). recording.Problems files the refusal under the hidden
    `id` field, which the template never shows, so the page is a 400 with no reason at all (and
    every further submit fails the same silent way)."""
    who, fields, changed = RESUBMITTED[kind]
    client = as_user(who)
    first = {**fields(opened_case), "id": "web-hostile-back-button", "at": local_now(minutes=-2)}
    assert client.post(f"/events/{kind}", data=first).status_code == 302
    before = web_ledger.event_count()
    response = client.post(f"/events/{kind}", data={**first, **changed})
    assert response.status_code in (400, 409)
    assert shown_errors(response), "the page says why nothing was recorded"
    assert web_ledger.event_count() == before


# --- logins -----------------------------------------------------------------------------------


def test_a_next_parameter_holding_a_line_break_is_not_a_500(app: Flask) -> None:
    """auth.login: `urlsplit` drops CR and LF when it checks the target, so "/\\r\\nX: y" passes
    `_local` and `redirect()` raises on the header value: a 500 for anyone who follows such a link
    (the CR LF reach the view percent-decoded from `?next=/%0D%0A…`)."""
    response = app.test_client().post("/login?next=/%0D%0AX-Injected:%201",
                                      data={"login": USERS["clerk"][0], "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "\r" not in location and "\n" not in location and location.startswith("/")
    assert "X-Injected" not in response.headers


def test_repeated_wrong_passwords_for_a_login_are_throttled(app: Flask) -> None:
    """web/config.py documents `LEDGER_RATELIMIT_STORAGE` as "where login attempts are counted",
    but nothing counts them: a password can be guessed at full speed, for ever."""
    client = app.test_client()
    statuses = [client.post("/login", data={"login": USERS["admin"][0], "password": f"guess number {i}"}).status_code
                for i in range(30)]
    assert 429 in statuses, f"30 wrong passwords in a row, never throttled: {sorted(set(statuses))}"


# --- tokens of officials who left -------------------------------------------------------------


def _depart(ledger: Ledger, official: str) -> None:
    ledger.append({"type": "OfficialDeparted", "official": official, "at": moment(minutes=-1)}, source="api")


def test_the_token_of_a_departed_official_no_longer_reads_the_ledger(
    app: Flask, web_ledger: Ledger, opened_case: str
) -> None:
    """The web refuses every agency page to a login whose official departed (WebUser.acts), but
    api.authenticate only checks that the token is live: a departed official's forgotten token
    keeps reading every case and every violation."""
    headers = bearer(web_ledger, "sxd.ttb")
    client = app.test_client()
    assert client.get(f"/api/v1/cases/{opened_case}", headers=headers).status_code == 200
    _depart(web_ledger, "sxd.ttb")
    assert client.get(f"/api/v1/cases/{opened_case}", headers=headers).status_code in (401, 403)
    assert client.get("/api/v1/violations", headers=headers).status_code in (401, 403)


def test_an_append_with_the_token_of_a_departed_official_is_a_403_not_a_400_on_a_field_never_sent(
    app: Flask, web_ledger: Ledger
) -> None:
    """The refusal comes back as a 400 blaming field `by`, which an API client never sends (the
    token names the actor); who may act is a 403 (SPEC §11)."""
    headers = bearer(web_ledger, "sxd.ttb")
    _depart(web_ledger, "sxd.ttb")
    before = web_ledger.event_count()
    response = app.test_client().post(EVENTS, headers=headers, json={
        "type": "CaseOpened", "case": "HCM-GONE-1", "procedure": "REAL_ESTATE_DIFFICULTY", "title": "x",
        "at": moment(minutes=-1)})
    assert response.status_code in (401, 403), response.get_data(as_text=True)[:300]
    assert web_ledger.event_count() == before


# --- API bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["Thiếu\u0000giấy", "Thiếu\ud800giấy"])
def test_an_unstorable_character_in_one_event_of_an_array_is_reported_with_its_index_and_field(
    app: Flask, web_ledger: Ledger, opened_case: str, bad: str
) -> None:
    """The strict reader refuses the document as a whole: the problem has `index: null` and
    `field: null` (its name only inside `params`, as "[1].reason"), not the per-field error the
    API promises."""
    good = {"type": "SupplementRequested", "case": opened_case, "reason": "Thiếu giấy phép", "at": moment(minutes=-2)}
    body = json.dumps([good, {**good, "reason": bad}], ensure_ascii=True)
    before = web_ledger.event_count()
    response = app.test_client().post(EVENTS, data=body, content_type="application/json",
                                      headers=bearer(web_ledger, "sxd.nva"))
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.get_json()["errors"]] == [(1, "reason")]
    assert web_ledger.event_count() == before


def test_an_array_item_that_is_no_object_does_not_hide_the_other_bad_events(
    app: Flask, web_ledger: Ledger, opened_case: str
) -> None:
    """append_events returns at the first item that is not an object, so the client learns of one
    problem per request; every bad event of an array is listed with its index otherwise."""
    good = {"type": "SupplementRequested", "case": opened_case, "reason": "Thiếu giấy phép", "at": moment(minutes=-2)}
    body = [good, 7, {"type": "NoSuchEvent", "at": moment(minutes=-2)}, {**good, "reason": ""}]
    before = web_ledger.event_count()
    response = app.test_client().post(EVENTS, json=body, headers=bearer(web_ledger, "sxd.nva"))
    assert response.status_code == 400
    assert sorted({e["index"] for e in response.get_json()["errors"]}) == [1, 2, 3]
    assert web_ledger.event_count() == before


# --- case references in URLs ------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["/HCM-WEB-1", "X/../HCM-WEB-1"])
def test_the_link_to_a_case_opens_that_case_as_a_browser_resolves_it_not_another_one(
    app: Flask, as_user: Any, web_ledger: Ledger, opened_case: str, ref: str
) -> None:
    """The ledger accepts "/HCM-WEB-1" and "X/../HCM-WEB-1" as case references, and url_for puts
    them in the path unescaped: "/cases//HCM-WEB-1" is redirected to "/cases/HCM-WEB-1", and a
    browser resolves "/cases/X/../HCM-WEB-1" to "/cases/HCM-WEB-1". Either way the link of one
    case opens the page of another (HCM-WEB-1, "Khó khăn dự án A")."""
    open_case(web_ledger, ref, title="Hồ sơ giả mạo đường dẫn")
    with app.test_request_context():
        link = url_for("agency.case", case=ref)
    as_browser = urljoin("http://localhost/", link)  # RFC 3986 dot segments removed, as browsers do
    response = as_user("clerk").get(as_browser, follow_redirects=True)
    assert response.status_code == 200
    text = page(response)
    assert "Hồ sơ giả mạo đường dẫn" in text and "Khó khăn dự án A" not in text


@pytest.mark.parametrize(("ref", "neighbour"), [("HCM-2024/history", "HCM-2024"), ("/HCM-API-1", "HCM-API-1")])
def test_the_api_serves_each_case_at_its_escaped_url_even_beside_a_case_of_a_similar_reference(
    app: Flask, web_ledger: Ledger, ref: str, neighbour: str
) -> None:
    """GET /api/v1/cases/HCM-2024%2Fhistory answers the *history of HCM-2024* (Werkzeug decodes
    %2F before routing, and the history route wins); GET /api/v1/cases/%2FHCM-API-1 is redirected
    to HCM-API-1. The case the API accepted cannot be read back; another case is served instead."""
    open_case(web_ledger, neighbour)
    open_case(web_ledger, ref)
    response = app.test_client().get(f"/api/v1/cases/{quote(ref, safe='')}",
                                     headers=bearer(web_ledger, "sxd.clerk"), follow_redirects=True)
    assert response.status_code == 200
    body = response.get_json()
    assert body["case"] == ref and "status" in body, body


# --- HTTP -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "allowed"), [("GET", "/logout", "POST"), ("PUT", "/login", "POST"),
                                                          ("DELETE", "/inbox", "GET")])
def test_an_html_405_names_the_methods_the_page_takes(
    as_user: Any, method: str, path: str, allowed: str
) -> None:
    """RFC 9110 §15.5.6: a 405 MUST carry Allow. The API's JSON 405 does; the HTML error page
    (web/__init__.py http_error) renders a fresh response and drops it."""
    response = as_user("clerk").open(path, method=method)
    assert response.status_code == 405
    assert allowed in response.headers.get("Allow", ""), dict(response.headers)


def _exchange(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(raw)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("framing", ["no last chunk", "bad chunk size"])
def test_a_malformed_chunked_body_on_the_development_server_is_a_400_never_a_500(
    dev_server: int, web_ledger: Ledger, framing: str
) -> None:
    """web/limits.py BodyLimit reads a terminated input itself, and Werkzeug's dechunker raises
    OSError ("Invalid chunk header") on a body cut before its last chunk or with a bad size line:
    nothing catches it, and the server answers 500."""
    _, secret = web_ledger.accounts.create_token("sxd.clerk")
    event = json.dumps({"type": "CaseOpened", "case": "HCM-CHUNKED-1", "procedure": "REAL_ESTATE_DIFFICULTY",
                        "title": "x", "at": moment(minutes=-1)}).encode()
    chunk = f"{len(event):x}\r\n".encode() + event + b"\r\n"
    body = chunk if framing == "no last chunk" else b"zz\r\n" + event + b"\r\n0\r\n\r\n"
    head = (f"POST {EVENTS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {secret}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    before = web_ledger.event_count()
    status_line = _exchange(dev_server, head + body).split(b"\r\n", 1)[0]
    assert b" 400 " in status_line + b" ", status_line
    assert web_ledger.event_count() == before


# --- small answers that must still be clear ----------------------------------------------------


def test_a_json_body_with_a_byte_order_mark_is_told_so_and_appends_nothing(app: Flask, web_ledger: Ledger) -> None:
    before = web_ledger.event_count()
    body = b"\xef\xbb\xbf" + json.dumps({"type": "SupplementReceived", "case": "X", "at": moment()}).encode()
    response = app.test_client().post(EVENTS, data=body, content_type="application/json",
                                      headers=bearer(web_ledger, "sxd.clerk"))
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["code"] == "byte_order_mark"
    assert web_ledger.event_count() == before


def test_the_api_root_without_its_slash_answers_in_json(app: Flask) -> None:
    response = app.test_client().get("/api")
    assert response.status_code == 404 and response.is_json
