"""Fixtures of the reliability suite: where its figures go, and a PostgreSQL schema that outlives a
restart of the server.

Every scenario prints its figures on lines starting `RELIABILITY:` (visible with `pytest -s`) and
writes them as JSON both in its own tmp dir and in `<basetemp>/reliability/`, one file per
scenario, so a report can collect them.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import _postgres_base_url

Report = Callable[[str, dict[str, Any]], Path]


@pytest.fixture
def report(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    """`report(name, figures)`: print the figures (`RELIABILITY: name key=value …`) and keep them as JSON."""

    def write(name: str, figures: dict[str, Any]) -> Path:
        text = json.dumps({"scenario": name, **figures}, indent=2, sort_keys=True, default=str)
        path = tmp_path / f"reliability-{name}.json"
        path.write_text(text, encoding="utf-8")
        shared = tmp_path_factory.getbasetemp() / "reliability"
        shared.mkdir(exist_ok=True)
        (shared / f"{name}.json").write_text(text, encoding="utf-8")
        flat = " ".join(f"{k}={json.dumps(v, default=str, ensure_ascii=False)}" for k, v in figures.items())
        print(f"\nRELIABILITY: {name} {flat}")
        print(f"RELIABILITY: {name} json={path}")
        return path

    return write


def _connect(base: str) -> Any:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(base)
    return psycopg.connect(
        f"host={parsed.host} port={parsed.port or 5432} user={parsed.username} password={parsed.password}"
        f" dbname={parsed.database}", autocommit=True, connect_timeout=5)


@pytest.fixture
def restartable_postgres_url() -> Iterator[str]:
    """As `postgres_url` (a fresh schema, dropped afterwards; a missing server fails under CI=true
    and is skipped elsewhere), but holding no connection across the test: a test that restarts
    the server would otherwise cut the shared fixture's own connection and fail its teardown."""
    import psycopg

    base = _postgres_base_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        _connect(base).close()
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL at {base.split('@')[-1]} is unreachable: {error}")
    yield f"{base}?schema={schema}"
    deadline = time.monotonic() + 60  # the server may still be coming back from the test's restart
    while True:
        try:
            connection = _connect(base)
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    with connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
