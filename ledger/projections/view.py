"""The projection's view: our read-model tables plus eventsourcing-sqlalchemy's tracking table,
always written in one transaction, so a view never claims events it has not applied."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from sqlalchemy import delete
from sqlalchemy.orm import Session

from .tables import VIEW_TABLES


class LedgerView(SQLAlchemyTrackingRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tables.extend(VIEW_TABLES)

    def record_tracking(self, session: Session, tracking: Tracking) -> None:
        self._insert_tracking(session, tracking)

    def reset(self) -> None:
        """Empty every read model and forget the position: the next catch-up rebuilds from 1."""
        with self.transaction(commit=True) as session:
            for table in reversed(VIEW_TABLES):
                session.execute(delete(table))
            session.execute(delete(self.tracking_table))
