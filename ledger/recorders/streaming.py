"""One append written in chunks: the events of a long import go into ONE open transaction, a
chunk at a time, so that no more than a chunk of them is ever held in memory.

The transaction begins with the first `write` (a dry run, or an import refused before its first
chunk was written, never takes the write lock) and then holds the store's write lock (SQLite's
database lock, PostgreSQL's EXCLUSIVE lock on the events table) until `commit` or rollback. So
nothing else is appended in between: the positions are consecutive, the tree head read at the
first write is still the head at commit, and no conflict can arise after the first write. Other
writers wait for the lock (SQLite's busy timeout, PostgreSQL's lock_timeout: 30 s each) and then
fail with a store error, which is safe to retry (the web answers 503 with Retry-After).

The seal is the one a single append writes: each chunk's leaves extend the head read at the first
write; the new head and ONE signed checkpoint (of the final tree) are written at `commit`.
Anything that fails inside the transaction rolls all of it back, and nothing was appended.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, ExitStack, suppress
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ..integrity.checkpoint import Checkpoint, signed
from ..integrity.seal import Signer, TreeHead, seal
from ..store import KeyRow


class StreamingRecorder(Protocol):
    """What a session needs of its recorder (`_SealMixin` and the store's own two methods)."""

    clock: Any

    def _open_append(self) -> AbstractContextManager[Any]:
        """A write transaction (committed on a clean exit, rolled back on an exception), its cursor."""

    def _insert_chunk(self, cursor: Any, stored_events: Sequence[StoredEvent], keys: Sequence[KeyRow]) -> list[int]:
        """Insert events (taking the write lock) and their keys; their positions, in order."""

    def _head_to_extend(self, cursor: Any) -> tuple[TreeHead, Signer | None]: ...

    def _insert_rows(self, cursor: Any, target: str, rows: Sequence[tuple[Any, ...]]) -> None: ...

    def _write_head(self, cursor: Any, head: TreeHead, checkpoint: Checkpoint | None) -> None: ...

    def _signed(self) -> Any: ...

    def _lend(self, cursor: Any) -> tuple[Any, str] | None:
        """The DB-API connection of the open transaction and its SQLAlchemy dialect, for the read
        models to write into it (None: this store does not lend it, they catch up after the commit)."""

    def _last_before(self, cursor: Any, position: int) -> int:
        """The last position in the log before `position` (0: none)."""

    def _keys_in(self, cursor: Any, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        """`lookup_keys` inside the open transaction: the ids its earlier chunks wrote are found too."""

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]: ...

    def _stream_in(self, cursor: Any, originator_id: UUID) -> list[StoredEvent]:
        """One aggregate's stored events, in version order, as the open transaction sees them."""

    def _remember_signed(self) -> None: ...


class _Abandon(Exception):
    """Thrown into the open transaction to roll it back."""


class AppendSession:
    """Write chunks with `write`; `commit` makes them all durable at once. Leaving the `with`
    block without `commit` (or on an error) rolls everything back."""

    def __init__(self, recorder: StreamingRecorder) -> None:
        self._recorder = recorder
        self._stack: ExitStack | None = None
        self._cursor: Any = None
        self._head: TreeHead | None = None
        self._signer: Signer | None = None
        self._done = False
        #: After the first write: the last position in the log before this session's events.
        self.preceding: int | None = None

    def __enter__(self) -> AppendSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close(commit=False)

    def write(self, stored_events: Sequence[StoredEvent], keys: Sequence[KeyRow]) -> list[int]:
        """Insert one chunk (events, their keys and leaves) into the transaction; their positions."""
        if self._done:
            raise RuntimeError("this append session is closed")
        if not stored_events:
            return []
        try:
            if self._stack is None:
                self._stack = ExitStack()
                self._recorder._signed().checkpoint = None
                self._cursor = self._stack.enter_context(self._recorder._open_append())
            ids = self._recorder._insert_chunk(self._cursor, stored_events, keys)
            if self._head is None:  # read once the events' INSERT holds the write lock
                self._head, self._signer = self._recorder._head_to_extend(self._cursor)
                self.preceding = self._recorder._last_before(self._cursor, ids[0])
            result = seal(self._head, stored_events, ids, signer=None, clock=self._recorder.clock)
            self._recorder._insert_rows(self._cursor, "ledger_leaves (position, leaf_index, leaf_hash)", result.leaves)
            self._head = result.head
            return ids
        except BaseException as error:
            self._fail(error)
            raise

    def lend(self) -> tuple[Any, str] | None:
        """The DB-API connection of the open transaction and its dialect (None before the first
        write, or if the store does not lend it): what is written through it commits or rolls back
        with the events."""
        if self._done or self._cursor is None:
            return None
        return self._recorder._lend(self._cursor)

    def lookup_keys(self, keys: Sequence[str]) -> dict[str, tuple[str, UUID, int]]:
        """For each known id: (digest, aggregate id, version), as this transaction sees them: the
        ids of its own earlier chunks too (so an import need not keep them all in memory)."""
        if self._done or self._cursor is None:
            return self._recorder.lookup_keys(keys)
        try:
            return self._recorder._keys_in(self._cursor, keys)
        except BaseException as error:
            self._fail(error)
            raise

    def stream(self, originator_id: UUID) -> list[StoredEvent] | None:
        """One aggregate's stored events as this transaction sees them (None before its first write)."""
        if self._done or self._cursor is None:
            return None
        try:
            return self._recorder._stream_in(self._cursor, originator_id)
        except BaseException as error:
            self._fail(error)
            raise

    def commit(self) -> None:
        """Write the new tree head (and its signed checkpoint) and commit everything written."""
        if self._stack is None or self._head is None:
            self._done = True
            return
        try:
            head = self._head
            checkpoint = None
            if self._signer is not None:
                checkpoint = signed(head.size, head.root(), self._recorder.clock().astimezone().isoformat(),
                                    self._signer)
            self._recorder._write_head(self._cursor, head, checkpoint)
        except BaseException as error:
            self._fail(error)
            raise
        self._close(commit=True)
        self._recorder._remember_signed()  # only once the transaction has committed

    def _close(self, *, commit: bool) -> None:
        stack, self._stack, self._done = self._stack, None, True
        if stack is None:
            return
        if commit:
            stack.close()
            return
        try:
            with suppress(_Abandon):
                stack.__exit__(_Abandon, _Abandon(), None)
        finally:
            self._recorder._signed().checkpoint = None

    def _fail(self, error: BaseException) -> None:
        """Roll back after `error`; the store's own translation of it (a unique key broken becomes
        the library's IntegrityError) is what propagates."""
        stack, self._stack, self._done = self._stack, None, True
        self._recorder._signed().checkpoint = None
        if stack is not None:
            stack.__exit__(type(error), error, error.__traceback__)
