"""A second hostile pass on the web application and the JSON API, aimed first at the fixes of the
first pass (tests/web/test_hostile_web.py). Each test states how the product SHOULD behave; each
failed when it was written.

Forms are posted through Flask's test client (CSRF off, as in `app`); what depends on a real
server's framing or request line goes through `werkzeug.serving.make_server` on 127.0.0.1. Every
test checks the ledger itself (`event_count`, `history`, tokens) rather than the page's word.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask

from ledger import Ledger
from tests.web.conftest import USERS, local_now
from tests.web.test_hostile_web import _depart, _exchange, bearer, moment, open_case

EVENTS = "/api/v1/events"


def _get(port: int, target: str, secret: str) -> tuple[bytes, bytes]:
    """(status line, body) of a GET sent with exactly this request-target."""
    raw = (f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {secret}\r\n"
           "Connection: close\r\n\r\n").encode()
    head, _, body = _exchange(port, raw).partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0], body


# --- web/formcheck.py: what a form post must be -----------------------------------------------


def test_a_json_body_posted_to_a_form_cannot_send_a_field_twice(
    as_user: Any, web_ledger: Ledger, opened_case: str
) -> None:
    """formcheck refuses `outcome=approved&outcome=rejected` in a urlencoded or multipart body, but
    Flask-WTF also reads a form from a JSON body (`request.is_json`), which formcheck never looks at:
    Flask's JSON reader keeps the last of duplicate keys, and the case is resolved "rejected"."""
    body = ('{"case": "%s", "at": "%s", "outcome": "approved", "outcome": "rejected"}'
            % (opened_case, local_now(minutes=-1)))
    before = web_ledger.event_count()
    response = as_user("specialist").post("/events/CaseResolved", data=body, content_type="application/json")
    assert response.status_code in (400, 415), response.headers.get("Location")
    assert web_ledger.event_count() == before


@pytest.mark.parametrize("value", [5, {"a": 1}])
def test_a_json_body_posted_to_a_form_with_a_non_text_time_is_never_a_500(
    as_user: Any, web_ledger: Ledger, opened_case: str, value: Any
) -> None:
    """forms.local_timestamp calls `text.strip()` on whatever WTForms holds: an int or an object
    from a JSON body is an AttributeError, and the form answers 500."""
    before = web_ledger.event_count()
    response = as_user("specialist").post("/events/SupplementRequested", json={
        "case": opened_case, "at": value, "reason": "Thiếu giấy phép"})
    assert response.status_code in (400, 415)
    assert web_ledger.event_count() == before


@pytest.mark.parametrize("name", ["note", "at"])
def test_a_text_field_sent_as_a_file_part_is_a_400_never_a_500(
    as_user: Any, web_ledger: Ledger, opened_case: str, name: str
) -> None:
    """A multipart part with a filename lands in `request.files`, not `request.form`: formcheck's
    UTF-8 and repeated-field checks never see it, and Flask-WTF hands the FileStorage to the text
    field; `note.strip()` / `at.strip()` then raise and the form answers 500."""
    data: dict[str, Any] = {"case": opened_case, "at": local_now(minutes=-1), "reason": "Thiếu giấy phép"}
    data[name] = (io.BytesIO(b"Thi\xe1\xba\xbfu \xff"), "part.txt")
    before = web_ledger.event_count()
    response = as_user("specialist").post("/events/SupplementRequested", data=data,
                                          content_type="multipart/form-data")
    assert response.status_code == 400, response.status_code
    assert web_ledger.event_count() == before


# --- web/auth.py: login throttling -------------------------------------------------------------


def test_a_throttled_login_is_not_reopened_by_posting_the_guess_as_json(app: Flask) -> None:
    """The per-login counter is keyed on `request.form["login"]`, but LoginForm also reads a JSON
    body: once `admin` is throttled, the same guesses posted as JSON are counted under the empty
    name "login:" and checked against the password again."""
    client = app.test_client()
    statuses = [client.post("/login", data={"login": USERS["admin"][0], "password": f"guess number {i}"}).status_code
                for i in range(11)]
    assert statuses[-1] == 429, statuses
    response = client.post("/login", json={"login": USERS["admin"][0], "password": "guess number 11"})
    assert response.status_code in (415, 429), response.status_code


# --- officials who left, in the web -------------------------------------------------------------


def test_the_oversight_login_of_a_departed_official_no_longer_reads_every_violation(
    as_user: Any, web_ledger: Ledger
) -> None:
    """api.authenticate now refuses the token of a departed official ("acts for nobody"), and the
    agency pages refuse such a login (WebUser.acts), but `oversight_only` checks the product role
    alone: the departed official keeps reading every agency's violations (and can log in again)."""
    client = as_user("oversight")
    _depart(web_ledger, USERS["oversight"][1])
    assert client.get("/oversight/violations").status_code == 403


def test_the_admin_login_of_a_departed_official_cannot_mint_an_admin_token(
    as_user: Any, web_ledger: Ledger
) -> None:
    """`admins_only` checks the product role alone: after vp.clerk departs, the admin session still
    creates an `admin` API token for a serving official, so the departed official keeps writing
    the registry through the API, which refuses their own token."""
    client = as_user("admin")
    _depart(web_ledger, USERS["admin"][1])
    response = client.post("/admin/tokens", data={"official": "sxd.head", "role": "admin"})
    assert response.status_code == 403
    assert web_ledger.accounts.list_tokens() == []


# --- web/routing.py: case references read back from the raw URI ---------------------------------


def test_an_absolute_form_request_target_serves_the_case_it_names_not_its_neighbours_history(
    dev_server: int, web_ledger: Ledger
) -> None:
    """RFC 9112 §3.2.2: a server MUST accept `GET http://host/path`. Then RAW_URI/REQUEST_URI is
    the absolute URI, raw_reference finds no "/api/v1/cases/" at its start, falls back to the
    decoded path, and `…/HCM-2024%2Fhistory` answers the *history of HCM-2024* again (the first
    pass's hole, back through the fallback)."""
    open_case(web_ledger, "HCM-2024")
    open_case(web_ledger, "HCM-2024/history")
    _, secret = web_ledger.accounts.create_token("sxd.clerk")
    status, body = _get(dev_server, f"http://127.0.0.1:{dev_server}/api/v1/cases/HCM-2024%2Fhistory", secret)
    assert b" 200 " in status + b" ", status
    assert json.loads(body)["case"] == "HCM-2024/history"


def test_a_reference_sent_unescaped_in_the_request_line_is_never_another_case_under_gunicorn(
    web_ledger: Ledger, tmp_path: Any
) -> None:
    """A client may send a reference's UTF-8 bytes unescaped in the request line (RFC 9112 wants
    them escaped). Production's gunicorn refuses such a line (400); had it passed it on, the case
    itself must be found, never some other case. (Werkzeug's development server decodes such a
    line twice and answers 404; the pages' own links escape every non-ASCII character.)"""
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    open_case(web_ledger, "Hồ-1")
    _, secret = web_ledger.accounts.create_token("sxd.clerk")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "LEDGER_DATABASE_URL": str(web_ledger.config.sqlite_path),
           "LEDGER_SECRET_KEY": "k", "LEDGER_KEY_FILE": os.environ.get("LEDGER_KEY_FILE", "")}
    log = Path(tmp_path) / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                                    "--no-control-socket", "web:create_app()"], env=env, stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = _get(port, "/api/v1/cases/Hồ-1", secret)
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, log.read_text(errors="replace")
                time.sleep(0.3)
        assert b" 400 " in status + b" " or (b" 200 " in status + b" " and json.loads(body)["case"] == "Hồ-1"), \
            (status, body[:200])
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_percent_encoded_letter_in_history_still_means_the_history(
    app: Flask, web_ledger: Ledger
) -> None:
    """RFC 3986 §6.2.2.2: `%6F` is `o`, and normalisers (proxies, caches, clients) may rewrite
    either way. Werkzeug routes `…/HCM-2024/hist%6Fry` to the history route, but raw_reference
    compares the raw text with "/history", misses, and serves the *case* "HCM-2024/history"."""
    open_case(web_ledger, "HCM-2024")
    open_case(web_ledger, "HCM-2024/history")
    response = app.test_client().get("/api/v1/cases/HCM-2024/hist%6Fry", headers=bearer(web_ledger, "tttp.insp1"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["case"] == "HCM-2024" and "events" in body, body


# --- web/api.py: per-field errors, roles ---------------------------------------------------------


def _good(case: str) -> dict[str, Any]:
    return {"type": "SupplementRequested", "case": case, "reason": "Thiếu giấy phép", "at": moment(minutes=-2)}


@pytest.mark.parametrize(("second", "field"), [
    ('{"type": "SupplementRequested", "case": "%s", "case": "HCM-OTHER", "reason": "x", "at": "%s"}', "case"),
    ('{"type": "ConsultationRequested", "case": "%s", "consultation": "C9", "to": "STC", "question": "q",'
     ' "due_days": 1e999999, "at": "%s"}', "due_days"),
    ('{"type": "SupplementRequested", "case": "%s", "reas\\u0000on": "x", "at": "%s"}', None),
])
def test_a_refusal_of_the_reader_in_one_event_of_an_array_names_that_event(
    app: Flask, web_ledger: Ledger, opened_case: str, second: str, field: str | None
) -> None:
    """api._located maps only refusals carrying `params.name` ("[1].reason"); a duplicate key, a
    number out of range or a NUL in a key come back with `index: null, field: null`, so a client
    sending 500 events cannot tell which one to fix."""
    body = "[%s, %s]" % (json.dumps(_good(opened_case)), second % (opened_case, moment(minutes=-2)))
    before = web_ledger.event_count()
    response = app.test_client().post(EVENTS, data=body, content_type="application/json",
                                      headers=bearer(web_ledger, "sxd.nva"))
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert [e["index"] for e in errors] == [1], errors
    if field:
        assert [e["field"] for e in errors] == [field], errors
    assert web_ledger.event_count() == before


def test_an_admin_token_sending_an_unknown_event_type_gets_a_400_on_type_not_a_403(
    app: Flask, web_ledger: Ledger
) -> None:
    """api._role_refusal treats every type not in REGISTRY_TYPES as a case event, so an admin's typo
    ("OfficialAppointd") is a 403 "recorded by an official's token": bad input is a 400 per field
    (as an official's token gets for the same body)."""
    response = app.test_client().post(EVENTS, headers=bearer(web_ledger, "vp.clerk", "admin"), json={
        "type": "OfficialAppointd", "official": "sxd.new", "name": "Nguyễn Văn Mới", "agency": "SXD",
        "role": "clerk", "at": moment(minutes=-1)})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert [e["field"] for e in response.get_json()["errors"]] == ["type"]


def test_a_query_parameter_sent_twice_is_refused_as_ambiguous(app: Flask, web_ledger: Ledger, opened_case: str) -> None:
    """`?as_of=2024-01-01&as_of=2026-12-31`: webargs silently takes the first, and the history is an
    empty one as of 2024 while the client may have meant the other; a form field sent twice and a
    duplicate JSON key are refused as ambiguous, and a parameter should be too."""
    response = app.test_client().get(f"/api/v1/cases/{opened_case}/history?as_of=2024-01-01&as_of=2099-12-31",
                                     headers=bearer(web_ledger, "sxd.clerk"))
    assert response.status_code == 400
    assert [e["field"] for e in response.get_json()["errors"]] == ["as_of"]


# --- web/limits.py: the 413 of a chunked form ------------------------------------------------------


def test_a_chunked_form_over_the_limit_is_refused_in_the_users_language(dev_server: int) -> None:
    """The same form sent with Content-Length gets the error page in Vietnamese ("Yêu cầu có dung
    lượng quá lớn…"); sent chunked, BodyLimit answers a bare English text/plain line."""
    body = b"login=admin&password=" + b"x" * (1024 * 1024)
    raw = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
    head, _, text = _exchange(dev_server, raw).partition(b"\r\n\r\n")
    assert b" 413 " in head.split(b"\r\n", 1)[0]
    assert "dung lượng quá lớn" in text.decode("utf-8"), text[:200]

