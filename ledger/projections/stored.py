"""The read models as stored: facts filtered by as-of / known-at, each case's facts, the scorecard's
stored view, every row (a mixin of `Projections`, which owns the view and keeps it current)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select

from ..domain.records import EventRecord
from ..domain.schema import AGENCY_YEAR_TYPES, REGISTRY_TYPES
from ..rules.scoring import ScoredCase
from ..rules.violation import Violation
from .rows import record_from_row, utc_text, violation_from_row
from .scores import stored_scores
from .tables import VIEW_TABLES, case_files, facts, violation_rows
from .view import LedgerView

#: Rows a read of the facts buffers at a time (its memory: about this many rows).
READ_BATCH = 5000

#: Built once (every append to a stored case runs it): see `Projections`' statements.
_CASE_POSITIONS = select(facts.c.position).where(facts.c.case_ref == bindparam("case")).order_by(facts.c.position)
_CASES_TAKEN = (select(facts.c.case_ref, func.min(facts.c.position))
                .where(facts.c.case_ref.in_(bindparam("refs", expanding=True)))
                .group_by(facts.c.case_ref))
_REGISTRY_POSITIONS = (select(facts.c.position).where(facts.c.case_ref.is_(None), facts.c.type.in_(REGISTRY_TYPES))
                       .order_by(facts.c.position))
_AGENCY_YEAR_FACTS = (select(facts.c.position, facts.c.fields)
                      .where(facts.c.case_ref.is_(None), facts.c.type.in_([*AGENCY_YEAR_TYPES, "FindingRecorded"]))
                      .order_by(facts.c.position))


class StoredReads:
    """Queries over the read models; each in a read transaction of its own."""

    view: LedgerView
    application_name = "Ledger"  # the name of the read models' tracking records

    def facts(self, *, as_of: date | None = None, known_at: datetime | None = None,
              non_case_only: bool = False, limit: int | None = None,
              cases: list[str] | None = None) -> Iterator[EventRecord]:
        """Stored facts in log order, filtered by as-of (claimed date) and known-at (recorded);
        `limit` keeps the first so many events of the log (a checkpoint's)."""
        query = select(facts).order_by(facts.c.position)
        if limit is not None:
            query = query.limit(limit)
        if as_of is not None:
            query = query.where(facts.c.at_date <= as_of)
        if known_at is not None:
            query = query.where(facts.c.recorded_utc <= utc_text(known_at))
        if non_case_only:
            query = query.where(facts.c.case_ref.is_(None))
        if cases is not None:
            query = query.where(facts.c.case_ref.in_(cases))
        with self.view.transaction(commit=False) as session:
            for row in session.execute(query.execution_options(yield_per=READ_BATCH)):
                yield record_from_row(row)

    def stored_scores(self, end: date) -> tuple[list[ScoredCase], set[str]] | None:
        """The cases as the scorecard counts them as of `end` (today), and those to fold (`.scores`)."""
        with self.view.transaction(commit=False) as session:
            return stored_scores(session, end)

    def case_facts(self, *, as_of: date | None = None, known_at: datetime | None = None) -> Iterator[list[EventRecord]]:
        """Each case's stored facts (log order) visible as of / known at, one case at a time."""
        query = select(facts).where(facts.c.case_ref.is_not(None)).order_by(facts.c.case_ref, facts.c.position)
        if as_of is not None:
            query = query.where(facts.c.at_date <= as_of)
        if known_at is not None:
            query = query.where(facts.c.recorded_utc <= utc_text(known_at))
        with self.view.transaction(commit=False) as session:
            case: list[EventRecord] = []
            for row in session.execute(query.execution_options(yield_per=READ_BATCH)):
                record = record_from_row(row)
                if case and case[0].case != record.case:
                    yield case
                    case = []
                case.append(record)
            if case:
                yield case

    def case_positions(self, case: str) -> tuple[int, list[int]]:
        """The tracked position, and the log positions of the case's facts (one read transaction,
        so the two agree)."""
        return self.stream_positions("case", case=case)

    def cases_taken(self, cases: list[str]) -> dict[str, int]:
        """Of these cases, those with facts in the read models: their first position."""
        found: dict[str, int] = {}
        with self.view.transaction(commit=False) as session:
            for start in range(0, len(cases), 500):
                found.update((ref, first) for ref, first in session.execute(_CASES_TAKEN, {"refs": cases[start : start + 500]}))
        return found

    def stream_positions(self, family: str, *, case: str | None = None,
                         agency_year: tuple[str, int] | None = None) -> tuple[int, list[int]]:
        """The tracked position, and the log positions of one aggregate's facts: a case's, the
        registry's, or one agency's year (`family` as `Envelope.family`). Every fact, not only
        those up to the tracked position (see `check_taken`)."""
        with self.view.transaction(commit=False) as session:
            tracked = self.view.tracked(session, self.application_name) or 0
            if family == "case":
                positions = list(session.execute(_CASE_POSITIONS, {"case": case}).scalars())
            elif family == "registry":
                positions = list(session.execute(_REGISTRY_POSITIONS).scalars())
            else:  # an agency's year: its few facts, told apart by their fields
                positions = [p for p, fields in session.execute(_AGENCY_YEAR_FACTS)
                             if _agency_year(json.loads(fields)) == agency_year]
            return tracked, positions

    def paused_cases(self) -> list[str]:
        """The cases whose supplement pause is open (their due date moves with the day judged on)."""
        with self.view.transaction(commit=False) as session:
            return list(session.execute(select(case_files.c.case_ref).where(case_files.c.status == "paused")).scalars())

    def case_count(self) -> int:
        with self.view.transaction(commit=False) as session:
            return len(session.execute(select(case_files.c.case_ref)).all())

    def open_and_closed_violations(self, *, open_only: bool = False) -> list[Violation]:
        """Every stored case violation (`open_only`: the open ones); open ones still carry the date
        after which they are late."""
        query = select(violation_rows)
        if open_only:
            query = query.where(violation_rows.c.status == "open")
        with self.view.transaction(commit=False) as session:
            return [violation_from_row(row) for row in session.execute(query)]

    def closed_violation_counts(self, start: date, end: date, leave_out: list[str]) -> list[tuple[str, str | None,
                                                                                                 str, int]]:
        """(agency, official, rule, how many) of the stored violations that are not open, not
        dismissed, of no case in `leave_out`, and dated in [start, end] (by due date, else by the
        act's date): exactly those `open_and_closed_violations` gives that a scorecard of the
        period counts without judging them again (`rules.scoring`)."""
        v = violation_rows.c
        query = (select(v.agency, v.official, v.rule, func.count())
                 .where(or_(v.status.is_(None), v.status != "open"),
                        or_(v.finding.is_(None), v.finding != "dismissed"),
                        func.coalesce(v.due, v.act_on).between(start, end))
                 .group_by(v.agency, v.official, v.rule))
        counts: dict[tuple[str, str | None, str], int] = defaultdict(int)
        with self.view.transaction(commit=False) as session:
            for agency, official, rule, count in session.execute(query):
                counts[(agency, official, rule)] += count
            # The cases left out are taken back out 500 at a time (any number of them, in bounds
            # every database accepts).
            for first in range(0, len(leave_out), 500):
                for agency, official, rule, count in session.execute(
                        query.where(v.case_ref.in_(leave_out[first : first + 500]))):
                    counts[(agency, official, rule)] -= count
        return [(*key, count) for key, count in counts.items() if count]

    def table_rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every read-model row, in a stable order (to compare a rebuild with incremental updates)."""
        result: dict[str, list[tuple[Any, ...]]] = {}
        with self.view.transaction(commit=False) as session:
            for table in VIEW_TABLES:
                columns = [c for c in table.columns if c.name != "id"]
                rows = session.execute(select(*columns)).all()
                result[table.name] = sorted((tuple(row) for row in rows), key=repr)
        return result


def _agency_year(fields: Any) -> tuple[Any, Any] | None:
    return (fields.get("agency"), fields.get("year")) if isinstance(fields, dict) else None
