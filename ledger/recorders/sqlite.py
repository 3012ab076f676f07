"""The library's SQLite recorder, sealed: keys, leaves, tree head and checkpoints in the same
transaction as the events; append-only tables enforced by triggers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from ..integrity.checkpoint import Checkpoint
from ..integrity.seal import TreeHead
from ..store import APPEND_ONLY, KeyRow, RawEvent
from .base import _SIDE_TABLES, APPEND_ONLY_TABLES, _blob, _SealMixin
from .streaming import AppendSession


def _sqlite_append_only(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        for action in ("UPDATE", "DELETE")
    ]


class SQLiteLedgerRecorder(_SealMixin, SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        statements = [*super().construct_create_table_statements(), *(self._sql(s) for s in _SIDE_TABLES)]
        for table in (self.events_table_name, *APPEND_ONLY_TABLES):
            statements.extend(_sqlite_append_only(table))
        return statements

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        self._signed().checkpoint = None
        ids = super().insert_events(stored_events, **kwargs)
        self._remember_signed()  # only once the transaction has committed
        return ids

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # The events' INSERT comes first, so the transaction takes the write lock before it reads
        # the tree head: no other writer can move the head in between.
        ids = super()._insert_events(c, stored_events, **kwargs)
        keys: Sequence[KeyRow] = kwargs.get("keys") or ()
        if keys:
            c.executemany("INSERT INTO ledger_keys VALUES (?,?,?,?)", list(keys))
        if stored_events:
            assert ids is not None
            self._seal(c, stored_events, ids)
        return ids

    def append_session(self) -> AppendSession:
        return AppendSession(self)

    @contextmanager
    def _open_append(self) -> Iterator[Any]:
        with self.datastore.get_connection(commit=True) as conn, conn.transaction(commit=True) as c:
            yield c

    def _insert_chunk(self, c: Any, stored_events: Sequence[StoredEvent], keys: Sequence[KeyRow]) -> list[int]:
        # The library's own insert (no seal: the session seals), then the chunk's keys.
        ids = list(SQLiteApplicationRecorder._insert_events(self, c, stored_events) or ())
        if keys:
            c.executemany("INSERT INTO ledger_keys VALUES (?,?,?,?)", list(keys))
        return ids

    def _insert_rows(self, cursor: Any, target: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            marks = ",".join("?" * len(rows[0]))
            cursor.executemany(f"INSERT INTO {target} VALUES ({marks})", list(rows))

    def lock_out_writers(self, connection: Any) -> None:
        """Nothing to take here: a rebuild's first statement (a DELETE) takes SQLite's database
        lock, which every append waits for."""

    def _lend(self, cursor: Any) -> tuple[Any, str] | None:
        return cursor.sqlite_cursor.connection, "sqlite"

    def _last_before(self, cursor: Any, position: int) -> int:
        cursor.execute(f"SELECT MAX(rowid) FROM {self.events_table_name} WHERE rowid < ?", (position,))
        return cursor.fetchone()[0] or 0

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        with self.datastore.transaction(commit=False) as c:
            return self._keys_in(c, keys)

    def _keys_in(self, cursor: Any, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        found: dict[str, tuple[str, UUID, int]] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            cursor.execute("SELECT key, digest, originator_id, originator_version FROM ledger_keys"
                           f" WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            for key, digest, originator_id, version in cursor.fetchall():
                found[key] = (digest, UUID(originator_id), version)
        return found

    def existing_streams(self, originator_ids: Sequence[UUID]) -> set[UUID]:
        found: set[UUID] = set()
        ids = [i.hex for i in originator_ids]
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                c.execute(f"SELECT DISTINCT originator_id FROM {self.events_table_name}"
                          f" WHERE originator_id IN ({','.join('?' * len(chunk))})", chunk)
                found.update(UUID(str(row[0])) for row in c.fetchall())
        return found

    def _stream_in(self, cursor: Any, originator_id: UUID) -> list[StoredEvent]:
        cursor.execute(f"SELECT originator_version, topic, state FROM {self.events_table_name}"
                       " WHERE originator_id = ? ORDER BY originator_version", (originator_id.hex,))
        return [StoredEvent(originator_id=originator_id, originator_version=version, topic=topic, state=state)
                for version, topic, state in cursor.fetchall()]

    def positions_of(self, originator_id: UUID) -> dict[int, int]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_version FROM {self.events_table_name} WHERE originator_id=?",
                (originator_id.hex,),
            )
            return {row["originator_version"]: row["rowid"] for row in c.fetchall()}

    def raw_events(self, batch: int = 5000, after: int = 0) -> Iterator[RawEvent]:
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
                yield RawEvent(row[0], _stored_id(row[1]), row[2], str(row[3]), _blob(row[4]))
            after = rows[-1][0]

    def count_events(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) FROM {self.events_table_name}")
            return int(c.fetchone()[0])

    def select_events_raw(self, originator_id: UUID) -> list[RawEvent]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.events_table_name}"
                " WHERE originator_id=? ORDER BY originator_version",
                (originator_id.hex,),
            )
            return [RawEvent(r[0], _stored_id(r[1]), r[2], str(r[3]), _blob(r[4])) for r in c.fetchall()]

    def stored_leaves(self, after: int | None = 0, upto: int | None = None) -> list[tuple[int, int, str]]:
        with self.datastore.transaction(commit=False) as c:
            return self._leaf_rows(c, after, upto)

    def stored_leaves_at(self, positions: Sequence[int]) -> list[tuple[int, int, str]]:
        with self.datastore.transaction(commit=False) as c:
            return self._leaf_rows_at(c, positions)

    def tree_head(self) -> TreeHead:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT size, position, frontier FROM ledger_tree WHERE id = 1")
            row = c.fetchone()
        return TreeHead.from_row(row[0], row[1], row[2]) if row is not None else TreeHead()

    def stored_checkpoints(self) -> list[Checkpoint]:
        with self.datastore.transaction(commit=False) as c:
            return self._checkpoint_rows(c)

    def _raw_after(self, cursor: Any, after: int, upto: int) -> list[RawEvent]:
        cursor.execute(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.events_table_name}"
            " WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
            (after, upto),
        )
        return [RawEvent(r[0], _stored_id(r[1]), r[2], str(r[3]), _blob(r[4])) for r in cursor.fetchall()]

    @contextmanager
    def _read_cursor(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=False) as c:
            yield c

    @contextmanager
    def _write_cursor(self) -> Iterator[Any]:
        with self.datastore.get_connection(commit=True) as conn, conn.transaction(commit=True) as c:
            # Take the write lock before reading, as an append does.
            c.execute("UPDATE ledger_tree SET id = id WHERE 0")
            yield c


def _stored_id(value: Any) -> str:
    """An aggregate id as read: SQLite's are the 32 hex digits the library writes (`UUID.hex`); any
    other text (the dashed form included, which the leaf alone would accept) is marked so that it
    no longer parses, and `verify` names the row."""
    text = str(value)
    return text if isinstance(value, str) and len(text) == 32 else f"not as SQLite stores ids: {text}"
