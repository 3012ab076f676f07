"""Many read-model rows in one go, at the driver's speed.

SQLAlchemy's `insert(table)` with a list of dicts compiles and binds every row in Python, which
cost more than the rows' own work in a rebuild. Here rows go to the driver as tuples, in the
session's transaction: one `executemany` on SQLite, `COPY … FROM STDIN` on PostgreSQL (its bulk
path). Values are those SQLAlchemy would bind (text, integers, dates, booleans, NULL), which both
drivers adapt the same way, so a row reads back identically whichever path wrote it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts keyed by column name, as `insert(table)` takes them) into `table`."""
    if not rows:
        return
    columns = [c.name for c in table.columns if c.name in rows[0]]
    insert_values(session, table, columns, [tuple(row[name] for name in columns) for row in rows])


def insert_values(session: Session, table: Table, columns: Sequence[str], values: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows given as tuples of `columns`' values (the facts: no dict made per event)."""
    if not values:
        return
    connection = session.connection()
    names = ", ".join(f'"{name}"' for name in columns)
    if connection.dialect.name == "postgresql":
        statement = f'COPY "{table.name}" ({names}) FROM STDIN'
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
        except Exception as error:
            # The driver's own error, as SQLAlchemy would have wrapped it: another process that
            # took in the same events first is a conflict the caller retries, not a crash.
            if type(error).__module__.startswith("psycopg") and (getattr(error, "sqlstate", None) or "").startswith("23"):
                raise IntegrityError(statement, None, error) from error
            raise
        return
    marks = ", ".join("?" * len(columns))
    connection.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', values)
