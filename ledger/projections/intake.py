"""The read models written in an import's own transaction: one pass, not a catch-up after it.

An import hands each chunk's saved events, as the records it built, to an `Intake` while the
chunk is still in the open transaction; the intake inserts their facts through the same
connection (SQLite lends it), and before the commit redoes the rows of every case the import
touched (once each) and moves the tracking record to the import's last position. The events,
their facts, their cases' rows and the position then commit together, or roll back together: the
read models are never behind the log after an import, nothing is decoded again from the log, and
no more than a chunk of records is held.

The intake only starts on read models that hold every event before the import's first (checked
under the write lock, inside the transaction): otherwise it declines, and the import's events are
taken in by the catch-up after the commit, which also reports whatever is wrong with them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol

from eventsourcing.persistence import Tracking
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

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

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


@contextmanager
def lent_session(connection: Any) -> Iterator[Session]:
    """A SQLAlchemy session over a lent SQLite connection, inside its open transaction."""
    engine = create_engine("sqlite://", creator=lambda: _Lent(connection), poolclass=StaticPool)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


class Intake:
    """Take an import's events into the read models inside its transaction (see the module)."""

    def __init__(self, projections: Taking, progress: Callable[[int], None] | None) -> None:
        self._projections = projections
        self._progress = progress
        self._stack = ExitStack()
        self._session: Session | None = None
        self._window: Any = None  # the projections' `Window`, once level
        #: The read models were not level with the log: the catch-up takes the import in instead.
        self.declined = False

    def take(self, lent: tuple[Any, int] | None, records: Mapping[int, EventRecord]) -> bool:
        """Insert the facts of one written chunk (`records`, by position); False if the intake
        declined (now or earlier): the caller then leaves the events to the catch-up."""
        if self.declined or not records:
            return not self.declined
        if self._window is None:
            if lent is None:
                self.declined = True
                return False
            connection, preceding = lent
            self._session = self._stack.enter_context(lent_session(connection))
            if not self._level_with(self._session, preceding):
                self.close()
                self.declined = True
                return False
            self._window = self._projections.open_window(preceding)
        assert self._session is not None
        ordered = [records[position] for position in sorted(records)]
        self._projections.take_records(self._session, self._window, ordered, self._progress)
        return True

    def finish(self) -> None:
        """Before the commit: redo the touched cases' rows and move the tracking record."""
        if self._window is None or self._session is None:
            return
        projections = self._projections
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
        """Do the read models hold exactly the log up to `preceding`, their position too?"""
        projections = self._projections
        tracked = projections.view.tracked(session, projections.application_name) or 0
        last_fact = session.execute(_LAST_FACT).scalar() or 0
        return tracked == preceding == last_fact
