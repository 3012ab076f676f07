"""What the running service answers when the database fails, when a form is empty, and behind a
reverse proxy (findings of the reliability, fuzzing and security passes)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from ledger import Ledger
from tests.web.conftest import PASSWORD, USERS, _app
from tests.web.test_api import bearer


def _store_down(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("SELECT 1", None, Exception("terminating connection due to administrator command"))


def test_a_database_that_fails_mid_request_is_a_503_with_retry_after_never_a_500(
        app: Flask, web_ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = bearer(web_ledger, "sxd.ttb")
    client = app.test_client()
    monkeypatch.setattr(type(web_ledger), "event_count", _store_down)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.headers["Retry-After"] == "2"
    assert "terminating connection" in health.get_json()["error"]
    monkeypatch.setattr(type(web_ledger.queries), "case", _store_down)
    api = client.get("/api/v1/cases/HCM-X-1", headers=headers)
    assert api.status_code == 503 and api.headers["Retry-After"] == "2" and "error" in api.get_json()


def test_the_login_form_sent_empty_says_what_it_needs(app: Flask) -> None:
    response = app.test_client().post("/login", data={"login": "", "password": ""})
    assert response.status_code == 400
    assert "64" in response.get_data(as_text=True) and "1.024" in response.get_data(as_text=True)


def _guess_from(client: Any, address: str, tries: int) -> list[int]:
    return [client.post("/login", data={"login": f"nobody{i}", "password": "x"},
                        headers={"X-Forwarded-For": address}).status_code for i in range(tries)]


def test_behind_a_proxy_one_clients_guesses_do_not_lock_out_the_others(web_ledger: Ledger) -> None:
    app = _app(web_ledger, WTF_CSRF_ENABLED=False, LEDGER_PROXIES=1)
    client = app.test_client()
    assert 429 in _guess_from(client, "203.0.113.7", 31)
    honest = client.post("/login", data={"login": USERS["clerk"][0], "password": PASSWORD},
                         headers={"X-Forwarded-For": "198.51.100.23"})
    assert honest.status_code == 302


def test_without_a_declared_proxy_the_forwarded_address_is_not_believed(web_ledger: Ledger) -> None:
    app = _app(web_ledger, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    assert 429 in _guess_from(client, "203.0.113.8", 31)
    # Another claimed address changes nothing: all of them are this one client.
    assert _guess_from(client, "198.51.100.24", 1) == [429]


def test_a_number_of_proxies_that_is_no_number_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from web.config import from_environment

    monkeypatch.setenv("LEDGER_PROXIES", "all")
    with pytest.raises(ValueError, match="LEDGER_PROXIES"):
        from_environment()
