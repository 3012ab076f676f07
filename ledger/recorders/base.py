"""What every ledger recorder does beyond the library's: the interface the application needs
(`LedgerRecorder`), and the seal written in the same transaction as each append (`_SealMixin`)."""

from __future__ import annotations

import hashlib

from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from threading import local
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ..domain.errors import CorruptEvent
from ..integrity.checkpoint import Checkpoint, signed
from ..integrity.keys import b64
from ..integrity.merkle import Frontier, raw_leaf
from ..integrity.seal import Signer, TreeHead, seal
from ..integrity.watermark import Watermark
from ..store import APPEND_ONLY, RawEvent

if TYPE_CHECKING:
    from .streaming import AppendSession


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

#: Bumped when what the recorders make (tables, indexes, triggers) changes beyond `_SIDE_TABLES`.
_DDL_REVISION = "1"


def ddl_version() -> str:
    """Names the event store's tables, indexes and triggers as this version of the ledger and of
    the library make them. A PostgreSQL store records it once they are made (`ledger_meta`), and a
    process opening a store that records the same issues no DDL: the library's CREATE INDEX IF NOT
    EXISTS and our CREATE OR REPLACE TRIGGER wait for the events table's lock, which an import
    holds to its end, so every process opening the store would hang behind a long import."""
    from importlib.metadata import version

    made = [_DDL_REVISION, version("eventsourcing"), APPEND_ONLY, *APPEND_ONLY_TABLES, *_SIDE_TABLES]
    return hashlib.sha256("\n".join(made).encode()).hexdigest()[:16]


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

    def lock_out_writers(self, connection: Any) -> None:
        """Take the store's write lock in `connection`'s open transaction (a rebuild's), until it
        ends: no import writes read models beside it (`ledger.projections.intake`)."""

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

    def stored_leaves(self, after: int | None = 0, upto: int | None = None) -> list[tuple[int, int, str]]:
        """(position, leaf index, leaf hash) written at append time, in log order."""

    def stored_leaves_at(self, positions: Sequence[int]) -> list[tuple[int, int, str]]:
        """The stored leaves of these positions only (one stream's events, spread over the log)."""

    def tree_head(self) -> TreeHead:
        """The head of the tree as last appended."""

    def stored_checkpoints(self) -> list[Checkpoint]:
        """Every signed checkpoint, by size."""

    def latest_checkpoint(self) -> Checkpoint | None:
        """The checkpoint of the largest size."""

    def sign_pending(self) -> Checkpoint | None:
        """Sign the head over events a keyless writer appended, if the stored tree is vouched for."""

    def append_session(self) -> AppendSession:
        """One append written in chunks into one transaction (an import: `ledger.recorders.streaming`)."""


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
        previous, signer = self._head_to_extend(cursor)
        result = seal(previous, stored_events, positions, signer=signer, clock=self.clock)
        self._insert_rows(cursor, "ledger_leaves (position, leaf_index, leaf_hash)", result.leaves)
        self._write_head(cursor, result.head, result.checkpoint)

    def _head_to_extend(self, cursor: Any) -> tuple[TreeHead, Signer | None]:
        """The tree head an append extends (read once the transaction holds the write lock), and
        the signer if this process may vouch for the tree that head stands for."""
        cursor.execute(self._sql("SELECT size, position, frontier FROM {p}ledger_tree WHERE id = 1"))
        row = cursor.fetchone()
        if row is None:
            cursor.execute(self._sql("SELECT position FROM {p}ledger_leaves ORDER BY position LIMIT 1"))
            if cursor.fetchone() is not None:
                raise CorruptEvent(None, "the store's tree head (ledger_tree) is gone while its leaves remain:"
                                         " deleted outside the ledger; nothing was appended")
        previous = TreeHead.from_row(row[0], row[1], row[2]) if row is not None else TreeHead()
        return previous, self.signer if self.signer is not None and self._vouched(cursor, previous) else None

    def _write_head(self, cursor: Any, head: TreeHead, checkpoint: Checkpoint | None) -> None:
        cursor.execute(self._sql(_UPSERT_TREE), (1, head.size, head.position, head.frontier_json(), head.root().hex()))
        if checkpoint is not None:
            self._insert_checkpoint(cursor, checkpoint)
            self._signed().checkpoint = checkpoint

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

    def _leaf_rows_at(self, cursor: Any, positions: Sequence[int]) -> list[tuple[int, int, str]]:
        rows: list[tuple[int, int, str]] = []
        wanted = sorted(set(positions))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join([self._m] * len(chunk))
            cursor.execute(self._sql("SELECT position, leaf_index, leaf_hash FROM {p}ledger_leaves WHERE position IN ("
                                     + marks + ")"), tuple(chunk))
            rows.extend(_leaf_row(r) for r in cursor.fetchall())
        return sorted(rows)

    def _leaf_rows(self, cursor: Any, after: int | None, upto: int | None) -> list[tuple[int, int, str]]:
        """The leaf rows with after < position <= upto (None: no bound; positions are the log's, 1
        and up, so only a row added outside the ledger lies at 0 or below)."""
        bounds = [("position > {m}", after), ("position <= {m}", upto)]
        where = " AND ".join(condition for condition, value in bounds if value is not None) or "1 = 1"
        params = tuple(value for _, value in bounds if value is not None)
        cursor.execute(self._sql(f"SELECT position, leaf_index, leaf_hash FROM {{p}}ledger_leaves WHERE {where}"
                                 " ORDER BY position"), params)
        return [_leaf_row(r) for r in cursor.fetchall()]


def _leaf_row(row: Any) -> tuple[int, int, str]:
    """A sealed leaf row as (position, leaf index, hash); SQLite's integer columns take text too,
    and a row whose position or index is not a whole number was not written by the ledger."""
    position, index, leaf = row[0], row[1], row[2]
    if type(position) is not int or type(index) is not int:
        raise CorruptEvent(None, f"a sealed leaf row is not as the ledger writes it (position {position!r},"
                                 f" leaf index {index!r}): changed outside the ledger")
    return position, index, leaf


def _blob(value: Any) -> bytes:
    """A stored state as bytes; a column changed to another type (text, NULL) reads as bytes no
    real event has, so its leaf differs and the damage shows where it is."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return b"\xffnot a stored state: " + repr(value).encode("utf-8", "replace")


def _tuples(cursor: Any) -> Any:
    from psycopg.rows import tuple_row

    return tuple_row(cursor)
