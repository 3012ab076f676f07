"""The projection's view: our read-model tables plus eventsourcing-sqlalchemy's tracking table,
always written in one transaction, so a view never claims events it has not applied."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from sqlalchemy import Engine, delete, inspect
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

    def record_tracking(self, session: Session, tracking: Tracking) -> None:
        self._insert_tracking(session, tracking)

    def reset(self) -> None:
        """Empty every read model and forget the position: the next catch-up rebuilds from 1."""
        with self.transaction(commit=True) as session:
            for table in reversed(VIEW_TABLES):
                session.execute(delete(table))
            session.execute(delete(self.tracking_table))
