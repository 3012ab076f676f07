"""The application factory (SPEC §11), reached through `web.create_app`: one blueprint per audience.

Blueprints: `auth` (login, logout), `agency` (inbox and forms), `inspect` (case search, replay,
control slip, findings), `oversight` (dashboard, charts, violations, exports), `admin` (registry,
logins, tokens), `public` (rulebook, calendar, report verification) and `api` (JSON, with its
OpenAPI document at `/api/openapi.json`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_smorest import Api
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from werkzeug.middleware.proxy_fix import ProxyFix

from ledger import STORE_FAILURES, Ledger, StoreError, store_failure_message

from . import MissingSecretKey, admin, agency, api, auth, i18n, inspect, oversight, public, security
from .config import DEFAULTS, FILE_FORMS, from_environment
from .formcheck import check_form_post
from .limits import BodyLimit
from .api_schemas import AnyFailure
from .routing import ReferenceConverter

csrf = CSRFProtect()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update({k: v for k, v in from_environment().items() if v is not None})
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        raise MissingSecretKey(
            "no secret key: set LEDGER_SECRET_KEY (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.url_map.converters["ref"] = ReferenceConverter
    app.url_map.merge_slashes = False  # "/cases/%2FA" is the case "/A", not "/cases/A"
    app.wsgi_app = BodyLimit(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"], FILE_FORMS)  # type: ignore[method-assign]
    proxies = int(app.config.get("LEDGER_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    ledger = app.config.get("LEDGER") or Ledger(app.config["LEDGER_DATABASE_URL"], create=False)
    app.extensions["ledger"] = ledger

    i18n.init_app(app)
    app.before_request(check_form_post)  # before CSRF, which parses the form
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    auth.limiter.init_app(app)
    security.init_app(app)  # CSP, frame, nosniff, referrer, HSTS over https (web/security.py)

    app.register_blueprint(auth.bp)
    app.register_blueprint(agency.bp)
    app.register_blueprint(inspect.bp)
    app.register_blueprint(oversight.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(public.bp)
    rest = LedgerApi(app, spec_kwargs={"info": {"description": "Procedure Ledger: append events, read the ledger."}})
    api.register_components(rest)
    rest.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # token-authenticated: no cookie, so no cross-site request forgery

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok", events=ledger.event_count())

    _error_pages(app)
    return app


class LedgerApi(Api):
    """flask-smorest's API, whose default error response is the body this API really sends
    (`{"error": …}` or `{"errors": […]}`), not flask-smorest's own error schema."""

    ERROR_SCHEMA = AnyFailure


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/api", "/healthz")


def _error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> Any:
        from flask_babel import gettext as _

        reason = _("The form expired or did not come from this site (missing or wrong CSRF token);"
                   " nothing was recorded. Open the form again.")
        return render_template("error.html", status=400, reason=reason), 400

    @app.errorhandler(StoreError)
    def store_refused(error: StoreError) -> Any:
        """The store cannot answer as asked (e.g. a report needs a checkpoint this process has no key
        to sign): a 503 that says why, never a 500 page or a report that vouches for less."""
        return _unavailable(str(error))

    for failure in STORE_FAILURES:
        @app.errorhandler(failure)
        def store_failed(error: Exception) -> Any:
            """The database itself failed (restarting, unreachable): a 503 with Retry-After, never
            a 500. An append that failed this way was not acknowledged; retrying it with the same
            `id` is safe (it is answered as a duplicate if it had been recorded)."""
            app.logger.warning("store failure: %s", store_failure_message(error))
            response = _unavailable(store_failure_message(error))
            response.headers["Retry-After"] = "2"
            return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if _wants_json():
            body: dict[str, Any] = {"error": error.description or error.name}
            messages = getattr(error, "data", {}).get("messages") if hasattr(error, "data") else None
            if messages:  # webargs: {"query": {"field": ["message"]}}
                status = 400
                body = {"errors": [
                    {"index": None, "field": name, "code": "invalid_parameter", "message": _flatten(texts),
                     "params": {}}
                    for where in messages.values() for name, texts in where.items()
                ]}
            response = jsonify(body)
            response.status_code = status
        else:
            response = app.make_response((render_template("error.html", status=status,
                                                          reason=_reason(status, error)), status))
        allowed = error.get_response().headers.get("Allow") if status == 405 else None
        if allowed:
            response.headers["Allow"] = allowed  # RFC 9110: a 405 names the methods the resource takes
        return response


def _unavailable(detail: str) -> Any:
    from flask import make_response
    from flask_babel import gettext as _

    reason = _("The ledger cannot answer this now (details in English): %(reason)s", reason=detail)
    if _wants_json():
        return make_response(jsonify(error=reason), 503)
    return make_response(render_template("error.html", status=503, reason=reason), 503)


def _flatten(messages: Any) -> str:
    """webargs' messages of one field: a list, or (for a list field) a dict of lists by index."""
    if isinstance(messages, dict):
        return " ".join(_flatten(inner) for inner in messages.values())
    if isinstance(messages, (list, tuple)):
        return " ".join(_flatten(inner) for inner in messages)
    return str(messages)


def _reason(status: int, error: HTTPException) -> str:
    from flask_babel import gettext as _

    if status == 429 and request.path in FILE_FORMS:
        return _("Too many reports verified from this address; wait a minute and try again.")
    if status == 429:
        return _("Too many failed attempts; wait a minute and try again.")
    if status == 413:
        return _("The request is too large (at most %(limit)s bytes).",
                 limit=FILE_FORMS.get(request.path, DEFAULTS["MAX_CONTENT_LENGTH"]))
    if status == 404 and error.description and not error.description.startswith("The requested URL"):
        return str(error.description)
    if status in (403, 415) and error.description:
        return str(error.description)
    if status == 404:
        return _("There is no such page.")
    if status == 400 and error.description and not error.description.startswith("The browser"):
        return str(error.description)
    return _("The request could not be handled (%(status)s).", status=status)
