"""The library's PostgreSQL recorder, sealed: keys, leaves, tree head and checkpoints in the same
transaction as the events, in bounded chunks without psycopg's pipeline mode; append-only tables
enforced by triggers (UPDATE, DELETE and TRUNCATE)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Composable, Identifier

from ..integrity.checkpoint import Checkpoint
from ..integrity.seal import TreeHead
from ..store import APPEND_ONLY, KeyRow, RawEvent
from .base import _SIDE_TABLES, APPEND_ONLY_TABLES, PG_CHUNK, _blob, _SealMixin, _tuples
from .streaming import AppendSession


#: How long an append's transaction may sit idle between two chunks of an import (milliseconds).
IMPORT_IDLE_MS = 300_000


class PostgresLedgerRecorder(_SealMixin, PostgresApplicationRecorder):
    _m = "%s"

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self._p = f'"{datastore.schema}".'
        schema = Identifier(datastore.schema)
        self.sql_create_statements.extend(SQL(self._sql(s)) for s in _SIDE_TABLES)  # type: ignore[arg-type,misc]
        # The ledger is append-only, enforced by the database itself (SPEC §10).
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
            ).format(schema=schema, message=SQL(APPEND_ONLY))  # type: ignore[arg-type]
        )
        for table in (events_table_name, *APPEND_ONLY_TABLES):
            for name, when, each in (("append_only", "UPDATE OR DELETE", "ROW"), ("no_truncate", "TRUNCATE", "STATEMENT")):
                self.sql_create_statements.append(
                    SQL(
                        "CREATE OR REPLACE TRIGGER {name} BEFORE {when} ON {schema}.{table} "
                        "FOR EACH {each} EXECUTE FUNCTION {schema}.ledger_refuse_change()"
                    ).format(name=Identifier(f"{table}_{name}"), when=SQL(when), each=SQL(each),  # type: ignore[arg-type]
                             schema=schema, table=Identifier(table))
                )
        self.select_raw_statement = self._events_query("WHERE notification_id > %s ORDER BY notification_id LIMIT %s")
        self.select_stream_statement = self._events_query("WHERE originator_id = %s ORDER BY originator_version")
        self.select_positions_statement = SQL(
            "SELECT notification_id, originator_version FROM {schema}.{table} WHERE originator_id = %s"
        ).format(schema=schema, table=Identifier(events_table_name))

    def _events_query(self, where: str) -> Composable:
        return SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {schema}.{table} " + where
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))  # type: ignore[arg-type]

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """One transaction, no pipeline: lock, insert in chunks, keys, seal, commit."""
        if not stored_events:
            return []
        self._signed().checkpoint = None
        with self._open_append() as curs:
            ids = self._insert_chunk(curs, stored_events, kwargs.get("keys") or ())
            self._seal(curs, stored_events, ids)
        self._remember_signed()  # only once the transaction has committed
        return ids

    def append_session(self) -> AppendSession:
        return AppendSession(self)

    @contextmanager
    def _open_append(self) -> Iterator[Any]:
        """A write transaction holding the events table's lock from its start (tuple rows)."""
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            # The library ends any session idle in a transaction for 5 s; a streamed import's is idle
            # while its next chunk is validated (seconds, under load), so this one is allowed
            # IMPORT_IDLE_MS. A crashed client's connection closes, and its transaction rolls back.
            curs.execute(f"SET LOCAL idle_in_transaction_session_timeout = {IMPORT_IDLE_MS}")
            self._lock_table(curs)
            self._notify_channel(curs)
            curs.row_factory = _tuples
            yield curs

    def _insert_chunk(self, curs: Any, stored_events: Sequence[StoredEvent], keys: Sequence[KeyRow]) -> list[int]:
        ids: list[int] = []
        for start in range(0, len(stored_events), PG_CHUNK):
            chunk = stored_events[start : start + PG_CHUNK]
            pg_events = [
                self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                for e in chunk
            ]
            curs.execute(self.insert_events_statement, (pg_events,))
            ids.extend(row[0] for row in curs.fetchall())
        self._insert_rows(curs, "ledger_keys (key, digest, originator_id, originator_version)",
                          [(k, d, UUID(o), v) for k, d, o, v in keys])
        return ids

    def _insert_rows(self, cursor: Any, target: str, rows: Sequence[tuple[Any, ...]]) -> None:
        # COPY, PostgreSQL's bulk path, instead of multi-row VALUES statements whose parameters
        # psycopg adapts and sends one by one. A broken unique key raises the same IntegrityError
        # an INSERT would.
        if not rows:
            return
        with cursor.copy(f"COPY {self._p}{target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def lock_out_writers(self, connection: Any) -> None:
        # The lock every append takes (EXCLUSIVE on the events table): a rebuild deleting and
        # re-inserting rows under an import's intake would make its DELETEs miss them.
        with connection.cursor() as curs:
            self._lock_table(curs)

    def _lend(self, cursor: Any) -> tuple[Any, str] | None:
        return cursor.connection, "postgresql"

    def _last_before(self, cursor: Any, position: int) -> int:
        query = SQL("SELECT MAX(notification_id) FROM {schema}.{table} WHERE notification_id < %s").format(
            schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        cursor.execute(query, (position,))
        return cursor.fetchone()[0] or 0

    def _cursor_rows(self, query: Any, params: Sequence[Any] = ()) -> list[Any]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, params)
            return list(curs.fetchall())

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        with self.datastore.transaction(commit=False) as curs:
            curs.row_factory = _tuples
            return self._keys_in(curs, keys)

    def _stream_in(self, cursor: Any, originator_id: UUID) -> list[StoredEvent]:
        query = SQL("SELECT originator_version, topic, state FROM {schema}.{table} WHERE originator_id = %s"
                    " ORDER BY originator_version").format(schema=Identifier(self.datastore.schema),
                                                           table=Identifier(self.events_table_name))
        cursor.execute(query, (originator_id,))
        return [StoredEvent(originator_id=originator_id, originator_version=version, topic=topic, state=bytes(state))
                for version, topic, state in cursor.fetchall()]

    def _keys_in(self, cursor: Any, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        # Tuple rows: the append's cursor has them (`_open_append`), and `lookup_keys` asks for them.
        cursor.execute(self._sql("SELECT key, digest, originator_id, originator_version FROM {p}ledger_keys"
                                 " WHERE key = ANY(%s)"), (list(keys),))
        return {key: (digest, originator_id, version) for key, digest, originator_id, version in cursor.fetchall()}

    def existing_streams(self, originator_ids: Sequence[UUID]) -> set[UUID]:
        query = SQL("SELECT DISTINCT originator_id FROM {schema}.{table} WHERE originator_id = ANY(%s)").format(
            schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        return {UUID(str(row["originator_id"])) for row in self._cursor_rows(query, (list(originator_ids),))}

    def positions_of(self, originator_id: UUID) -> dict[int, int]:
        rows = self._cursor_rows(self.select_positions_statement, (originator_id,))
        return {row["originator_version"]: row["notification_id"] for row in rows}

    @staticmethod
    def _raw(row: Any) -> RawEvent:
        return RawEvent(row["notification_id"], str(row["originator_id"]), row["originator_version"],
                        str(row["topic"]), _blob(row["state"]))

    def raw_events(self, batch: int = 5000, after: int = 0) -> Iterator[RawEvent]:
        while True:
            rows = self._cursor_rows(self.select_raw_statement, (after, batch))
            if not rows:
                return
            yield from (self._raw(row) for row in rows)
            after = rows[-1]["notification_id"]

    def count_events(self) -> int:
        rows = self._cursor_rows(SQL("SELECT COUNT(*) AS n FROM {schema}.{table}").format(
            schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name)))
        return int(rows[0]["n"])

    def select_events_raw(self, originator_id: UUID) -> list[RawEvent]:
        return [self._raw(row) for row in self._cursor_rows(self.select_stream_statement, (originator_id,))]

    def stored_leaves(self, after: int | None = 0, upto: int | None = None) -> list[tuple[int, int, str]]:
        with self.datastore.transaction(commit=False) as curs:
            curs.row_factory = _tuples
            return self._leaf_rows(curs, after, upto)

    def stored_leaves_at(self, positions: Sequence[int]) -> list[tuple[int, int, str]]:
        with self.datastore.transaction(commit=False) as curs:
            curs.row_factory = _tuples
            return self._leaf_rows_at(curs, positions)

    def tree_head(self) -> TreeHead:
        rows = self._cursor_rows(self._sql("SELECT size, position, frontier FROM {p}ledger_tree WHERE id = 1"))
        return TreeHead.from_row(rows[0]["size"], rows[0]["position"], rows[0]["frontier"]) if rows else TreeHead()

    def stored_checkpoints(self) -> list[Checkpoint]:
        with self.datastore.transaction(commit=False) as curs:
            curs.row_factory = _tuples
            return self._checkpoint_rows(curs)

    def _raw_after(self, cursor: Any, after: int, upto: int) -> list[RawEvent]:
        cursor.execute(self._events_query("WHERE notification_id > %s AND notification_id <= %s"
                                          " ORDER BY notification_id"), (after, upto))
        return [RawEvent(int(r[0]), str(r[1]), int(r[2]), str(r[3]), _blob(r[4])) for r in cursor.fetchall()]

    @contextmanager
    def _read_cursor(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=False) as curs:
            curs.row_factory = _tuples
            yield curs

    @contextmanager
    def _write_cursor(self) -> Iterator[Any]:
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_table(curs)  # serialised with appends, as they are with each other
            curs.row_factory = _tuples
            yield curs


