"""The projection's view: our read-model tables plus eventsourcing-sqlalchemy's tracking table,
always written in one transaction, so a view never claims events it has not applied."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from sqlalchemy import Engine, Select, bindparam, delete, insert, inspect, select, update
from sqlalchemy.orm import Session

from .tables import VIEW_TABLES


class LedgerView(SQLAlchemyTrackingRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tables.extend(VIEW_TABLES)

    def create_table(self) -> None:
        """Create the tables; read models made by an older version, which lack a table or a column
        this one writes, are dropped and made again empty (with no tracked position), so the next
        catch-up rebuilds them from the log: they hold nothing the log does not. Checked before
        anything is created: a missing table made here, empty, beside the old ones would pass for
        complete (a store missing `registry_reads` would never re-judge a case on a registry event)."""
        engine = self.datastore.engine
        assert isinstance(engine, Engine)
        inspector = inspect(engine)
        present = [table for table in VIEW_TABLES if inspector.has_table(table.name)]
        outdated = bool(present) and (len(present) < len(VIEW_TABLES) or not all(
            {c.name for c in table.columns} <= {c["name"] for c in inspector.get_columns(table.name)}
            for table in present))
        super().create_table()
        if not outdated:
            return
        with engine.begin() as connection:
            for table in reversed(VIEW_TABLES):
                table.drop(connection, checkfirst=True)
            connection.execute(delete(self.tracking_table))
        super().create_table()

    # The tracking table holds one row per application (its primary key): its position. The
    # library reads and writes it through the ORM (a Query, then a flush), and checks the position
    # in a transaction of its own: 2.8 ms of each API append. Here it is read and written with
    # plain statements, the check made inside the caller's transaction.

    def max_tracking_id(self, application_name: str) -> int | None:
        with self.transaction(commit=False) as session:
            return self.tracked(session, application_name)

    def tracked(self, session: Session, application_name: str) -> int | None:
        return session.execute(self._tracked_query, {"name": application_name}).scalar()

    @cached_property
    def _tracked_query(self) -> Select[tuple[int]]:
        table = self.tracking_table  # built once: building a statement costs more than running it
        return select(table.c.notification_id).where(table.c.application_name == bindparam("name"))

    def record_tracking(self, session: Session, tracking: Tracking) -> None:
        """Move the position forward, in `session`'s transaction; a position already at or past it
        is another process's catch-up of the same events: the library's IntegrityError (retried)."""
        table, name = self.tracking_table, tracking.application_name
        tracked = self.tracked(session, name)
        if tracked is not None and tracked >= tracking.notification_id:
            raise IntegrityError(f"the read models already track position {tracked}")
        if tracked is None:
            session.execute(insert(table).values(application_name=name, notification_id=tracking.notification_id))
        else:
            moved = session.execute(update(table).where(table.c.application_name == name)
                                    .values(notification_id=tracking.notification_id))
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                # The row read above was deleted meanwhile (a rebuild in another transaction):
                # the position would silently stay behind the facts written with it.
                raise IntegrityError("the read models' tracking record changed during this catch-up")

    def reset(self) -> None:
        """Empty every read model and forget the position: the next catch-up rebuilds from 1."""
        with self.transaction(commit=True) as session:
            for table in reversed(VIEW_TABLES):
                session.execute(delete(table))
            session.execute(delete(self.tracking_table))
