"""Keep the read models up to date: catch up on the notification log in batches.

Each batch is one transaction: its facts, the case files and violations of every case it
touched, and the tracking record of its last position. A registry change (mandates, merges,
calendar days) can change how any case is judged, so a batch holding one recomputes every case.
The same loop serves SQLite (polling), PostgreSQL and `ledger worker`; a rebuild runs it inside one
transaction. Every event is compared with the leaf sealed when it was appended before it is taken
in, so no read model is ever built from altered bytes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, cast

from eventsourcing.persistence import InfrastructureFactory, IntegrityError, Notification, Tracking
from eventsourcing.utils import Environment
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError as SQLIntegrityError
from sqlalchemy.orm import Session

from ..calendar import WorkingCalendar
from ..domain.casefile import fold_case
from ..domain.records import EventRecord
from ..domain.registry import RegistryState
from ..domain.schema import REGISTRY_TYPES
from ..rules.engine import judge_case, registry_from
from ..rules.violation import Judgement, Violation
from ..decoding import check_nothing_after, check_sealed, decode_record, select_notifications
from ..domain.errors import CorruptEvent, StoreError
from .tables import VIEW_TABLES, case_files, consultation_files, facts, violation_rows
from .view import LedgerView

if TYPE_CHECKING:
    from ..application import Ledger

CHUNK = 500


def utc_text(moment: datetime) -> str:
    """A fixed-width UTC timestamp: string order is time order, in SQLite and PostgreSQL alike."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fact_row(record: EventRecord) -> dict[str, Any]:
    return {
        "position": record.position,
        "event": record.event,
        "type": record.type,
        "case_ref": record.case,
        "at": record.at.isoformat(),
        "at_date": record.claimed_date,
        "recorded": record.recorded.isoformat(),
        "recorded_utc": utc_text(record.recorded),
        "by_official": record.by,
        "actor_agency": record.actor_agency,
        "source": record.source,
        "idem_key": record.key,
        "note": record.note,
        "fields": json.dumps(record.fields, ensure_ascii=False, sort_keys=True),
    }


def record_from_row(row: Any) -> EventRecord:
    return EventRecord(
        position=row.position,
        event=row.event,
        type=row.type,
        case=row.case_ref,
        at=datetime.fromisoformat(row.at),
        recorded=datetime.fromisoformat(row.recorded),
        by=row.by_official,
        actor_agency=row.actor_agency,
        source=row.source,
        key=row.idem_key,
        note=row.note,
        fields=json.loads(row.fields),
    )


def violation_row(v: Violation) -> dict[str, Any]:
    return {
        "case_ref": v.case,
        "rule": v.rule,
        "consultation": v.consultation,
        "agency": v.agency,
        "official": v.official,
        "due": v.due,
        "late_after": v.late_after,
        "days_late": v.days_late if v.status == "closed" else None,
        "status": v.status,
        "deemed_consent": v.deemed_consent,
        "finding": v.finding,
        "evidence": json.dumps(list(v.evidence)),
        "act_on": v.act_on,
        "details": json.dumps(v.details, ensure_ascii=False, sort_keys=True),
    }


def violation_from_row(row: Any) -> Violation:
    return Violation(
        rule=row.rule,
        case=row.case_ref,
        consultation=row.consultation,
        agency=row.agency,
        official=row.official,
        due=row.due,
        days_late=row.days_late,
        status=row.status,
        evidence=tuple(json.loads(row.evidence)),
        act_on=row.act_on,
        deemed_consent=bool(row.deemed_consent),
        finding=row.finding,
        details=json.loads(row.details),
        trigger=row.late_after if row.late_after != row.due else None,
    )


def case_rows(
    ref: str, records: list[EventRecord], judgement: Judgement
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]]]:
    """One case's rows in `case_files`, `consultation_files` and `violation_rows`."""
    case = fold_case(records, judgement.registry, judgement.calendar)
    if case.opened is None:
        return None, [], []
    row = {
        "case_ref": ref,
        "procedure": case.procedure,
        "title": case.title,
        "opened_on": case.opened_on,
        "opener_agency": case.opener_agency,
        "lead_agency": case.lead["agency"] if case.lead else None,
        "lead_official": case.lead["official"] if case.lead else None,
        "status": case.status(),
        "initial_due": case.initial_due,
        "resolved_on": case.resolved_on,
        "outcome": case.resolved["outcome"] if case.resolved else None,
        "last_position": records[-1].position,
    }
    consultations = [
        {
            "case_ref": ref,
            "consultation": c.consultation,
            "to_agency": c.to,
            "requested_on": c.requested_on,
            "due": c.due,
            "status": c.status,
            "handler": c.handler,
            "answered_by": c.answered_by,
            "answered_on": c.answered_on,
            "position": None if c.position is None else json.dumps(c.position, ensure_ascii=False),
        }
        for c in case.consultations.values()
    ]
    return row, consultations, [violation_row(v) for v in judge_case(records, judgement)]


class Projections:
    """The ledger's read models and the loop that feeds them."""

    application_name = "Ledger"

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        env = Environment(
            "ledger_views",
            {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": ledger.config.sqlalchemy_url()},
        )
        self._factory = InfrastructureFactory.construct(env)
        self.view = cast(LedgerView, self._factory.tracking_recorder(LedgerView))
        # The registry folded from the facts, and the last registry position it includes. Another
        # process may append registry events, so the position is checked against the facts on
        # every batch (an index look-up) rather than trusted.
        self._registry: RegistryState | None = None
        self._registry_position = 0

    def close(self) -> None:
        # eventsourcing-sqlalchemy's factory does not dispose its engine; without this, PostgreSQL
        # connections would be left for the garbage collector.
        engine = self.view.datastore.engine
        if engine is not None and hasattr(engine, "dispose"):
            engine.dispose()
        self._factory.close()

    def position(self) -> int:
        return self.view.max_tracking_id(self.application_name) or 0

    def _notifications(self, after: int, limit: int) -> Sequence[Notification]:
        return cast(Sequence[Notification], select_notifications(self._ledger.recorder, after, limit))

    def catch_up(self, *, batch_size: int = 2000, progress: Callable[[int], None] | None = None) -> int:
        """Apply every event not yet in the read models; returns how many were applied."""
        applied = 0
        conflicts = 0
        while True:
            start = self.position()
            notifications = self._notifications(start, batch_size)
            if not notifications:
                check_nothing_after(self._ledger.recorder, start)
                self._ledger.recorder.sign_pending()
                return applied
            try:
                with self.view.transaction(commit=True) as session:
                    self._apply(session, notifications, after=start)
                    self.view.record_tracking(session, Tracking(self.application_name, notifications[-1].id))
            except (IntegrityError, SQLIntegrityError):
                # Another process applied this batch first; carry on from where it got to.
                self._registry = None
                conflicts += 1
                if conflicts > 100 or (conflicts > 3 and self.position() == start):
                    raise StoreError(
                        f"the read models already hold facts after their tracked position {start} (their tracking"
                        " record was changed outside the ledger?): run `ledger rebuild`") from None
                continue
            applied += len(notifications)
            if progress is not None:
                progress(len(notifications))

    def rebuild(self, *, batch_size: int = 2000, progress: Callable[[int], None] | None = None) -> int:
        """Drop every read model and rebuild it from the events, in ONE transaction: until the new
        read models are complete the old ones stay, and a damaged event (one that does not read
        back, or differs from its append-time leaf) leaves them untouched."""
        self._registry = None
        applied, position = 0, 0
        try:
            with self.view.transaction(commit=True) as session:
                for table in reversed(VIEW_TABLES):
                    session.execute(delete(table))
                session.execute(delete(self.view.tracking_table))
                while notifications := self._notifications(position, batch_size):
                    self._apply(session, notifications, after=position)
                    position = notifications[-1].id
                    applied += len(notifications)
                    if progress is not None:
                        progress(len(notifications))
                check_nothing_after(self._ledger.recorder, position)
                head = self._ledger.recorder.tree_head()
                if head.size != applied:
                    raise CorruptEvent(None, f"the store's tree head (size {head.size}) is not the tree of its"
                                             f" {applied} events: written outside the ledger")
                if applied:
                    self.view.record_tracking(session, Tracking(self.application_name, position))
        except (IntegrityError, SQLIntegrityError):
            raise StoreError("another process updated the read models during the rebuild; nothing was"
                             " changed: run `ledger rebuild` again") from None
        finally:
            self._registry = None
        self._ledger.recorder.sign_pending()
        return applied

    # --- applying a batch ---------------------------------------------------------------------

    def _apply(self, session: Session, notifications: Sequence[Notification], after: int) -> None:
        check_sealed(self._ledger.recorder, notifications, after=after)
        records = [decode_record(self._ledger.app.mapper, n) for n in notifications]
        session.execute(insert(facts), [fact_row(r) for r in records])
        dirty = {r.case for r in records if r.case is not None}
        if any(r.case is None and r.type in REGISTRY_TYPES for r in records):
            self._registry = None
            dirty |= set(session.execute(select(case_files.c.case_ref)).scalars())
        registry = self._registry_state(session)
        judgement = Judgement(None, registry, WorkingCalendar(registry.calendar_overrides()))
        ordered = sorted(c for c in dirty if c is not None)
        for start in range(0, len(ordered), CHUNK):
            self._refresh_cases(session, ordered[start : start + CHUNK], judgement)

    def _registry_state(self, session: Session) -> RegistryState:
        latest = session.execute(
            select(func.max(facts.c.position)).where(facts.c.type.in_(REGISTRY_TYPES))
        ).scalar() or 0
        if self._registry is None or latest != self._registry_position:
            rows = session.execute(
                select(facts).where(facts.c.type.in_(REGISTRY_TYPES)).order_by(facts.c.position)
            )
            self._registry = registry_from(record_from_row(row) for row in rows)
            self._registry_position = latest
        return self._registry

    def _refresh_cases(self, session: Session, refs: list[str], judgement: Judgement) -> None:
        grouped: dict[str, list[EventRecord]] = defaultdict(list)
        rows = session.execute(select(facts).where(facts.c.case_ref.in_(refs)).order_by(facts.c.position))
        for row in rows:
            grouped[row.case_ref].append(record_from_row(row))
        for table in (case_files, consultation_files, violation_rows):
            session.execute(delete(table).where(table.c.case_ref.in_(refs)))
        cases, consultations, violations = [], [], []
        for ref in refs:
            case, case_consultations, case_violations = case_rows(ref, grouped.get(ref, []), judgement)
            if case is not None:
                cases.append(case)
                consultations.extend(case_consultations)
                violations.extend(case_violations)
        for table, rows_to_insert in ((case_files, cases), (consultation_files, consultations),
                                      (violation_rows, violations)):
            if rows_to_insert:
                session.execute(insert(table), rows_to_insert)

    # --- reading ------------------------------------------------------------------------------

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
            for row in session.execute(query.execution_options(yield_per=5000)):
                yield record_from_row(row)

    def paused_cases(self) -> list[str]:
        """The cases whose supplement pause is open (their due date moves with the day judged on)."""
        with self.view.transaction(commit=False) as session:
            return list(session.execute(select(case_files.c.case_ref).where(case_files.c.status == "paused")).scalars())

    def case_count(self) -> int:
        with self.view.transaction(commit=False) as session:
            return len(session.execute(select(case_files.c.case_ref)).all())

    def open_and_closed_violations(self) -> list[Violation]:
        """Every stored case violation; open ones still carry the date after which they are late."""
        with self.view.transaction(commit=False) as session:
            return [violation_from_row(row) for row in session.execute(select(violation_rows))]

    def table_rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every read-model row, in a stable order (to compare a rebuild with incremental updates)."""
        result: dict[str, list[tuple[Any, ...]]] = {}
        with self.view.transaction(commit=False) as session:
            for table in (facts, case_files, consultation_files, violation_rows):
                columns = [c for c in table.columns if c.name != "id"]
                rows = session.execute(select(*columns)).all()
                result[table.name] = sorted((tuple(row) for row in rows), key=repr)
        return result

