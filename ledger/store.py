"""Where the ledger lives: a database URL turned into the library's settings, and its recorders.

Events go through the `eventsourcing` library's own SQLite and PostgreSQL recorders (its most
mature and fastest), subclassed in `ledger.recorders`. Everything else (store metadata, read
models, logins and tokens) is in SQL tables through SQLAlchemy, in the same database. This
module only reads addresses and asks whether a ledger is there.

URLs: `sqlite:///relative/path.db`, `sqlite:////absolute/path.db` (or a bare file path), and
`postgresql+psycopg://user:password@host:port/dbname` (`postgresql://` and `postgres://` are
read the same way). `?schema=NAME` on a PostgreSQL URL keeps every table in that schema.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .domain.errors import StoreError

DEFAULT_URL = "sqlite:///ledger.db"
APPEND_ONLY = "the ledger is append-only: events cannot be changed or deleted"

# One idempotency key: (key, content digest, aggregate id, aggregate version).
KeyRow = tuple[str, str, str, int]


class RawEvent(NamedTuple):
    """One row of the events table, as stored."""

    position: int
    originator_id: str
    version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class StoreConfig:
    """A parsed database URL."""

    url: str
    kind: str  # "sqlite" | "postgres"
    sqlite_path: str | None = None
    pg: dict[str, str] = field(default_factory=dict)
    schema: str | None = None

    @classmethod
    def from_url(cls, url: str | None) -> StoreConfig:
        url = (url or os.environ.get("LEDGER_DATABASE_URL") or DEFAULT_URL).strip()
        if "://" not in url:
            return cls(url=url, kind="sqlite", sqlite_path=url)
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StoreError(f"not a database URL: {url!r}") from None
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            if not parsed.database or parsed.database == ":memory:":
                raise StoreError("an SQLite ledger needs a file: sqlite:///ledger.db")
            return cls(url=url, kind="sqlite", sqlite_path=parsed.database)
        if backend in ("postgresql", "postgres"):
            if not parsed.database:
                raise StoreError(f"the PostgreSQL URL names no database: {url!r}")
            pg = {
                "POSTGRES_DBNAME": parsed.database,
                "POSTGRES_HOST": parsed.host or "127.0.0.1",
                "POSTGRES_PORT": str(parsed.port or 5432),
                "POSTGRES_USER": parsed.username or "",
                "POSTGRES_PASSWORD": parsed.password or "",
            }
            schema = parsed.query.get("schema")
            if schema is not None and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", str(schema)):
                raise StoreError(f"schema names are lowercase letters, digits and _: {schema!r}")
            return cls(url=url, kind="postgres", pg=pg, schema=str(schema) if schema else None)
        raise StoreError(f"unsupported database {backend!r}: use sqlite:///FILE or postgresql+psycopg://…")

    def es_env(self) -> dict[str, str]:
        """The eventsourcing library's settings for this store."""
        if self.kind == "sqlite":
            assert self.sqlite_path is not None
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.sqlite_path,
                "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": "ledger.recorders:SQLiteLedgerRecorder",
                "AGGREGATE_CACHE_MAXSIZE": "1000",
            }
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": "ledger.recorders.postgres:PostgresLedgerRecorder",
            "AGGREGATE_CACHE_MAXSIZE": "1000",
            "POSTGRES_POOL_SIZE": "3",
            # A writer waits at most this long (seconds) for the events table's lock (held by another
            # append, or by a long import for its whole length), then fails with a store error that
            # is safe to retry (503 + Retry-After on the web), as SQLite's busy timeout does.
            "POSTGRES_LOCK_TIMEOUT": "30",
            # A pooled connection is checked before use, so a restarted server costs no request.
            "POSTGRES_PRE_PING": "y",
            **self.pg,
        }
        if self.schema:
            env["POSTGRES_SCHEMA"] = self.schema
        return env

    def sqlalchemy_url(self) -> str:
        """The same database for SQLAlchemy; a schema becomes the connections' search_path, so the
        read models (and eventsourcing-sqlalchemy's tracking table) land in it unqualified."""
        if self.kind == "sqlite":
            return f"sqlite:///{Path(self.sqlite_path or '').absolute()}"
        pg = self.pg
        url = make_url("postgresql+psycopg://").set(
            username=pg["POSTGRES_USER"] or None,
            password=pg["POSTGRES_PASSWORD"] or None,
            host=pg["POSTGRES_HOST"],
            port=int(pg["POSTGRES_PORT"]),
            database=pg["POSTGRES_DBNAME"],
        )
        if self.schema:
            url = url.set(query={"options": f"-csearch_path={self.schema}"})
        return url.render_as_string(hide_password=False)

    def address(self) -> str:
        """Where the store is, the same however its URL was written: the key of its high-water mark."""
        if self.kind == "sqlite":  # symlinks and `..` resolved: one file, one address
            return f"sqlite:{Path(self.sqlite_path or '').resolve()}"
        pg = self.pg
        return f"postgresql://{pg['POSTGRES_HOST']}:{pg['POSTGRES_PORT']}/{pg['POSTGRES_DBNAME']}?schema={self.schema or 'public'}"

    def display_url(self) -> str:
        """The URL as it may be printed: any password masked."""
        if self.kind == "sqlite":
            return self.url
        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except ArgumentError:
            return "<unprintable URL>"

    def default_key_file(self) -> Path:
        """Where the instance key lives (SPEC §10): beside the SQLite file, else the current folder."""
        if self.kind == "sqlite" and self.sqlite_path:
            return Path(self.sqlite_path).absolute().parent / "ledger.key"
        return Path("ledger.key").absolute()


# An arbitrary, fixed advisory-lock key ("ledg" in ASCII), with the schema's hash the second key
# of the lock taken while a store's tables are made.
_CREATION_LOCK = 0x6C656467


@contextmanager
def creation_lock(config: StoreConfig, engine: Engine) -> Iterator[None]:
    """Serialise table creation between processes starting at once: PostgreSQL's
    CREATE OR REPLACE FUNCTION (the library's) is not safe to run concurrently."""
    if config.kind != "postgres":
        yield
        return
    with engine.connect() as connection:
        if config.schema:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{config.schema}"'))
            connection.commit()
        # One lock per schema (advisory locks are per database already): opening one store never
        # waits for another store's opening.
        key = {"key": _CREATION_LOCK, "schema": config.schema or "public"}
        connection.execute(text("SELECT pg_advisory_lock(CAST(:key AS integer), hashtext(:schema))"), key)
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(CAST(:key AS integer), hashtext(:schema))"), key)


def store_address(config: StoreConfig, engine: Engine) -> str:
    """The store's identity for its high-water mark: the resolved file for SQLite; for PostgreSQL
    the server's own word (its cluster id, or address and port), the database and schema, so
    `localhost` and `127.0.0.1` are one store."""
    if config.kind == "sqlite":
        return config.address()
    schema = config.schema or "public"
    with engine.connect() as connection:
        try:
            server = str(connection.execute(text("SELECT system_identifier FROM pg_control_system()")).scalar())
        except Exception:  # noqa: BLE001 - a role without the right to read it
            connection.rollback()
            row = connection.execute(text("SELECT inet_server_addr(), inet_server_port()")).one()
            server = f"{row[0]}:{row[1]}"
        database = connection.execute(text("SELECT current_database()")).scalar()
    return f"postgresql://{server}/{database}?schema={schema}"


#: The table every ledger has: its events (the library names it by store).
EVENTS_TABLE = {"sqlite": "stored_events", "postgres": "ledger_events"}


def ledger_exists(config: StoreConfig) -> bool:
    """Is there a ledger at this address? Asked without creating anything (SPEC §9)."""
    if config.kind == "sqlite":
        path = Path(config.sqlite_path or "")
        if not path.is_file():
            return False
        try:
            lite = sqlite3.connect(f"file:{path.absolute()}?mode=ro", uri=True)
            try:
                found = lite.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (EVENTS_TABLE["sqlite"],)
                ).fetchone()
            finally:
                lite.close()
        except sqlite3.Error as error:
            raise StoreError(f"cannot read {path}: {error}") from None
        return found is not None
    import psycopg  # only a PostgreSQL store needs the driver (~0.1 s to import)

    pg = config.pg
    try:
        with psycopg.connect(
            dbname=pg["POSTGRES_DBNAME"], host=pg["POSTGRES_HOST"], port=pg["POSTGRES_PORT"],
            user=pg["POSTGRES_USER"] or None, password=pg["POSTGRES_PASSWORD"] or None, connect_timeout=10,
        ) as connection:
            row = connection.execute("SELECT to_regclass(%s)", (f'"{config.schema or "public"}".{EVENTS_TABLE["postgres"]}',)).fetchone()
    except psycopg.Error as error:
        raise StoreError(f"cannot reach {config.display_url()}: {str(error).strip()}") from None
    return row is not None and row[0] is not None
