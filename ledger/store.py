"""Where the ledger lives: a database URL turned into the library's settings, and its recorders.

Events go through the `eventsourcing` library's own SQLite and PostgreSQL recorders (its most
mature and fastest), subclassed for one thing: the client idempotency ids (`id` in §8) are
inserted into a `ledger_keys` table with a unique key *in the same transaction as the events*,
so a duplicate is impossible even between processes. Everything else (store metadata now, read
models, logins and tokens later) is in SQL tables through SQLAlchemy, in the same database.

URLs: `sqlite:///relative/path.db`, `sqlite:////absolute/path.db` (or a bare file path), and
`postgresql+psycopg://user:password@host:port/dbname` (`postgresql://` and `postgres://` are
read the same way). `?schema=NAME` on a PostgreSQL URL keeps every table in that schema.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg.sql import SQL, Identifier
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
                "APPLICATION_RECORDER_TOPIC": "ledger.store:SQLiteLedgerRecorder",
                "AGGREGATE_CACHE_MAXSIZE": "1000",
            }
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": "ledger.store:PostgresLedgerRecorder",
            "AGGREGATE_CACHE_MAXSIZE": "1000",
            "POSTGRES_POOL_SIZE": "3",
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

    def default_key_file(self) -> Path:
        """Where the instance key lives (SPEC §10): beside the SQLite file, else the current folder."""
        if self.kind == "sqlite" and self.sqlite_path:
            return Path(self.sqlite_path).absolute().parent / "ledger.key"
        return Path("ledger.key").absolute()


class LedgerRecorder(Protocol):
    """What the application needs from a store beyond the library's recorder interface."""

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        """For each known key: (digest, aggregate id, version)."""

    def positions_of(self, originator_id: UUID) -> dict[int, int]:
        """Log positions of one aggregate's events, by version."""

    def max_notification_id(self) -> int | None:
        """The last log position (None or 0 when empty)."""

    def raw_events(self, batch: int = 5000) -> Iterator[RawEvent]:
        """Every stored row as the database holds it, in log order, parsed as little as possible
        (so `ledger verify` can read a corrupted row and report it rather than crash)."""


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        statements = [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS ledger_keys (key TEXT PRIMARY KEY, digest TEXT NOT NULL,"
            " originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL)",
        ]
        # The ledger is append-only, enforced by the database itself (SPEC §10).
        for table in (self.events_table_name, "ledger_keys"):
            for action in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
                )
        return statements

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        keys: Iterable[KeyRow] = kwargs.get("keys") or ()
        for row in keys:
            c.execute("INSERT INTO ledger_keys VALUES (?,?,?,?)", row)
        return ids

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        found: dict[str, tuple[str, UUID, int]] = {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                c.execute(
                    f"SELECT * FROM ledger_keys WHERE key IN ({','.join('?' * len(chunk))})", chunk
                )
                for row in c.fetchall():
                    found[row["key"]] = (row["digest"], UUID(row["originator_id"]), row["originator_version"])
        return found

    def positions_of(self, originator_id: UUID) -> dict[int, int]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_version FROM {self.events_table_name} WHERE originator_id=?",
                (originator_id.hex,),
            )
            return {row["originator_version"]: row["rowid"] for row in c.fetchall()}

    def raw_events(self, batch: int = 5000) -> Iterator[RawEvent]:
        after = 0
        while True:
            with self.datastore.transaction(commit=False) as c:
                c.execute(
                    f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.events_table_name}"
                    " WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (after, batch),
                )
                rows = c.fetchall()
            if not rows:
                return
            for row in rows:
                yield RawEvent(row[0], str(row[1]), row[2], row[3], bytes(row[4] or b""))
            after = rows[-1][0]


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(datastore.schema)
        self.keys_table = Identifier("ledger_keys")
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} (key text PRIMARY KEY, digest text NOT NULL,"
                " originator_id uuid NOT NULL, originator_version bigint NOT NULL)"
            ).format(schema=schema, table=self.keys_table)
        )
        # The ledger is append-only, enforced by the database itself (SPEC §10).
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
            ).format(schema=schema, message=SQL(APPEND_ONLY))
        )
        for table in (events_table_name, "ledger_keys"):
            self.sql_create_statements.append(
                SQL(
                    "CREATE OR REPLACE TRIGGER {name} BEFORE UPDATE OR DELETE ON {schema}.{table} "
                    "FOR EACH ROW EXECUTE FUNCTION {schema}.ledger_refuse_change()"
                ).format(name=Identifier(f"{table}_append_only"), schema=schema, table=Identifier(table))
            )
            self.sql_create_statements.append(
                SQL(
                    "CREATE OR REPLACE TRIGGER {name} BEFORE TRUNCATE ON {schema}.{table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION {schema}.ledger_refuse_change()"
                ).format(name=Identifier(f"{table}_no_truncate"), schema=schema, table=Identifier(table))
            )
        self.insert_key_statement = SQL("INSERT INTO {schema}.{table} VALUES (%s, %s, %s, %s)").format(
            schema=schema, table=self.keys_table
        )
        self.select_keys_statement = SQL("SELECT * FROM {schema}.{table} WHERE key = ANY(%s)").format(
            schema=schema, table=self.keys_table
        )
        self.select_raw_statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {schema}.{table}"
            " WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(schema=schema, table=Identifier(events_table_name))
        self.select_positions_statement = SQL(
            "SELECT notification_id, originator_version FROM {schema}.{table} WHERE originator_id = %s"
        ).format(schema=schema, table=Identifier(events_table_name))

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        keys: Sequence[KeyRow] = kwargs.get("keys") or ()
        if keys:
            curs.executemany(self.insert_key_statement, [(k, d, UUID(o), v) for k, d, o, v in keys])

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.select_keys_statement, (list(keys),))
            return {
                row["key"]: (row["digest"], row["originator_id"], row["originator_version"])
                for row in curs.fetchall()
            }

    def positions_of(self, originator_id: UUID) -> dict[int, int]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.select_positions_statement, (originator_id,))
            return {row["originator_version"]: row["notification_id"] for row in curs.fetchall()}

    def raw_events(self, batch: int = 5000) -> Iterator[RawEvent]:
        after = 0
        while True:
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(self.select_raw_statement, (after, batch))
                rows = curs.fetchall()
            if not rows:
                return
            for row in rows:
                yield RawEvent(row["notification_id"], str(row["originator_id"]), row["originator_version"],
                               row["topic"], bytes(row["state"] or b""))
            after = rows[-1]["notification_id"]
