"""`ledger verify --full`'s check of the read models: every row recomputed from the events they
have taken in (up to their tracked position: read models behind the log, after a crash between
an import's commit and its catch-up, are behind, not altered) and compared, in bounded memory.

1. The facts, in position order, beside the log's records, one by one: the first that differs
   is reported.
2. Once the facts are the log's, each case's rows are folded from its facts (read in case order,
   CHUNK cases at a time) and compared with the stored rows of those cases; the tables must hold
   no other rows.

Memory holds a batch of facts and a chunk of cases, never the log (it held every record and every
row: 590 MB at 100,000 events).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from itertools import takewhile, zip_longest
from typing import Any

from sqlalchemy import Date, Table, and_, case, func, or_, select
from sqlalchemy.orm import Session

from ..calendar import WorkingCalendar
from ..domain.records import EventRecord
from ..eventlog import EventLog
from ..rules.engine import registry_from
from ..rules.violation import Judgement
from .rows import case_rows, fact_values, record_from_row
from .runner import CHUNK, Projections
from .stored import READ_BATCH
from .tables import CASE_TABLES, VIEW_TABLES, facts


def read_model_problems(log: EventLog, projections: Projections) -> list[str]:
    """What differs between the read models and the events they claim to have taken in."""
    tracked = projections.position()
    with projections.view.transaction(commit=False) as session:
        if odd := _dates_not_as_written(session):
            return odd  # before reading rows whose dates may not even parse
        if not _facts_are_the_log(session, log, tracked):
            return ["the facts table differs from the events (rows changed?)"]
        return _case_rows_problems(session)


def _dates_not_as_written(session: Session) -> list[str]:
    """SQLite keeps a date as text, and the read models' queries compare that text (an as-of
    filter, a scorecard's period counted by the database). A date spelt otherwise than the ledger
    writes it (YYYY-MM-DD) — a week date such as 2026-W50-1, a number — may read back as the same
    date, so comparing rows would find nothing, while those queries sort it elsewhere: each such
    column is named. PostgreSQL's date columns have one spelling."""
    if session.get_bind().dialect.name != "sqlite":
        return []
    problems: list[str] = []
    for table in VIEW_TABLES:  # one pass over each table, counting every date column's odd values
        columns = [column for column in table.columns if isinstance(column.type, Date)]
        counts = session.execute(select(*(
            func.coalesce(func.sum(case((and_(column.is_not(None), or_(
                func.typeof(column) != "text", func.date(column).is_distinct_from(column))), 1), else_=0)), 0)
            for column in columns))).one() if columns else ()
        problems.extend(f"the {table.name} table's {column.name} column holds {odd} date(s) not written as the"
                        " ledger writes them (YYYY-MM-DD): changed outside the ledger"
                        for column, odd in zip(columns, counts, strict=True) if odd)
    return problems


def _facts_are_the_log(session: Session, log: EventLog, tracked: int) -> bool:
    query = select(facts).order_by(facts.c.position).execution_options(yield_per=READ_BATCH)
    with closing(session.execute(query)) as stored, closing(log.records()) as records:
        expected = takewhile(lambda r: r.position <= tracked, records)
        for row, record in zip_longest(stored, expected):
            if row is None or record is None or tuple(row) != fact_values(record):
                return False
    return True


def _case_rows_problems(session: Session) -> list[str]:
    registry = registry_from(record_from_row(row) for row in session.execute(
        select(facts).where(facts.c.case_ref.is_(None)).order_by(facts.c.position)))
    judgement = Judgement(None, registry, WorkingCalendar(registry.calendar_overrides()))
    differs: set[str] = set()
    counted = dict.fromkeys((t.name for t in CASE_TABLES), 0)
    for chunk in _cases(session):
        expected: dict[str, list[dict[str, Any]]] = {t.name: [] for t in CASE_TABLES}
        for ref, records in chunk:
            for table, rows in case_rows(ref, records, judgement).items():
                expected[table.name].extend(rows)
        refs = [ref for ref, _ in chunk]
        for table in CASE_TABLES:
            counted[table.name] += len(expected[table.name])
            if table.name not in differs and _stored(session, table, refs) != _rows(table, expected[table.name]):
                differs.add(table.name)
    for table in CASE_TABLES:  # no rows of cases that have no facts
        if table.name not in differs and session.execute(select(func.count()).select_from(table)).scalar() != \
                counted[table.name]:
            differs.add(table.name)
    return [f"the {table.name} table differs from the events (rows changed?)"
            for table in CASE_TABLES if table.name in differs]


def _cases(session: Session) -> Iterator[list[tuple[str, list[EventRecord]]]]:
    """Every case's facts (log order), CHUNK cases at a time."""
    query = (select(facts).where(facts.c.case_ref.is_not(None)).order_by(facts.c.case_ref, facts.c.position)
             .execution_options(yield_per=READ_BATCH))
    pending: list[tuple[str, list[EventRecord]]] = []
    for row in session.execute(query):
        record = record_from_row(row)
        if not pending or pending[-1][0] != record.case:
            if len(pending) == CHUNK:
                yield pending
                pending = []
            pending.append((record.case or "", []))
        pending[-1][1].append(record)
    if pending:
        yield pending


def _columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name != "id"]


# The rows of a chunk of cases are compared as multisets (each row with how many times it occurs),
# in whatever order the database returns them: sorting them by their repr was a tenth of
# `verify --full`.

def _stored(session: Session, table: Table, refs: list[str]) -> Counter[tuple[Any, ...]]:
    columns = _columns(table)
    rows = session.execute(select(*(table.c[name] for name in columns)).where(table.c.case_ref.in_(refs)))
    return Counter(tuple(row) for row in rows)


def _rows(table: Table, expected: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    columns = _columns(table)
    return Counter(tuple(row[name] for name in columns) for row in expected)
