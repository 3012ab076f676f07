"""Every state-changing request of the pages is protected against CSRF (SPEC §11).

With CSRF on (`csrf_app`), each POST route of the url_map outside the token-authenticated API is
posted twice: without a token it is refused with 400 and changes nothing; with the token scraped
from the page that holds the form, the same post succeeds. A route added without a line here fails.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger import Ledger, export_report
from tests.web.conftest import PASSWORD, USERS, local_now
from tests.web.test_forms import AGENCY_RECORDINGS, REGISTRY_RECORDINGS, Recording
from web.forms import AGENCY_TYPES, REGISTRY_FORM_TYPES


def csrf_token(response: Any) -> str:
    """The hidden csrf_token of the page (every form of a page carries the same session token)."""
    assert response.status_code == 200, f"the page holding the form is {response.status_code}"
    found = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert found, "the page has no csrf_token input"
    return unescape(found.group(1))


def logged_in(app: Flask, who: str) -> FlaskClient:
    """A client logged in through the login form, CSRF token and all."""
    client = app.test_client()
    token = csrf_token(client.get("/login"))
    response = client.post("/login", data={"login": USERS[who][0], "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def is_refused_for_csrf(response: Any) -> bool:
    return response.status_code == 400 and "CSRF" in response.get_data(as_text=True)


# --- the table: for each POST route, a user, the page with the form, a valid post, what it changes -----


@dataclass(frozen=True)
class Post:
    who: str | None  # None: nobody logged in
    page: str  # the page that holds the form
    url: str
    data: Callable[[Ledger], dict[str, Any]]
    state: Callable[[Ledger, FlaskClient], Any] | None  # what the post changes, read before and after
    succeeds: int = 302
    verdict: str | None = None  # a form that changes nothing (None state): what its accepted page says


def events(ledger: Ledger, client: FlaskClient) -> int:
    return ledger.event_count()


def logins(ledger: Ledger, client: FlaskClient) -> Any:
    return sorted((login.login, login.disabled) for login in ledger.accounts.list_logins())


def tokens(ledger: Ledger, client: FlaskClient) -> Any:
    return sorted((token.token_id, token.revoked is not None) for token in ledger.accounts.list_tokens())


def inbox_status(ledger: Ledger, client: FlaskClient) -> int:
    """Whether the client is logged in: its inbox is 200, else a redirect to the login page."""
    return client.get("/inbox").status_code


SPARE_LOGIN = "spare"


def recording_post(recording: Recording) -> Post:
    def data(ledger: Ledger) -> dict[str, str]:
        return recording.data(ledger, "HCM-WEB-1")

    return Post(recording.who, f"/events/{recording.kind}?case=HCM-WEB-1", f"/events/{recording.kind}", data, events)


def registry_post(kind: str) -> Post:
    return Post("admin", f"/admin/registry/{kind}", f"/admin/registry/{kind}",
                lambda ledger: {**REGISTRY_RECORDINGS[kind], "at": local_now(minutes=-1)}, events)


RECORDINGS = {r.kind: r for r in AGENCY_RECORDINGS}

#: One line per POST route outside /api/ (the event forms: one kind each; every kind below).
POSTS: dict[str, Post] = {
    "auth.login": Post(None, "/login", "/login",
                       lambda ledger: {"login": USERS["clerk"][0], "password": PASSWORD}, inbox_status),
    "auth.logout": Post("clerk", "/inbox", "/logout", lambda ledger: {}, inbox_status),
    "agency.event": recording_post(RECORDINGS["CoordinatorAssigned"]),
    "inspect.finding": Post("inspector", "/inspect/findings?case=HCM-WEB-1", "/inspect/findings",
                            lambda ledger: {"case": "HCM-WEB-1", "rule": "REDUNDANT_CONSULTATION",
                                            "decision": "dismissed", "consultation": "C1",
                                            "at": local_now(minutes=-1)}, events),
    "admin.registry_event": registry_post("AgencyRegistered"),
    "admin.logins": Post("admin", "/admin/logins", "/admin/logins",
                         lambda ledger: {"login": "new-clerk", "official": "sxd.ttb", "role": "official",
                                         "password": "một mật khẩu dài"}, logins),
    "admin.disable_login": Post("admin", "/admin/logins", f"/admin/logins/{SPARE_LOGIN}/disable",
                                lambda ledger: {}, logins),
    "admin.tokens": Post("admin", "/admin/tokens", "/admin/tokens",
                         lambda ledger: {"official": "sxd.nva", "role": "official"}, tokens, succeeds=200),
    "admin.revoke_token": Post("admin", "/admin/tokens", "/admin/tokens/<token>/revoke", lambda ledger: {}, tokens),
    # Checks an uploaded report and stores nothing: CSRF still guards it (a forged post spends the
    # ledger's time in the victim's name).
    "public.verify": Post(None, "/verify", "/verify", lambda ledger: {"report": (io.BytesIO(violations_report(ledger)),
                                                                                 "report.json")},
                          None, succeeds=200, verdict="rows recomputed and confirmed"),
}


def violations_report(ledger: Ledger) -> bytes:
    parameters = {"as_of": ledger.today().isoformat(), "known_at": None, "rules": [], "agencies": [],
                  "include_dismissed": False}
    return export_report(ledger.report("violations", parameters, "json"), "json")


def test_every_post_route_outside_the_api_is_in_the_table(csrf_app: Flask) -> None:
    posts = {rule.endpoint for rule in csrf_app.url_map.iter_rules()
             if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")}
    assert posts == set(POSTS)


@pytest.fixture
def prepared(web_ledger: Ledger, opened_case: str) -> str:
    """HCM-WEB-1, a spare login to disable and a token to revoke; returns the token's id."""
    web_ledger.accounts.add_login(SPARE_LOGIN, "sxd.ttb", PASSWORD, "official")
    token, _secret = web_ledger.accounts.create_token("sxd.ttb", "official")
    return token.token_id


def check_refused_then_accepted(app: Flask, ledger: Ledger, post: Post, token_id: str) -> None:
    client = logged_in(app, post.who) if post.who else app.test_client()
    url = post.url.replace("<token>", token_id)
    before = post.state(ledger, client) if post.state else None

    refused = client.post(url + "?lang=en", data=post.data(ledger))

    assert is_refused_for_csrf(refused), (refused.status_code, refused.get_data(as_text=True)[:1000])
    assert "nothing was recorded" in refused.get_data(as_text=True)
    assert post.state is None or post.state(ledger, client) == before, "a post without a CSRF token changed something"

    token = csrf_token(client.get(post.page))
    accepted = client.post(url, data={**post.data(ledger), "csrf_token": token})

    assert accepted.status_code == post.succeeds, accepted.get_data(as_text=True)[:1000]
    if post.state is None:
        assert post.verdict is not None and post.verdict in accepted.get_data(as_text=True)
    else:
        assert post.state(ledger, client) != before, "the post with its CSRF token changed nothing"


@pytest.mark.parametrize("endpoint", list(POSTS))
def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing_while_the_same_post_with_it_succeeds(
        endpoint: str, csrf_app: Flask, web_ledger: Ledger, prepared: str) -> None:
    check_refused_then_accepted(csrf_app, web_ledger, POSTS[endpoint], prepared)


@pytest.mark.parametrize("kind", [*AGENCY_TYPES, *REGISTRY_FORM_TYPES])
def test_every_event_form_refuses_a_post_without_a_csrf_token_and_accepts_it_with_one(
        kind: str, csrf_app: Flask, web_ledger: Ledger, prepared: str) -> None:
    if kind in RECORDINGS:
        recording = RECORDINGS[kind]
        recording.setup(web_ledger, "HCM-WEB-1")
        post = recording_post(recording)
    else:
        post = registry_post(kind)
    check_refused_then_accepted(csrf_app, web_ledger, post, prepared)


def test_a_login_without_a_csrf_token_is_refused_and_logs_nobody_in(csrf_app: Flask) -> None:
    client = csrf_app.test_client()

    response = client.post("/login?lang=en", data={"login": USERS["clerk"][0], "password": PASSWORD})

    assert is_refused_for_csrf(response)
    assert client.get("/inbox").status_code == 302


def test_a_post_with_another_sessions_csrf_token_is_refused(csrf_app: Flask, web_ledger: Ledger,
                                                            prepared: str) -> None:
    attacker = logged_in(csrf_app, "consulted")
    victim = logged_in(csrf_app, "clerk")
    stolen = csrf_token(attacker.get("/inbox"))
    before = web_ledger.event_count()

    response = victim.post("/events/CoordinatorAssigned", data={
        **RECORDINGS["CoordinatorAssigned"].data(web_ledger, "HCM-WEB-1"), "csrf_token": stolen})

    assert is_refused_for_csrf(response)
    assert web_ledger.event_count() == before


def test_the_csrf_refusal_is_in_vietnamese_by_default(csrf_app: Flask, web_ledger: Ledger, prepared: str) -> None:
    client = logged_in(csrf_app, "clerk")
    data = RECORDINGS["CoordinatorAssigned"].data(web_ledger, "HCM-WEB-1")

    english = client.post("/events/CoordinatorAssigned?lang=en", data=data)
    vietnamese = client.post("/events/CoordinatorAssigned?lang=vi", data=data)

    assert english.status_code == vietnamese.status_code == 400
    reason = re.compile(r'<p class="reason">(.*?)</p>', re.DOTALL)
    english_reason = reason.search(english.get_data(as_text=True))
    vietnamese_reason = reason.search(vietnamese.get_data(as_text=True))
    assert english_reason and vietnamese_reason
    assert vietnamese_reason.group(1).strip() and vietnamese_reason.group(1) != english_reason.group(1)
