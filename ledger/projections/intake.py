"""The read models written in an import's own transaction: one pass, not a catch-up after it.

An import hands each chunk's saved events, as the records it built, to an `Intake` while the
chunk is still in the open transaction; the intake inserts their facts through the same
connection (the append session lends it), and before the commit redoes the rows of every case
the import touched (once each) and moves the tracking record to the import's last position. The
events, their facts, their cases' rows and the position then commit together, or roll back
together: the read models are never behind the log after an import, nothing is decoded again from
the log, and no more than a chunk of records is held.

The intake only starts on read models that hold every event before the import's first (checked
under the write lock, inside the transaction). Behind the log, it declines, and the import's
events are taken in by the catch-up after the commit; a store that lends no connection
(`AppendSession.lend` is None) is caught up the same way. Past the log, or with a position and
facts that disagree, the read models were changed outside the ledger: the import is refused
before its commit (`Intake._level_with`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol

from eventsourcing.persistence import Tracking
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from ..domain.errors import StoreError
from ..domain.records import EventRecord
from .tables import facts
from .view import LedgerView

_LAST_FACT = select(func.max(facts.c.position))


class Taking(Protocol):
    """What an intake needs of the projections (`ledger.projections.runner.Projections`)."""

    view: LedgerView
    application_name: str

    def open_window(self, position: int) -> Any: ...

    def take_records(self, session: Session, window: Any, records: Sequence[EventRecord],
                     progress: Callable[[int], None] | None) -> None: ...

    def refresh(self, session: Session, window: Any, progress: Callable[[int], None] | None) -> None: ...

    def forget_registry(self) -> None: ...


class _Lent:
    """A DB-API connection lent by the append session, which owns its transaction: SQLAlchemy's
    commits, rollbacks and closes must not end it (the session commits or rolls back everything)."""

    def __init__(self, connection: Any, cursor_options: dict[str, Any]) -> None:
        self._connection = connection
        self._cursor_options = cursor_options

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        return self._connection.cursor(*args, **(self._cursor_options | kwargs))

    def add_notice_handler(self, handler: Any) -> None:
        """Not added: SQLAlchemy's psycopg dialect adds one on every connect, and the lent
        connection goes back to the library's pool, where each import's would pile up."""

    def commit(self) -> None:
        """Left to the append session, which commits the events and the read models at once."""

    def rollback(self) -> None:
        """Left to the append session: a rollback here would undo the import's events too."""

    def close(self) -> None:
        """The connection goes back to the library's pool when the append session ends."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


@contextmanager
def lent_session(connection: Any, dialect: str, search_path: str | None) -> Iterator[Session]:
    """A SQLAlchemy session over a lent connection, inside its open transaction. On PostgreSQL
    the session's tables are found through the read models' own search path (set for this
    transaction only), and rows come back as tuples, as SQLAlchemy expects (the library's
    connections make dicts)."""
    if dialect == "sqlite":
        engine = create_engine("sqlite://", creator=lambda: _Lent(connection, {}), poolclass=StaticPool)
    else:
        from psycopg.rows import tuple_row

        # use_native_hstore=False: the dialect would otherwise look hstore up through the
        # connection's class, which a lent connection is not.
        engine = create_engine("postgresql+psycopg://", creator=lambda: _Lent(connection, {"row_factory": tuple_row}),
                               poolclass=StaticPool, use_native_hstore=False)
    try:
        with Session(engine) as session:
            if search_path is not None:
                session.execute(text("SELECT set_config('search_path', :path, true)"), {"path": search_path})
            yield session
    finally:
        engine.dispose()


def search_path_of(engine: Any) -> str | None:
    """The search path the read models' own PostgreSQL connections use (None on SQLite)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("SHOW search_path").scalar())


class Intake:
    """Take an import's events into the read models inside its transaction (see the module)."""

    def __init__(self, projections: Taking, progress: Callable[[int], None] | None) -> None:
        self._projections = projections
        self._progress = progress
        self._stack = ExitStack()
        self._session: Session | None = None
        self._window: Any = None  # the projections' `Window`, once level
        #: Events taken in so far and not yet reported: progress is reported at `finish`, since
        #: until the commit they may all roll back.
        self._unreported = 0
        #: The read models were not level with the log: the catch-up takes the import in instead.
        self.declined = False

    def take(self, lent: tuple[Any, str, int] | None, records: Mapping[int, EventRecord]) -> bool:
        """Insert the facts of one written chunk (`records`, by position); False if the intake
        declined (now or earlier): the caller then leaves the events to the catch-up."""
        if self.declined or not records:
            return not self.declined
        if self._window is None:
            if lent is None:
                self.declined = True
                return False
            connection, dialect, preceding = lent
            search_path = search_path_of(self._projections.view.datastore.engine)
            self._session = self._stack.enter_context(lent_session(connection, dialect, search_path))
            if not self._level_with(self._session, preceding):
                self.close()
                self.declined = True
                return False
            self._window = self._projections.open_window(preceding)
        assert self._session is not None
        ordered = [records[position] for position in sorted(records)]
        self._projections.take_records(self._session, self._window, ordered, self._count)
        return True

    def _count(self, events: int) -> None:
        self._unreported += events

    def finish(self) -> None:
        """Before the commit: redo the touched cases' rows and move the tracking record."""
        if self._window is None or self._session is None:
            return
        projections = self._projections
        if self._progress is not None and self._unreported:
            self._progress(self._unreported)  # the events of no case (registry, programmes)
        self._unreported = 0
        projections.refresh(self._session, self._window, self._progress)
        projections.view.record_tracking(self._session, Tracking(projections.application_name, self._window.position))

    def close(self, *, committed: bool = False) -> None:
        """Let go of the connection; unless the transaction committed, forget the registry the
        projections folded from facts it rolled back."""
        self._stack.close()
        self._session = None
        if not committed and self._window is not None:
            self._projections.forget_registry()

    def _level_with(self, session: Session, preceding: int) -> bool:
        """Do the read models hold exactly the log up to `preceding`, their position too? Behind
        it (a writer's catch-up not yet run): no, the catch-up will take the import in. Beyond
        it, or facts and position at odds: they were changed outside the ledger, and the import
        is refused before anything is committed (a catch-up after the commit would fail, or skip
        the import's events, and a file without ids retried after it would be appended twice)."""
        projections = self._projections
        # One statement, so one snapshot: on PostgreSQL another process's catch-up may commit
        # between two (the events before this import's are there to be taken in).
        table = projections.view.tracking_table
        tracked_query = select(table.c.notification_id).where(table.c.application_name == projections.application_name)
        row = session.execute(select(tracked_query.scalar_subquery(), _LAST_FACT.scalar_subquery())).one()
        tracked, last_fact = row[0] or 0, row[1] or 0
        if tracked != last_fact or tracked > preceding:
            raise StoreError(f"the read models track position {tracked} and hold facts up to {last_fact}, but the"
                             f" log's last event before this import is {preceding}: they were changed outside the"
                             " ledger; nothing was imported: run `ledger rebuild`, then import again")
        return tracked == preceding
