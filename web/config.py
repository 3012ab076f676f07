"""The web application's settings, read from the environment (12-factor) with safe defaults.

- `LEDGER_DATABASE_URL`: the store (default: `ledger.db` here, as for the CLI).
- `LEDGER_SECRET_KEY`: signs sessions and CSRF tokens. Required: the factory refuses to start
  without one, except when `ledger serve` runs in development and generates one (and says so).
- `LEDGER_COOKIE_SECURE`: `0` lets the session cookie travel over plain http (development on
  localhost only); by default it is `Secure`.
- `LEDGER_RATELIMIT_STORAGE`: where login attempts are counted (`memory://` by default: per
  process; `redis://127.0.0.1:6379/0` with several workers). Should Redis become unreachable, each
  process counts in its own memory until it is back (logins keep working, limited per worker).
- `LEDGER_PROXIES`: how many reverse proxies stand in front of the application (default 0). With
  N > 0 the client's address and scheme are taken from the last N `X-Forwarded-For` /
  `X-Forwarded-Proto` entries (Werkzeug's ProxyFix), so login attempts are counted per client,
  not all under the proxy's address (where one attacker would lock everyone out). Never set it
  higher than the proxies really there: a client could then choose its own address.
"""

from __future__ import annotations

import os
from typing import Any

#: The largest request body accepted, in bytes: a JSON array of some hundreds of events, or any
#: form. Larger bodies are refused with 413 before they are read (Werkzeug's MAX_CONTENT_LENGTH).
MAX_BODY_BYTES = 1024 * 1024

#: The one form that takes a file (a report to verify, SPEC §10) and the largest body it accepts:
#: 16 MiB holds a JSON report of some 20,000 violations (about 800 bytes each); a larger report is
#: verified with `ledger verify-report FILE`, which has no such limit. The page is open to anyone,
#: so what one upload may cost (parsing it, recomputing the report) is bounded.
FILE_FORMS = {"/verify": 16 * 1024 * 1024}

#: The most events one API request may carry (all or nothing).
MAX_EVENTS_PER_REQUEST = 500


def from_environment() -> dict[str, Any]:
    return {
        "LEDGER_DATABASE_URL": os.environ.get("LEDGER_DATABASE_URL"),
        "SECRET_KEY": os.environ.get("LEDGER_SECRET_KEY"),
        "SESSION_COOKIE_SECURE": os.environ.get("LEDGER_COOKIE_SECURE", "1") != "0",
        "REMEMBER_COOKIE_SECURE": os.environ.get("LEDGER_COOKIE_SECURE", "1") != "0",
        "RATELIMIT_STORAGE_URI": os.environ.get("LEDGER_RATELIMIT_STORAGE", "memory://"),
        "LEDGER_PROXIES": _count(os.environ.get("LEDGER_PROXIES", "0"), "LEDGER_PROXIES"),
    }


def _count(text: str, name: str) -> int:
    if not text.strip().isdigit() or int(text) > 10:
        raise ValueError(f"{name} must be a number of proxies from 0 to 10, not {text!r}")
    return int(text)


DEFAULTS: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": MAX_BODY_BYTES,
    # Werkzeug also caps form parts held in memory; the same limit keeps one rule.
    "MAX_FORM_MEMORY_SIZE": MAX_BODY_BYTES,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LEDGER_LOCALES": ("vi", "en"),
    # Redis down: count in this process's memory meanwhile, rather than answer every login with a 500.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "LEDGER_CATCH_UP": True,  # a single process catches up after each append (reads its own write)
    # flask-smorest: the OpenAPI document is generated from the code at /api/openapi.json.
    "API_TITLE": "Procedure Ledger API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
}
