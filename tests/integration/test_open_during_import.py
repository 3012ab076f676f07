"""A PostgreSQL store opens, and answers, while an import holds its events table's lock — which a
streamed import does from its first chunk to its end: opening a store whose tables this version
already made issues no DDL (the library's CREATE INDEX IF NOT EXISTS and our CREATE OR REPLACE
TRIGGER wait for that lock, and every web worker or command starting during a long import hung
behind it). Opening one store never waits for the opening of another."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledger import Ledger
from ledger.store import StoreConfig, creation_lock
from tests.builders import lines, opened, registry_lines

pytestmark = pytest.mark.postgres


def connect(url: str) -> psycopg.Connection[Any]:
    parsed = make_url(url)
    return psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                           password=parsed.password, dbname=parsed.database)


@contextmanager
def held(url: str, statement: str) -> Iterator[None]:
    """`statement` run in an open transaction of another connection, until the block ends."""
    with connect(url) as connection:
        connection.execute(statement)
        try:
            yield
        finally:
            connection.rollback()


def within(seconds: float, work: Callable[[], Any]) -> Any:
    """`work()` run in a thread; fails if it has not finished within `seconds`."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except Exception as error:  # noqa: BLE001 - re-raised below
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def opened_and_counted(url: str, clock: Any) -> tuple[int, int]:
    with Ledger(url, clock=clock, create=False) as ledger:
        return ledger.event_count(), len(ledger.violations())


def test_a_store_opens_and_answers_while_an_import_holds_the_events_tables_lock(postgres_url: str, clock: Any):
    with Ledger(postgres_url, clock=clock) as ledger:
        ledger.import_lines(lines(*registry_lines(), opened()))
        expected = (ledger.event_count(), len(ledger.violations()))
    schema = make_url(postgres_url).query["schema"]
    with held(postgres_url, f'BEGIN; LOCK TABLE "{schema}".ledger_events IN EXCLUSIVE MODE'):
        assert within(20, lambda: opened_and_counted(postgres_url, clock)) == expected


def test_opening_one_store_does_not_wait_for_the_opening_of_another(postgres_url: str, clock: Any):
    Ledger(postgres_url, clock=clock).close()  # the store, made
    other = StoreConfig.from_url(postgres_url.replace("?schema=", "?schema=o"))
    engine = create_engine(other.sqlalchemy_url())
    try:
        with creation_lock(other, engine):  # another store is being opened for as long as this lasts
            assert within(20, lambda: opened_and_counted(postgres_url, clock))[0] == 0
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{other.schema}" CASCADE'))
    finally:
        engine.dispose()
