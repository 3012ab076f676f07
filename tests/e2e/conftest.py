"""End-to-end fixtures: the application served over real HTTP on 127.0.0.1 and driven by a real
Chromium (Debian's `/usr/bin/chromium`, never a browser downloaded by `playwright install`).

- `live_server`: a fresh SQLite ledger (the default registry and one login per role, as in
  tests/web/conftest.py) behind `werkzeug.serving.make_server` in a daemon thread. CSRF stays on:
  the browser carries the token as a user's would.
- `chromium`: one headless browser for the session, through Playwright's sync API directly (not
  pytest-playwright's fixtures, whose `base_url` fixture raises a deprecation warning that
  `filterwarnings = ["error"]` would turn into an error).
- `browser_page`: a fresh context and page per test. Every request to anything but 127.0.0.1 or
  localhost is aborted and recorded in `offsite_requests`, so a test can assert that the pages
  need nothing from off the machine (no CDN, no font service, no analytics).

Without Chromium the tests are skipped with the reason; under CI=true they fail loudly instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from ledger import LOCAL_TZ, Ledger
from tests.web.conftest import PASSWORD, USERS, registry_ledger
from web import create_app

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
#: How long one browser action or expectation may wait before the test fails (ms).
TIMEOUT_MS = 10_000


@dataclass
class LiveServer:
    url: str
    ledger: Ledger

    def records(self, type_: str | None = None, case: str | None = None) -> list[Any]:
        """The ledger's stored events (optionally of one type / one case), in log order."""
        return [r for r in self.ledger.records()
                if (type_ is None or r.type == type_) and (case is None or r.case == case)]


@contextmanager
def serving(ledger: Ledger) -> Iterator[LiveServer]:
    """`ledger` behind the application on a free local port, CSRF on; closed afterwards."""
    app = create_app({"LEDGER": ledger, "SECRET_KEY": "e2e-secret", "SESSION_COOKIE_SECURE": False,
                      "REMEMBER_COOKIE_SECURE": False})
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", ledger=ledger)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        ledger.close()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    with serving(registry_ledger(tmp_path / "e2e.db")) as server:
        yield server


@pytest.fixture
def offsite_requests() -> list[str]:
    """The URLs of the requests the pages tried to send off the machine (each was aborted)."""
    return []


@pytest.fixture
def browser_page(chromium: Any, offsite_requests: list[str]) -> Iterator[Any]:
    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(TIMEOUT_MS)

    def guard(route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            offsite_requests.append(url)
            route.abort("blockedbyclient")

    # On the context, so every page it opens (a popup, a new tab) is guarded as well.
    context.route("**/*", guard)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def log_in(page: Any, server: LiveServer, who: str) -> None:
    """Log in through the login form, as `who` (a key of USERS); lands on the user's home page."""
    login, _official, _role = USERS[who]
    page.goto(f"{server.url}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form.narrow button[type=submit]")
    assert urlsplit(page.url).path != "/login", page.content()[:2000]


@pytest.fixture
def opened_case(live_server: LiveServer) -> str:
    """A case opened by SXD's clerk, led by SXD, consulting STC (consultation C1, open)."""
    at = datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(minutes=30)
    ref = "HCM-E2E-1"
    live_server.ledger.append([
        {"type": "CaseOpened", "case": ref, "procedure": "REAL_ESTATE_DIFFICULTY", "title": "Khó khăn dự án A",
         "at": at.isoformat(), "by": "sxd.clerk"},
        {"type": "LeadAssigned", "case": ref, "agency": "SXD", "official": "sxd.nva", "at": at.isoformat(),
         "by": "sxd.clerk"},
        {"type": "ConsultationRequested", "case": ref, "consultation": "C1", "to": "STC",
         "question": "Ý kiến về vốn?", "at": at.isoformat(), "by": "sxd.nva"},
    ], source="web")
    return ref
