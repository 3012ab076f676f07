"""Fixtures of the web layer: a ledger with the default registry, one login per role, and the
application on it (Flask's test client). CSRF is off in these fixtures, as Flask-WTF advises for
tests; `csrf_app` keeps it on, for the tests that prove it is enforced."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from ledger import LOCAL_TZ, Ledger
from ledger.demo import DEFAULT_REGISTRY
from web import create_app

PASSWORD = "mật khẩu đủ dài 1"

#: name: (login, official, product role). The SXD officials lead; STC is consulted.
USERS: dict[str, tuple[str, str, str]] = {
    "clerk": ("clerk", "sxd.clerk", "official"),
    "specialist": ("specialist", "sxd.nva", "official"),
    "head": ("head", "sxd.head", "official"),
    "consulted": ("consulted", "stc.clerk", "official"),
    "consulted_head": ("consulted-head", "stc.head", "official"),
    "inspector": ("inspector", "tttp.insp1", "official"),
    "oversight": ("oversight", "vp.head", "oversight"),
    "admin": ("admin", "vp.clerk", "admin"),
}


def registry_ledger(path: Path) -> Ledger:
    """A ledger at `path` with the default Ho Chi Minh City registry and one login per USERS entry."""
    ledger = Ledger(str(path))
    report = ledger.import_lines(DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines())
    assert not report.refused
    for login, official, role in USERS.values():
        ledger.accounts.add_login(login, official, PASSWORD, role)
    return ledger


@pytest.fixture
def web_ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = registry_ledger(tmp_path / "web.db")
    yield ledger
    ledger.close()


def _app(ledger: Ledger, **config: Any) -> Flask:
    return create_app({"LEDGER": ledger, "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": False,
                       "REMEMBER_COOKIE_SECURE": False, **config})


@pytest.fixture
def app(web_ledger: Ledger) -> Flask:
    return _app(web_ledger, WTF_CSRF_ENABLED=False)


@pytest.fixture
def csrf_app(web_ledger: Ledger) -> Flask:
    return _app(web_ledger)


@pytest.fixture
def dev_server(app: Flask) -> Iterator[int]:
    """The application on Werkzeug's own server (what `ledger serve` runs), on a free local port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=5)


def log_in(client: FlaskClient, who: str) -> FlaskClient:
    response = client.post("/login", data={"login": USERS[who][0], "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def as_user(app: Flask) -> Any:
    """`as_user("clerk")`: a test client logged in as that user."""

    def make(who: str) -> FlaskClient:
        return log_in(app.test_client(), who)

    return make


def local_now(**delta: float) -> str:
    """A browser's datetime-local value (Vietnam time, no offset), shifted by `delta`."""
    moment = datetime.now(LOCAL_TZ).replace(microsecond=0, tzinfo=None) + timedelta(**delta)
    return moment.isoformat()


def working_days_ago(ledger: Ledger, n: int) -> date:
    """The latest date d with exactly `n` working days in (d, today]."""
    calendar, today = ledger.calendar(), ledger.today()
    day = today
    while calendar.wd(day, today) < n:
        day -= timedelta(days=1)
    return day


@pytest.fixture
def opened_case(web_ledger: Ledger) -> str:
    """A case opened by SXD's clerk, led by SXD, consulting STC (consultation C1, open)."""
    at = datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(minutes=30)
    ref = "HCM-WEB-1"
    web_ledger.append([
        {"type": "CaseOpened", "case": ref, "procedure": "REAL_ESTATE_DIFFICULTY", "title": "Khó khăn dự án A",
         "at": at.isoformat(), "by": "sxd.clerk"},
        {"type": "LeadAssigned", "case": ref, "agency": "SXD", "official": "sxd.nva", "at": at.isoformat(),
         "by": "sxd.clerk"},
        {"type": "ConsultationRequested", "case": ref, "consultation": "C1", "to": "STC", "question": "Ý kiến về vốn?",
         "at": at.isoformat(), "by": "sxd.nva"},
    ], source="web")
    return ref
