"""The web application (SPEC §11): for now only its factory and the health check.

Forms, pages and the JSON API arrive with the web issue; the factory is already the one place
that builds the process's `Ledger` and keeps it in `app.extensions`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from ledger import Ledger


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(LEDGER_DATABASE_URL=None)
    app.config.update(config or {})
    ledger = Ledger(app.config["LEDGER_DATABASE_URL"])
    app.extensions["ledger"] = ledger

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok", events=ledger.event_count())

    return app
