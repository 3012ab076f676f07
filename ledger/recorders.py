"""The event store: the `eventsourcing` library's own SQLite and PostgreSQL recorders, subclassed
so that one append writes, in the same transaction as the events:

- the client idempotency ids (`id` in §8) into `ledger_keys`, whose unique key makes a duplicate
  impossible even between processes;
- the seal (`ledger.integrity.seal`): each event's leaf hash into `ledger_leaves`, the tree head
  into `ledger_tree`, and, when this process holds the instance key, a signed checkpoint of the
  new head into `checkpoints`.

Events, keys, leaves and checkpoints are append-only at the database (triggers refuse UPDATE and
DELETE, and TRUNCATE on PostgreSQL). PostgreSQL inserts go in bounded chunks without psycopg's
pipeline mode: one large array in a pipeline hangs the client for ever (psycopg issue #685).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from threading import local
from datetime import datetime, timezone
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg.sql import SQL, Composable, Identifier

from .domain.errors import CorruptEvent
from .integrity.checkpoint import Checkpoint, signed
from .integrity.keys import b64
from .integrity.merkle import Frontier, raw_leaf
from .integrity.seal import Signer, TreeHead, seal
from .integrity.watermark import Watermark
from .store import APPEND_ONLY, KeyRow, RawEvent

#: Rows per INSERT on PostgreSQL: far below the size at which a pipelined array hangs.
PG_CHUNK = 5000

#: Tables that only ever grow.
APPEND_ONLY_TABLES = ("ledger_keys", "ledger_leaves", "checkpoints")

_SIDE_TABLES = (
    "CREATE TABLE IF NOT EXISTS {p}ledger_keys (key TEXT PRIMARY KEY, digest TEXT NOT NULL,"
    " originator_id {uuid} NOT NULL, originator_version BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}ledger_leaves (position BIGINT PRIMARY KEY,"
    " leaf_index BIGINT NOT NULL UNIQUE, leaf_hash TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}ledger_tree (id INTEGER PRIMARY KEY, size BIGINT NOT NULL,"
    " position BIGINT NOT NULL, frontier TEXT NOT NULL, root TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}checkpoints (size INTEGER PRIMARY KEY, root VARCHAR(64) NOT NULL,"
    " time VARCHAR(40) NOT NULL, public_key VARCHAR(64) NOT NULL, signature VARCHAR(100) NOT NULL)",
)

_UPSERT_TREE = (
    "INSERT INTO {p}ledger_tree (id, size, position, frontier, root) VALUES ({m}, {m}, {m}, {m}, {m})"
    " ON CONFLICT (id) DO UPDATE SET size = excluded.size, position = excluded.position,"
    " frontier = excluded.frontier, root = excluded.root"
)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class LedgerRecorder(Protocol):
    """What the application needs from a store beyond the library's recorder interface."""

    signer: Signer | None
    clock: Callable[[], datetime]
    watermark: Watermark | None

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        """For each known key: (digest, aggregate id, version)."""

    def positions_of(self, originator_id: UUID) -> dict[int, int]:
        """Log positions of one aggregate's events, by version."""

    def existing_streams(self, originator_ids: Sequence[UUID]) -> set[UUID]:
        """Which of these aggregates have events (one query per 500, for a whole import)."""

    def max_notification_id(self) -> int | None:
        """The last log position (None or 0 when empty)."""

    def raw_events(self, batch: int = 5000, after: int = 0) -> Iterator[RawEvent]:
        """Every stored row after `after` as the database holds it, in log order, parsed as little
        as possible (so `ledger verify` can read a corrupted row and report it, not crash)."""

    def count_events(self) -> int:
        """How many rows the events table holds."""

    def select_events_raw(self, originator_id: UUID) -> list[RawEvent]:
        """One aggregate's stored rows, by version."""

    def stored_leaves(self, after: int = 0, upto: int | None = None) -> list[tuple[int, int, str]]:
        """(position, leaf index, leaf hash) written at append time, in log order."""

    def tree_head(self) -> TreeHead:
        """The head of the tree as last appended."""

    def stored_checkpoints(self) -> list[Checkpoint]:
        """Every signed checkpoint, by size."""

    def latest_checkpoint(self) -> Checkpoint | None:
        """The checkpoint of the largest size."""

    def sign_pending(self) -> Checkpoint | None:
        """Sign the head over events a keyless writer appended, if the stored tree is vouched for."""


class _SealMixin:
    """The seal's SQL, shared by both stores; `_p` prefixes table names, `_m` is the parameter mark."""

    signer: Signer | None = None
    clock: Callable[[], datetime] = staticmethod(utc_now)  # type: ignore[assignment]
    #: The largest tree this key signed for this store, remembered outside it (set with the signer).
    watermark: Watermark | None = None
    _p = ""
    _m = "?"

    def _sql(self, template: str) -> str:
        return template.format(p=self._p, m=self._m, uuid="TEXT" if self._m == "?" else "uuid")

    def _seal(self, cursor: Any, stored_events: Sequence[StoredEvent], positions: Sequence[int]) -> None:
        cursor.execute(self._sql("SELECT size, position, frontier FROM {p}ledger_tree WHERE id = 1"))
        row = cursor.fetchone()
        if row is None:
            cursor.execute(self._sql("SELECT position FROM {p}ledger_leaves ORDER BY position LIMIT 1"))
            if cursor.fetchone() is not None:
                raise CorruptEvent(None, "the store's tree head (ledger_tree) is gone while its leaves remain:"
                                         " deleted outside the ledger; nothing was appended")
        previous = TreeHead.from_row(row[0], row[1], row[2]) if row is not None else TreeHead()
        signer = self.signer if self.signer is not None and self._vouched(cursor, previous) else None
        result = seal(previous, stored_events, positions, signer=signer, clock=self.clock)
        self._insert_rows(cursor, "ledger_leaves (position, leaf_index, leaf_hash)", result.leaves)
        cursor.execute(
            self._sql(_UPSERT_TREE),
            (1, result.head.size, result.head.position, result.head.frontier_json(), result.root),
        )
        if result.checkpoint is not None:
            self._insert_checkpoint(cursor, result.checkpoint)
            self._signed().checkpoint = result.checkpoint

    def _signed(self) -> Any:
        """This thread's checkpoint signed in the open transaction, remembered once it commits."""
        state = self.__dict__.setdefault("_signed_state", local())
        if not hasattr(state, "checkpoint"):
            state.checkpoint = None
        return state

    def _remember_signed(self) -> None:
        state = self._signed()
        checkpoint, state.checkpoint = state.checkpoint, None
        if checkpoint is not None and self.watermark is not None:
            # The events are committed; a mark that cannot be written is reported by verify.
            with suppress(OSError):
                self.watermark.advance(checkpoint.size, checkpoint.root, checkpoint.time)

    def _vouched(self, cursor: Any, head: TreeHead) -> bool:
        """May this process sign a tree that extends `head`? Only if the latest checkpoint was
        signed with its own key and the stored tree still agrees with it: so a signer never
        vouches for history that was altered, or whose checkpoints were deleted, behind its back.
        An empty tree needs no vouching; a gap left by a keyless writer is checked in full."""
        try:
            mark = self.watermark.read() if self.watermark is not None else None
        except ValueError:
            return False  # a damaged mark: sign nothing until `ledger verify` has been looked at
        if mark is not None and not self._still_signed(cursor, mark.size, mark.root):
            return False  # this key signed more than the store now shows: checkpoints deleted, or rolled back
        if head.size == 0:
            return True
        latest = self._latest_checkpoint(cursor)
        if latest is None or self.signer is None or latest.public_key != b64(self.signer.public_bytes):
            return False
        if latest.size == head.size:
            return latest.root == head.root().hex()
        if latest.size > head.size:
            return False
        leaves = self._leaf_rows(cursor, 0, head.position)
        if len(leaves) != head.size or [index for _, index, _ in leaves] != list(range(head.size)):
            return False
        tree = Frontier()
        for _, _, leaf in leaves[: latest.size]:
            tree.append(bytes.fromhex(leaf))
        if tree.root().hex() != latest.root:
            return False
        gap = {position: leaf for position, _, leaf in leaves[latest.size :]}
        after = leaves[latest.size - 1][0] if latest.size else 0
        for raw in self._raw_after(cursor, after, head.position):
            if gap.pop(raw.position, None) != raw_leaf(raw).hex():
                return False
        return not gap

    def _still_signed(self, cursor: Any, size: int, root: str) -> bool:
        cursor.execute(self._sql("SELECT size, root, time, public_key, signature FROM {p}checkpoints WHERE size = {m}"),
                       (size,))
        row = cursor.fetchone()
        if row is None or row[1] != root:
            return False
        found = Checkpoint(int(row[0]), row[1], row[2], row[3], row[4])
        return found.signature_ok() and self.signer is not None and found.public_key == b64(self.signer.public_bytes)

    def _latest_checkpoint(self, cursor: Any) -> Checkpoint | None:
        """The largest checkpoint whose signature verifies (a row anyone could insert counts for
        nothing); None when none of the last 50 rows does."""
        cursor.execute(self._sql(
            "SELECT size, root, time, public_key, signature FROM {p}checkpoints ORDER BY size DESC LIMIT 50"
        ))
        for row in cursor.fetchall():
            found = Checkpoint(int(row[0]), row[1], row[2], row[3], row[4])
            if found.signature_ok():
                return found
        return None

    def _raw_after(self, cursor: Any, after: int, upto: int) -> list[RawEvent]:
        raise NotImplementedError

    def sign_pending(self) -> Checkpoint | None:
        """Sign the head if events were appended without a signature (by a keyless writer) and
        the stored tree still agrees with the last checkpoint this key signed."""
        if self.signer is None:
            return None
        head, latest = self.tree_head(), self.latest_checkpoint()
        if head.size == 0 or (latest is not None and latest.size >= head.size):
            return None  # nothing unsigned: no write transaction (a read first, as most catch-ups end here)
        with self._write_cursor() as cursor:
            cursor.execute(self._sql("SELECT size, position, frontier FROM {p}ledger_tree WHERE id = 1"))
            row = cursor.fetchone()
            head = TreeHead.from_row(row[0], row[1], row[2]) if row is not None else TreeHead()
            latest = self._latest_checkpoint(cursor)
            if head.size == 0 or (latest is not None and latest.size >= head.size) or not self._vouched(cursor, head):
                return None
            checkpoint = signed(head.size, head.root(), self.clock().astimezone().isoformat(), self.signer)
            self._insert_checkpoint(cursor, checkpoint)
        if self.watermark is not None:
            self.watermark.advance(checkpoint.size, checkpoint.root, checkpoint.time)
        return checkpoint

    def _write_cursor(self) -> Any:
        raise NotImplementedError

    def _read_cursor(self) -> Any:
        raise NotImplementedError

    def tree_head(self) -> TreeHead:
        raise NotImplementedError

    def latest_checkpoint(self) -> Checkpoint | None:
        """The checkpoint of the largest size (one row, however many appends were signed)."""
        with self._read_cursor() as cursor:
            return self._latest_checkpoint(cursor)

    def _insert_checkpoint(self, cursor: Any, c: Checkpoint) -> None:
        self._insert_rows(cursor, "checkpoints (size, root, time, public_key, signature)",
                          [(c.size, c.root, c.time, c.public_key, c.signature)])

    def _insert_rows(self, cursor: Any, target: str, rows: Sequence[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def _checkpoint_rows(self, cursor: Any) -> list[Checkpoint]:
        cursor.execute(self._sql("SELECT size, root, time, public_key, signature FROM {p}checkpoints ORDER BY size"))
        return [Checkpoint(int(r[0]), r[1], r[2], r[3], r[4]) for r in cursor.fetchall()]

    def _leaf_rows(self, cursor: Any, after: int, upto: int | None) -> list[tuple[int, int, str]]:
        query = "SELECT position, leaf_index, leaf_hash FROM {p}ledger_leaves WHERE position > {m}"
        params: tuple[int, ...] = (after,)
        if upto is not None:
            query += " AND position <= {m}"
            params = (after, upto)
        cursor.execute(self._sql(query + " ORDER BY position"), params)
        return [(int(r[0]), int(r[1]), r[2]) for r in cursor.fetchall()]


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

    def _insert_rows(self, cursor: Any, target: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            marks = ",".join("?" * len(rows[0]))
            cursor.executemany(f"INSERT INTO {target} VALUES ({marks})", list(rows))

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        found: dict[str, tuple[str, UUID, int]] = {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                c.execute(f"SELECT * FROM ledger_keys WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                for row in c.fetchall():
                    found[row["key"]] = (row["digest"], UUID(row["originator_id"]), row["originator_version"])
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
                yield RawEvent(row[0], str(row[1]), row[2], str(row[3]), _blob(row[4]))
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
            return [RawEvent(r[0], str(r[1]), r[2], str(r[3]), _blob(r[4])) for r in c.fetchall()]

    def stored_leaves(self, after: int = 0, upto: int | None = None) -> list[tuple[int, int, str]]:
        with self.datastore.transaction(commit=False) as c:
            return self._leaf_rows(c, after, upto)

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
        return [RawEvent(r[0], str(r[1]), r[2], str(r[3]), _blob(r[4])) for r in cursor.fetchall()]

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
        ids: list[int] = []
        self._signed().checkpoint = None
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_table(curs)
            self._notify_channel(curs)
            for start in range(0, len(stored_events), PG_CHUNK):
                chunk = stored_events[start : start + PG_CHUNK]
                pg_events = [
                    self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                    for e in chunk
                ]
                curs.execute(self.insert_events_statement, (pg_events,))
                ids.extend(row["notification_id"] for row in curs.fetchall())
            curs.row_factory = _tuples
            keys: Sequence[KeyRow] = kwargs.get("keys") or ()
            self._insert_rows(curs, "ledger_keys (key, digest, originator_id, originator_version)",
                              [(k, d, UUID(o), v) for k, d, o, v in keys])
            self._seal(curs, stored_events, ids)
        self._remember_signed()  # only once the transaction has committed
        return ids

    def _insert_rows(self, cursor: Any, target: str, rows: Sequence[tuple[Any, ...]]) -> None:
        # One multi-row VALUES statement per chunk: no executemany (which pipelines in psycopg 3).
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            marks = ",".join(["(" + ",".join(["%s"] * len(chunk[0])) + ")"] * len(chunk))
            cursor.execute(f"INSERT INTO {self._p}{target} VALUES {marks}", [v for row in chunk for v in row])

    def _cursor_rows(self, query: Any, params: Sequence[Any] = ()) -> list[Any]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, params)
            return list(curs.fetchall())

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        rows = self._cursor_rows(self._sql("SELECT * FROM {p}ledger_keys WHERE key = ANY(%s)"), (list(keys),))
        return {r["key"]: (r["digest"], r["originator_id"], r["originator_version"]) for r in rows}

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

    def stored_leaves(self, after: int = 0, upto: int | None = None) -> list[tuple[int, int, str]]:
        with self.datastore.transaction(commit=False) as curs:
            curs.row_factory = _tuples
            return self._leaf_rows(curs, after, upto)

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


def _blob(value: Any) -> bytes:
    """A stored state as bytes; a column changed to another type (text, NULL) reads as bytes no
    real event has, so its leaf differs and the damage shows where it is."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return b"\xffnot a stored state: " + repr(value).encode("utf-8", "replace")


def _tuples(cursor: Any) -> Any:
    from psycopg.rows import tuple_row

    return tuple_row(cursor)
