"""The web application's factory and health check (the pages and API come with the web issue)."""

from __future__ import annotations

from tests.builders import lines, registry_lines
from web import create_app


def test_the_health_check_counts_the_events(sqlite_url):
    app = create_app({"LEDGER_DATABASE_URL": sqlite_url, "TESTING": True})
    ledger = app.extensions["ledger"]
    try:
        assert app.test_client().get("/healthz").get_json() == {"status": "ok", "events": 0}
        ledger.import_lines(lines(*registry_lines()))
        response = app.test_client().get("/healthz")
        assert response.status_code == 200 and response.get_json() == {"status": "ok", "events": 11}
    finally:
        ledger.close()
