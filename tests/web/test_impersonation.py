"""No one acts as another official, or for another agency, through any route.

Who acted is never taken from the request: a form's event gets the login's official as its actor
(web/recording.py passes `actor=user.account.official` to the ledger), an API event the token's
official (web/api.py passes `actor=g.token.official`), and the ledger replaces any `by` with that
actor before it judges SPEC §4's "who may do it". These tests tamper with everything a client
controls and check what the ledger holds afterwards:

- forms: a `by` (and `actor`, `source`, `recorded`…) posted with every agency form; the case
  reference changed between the form's address and its hidden field; another agency's
  consultation; a handler of another agency; another official's idempotency id; the admin forms
  that would mint a login, a token or a promotion;
- the API: a body naming another official, an array mixing one's own act with another agency's,
  a token of agency A used on agency B's case, a body naming another agency, registry events with
  an official's token, an oversight token appending, another official's idempotency id;
- credentials: a revoked token refused at the very next request (revoked on the page, or by the
  CLI in another process), a logged-out session cookie replayed (to read and to post), a disabled
  login's cookie, a cookie copied to another browser, a cookie forged with another secret key, a
  session cookie offered to the API.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from flask.sessions import SecureCookieSessionInterface

from ledger import LOCAL_TZ, Ledger
from tests.web.conftest import PASSWORD, USERS, local_now, log_in

STC_CASE = "HCM-STC-1"


def moment(**delta: float) -> str:
    return (datetime.now(LOCAL_TZ).replace(microsecond=0) + timedelta(**delta)).isoformat()


@pytest.fixture
def stc_case(web_ledger: Ledger, opened_case: str) -> str:
    """A case led by STC (not SXD), consulting STNMT (consultation C1, open)."""
    at = (datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(minutes=20)).isoformat()
    web_ledger.append([
        {"type": "CaseOpened", "case": STC_CASE, "procedure": "REAL_ESTATE_DIFFICULTY", "title": "Vốn dự án B",
         "at": at, "by": "stc.clerk"},
        {"type": "LeadAssigned", "case": STC_CASE, "agency": "STC", "official": "stc.pttt", "at": at, "by": "stc.clerk"},
        {"type": "ConsultationRequested", "case": STC_CASE, "consultation": "C1", "to": "STNMT",
         "question": "Ý kiến về đất?", "at": at, "by": "stc.pttt"},
    ], source="web")
    return STC_CASE


def records_after(ledger: Ledger, count: int) -> list[Any]:
    return list(ledger.records(start=count + 1))


def token_header(ledger: Ledger, official: str, role: str = "official") -> dict[str, str]:
    return {"Authorization": f"Bearer {ledger.accounts.create_token(official, role)[1]}"}


# --- forms --------------------------------------------------------------------------------------------

#: Who the attacker claims to be, in every field a client could try.
HOSTILE = {"by": "stc.head", "actor": "stc.head", "official_id": "stc.head", "login": "head", "source": "api",
           "recorded": "2020-01-01T00:00:00+07:00", "actor_agency": "STC", "user": "admin", "role": "admin"}

#: A plausible form for each agency form, as SXD's clerk (the lead agency's) would fill it, in order.
SXD_CLERK_FORMS: list[tuple[str, dict[str, str]]] = [
    ("CaseOpened", {"case": "HCM-WEB-NEW", "procedure": "CONSTRUCTION_PERMIT", "title": "Cấp phép"}),
    ("CoordinatorAssigned", {"agency": "STC", "part": "Phần vốn"}),
    ("ConsultationRequested", {"consultation": "C2", "to": "STNMT", "question": "Ý kiến về đất?"}),
    ("ConsultationWithdrawn", {"consultation": "C2", "reason": "Không cần nữa"}),
    ("ConsultationAnswered", {"consultation": "C1", "position": "agree", "reasoning": "Đồng ý"}),
    ("ConsultationHandlerDesignated", {"consultation": "C1", "official": "stc.head"}),
    ("SupplementRequested", {"reason": "Bổ sung hồ sơ"}),
    ("SupplementReceived", {}),
    ("ApologyIssued", {"reason": "Chậm", "new_due": "2099-01-05"}),
    ("LeadAssigned", {"agency": "SXD", "official": "sxd.ttb", "reason": "Đổi người xử lý"}),
    ("WorkProgrammeAdopted", {"agency": "SXD", "year": "2099"}),
    ("CaseResolved", {"outcome": "approved"}),
]


def test_identity_fields_posted_with_any_agency_form_never_change_who_acted(
        web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    client = as_user("clerk")
    before = web_ledger.event_count()
    statuses = {}
    for kind, data in SXD_CLERK_FORMS:
        case = data.get("case", opened_case)
        response = client.post(f"/events/{kind}?case={case}", data={
            "case": case, "at": local_now(minutes=-1), **HOSTILE, **data})
        statuses[kind] = response.status_code
    new = records_after(web_ledger, before)

    # What SPEC §4 lets the lead agency's clerk do was recorded, as the clerk; the rest refused.
    assert statuses == {
        "CaseOpened": 302, "CoordinatorAssigned": 302, "ConsultationRequested": 302, "ConsultationWithdrawn": 302,
        "ConsultationAnswered": 403, "ConsultationHandlerDesignated": 403, "SupplementRequested": 302,
        "SupplementReceived": 302, "ApologyIssued": 403, "LeadAssigned": 302, "WorkProgrammeAdopted": 302,
        "CaseResolved": 302}
    assert len(new) == 9
    assert {(r.by, r.actor_agency, r.source) for r in new} == {("sxd.clerk", "SXD", "web")}
    assert all(r.recorded.year > 2020 for r in new)


def test_a_case_reference_changed_in_the_hidden_field_is_judged_for_that_case_and_refused(
        web_ledger: Ledger, opened_case: str, stc_case: str, as_user: Any) -> None:
    """The form's address names SXD's own case; its `case` field names STC's. The event is the
    field's (what would be recorded), so the ledger judges it for STC's case and refuses it."""
    client = as_user("head")
    before = web_ledger.event_count()
    for kind, data in (("CaseResolved", {"outcome": "rejected"}), ("SupplementRequested", {"reason": "Bổ sung"}),
                       ("ApologyIssued", {"reason": "Chậm", "new_due": "2099-01-05"}),
                       ("ConsultationWithdrawn", {"consultation": "C1", "reason": "Rút"}),
                       ("ConsultationRequested", {"consultation": "C7", "to": "SXD", "question": "Ý kiến?"})):
        assert client.get(f"/events/{kind}?case={opened_case}").status_code == 200, kind  # offered on its own case
        response = client.post(f"/events/{kind}?case={opened_case}", data={
            "case": stc_case, "at": local_now(minutes=-1), "by": "stc.head", **data})
        assert response.status_code == 403, (kind, response.status_code)
    assert web_ledger.event_count() == before
    summary = web_ledger.queries.case(stc_case)
    assert summary is not None and summary.status != "resolved"


def test_an_answer_to_another_agencys_consultation_is_refused(
        web_ledger: Ledger, opened_case: str, stc_case: str, as_user: Any) -> None:
    """STC is consulted on SXD's case (C1 there); STC's case also has a C1, addressed to STNMT. STC's
    clerk answering "C1" of STC's case answers for STNMT: refused, whatever `by` says."""
    client = as_user("consulted")
    before = web_ledger.event_count()
    response = client.post(f"/events/ConsultationAnswered?case={opened_case}", data={
        "case": stc_case, "consultation": "C1", "position": "agree", "reasoning": "Đồng ý", "by": "stnmt.head",
        "at": local_now(minutes=-1)})
    assert response.status_code == 403
    assert web_ledger.event_count() == before


def test_a_handler_of_another_agency_cannot_be_designated(
        web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    client = as_user("consulted_head")
    before = web_ledger.event_count()
    for official in ("sxd.nva", "stnmt.head"):
        response = client.post(f"/events/ConsultationHandlerDesignated?case={opened_case}", data={
            "case": opened_case, "consultation": "C1", "official": official, "at": local_now(minutes=-1)})
        assert response.status_code == 400, official
    assert web_ledger.event_count() == before
    ok = client.post(f"/events/ConsultationHandlerDesignated?case={opened_case}", data={
        "case": opened_case, "consultation": "C1", "official": "stc.dch", "at": local_now(minutes=-1)})
    assert ok.status_code == 302
    assert [(r.type, r.by, r.fields["official"]) for r in records_after(web_ledger, before)] == [
        ("ConsultationHandlerDesignated", "stc.head", "stc.dch")]


def test_another_officials_idempotency_id_is_no_way_to_their_event(
        web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    """The head replays the clerk's form (same hidden id, same content): the content an id stands
    for includes who acted, so it is a conflict, not "already recorded"; the clerk's event stays the clerk's."""
    data = {"case": opened_case, "reason": "Bổ sung giấy tờ", "at": local_now(minutes=-2), "id": "web-replayed-1"}
    first = as_user("clerk").post(f"/events/SupplementRequested?case={opened_case}", data=data)
    assert first.status_code == 302
    count = web_ledger.event_count()
    replay = as_user("head").post(f"/events/SupplementRequested?case={opened_case}", data={**data, "by": "sxd.clerk"})
    assert replay.status_code == 409
    assert web_ledger.event_count() == count
    original = [r for r in web_ledger.records() if r.key == "web-replayed-1"]
    assert [(r.type, r.by) for r in original] == [("SupplementRequested", "sxd.clerk")]


@pytest.mark.parametrize("who", ["clerk", "head", "inspector", "oversight"])
def test_no_official_or_oversight_login_mints_credentials_or_promotes_anyone(
        who: str, web_ledger: Ledger, as_user: Any) -> None:
    client = as_user(who)
    tokens, logins, events = (len(web_ledger.accounts.list_tokens()), len(web_ledger.accounts.list_logins()),
                              web_ledger.event_count())
    attempts = [
        client.post("/admin/tokens", data={"official": "sxd.head", "role": "admin"}),
        client.post("/admin/logins", data={"login": "mine", "official": "vp.clerk", "role": "admin",
                                           "password": "một mật khẩu dài"}),
        client.post("/admin/registry/OfficialTransferred", data={
            "official": USERS[who][1], "agency": "VP", "role": "head", "at": local_now(minutes=-1)}),
        client.post("/admin/registry/OfficialAppointed", data={
            "official": "sxd.fake", "name": "Giả", "agency": "SXD", "role": "head", "at": local_now(minutes=-1)}),
        client.post(f"/admin/logins/{USERS['admin'][0]}/disable"),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert (len(web_ledger.accounts.list_tokens()), len(web_ledger.accounts.list_logins()),
            web_ledger.event_count()) == (tokens, logins, events)
    admin = web_ledger.accounts.get_login(USERS["admin"][0])
    assert admin is not None and not admin.disabled


# --- the API ------------------------------------------------------------------------------------------


def test_a_body_naming_another_official_records_the_tokens_official(
        client_api: FlaskClient, web_ledger: Ledger, opened_case: str) -> None:
    before = web_ledger.event_count()
    response = client_api.post("/api/v1/events", headers=token_header(web_ledger, "sxd.nva"), json=[
        {"type": "SupplementRequested", "case": opened_case, "reason": "Bổ sung", "at": moment(minutes=-3),
         "by": "sxd.head", "source": "web", "actor_agency": "STC"},
        {"type": "SupplementReceived", "case": opened_case, "at": moment(minutes=-2), "by": "stc.head"},
    ])
    assert response.status_code == 201, response.get_data(as_text=True)
    assert [(r.type, r.by, r.actor_agency, r.source) for r in records_after(web_ledger, before)] == [
        ("SupplementRequested", "sxd.nva", "SXD", "api"), ("SupplementReceived", "sxd.nva", "SXD", "api")]


@pytest.fixture
def client_api(app: Flask) -> FlaskClient:
    return app.test_client()


def test_a_token_of_one_agency_is_refused_on_another_agencys_case(
        client_api: FlaskClient, web_ledger: Ledger, opened_case: str, stc_case: str) -> None:
    before = web_ledger.event_count()
    acts = [
        {"type": "CaseResolved", "outcome": "approved"},
        {"type": "SupplementRequested", "reason": "Bổ sung"},
        {"type": "SupplementReceived"},
        {"type": "ConsultationRequested", "consultation": "C5", "to": "SXD", "question": "?"},
        {"type": "ConsultationWithdrawn", "consultation": "C1", "reason": "Rút"},
        {"type": "ApologyIssued", "reason": "Chậm", "new_due": "2099-01-05"},
        {"type": "ConsultationAnswered", "consultation": "C1", "position": "agree", "reasoning": "Đồng ý"},
        {"type": "ConsultationHandlerDesignated", "consultation": "C1", "official": "sxd.nva"},
    ]
    for official in ("sxd.head", "sxd.nva"):
        headers = token_header(web_ledger, official)
        for act in acts:
            body = {**act, "case": stc_case, "at": moment(minutes=-1), "by": "stc.pttt"}
            response = client_api.post("/api/v1/events", headers=headers, json=body)
            assert response.status_code == 403, (official, act["type"], response.get_data(as_text=True))
    assert web_ledger.event_count() == before


def test_one_foreign_act_in_an_array_refuses_the_whole_array(
        client_api: FlaskClient, web_ledger: Ledger, opened_case: str, stc_case: str) -> None:
    before = web_ledger.event_count()
    response = client_api.post("/api/v1/events", headers=token_header(web_ledger, "sxd.head"), json=[
        {"type": "SupplementRequested", "case": opened_case, "reason": "Bổ sung", "at": moment(minutes=-2)},
        {"type": "CaseResolved", "case": stc_case, "outcome": "rejected", "at": moment(minutes=-1)},
    ])
    assert response.status_code == 403
    assert "event #1" in response.get_json()["error"]
    assert web_ledger.event_count() == before


def test_a_body_naming_another_agency_is_refused(
        client_api: FlaskClient, web_ledger: Ledger, opened_case: str) -> None:
    before = web_ledger.event_count()
    headers = token_header(web_ledger, "sxd.head")
    programme = client_api.post("/api/v1/events", headers=headers, json={
        "type": "WorkProgrammeAdopted", "agency": "STC", "year": 2099, "at": moment(minutes=-1)})
    handler = client_api.post("/api/v1/events", headers=token_header(web_ledger, "stc.head"), json={
        "type": "ConsultationHandlerDesignated", "case": opened_case, "consultation": "C1", "official": "sxd.nva",
        "at": moment(minutes=-1)})
    assert programme.status_code == 403 and "STC" in programme.get_json()["error"]
    assert handler.status_code == 400
    assert web_ledger.event_count() == before


def test_an_officials_token_appends_no_registry_event_and_an_oversight_token_appends_nothing(
        client_api: FlaskClient, web_ledger: Ledger, opened_case: str) -> None:
    before = web_ledger.event_count()
    promote = {"type": "OfficialTransferred", "official": "sxd.nva", "agency": "SXD", "role": "head",
               "at": moment(minutes=-1)}
    resolve = {"type": "CaseResolved", "case": opened_case, "outcome": "approved", "at": moment(minutes=-1)}
    assert client_api.post("/api/v1/events", headers=token_header(web_ledger, "sxd.nva"),
                           json=promote).status_code == 403
    assert client_api.post("/api/v1/events", headers=token_header(web_ledger, "vp.head", "oversight"),
                           json=resolve).status_code == 403
    assert client_api.post("/api/v1/events", headers=token_header(web_ledger, "vp.clerk", "admin"),
                           json=resolve).status_code == 403  # an admin token: registry events only
    assert web_ledger.event_count() == before


def test_another_officials_idempotency_id_through_the_api_is_a_conflict(
        client_api: FlaskClient, web_ledger: Ledger, opened_case: str) -> None:
    body = {"type": "SupplementRequested", "case": opened_case, "reason": "Bổ sung", "at": moment(minutes=-2),
            "id": "api-replayed-1"}
    assert client_api.post("/api/v1/events", headers=token_header(web_ledger, "sxd.nva"), json=body).status_code == 201
    count = web_ledger.event_count()
    replay = client_api.post("/api/v1/events", headers=token_header(web_ledger, "sxd.head"),
                             json={**body, "by": "sxd.nva"})
    assert replay.status_code == 409
    assert web_ledger.event_count() == count
    assert [r.by for r in web_ledger.records() if r.key == "api-replayed-1"] == ["sxd.nva"]


# --- credentials ---------------------------------------------------------------------------------------


def test_a_token_revoked_on_the_admin_page_is_refused_at_the_next_request(
        client_api: FlaskClient, web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    token, text = web_ledger.accounts.create_token("sxd.nva", "official")
    headers = {"Authorization": f"Bearer {text}"}
    assert client_api.get(f"/api/v1/cases/{opened_case}", headers=headers).status_code == 200
    assert as_user("admin").post(f"/admin/tokens/{token.token_id}/revoke").status_code == 302
    before = web_ledger.event_count()
    assert client_api.get(f"/api/v1/cases/{opened_case}", headers=headers).status_code == 401
    assert client_api.post("/api/v1/events", headers=headers, json={
        "type": "SupplementRequested", "case": opened_case, "reason": "x", "at": moment(minutes=-1)}).status_code == 401
    assert web_ledger.event_count() == before


def test_a_token_revoked_by_the_cli_in_another_process_is_refused_at_once(
        client_api: FlaskClient, web_ledger: Ledger, opened_case: str, tmp_path: Any) -> None:
    from ledger.cli import main

    token, text = web_ledger.accounts.create_token("sxd.nva", "official")
    headers = {"Authorization": f"Bearer {text}"}
    assert client_api.get(f"/api/v1/cases/{opened_case}", headers=headers).status_code == 200
    result = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'web.db'}", "token", "revoke", token.token_id])
    assert result.exit_code == 0, result.output
    assert client_api.get(f"/api/v1/cases/{opened_case}", headers=headers).status_code == 401


def test_a_logged_out_session_cookie_replayed_neither_reads_nor_records(
        app: Flask, web_ledger: Ledger, opened_case: str) -> None:
    client = log_in(app.test_client(), "clerk")
    stolen = client.get_cookie("session")
    assert stolen is not None and client.get("/inbox").status_code == 200
    assert client.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen.value)
    before = web_ledger.event_count()
    assert replay.get("/inbox").location.startswith("/login")
    posted = replay.post(f"/events/SupplementRequested?case={opened_case}", data={
        "case": opened_case, "reason": "Bổ sung", "at": local_now(minutes=-1)})
    assert posted.status_code == 302 and posted.location.startswith("/login")
    assert web_ledger.event_count() == before
    assert log_in(app.test_client(), "clerk").get("/inbox").status_code == 200  # logging in again works


def test_a_disabled_logins_session_is_refused_at_once(app: Flask, as_user: Any, web_ledger: Ledger) -> None:
    web_ledger.accounts.add_login("spare", "sxd.ttb", PASSWORD, "official")
    spare = log_in(app.test_client(), "clerk")  # a session of another login, unaffected
    victim = app.test_client()
    assert victim.post("/login", data={"login": "spare", "password": PASSWORD}).status_code == 302
    assert victim.get("/inbox").status_code == 200
    assert as_user("admin").post("/admin/logins/spare/disable").status_code == 302
    assert victim.get("/inbox").status_code == 302
    assert spare.get("/inbox").status_code == 200


def test_a_session_cookie_copied_to_another_browser_is_refused(app: Flask) -> None:
    """Flask-Login's "strong" session protection: the cookie is bound to the browser it was issued to."""
    client = log_in(app.test_client(), "admin")
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/admin/", headers={"User-Agent": "another browser"}).status_code == 302
    assert thief.get("/admin/").status_code == 302  # the session was dropped, not just skipped once


def test_a_session_cookie_forged_with_another_key_is_refused(app: Flask, web_ledger: Ledger) -> None:
    admin = web_ledger.accounts.get_login(USERS["admin"][0])
    assert admin is not None
    forger = Flask("forger")
    forger.secret_key = "not-the-secret"
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    assert serializer is not None
    forged = serializer.dumps({"_user_id": admin.session_id, "_fresh": True})
    client = app.test_client()
    client.set_cookie("session", forged)
    assert client.get("/admin/").status_code == 302


def test_a_session_is_no_credential_for_the_api(app: Flask, opened_case: str) -> None:
    client = log_in(app.test_client(), "clerk")
    response = client.post("/api/v1/events", json={
        "type": "SupplementRequested", "case": opened_case, "reason": "x", "at": moment(minutes=-1)})
    assert response.status_code == 401
