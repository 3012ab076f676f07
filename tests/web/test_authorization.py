"""Who may open what (SPEC §4 "who may do it", §11 roles).

The matrix walks every rule of the application's url_map, so a new route cannot escape it: each
endpoint must have an explicit expectation for each audience (nobody logged in, and each login of
the fixtures), and an endpoint the table does not know fails the test. Then the refusals of SPEC §4
on the forms (a 403 page saying why, in the user's language), and a user who tries to act as
another official.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from flask import Flask, url_for

from ledger import Ledger
from tests.web.conftest import PASSWORD, USERS, local_now, log_in
from web.forms import AGENCY_TYPES, REGISTRY_FORM_TYPES

from tests.web.access import (  # noqa: F401  (the vocabulary of the tables)
    AUDIENCES, DENIED, LOGIN, NO_TOKEN, OFFICIALS, OK, REFUSED_INPUT, Expectation, Outcome, admin_pages,
    audiences, everyone, inspectors_pages, officials_pages, oversight_pages, to,
)
from tests.web import access_inspect, access_oversight, access_public

CASE = "HCM-WEB-1"
SPARE_LOGIN = "spare"

#: Every endpoint of the application, by name. A route added without a line here fails the matrix.
EXPECTATIONS: dict[str, Expectation] = {
    "auth.index": Expectation({"GET": audiences(
        anonymous=to("/login"), officials=to("/inbox"), oversight=to("/oversight/"),
        admin=to("/admin/"), inspector=to("/inspect/cases"))}),
    "auth.login": Expectation({"GET": everyone(OK), "POST": everyone(REFUSED_INPUT)}),
    "auth.logout": Expectation({"POST": audiences(anonymous=LOGIN, officials=to("/login"), oversight=to("/login"),
                                                  admin=to("/login"))}),
    "agency.inbox": Expectation({"GET": officials_pages(OK)}),
    "agency.case": Expectation({"GET": officials_pages(OK)}, {"case": CASE}),
    "agency.event": Expectation({"GET": officials_pages(OK), "POST": officials_pages(REFUSED_INPUT)},
                                {"kind": "CaseOpened"}),
    "inspect.finding": Expectation({"GET": inspectors_pages(OK), "POST": inspectors_pages(REFUSED_INPUT)}),
    "oversight.violations": Expectation({"GET": oversight_pages(OK)}),
    "admin.home": Expectation({"GET": admin_pages(OK)}),
    "admin.registry_event": Expectation({"GET": admin_pages(OK), "POST": admin_pages(REFUSED_INPUT)},
                                        {"kind": "AgencyRegistered"}),
    "admin.logins": Expectation({"GET": admin_pages(OK), "POST": admin_pages(REFUSED_INPUT)}),
    "admin.disable_login": Expectation({"POST": admin_pages(to("/admin/logins"))}, {"login": SPARE_LOGIN}),
    "admin.tokens": Expectation({"GET": admin_pages(OK), "POST": admin_pages(REFUSED_INPUT)}),
    "admin.revoke_token": Expectation({"POST": admin_pages(to("/admin/tokens"))}, {"token_id": "<token>"}),
    "api-docs.openapi_json": Expectation({"GET": everyone(OK)}),
    # The API authenticates by token only: a browser's session is no credential there.
    "api.append_events": Expectation({"POST": everyone(NO_TOKEN)}),
    "api.get_case": Expectation({"GET": everyone(NO_TOKEN)}, {"case": CASE}),
    "api.get_history": Expectation({"GET": everyone(NO_TOKEN)}, {"case": CASE}),
    "api.get_violations": Expectation({"GET": everyone(NO_TOKEN)}),
    "api.get_scorecard": Expectation({"GET": everyone(NO_TOKEN)}),
    "healthz": Expectation({"GET": everyone(OK)}),
    **access_inspect.EXPECTATIONS,
    **access_oversight.EXPECTATIONS,
    **access_public.EXPECTATIONS,
}


def routes(app: Flask) -> list[Any]:
    """Every rule but the static files, with logout last (it ends the session the others use)."""
    found = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    return sorted(found, key=lambda rule: rule.endpoint == "auth.logout")


def reason(response: Any) -> str:
    """The text of a 403 page's explanation."""
    found = re.search(r'<p class="reason">(.*?)</p>', response.get_data(as_text=True), re.DOTALL)
    return unescape(found.group(1)).strip() if found else ""


def outcome_of(response: Any) -> Outcome:
    if response.status_code in (301, 302, 303):
        return Outcome(response.status_code, response.headers["Location"].split("?")[0])
    return Outcome(response.status_code)


def test_the_audiences_are_the_logins_of_the_fixtures() -> None:
    assert set(AUDIENCES) == {"anonymous", *OFFICIALS, "oversight", "admin"}
    assert all(USERS[name][2] == "official" for name in OFFICIALS)


def test_every_endpoint_in_the_expectation_table_exists(app: Flask) -> None:
    assert set(EXPECTATIONS) == {rule.endpoint for rule in routes(app)}


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_route_gives_each_audience_what_its_role_allows(
        audience: str, app: Flask, web_ledger: Ledger, opened_case: str) -> None:
    web_ledger.accounts.add_login(SPARE_LOGIN, "sxd.ttb", PASSWORD, "official")
    token, _secret = web_ledger.accounts.create_token("sxd.nva", "official")
    client = app.test_client() if audience == "anonymous" else log_in(app.test_client(), audience)
    wrong = []
    for rule in routes(app):
        expectation = EXPECTATIONS.get(rule.endpoint)
        assert expectation is not None, f"no expectation for endpoint {rule.endpoint} ({rule.rule})"
        args: dict[str, Any] = {k: (token.token_id if v == "<token>" else v) for k, v in (expectation.args or {}).items()}
        assert set(args) == set(rule.arguments), f"the URL arguments of {rule.endpoint}"
        with app.test_request_context():
            url = url_for(rule.endpoint, **args)
        for method in ("GET", "POST"):
            if method not in (rule.methods or ()):
                continue
            expected = expectation.outcomes.get(method, {}).get(audience)
            assert expected is not None, f"no expectation for {method} {rule.endpoint} and {audience}"
            response = client.open(url, method=method, data={} if method == "POST" else None)
            got = outcome_of(response)
            if got != expected:
                wrong.append(f"{method} {url}: expected {expected}, got {got}")
            elif expected == DENIED and not reason(response):
                wrong.append(f"{method} {url}: a 403 page that does not say why")
    assert wrong == [], f"as {audience}:\n" + "\n".join(wrong)


def test_every_method_of_every_route_has_an_expectation_for_every_audience(app: Flask) -> None:
    for rule in routes(app):
        expectation = EXPECTATIONS[rule.endpoint]
        methods = {"GET", "POST"} & set(rule.methods or ())
        assert set(expectation.outcomes) == methods, rule.endpoint
        for method in methods:
            assert set(expectation.outcomes[method]) == set(AUDIENCES), f"{method} {rule.endpoint}"


def test_oversight_and_admin_logins_are_refused_every_agency_form(as_user: Any, opened_case: str) -> None:
    for who in ("oversight", "admin"):
        client = as_user(who)
        for kind in AGENCY_TYPES:
            url = f"/events/{kind}?case={opened_case}"
            assert (client.get(url).status_code, client.post(url, data={}).status_code) == (403, 403), (who, kind)


def test_only_an_admin_opens_the_registry_forms(as_user: Any) -> None:
    for who in (*OFFICIALS, "oversight"):
        client = as_user(who)
        for kind in REGISTRY_FORM_TYPES:
            url = f"/admin/registry/{kind}"
            assert (client.get(url).status_code, client.post(url, data={}).status_code) == (403, 403), (who, kind)


def test_nobody_logged_in_is_sent_to_the_login_page_from_every_form(app: Flask, opened_case: str) -> None:
    client = app.test_client()
    urls = [*(f"/events/{kind}?case={opened_case}" for kind in AGENCY_TYPES),
            *(f"/admin/registry/{kind}" for kind in REGISTRY_FORM_TYPES), "/inspect/findings"]
    for url in urls:
        for response in (client.get(url), client.post(url, data={})):
            assert outcome_of(response) == LOGIN, url


# --- the refusals of SPEC §4, on the forms --------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    story: str
    who: str
    kind: str
    data: dict[str, str]
    english: str  # the English reason the form's page gives, in full or in part

    def url(self, case: str, lang: str | None = None) -> str:
        query = f"?case={case}" + (f"&lang={lang}" if lang else "")
        return f"/events/{self.kind}{query}"


REFUSALS = [
    Refusal("the consulted agency's clerk resolves the case", "consulted", "CaseResolved",
            {"outcome": "approved"}, "Only an official of the lead agency (SXD) may do this."),
    Refusal("a specialist of the lead agency apologises", "specialist", "ApologyIssued",
            {"reason": "Chậm do chờ ý kiến", "new_due": "2099-01-05"},
            "Only the head or a deputy head of the lead agency issues an apology."),
    Refusal("the consulted agency's head consults another agency", "consulted_head", "ConsultationRequested",
            {"consultation": "C2", "to": "STNMT", "question": "Ý kiến về đất?"},
            "Only an official of the lead agency (SXD) may do this."),
    Refusal("the lead agency answers its own consultation", "specialist", "ConsultationAnswered",
            {"consultation": "C1", "position": "agree", "reasoning": "Đồng ý"},
            "No open consultation of this case is addressed to your agency."),
    Refusal("the lead agency's clerk designates who handles the consultation", "clerk",
            "ConsultationHandlerDesignated", {"consultation": "C1", "official": "sxd.nva"},
            "No open consultation of this case is addressed to your agency."),
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda r: r.story.replace(" ", "_"))
def test_a_form_that_spec_4_refuses_to_the_user_is_a_403_page_that_says_why_and_appends_nothing(
        refusal: Refusal, web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    client = as_user(refusal.who)
    data = {"case": opened_case, "at": local_now(minutes=-1), **refusal.data}
    before = web_ledger.event_count()

    shown = client.get(refusal.url(opened_case, "en"))
    posted = client.post(refusal.url(opened_case, "en"), data=data)
    vietnamese = client.post(refusal.url(opened_case, "vi"), data=data)

    assert (shown.status_code, posted.status_code, vietnamese.status_code) == (403, 403, 403)
    assert refusal.english in reason(shown)
    assert reason(posted) and reason(vietnamese) and reason(vietnamese) != reason(posted)
    assert web_ledger.event_count() == before


def test_a_refusal_of_who_may_act_is_in_vietnamese_by_default(web_ledger: Ledger, opened_case: str,
                                                              as_user: Any) -> None:
    client = as_user("consulted")

    default = client.get(f"/events/CaseResolved?case={opened_case}")
    english = client.get(f"/events/CaseResolved?case={opened_case}&lang=en")

    assert default.status_code == english.status_code == 403
    assert 'lang="vi"' in default.get_data(as_text=True)
    assert reason(default) and reason(default) != reason(english)
    assert "SXD" in reason(default)


def test_the_ledger_refuses_a_work_programme_for_another_agency_with_a_403_page_in_the_users_language(
        web_ledger: Ledger, as_user: Any) -> None:
    client = as_user("clerk")
    data = {"agency": "STC", "year": str(web_ledger.today().year), "at": local_now(minutes=-1)}
    before = web_ledger.event_count()

    english = client.post("/events/WorkProgrammeAdopted?lang=en", data=data)
    vietnamese = client.post("/events/WorkProgrammeAdopted?lang=vi", data=data)

    assert english.status_code == vietnamese.status_code == 403
    assert "only an official of STC may adopt its work programme; sxd.clerk is of SXD" in reason(english)
    assert reason(vietnamese) and reason(vietnamese) != reason(english) and "STC" in reason(vietnamese)
    assert web_ledger.event_count() == before


def test_only_an_inspector_opens_the_finding_form(as_user: Any) -> None:
    assert as_user("inspector").get("/inspect/findings").status_code == 200
    for who in ("clerk", "specialist", "head", "consulted", "oversight", "admin"):
        response = as_user(who).get("/inspect/findings?lang=en")
        assert response.status_code == 403, who
        assert "inspector" in reason(response), who


def test_oversight_and_admin_logins_record_no_case_event(web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    before = web_ledger.event_count()
    for who in ("oversight", "admin"):
        response = as_user(who).post("/events/CaseResolved?lang=en", data={
            "case": opened_case, "outcome": "approved", "at": local_now(minutes=-1)})
        assert response.status_code == 403
        assert USERS[who][2] in reason(response)
    assert web_ledger.event_count() == before


# --- acting as oneself only -----------------------------------------------------------------------------


def last_event(ledger: Ledger) -> Any:
    return list(ledger.records())[-1]


def test_a_by_field_posted_in_a_form_is_ignored_and_the_event_is_the_users_own(
        web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    response = as_user("clerk").post("/events/CaseOpened", data={
        "case": "HCM-WEB-BY", "procedure": "CONSTRUCTION_PERMIT", "title": "Cấp phép xây dựng",
        "by": "sxd.head", "at": local_now(minutes=-1)})

    assert response.status_code == 302
    event = last_event(web_ledger)
    assert (event.type, event.case, event.by) == ("CaseOpened", "HCM-WEB-BY", "sxd.clerk")


def test_naming_the_lead_official_as_by_does_not_let_the_consulted_agency_resolve_the_case(
        web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    before = web_ledger.event_count()

    response = as_user("consulted").post("/events/CaseResolved", data={
        "case": opened_case, "outcome": "approved", "by": "sxd.nva", "at": local_now(minutes=-1)})

    assert response.status_code == 403
    assert web_ledger.event_count() == before


def test_naming_the_head_as_by_does_not_let_a_specialist_apologise(
        web_ledger: Ledger, opened_case: str, as_user: Any) -> None:
    before = web_ledger.event_count()

    response = as_user("specialist").post("/events/ApologyIssued", data={
        "case": opened_case, "reason": "Chậm do chờ ý kiến", "new_due": "2099-01-05", "by": "sxd.head",
        "at": local_now(minutes=-1)})

    assert response.status_code == 403
    assert web_ledger.event_count() == before


def test_a_by_field_posted_in_the_finding_form_is_ignored(web_ledger: Ledger, opened_case: str,
                                                         as_user: Any) -> None:
    response = as_user("inspector").post("/inspect/findings", data={
        "case": opened_case, "rule": "REDUNDANT_CONSULTATION", "decision": "dismissed", "consultation": "C1",
        "by": "tttp.insp2", "at": local_now(minutes=-1)})

    assert response.status_code == 302
    event = last_event(web_ledger)
    assert (event.type, event.by) == ("FindingRecorded", "tttp.insp1")
