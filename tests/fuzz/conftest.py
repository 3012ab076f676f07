"""Fixtures of the fuzzing tests: a seeded ledger, the application on it with CSRF on, a counter of
every request the application answers, and the `FUZZ:` lines printed at the end of the run.

The ledger holds the default registry, one login per role (tests/web/conftest.py) and a case
HCM-FUZZ-1 opened by SXD's clerk, led by SXD (sxd.nva), consulting STC (C1, open). The
application is the production factory with CSRF *on*; only the rate limits are off, so that
fuzzed inputs reach the views instead of a 429 after the twentieth one (the limits have their own
tests in tests/web).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ledger import LOCAL_TZ, Ledger
from tests.web.conftest import registry_ledger
from web import create_app

CASE = "HCM-FUZZ-1"
#: A login and a token the admin forms may disable and revoke (never one a fuzzing client uses).
SPARE_LOGIN = "spare"
SPARE_OFFICIAL = "sxd.ttb"


class Tally:
    """Requests answered by the application, by status, per fuzzing phase."""

    def __init__(self) -> None:
        self.phases: dict[str, Counter[int]] = {}

    def add(self, phase: str, status: int) -> None:
        self.phases.setdefault(phase, Counter())[status] += 1

    def lines(self) -> list[str]:
        found = []
        for phase, statuses in sorted(self.phases.items()):
            total = sum(statuses.values())
            server_errors = sum(n for status, n in statuses.items() if status >= 500)
            spread = " ".join(f"{status}×{n}" for status, n in sorted(statuses.items()))
            found.append(f"FUZZ: {phase}: {total} requests, {statuses[500]} × 500, {server_errors} × 5xx ({spread})")
        return found


TALLY = Tally()


class Counting:
    """WSGI middleware: counts each request the wrapped application answers, by status, under the
    phase currently set."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.phase = "unnamed"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def counted(status: str, headers: Any, *rest: Any) -> Any:
            TALLY.add(self.phase, int(status.split(" ", 1)[0]))
            return start_response(status, headers, *rest)

        return self.app(environ, counted)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = TALLY.lines()
    if lines:
        terminalreporter.section("fuzzing")
        for line in lines:
            terminalreporter.write_line(line)


def moment(**delta: float) -> str:
    return (datetime.now(LOCAL_TZ).replace(microsecond=0) + timedelta(**delta)).isoformat()


def seed(ledger: Ledger) -> None:
    at = moment(minutes=-30)
    ledger.append([
        {"type": "CaseOpened", "case": CASE, "procedure": "REAL_ESTATE_DIFFICULTY", "title": "Hồ sơ thử nghiệm",
         "at": at, "by": "sxd.clerk"},
        {"type": "LeadAssigned", "case": CASE, "agency": "SXD", "official": "sxd.nva", "at": at, "by": "sxd.clerk"},
        {"type": "ConsultationRequested", "case": CASE, "consultation": "C1", "to": "STC",
         "question": "Ý kiến về vốn?", "at": at, "by": "sxd.nva"},
    ], source="web")


@pytest.fixture
def fuzz_ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = registry_ledger(tmp_path / "fuzz.db")
    seed(ledger)
    yield ledger
    ledger.close()


@pytest.fixture
def fuzz_app(fuzz_ledger: Ledger) -> Iterator[Flask]:
    """The application with CSRF on, its requests counted (`app.wsgi_app.phase` names the phase)."""
    from web.auth import limiter

    enabled = limiter.enabled
    app = create_app({"LEDGER": fuzz_ledger, "SECRET_KEY": "fuzz-secret", "SESSION_COOKIE_SECURE": False,
                      "REMEMBER_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False})
    app.wsgi_app = Counting(app.wsgi_app)  # type: ignore[method-assign]
    yield app
    # Flask-Limiter keeps the setting on its one (module-level) instance, and every application made
    # later in this process would inherit it (`config.setdefault`): the limits of the other tests'
    # applications stay on.
    limiter.enabled = enabled


def set_phase(app: Flask, phase: str) -> None:
    app.wsgi_app.phase = phase  # type: ignore[attr-defined]


class Crashes:
    """Exceptions the application did not handle (each one a 500), with their tracebacks."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def __call__(self, sender: Any, exception: BaseException, **extra: Any) -> None:
        import traceback

        from flask import request

        self.found.append(f"{request.method} {request.full_path}\n"
                          + "".join(traceback.format_exception(exception)))


@pytest.fixture
def crashes(fuzz_app: Flask) -> Iterator[Crashes]:
    from flask import got_request_exception

    found = Crashes()
    got_request_exception.connect(found, fuzz_app)
    yield found
    got_request_exception.disconnect(found, fuzz_app)
