"""Fixtures shared by every layer: a controllable clock, stores on SQLite and PostgreSQL.

PostgreSQL tests read LEDGER_TEST_POSTGRES_URL (scripts/test sets it after provisioning the
server). Each test gets a schema of its own, dropped afterwards. Under CI=true a missing or
unreachable server fails the tests loudly; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger

POSTGRES_ENV = "LEDGER_TEST_POSTGRES_URL"
REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "tests" / "data"


class FakeClock:
    """The ledger's clock, moved by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test signs with a key of its own, never one in the working folder."""
    path = tmp_path / "keys" / "ledger.key"
    monkeypatch.setenv("LEDGER_KEY_FILE", str(path))
    return path


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its production cost takes ~0.5 s a hash; tests use the cheap profile (the
    production parameters are pinned by their own test)."""
    monkeypatch.setenv("LEDGER_ARGON2_PROFILE", "test")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2024, 12, 2, 3, 0, tzinfo=timezone.utc))


def _postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        message = f"{POSTGRES_ENV} is not set: run the tests through scripts/test"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL with a fresh schema, dropped after the test."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = _postgres_base_url()
    parsed = make_url(base)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = (
        f"host={parsed.host} port={parsed.port or 5432} user={parsed.username}"
        f" password={parsed.password} dbname={parsed.database}"
    )
    try:
        connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL at {parsed.host}:{parsed.port} is unreachable: {error}")
    with connection:
        yield f"{base}?schema={schema}"
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """The same test on both stores (the contract suite)."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def ledger(store_url: str, clock: FakeClock) -> Iterator[Ledger]:
    with Ledger(store_url, clock=clock) as opened:
        yield opened


@pytest.fixture
def sqlite_ledger(sqlite_url: str, clock: FakeClock) -> Iterator[Ledger]:
    with Ledger(sqlite_url, clock=clock) as opened:
        yield opened


# --- one real browser for the whole session (tests/e2e and tests/web share it: two Playwright
# instances in one process conflict) ------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        message = (f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does it as root:"
                   " apt-get install -y --no-install-recommends chromium); never `playwright install`")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
