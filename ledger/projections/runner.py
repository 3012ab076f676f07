"""Keep the read models up to date: catch up on the notification log in windows.

A window is one transaction: the facts of up to `WINDOW` events (read and decoded `batch_size` at
a time), then the rows and violations of every case they touched, each case folded and judged
once, and the tracking record of the window's last position. A registry change (mandates, merges,
calendar days) also redoes the cases whose judgement read what it changes (`ledger.rules.reads`:
each case's rows record the registry entries and the span of days it read), and no other.
The same loop serves SQLite (polling), PostgreSQL and `ledger worker`; a rebuild is one window over
the whole log; an import is one window inside its own transaction (`ledger.projections.intake`). Every event is compared with the leaf sealed when it was appended before it is
taken in, so no read model is ever built from altered bytes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from eventsourcing.persistence import InfrastructureFactory, IntegrityError, Notification, Tracking
from eventsourcing.utils import Environment
from sqlalchemy import BindParameter, Engine, bindparam, delete, func, or_, select
from sqlalchemy.exc import IntegrityError as SQLIntegrityError
from sqlalchemy.orm import Session

from ..calendar import WorkingCalendar
from ..decoding import check_nothing_after, check_sealed, decode_record, select_notifications
from ..domain.errors import CorruptEvent, StoreError
from ..domain.records import EventRecord
from ..domain.registry import RegistryState
from ..domain.schema import REGISTRY_TYPES
from ..eventlog import EventLog
from ..rules.engine import registry_from
from ..rules.reads import changed_by
from ..rules.violation import Judgement
from .bulk import insert_rows, insert_values
from .intake import Intake
from .rows import FACT_COLUMNS, case_table_rows, fact_values, record_from_row
from .stored import READ_BATCH, StoredReads
from .tables import CASE_TABLES, VIEW_TABLES, case_files, facts, registry_reads
from .view import LedgerView

#: Cases refreshed per SELECT … IN (…) and per bulk insert.
CHUNK = 500
#: Events per catch-up transaction: large enough that a case spread over a long import is folded
#: a few times, not once per batch; the memory it costs is one set of case references.
WINDOW = 100_000

# Statements built once: SQLAlchemy finds their compiled form in its cache, instead of building
# the expression again on every catch-up (an API append runs each of them once).
_REFS: BindParameter[list[str]] = bindparam("refs", expanding=True)
_FACTS_OF_CASES = select(facts).where(facts.c.case_ref.in_(_REFS)).order_by(facts.c.position)
_DELETE_CASE_ROWS = {table: delete(table).where(table.c.case_ref.in_(_REFS)) for table in CASE_TABLES}
_FACT_AT = select(facts.c.position).where(facts.c.position == bindparam("position"))
_REGISTRY_CHANGED_AFTER = select(func.max(facts.c.position)).where(
    facts.c.position > bindparam("after"), facts.c.type.in_(REGISTRY_TYPES))


@dataclass
class Window:
    """What one transaction took in: its last position, and the cases whose rows must be redone."""

    position: int
    events: int = 0
    #: Each touched case, with how many of the window's events are its (for progress bars).
    touched: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    registry_changed: bool = False
    #: What the window's registry events change: registry entries, and declared calendar days.
    registry_keys: set[str] = field(default_factory=set)
    declared_days: set[date] = field(default_factory=set)


class Projections(StoredReads):
    """The ledger's read models and the loop that feeds them (`application_name`: `StoredReads`'s)."""

    def __init__(self, log: EventLog, sqlalchemy_url: str) -> None:
        self._log = log
        env = Environment(
            "ledger_views", {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": sqlalchemy_url}
        )
        self._factory = InfrastructureFactory.construct(env)
        self.view = cast(LedgerView, self._factory.tracking_recorder(LedgerView))
        engine = self.view.datastore.engine
        if isinstance(engine, Engine) and engine.dialect.name == "postgresql":
            # eventsourcing-sqlalchemy makes its engine without `pool_pre_ping`: turn it on, so that
            # after a PostgreSQL restart a dead pooled connection is replaced, not handed out.
            engine.pool._pre_ping = True
        # The registry folded from the facts, and the last registry position it includes. Another
        # process may append registry events, so the position is checked against the facts on
        # every batch (an index look-up) rather than trusted.
        self._registry: RegistryState | None = None
        self._judgement: Judgement | None = None
        self._registry_position = 0

    def intake(self, progress: Callable[[int], None] | None = None) -> Intake:
        """Read models written inside an import's own transaction (`ledger.projections.intake`)."""
        return Intake(self, progress)

    @staticmethod
    def open_window(position: int) -> Window:
        return Window(position=position)

    def forget_registry(self) -> None:
        """Fold the registry again from the facts next time (those it was folded from rolled back)."""
        self._registry = None
        self._judgement = None

    def close(self) -> None:
        # eventsourcing-sqlalchemy's factory does not dispose its engine; without this, PostgreSQL
        # connections would be left for the garbage collector.
        engine = self.view.datastore.engine
        if engine is not None and hasattr(engine, "dispose"):
            engine.dispose()
        self._factory.close()

    def position(self) -> int:
        return self.view.max_tracking_id(self.application_name) or 0

    def _checked_position(self) -> int:
        """The tracked position, which must be a fact's: the facts and the position are written in
        one transaction, so a position with no fact was moved forward outside the ledger, and
        following it would leave the events up to it out of the read models for good, quietly."""
        with self.view.transaction(commit=False) as session:
            tracked = self.view.tracked(session, self.application_name) or 0
            if tracked and session.execute(_FACT_AT, {"position": tracked}).first() is None:
                raise StoreError(f"the read models track position {tracked} but hold no fact of it (their tracking"
                                 " record was changed outside the ledger?): run `ledger rebuild`")
        return tracked

    def _notifications(self, after: int, limit: int) -> Sequence[Notification]:
        return cast(Sequence[Notification], select_notifications(self._log.recorder, after, limit))

    def catch_up(self, *, batch_size: int = 2000, progress: Callable[[int], None] | None = None,
                 saved: Mapping[int, EventRecord] | None = None) -> int:
        """Apply every event not yet in the read models; returns how many were applied.

        `saved`: records this process has just saved, by position (a batch's `saved`): they are
        taken in as they are instead of being decoded again. Every event read is still checked
        against its sealed leaf, and any other writer's events between them are decoded."""
        applied = 0
        conflicts = 0
        known: int | None = None  # the tracked position this loop has just committed
        while True:
            start = known if known is not None else self._checked_position()
            notifications = self._notifications(start, batch_size)
            if not notifications:
                check_nothing_after(self._log.recorder, start)
                self._log.recorder.sign_pending()
                return applied
            try:
                with self.view.transaction(commit=True) as session:
                    small = len(notifications) < batch_size  # the whole window: an append's few events
                    window = self._take_small(session, notifications, start, saved or {}, progress) if small else None
                    if window is None:
                        window = self._take_window(session, notifications, start, batch_size, WINDOW, progress, saved)
                        self.refresh(session, window, progress)
                    self.view.record_tracking(session, Tracking(self.application_name, window.position))
            except (IntegrityError, SQLIntegrityError):
                # Another process applied this window first; carry on from where it got to. The
                # registry stays folded unless it was folded from facts this transaction took in.
                if self._registry_position > start:
                    self._registry = None
                known = None
                conflicts += 1
                if conflicts > 100 or (conflicts > 3 and self.position() == start):
                    raise StoreError(
                        f"the read models already hold facts after their tracked position {start} (their tracking"
                        " record was changed outside the ledger?): run `ledger rebuild`") from None
                continue
            applied += window.events
            known = window.position

    def rebuild(self, *, batch_size: int = 2000, progress: Callable[[int], None] | None = None) -> int:
        """Drop every read model and rebuild it from the events, in ONE transaction: until the new
        read models are complete the old ones stay, and a damaged event (one that does not read
        back, or differs from its append-time leaf) leaves them untouched. The log is read once,
        in order, `batch_size` events at a time; then each case is folded and judged once."""
        self._registry = None
        try:
            with self.view.transaction(commit=True) as session:
                self._log.recorder.lock_out_writers(session.connection().connection.driver_connection)
                for table in reversed(VIEW_TABLES):
                    session.execute(delete(table))
                session.execute(delete(self.view.tracking_table))
                window = Window(position=0)
                if notifications := self._notifications(0, batch_size):
                    window = self._take_window(session, notifications, 0, batch_size, None, progress)
                check_nothing_after(self._log.recorder, window.position)
                head = self._log.recorder.tree_head()
                if head.size != window.events:
                    raise CorruptEvent(None, f"the store's tree head (size {head.size}) is not the tree of its"
                                             f" {window.events} events: written outside the ledger")
                self._rebuild_cases(session, self._registry_judgement(session), progress)
                if window.events:
                    self.view.record_tracking(session, Tracking(self.application_name, window.position))
        except (IntegrityError, SQLIntegrityError):
            raise StoreError("another process updated the read models during the rebuild; nothing was"
                             " changed: run `ledger rebuild` again") from None
        finally:
            self._registry = None
        self._log.recorder.sign_pending()
        return window.events

    # --- taking in a window -------------------------------------------------------------------

    def _take_window(self, session: Session, notifications: Sequence[Notification], after: int, batch_size: int,
                     limit: int | None, progress: Callable[[int], None] | None,
                     saved: Mapping[int, EventRecord] | None = None) -> Window:
        """Insert the facts of `notifications` and of the batches after them, up to `limit` events
        (None: to the end of the log); note the cases they touch."""
        window = Window(position=after)
        while True:
            check_sealed(self._log.recorder, notifications, after=window.position)
            saved = saved or {}
            records = [saved.get(n.id) or decode_record(self._log.mapper, n) for n in notifications]
            self.take_records(session, window, records, progress)
            if len(notifications) < batch_size or (limit is not None and window.events >= limit):
                return window
            notifications = self._notifications(window.position, batch_size)
            if not notifications:
                return window

    @staticmethod
    def take_records(session: Session, window: Window, records: Sequence[EventRecord],
                     progress: Callable[[int], None] | None) -> None:
        """Insert the facts of `records` (the next events of the log, in order), noting the cases
        they touch and what their registry events change."""
        insert_values(session, facts, FACT_COLUMNS, [fact_values(r) for r in records])
        others = 0
        for record in records:
            if record.case is not None:
                window.touched[record.case] += 1
            else:
                others += 1
                if record.type in REGISTRY_TYPES:
                    window.registry_changed = True
                    keys, day = changed_by(record.payload)
                    window.registry_keys |= keys
                    if day is not None:
                        window.declared_days.add(day)
        window.position = records[-1].position
        window.events += len(records)
        if progress is not None and others:
            progress(others)

    def _take_small(self, session: Session, notifications: Sequence[Notification], after: int,
                    saved: Mapping[int, EventRecord], progress: Callable[[int], None] | None) -> Window | None:
        """A window of one batch with no registry event (None otherwise), its cases' rows computed
        BEFORE its first write: on SQLite the first write takes the database's write lock, and every
        other process's append waits for it (folding and judging under it was a third of an API
        append's time, waiting). Read first, then written: any other process that took in facts
        of these cases meanwhile took in this window first, and the facts' keys refuse it here."""
        check_sealed(self._log.recorder, notifications, after=after)
        records = [saved.get(n.id) or decode_record(self._log.mapper, n) for n in notifications]
        if any(r.case is None and r.type in REGISTRY_TYPES for r in records):
            return None
        window = Window(position=notifications[-1].id, events=len(records))
        grouped: dict[str, list[EventRecord]] = defaultdict(list)
        for record in records:
            if record.case is not None:
                window.touched[record.case] += 1
        refs = sorted(window.touched)
        if refs:
            for row in session.execute(_FACTS_OF_CASES, {"refs": refs}):
                record = record_from_row(row)
                grouped[record.case or ""].append(record)
        for record in records:  # after every stored fact: the window follows the tracked position
            if record.case is not None:
                grouped[record.case].append(record)
        rows = case_table_rows(((ref, grouped[ref]) for ref in refs), self._registry_judgement(session))
        insert_values(session, facts, FACT_COLUMNS, [fact_values(r) for r in records])  # the first write
        for table in rows:
            session.execute(_DELETE_CASE_ROWS[table], {"refs": refs})
            insert_rows(session, table, rows[table])
        if progress is not None:
            progress(len(records))
        return window

    def refresh(self, session: Session, window: Window, progress: Callable[[int], None] | None) -> None:
        """Redo the rows of the cases the window touched, and of those whose judgement read what
        its registry events change."""
        judgement = self._registry_judgement(session)
        redo = set(window.touched)
        if window.registry_changed:
            redo |= _dependents(session, window.registry_keys, window.declared_days)
        ordered = sorted(redo)
        for start in range(0, len(ordered), CHUNK):
            refs = ordered[start : start + CHUNK]
            for table in CASE_TABLES:
                session.execute(_DELETE_CASE_ROWS[table], {"refs": refs})
            grouped: dict[str, list[EventRecord]] = defaultdict(list)
            for row in session.execute(_FACTS_OF_CASES, {"refs": refs}):
                record = record_from_row(row)
                grouped[record.case or ""].append(record)
            _insert_case_rows(session, ((ref, grouped[ref]) for ref in refs), judgement)
            if progress is not None:
                progress(sum(window.touched.get(ref, 0) for ref in refs))

    def _rebuild_cases(self, session: Session, judgement: Judgement, progress: Callable[[int], None] | None) -> None:
        """Make every case's rows (the case tables are empty: a rebuild), reading the facts once
        in (case, position) order, CHUNK cases at a time."""
        query = (select(facts).where(facts.c.case_ref.is_not(None))
                 .order_by(facts.c.case_ref, facts.c.position).execution_options(yield_per=READ_BATCH))
        pending: list[tuple[str, list[EventRecord]]] = []
        for row in session.execute(query):
            record = record_from_row(row)
            if not pending or pending[-1][0] != record.case:
                if len(pending) == CHUNK:
                    self._flush_cases(session, pending, judgement, progress)
                    pending = []
                pending.append((record.case or "", []))
            pending[-1][1].append(record)
        self._flush_cases(session, pending, judgement, progress)

    @staticmethod
    def _flush_cases(session: Session, cases: list[tuple[str, list[EventRecord]]], judgement: Judgement,
                     progress: Callable[[int], None] | None) -> None:
        _insert_case_rows(session, cases, judgement)
        if progress is not None:
            progress(sum(len(records) for _, records in cases))

    def _registry_judgement(self, session: Session) -> Judgement:
        """The registry and its working calendar, made again only when the registry changed (a
        calendar builds its years' tables when first asked: most of a small catch-up's time)."""
        registry = self._registry_state(session)
        if self._judgement is None or self._judgement.registry is not registry:
            self._judgement = Judgement(None, registry, WorkingCalendar(registry.calendar_overrides()))
        return self._judgement

    def _registry_state(self, session: Session) -> RegistryState:
        """The registry folded from the facts. Another process may have taken in registry events
        since it was folded: only the facts after the folded position are looked at (a range of
        the primary key), so this costs nothing when the registry has not changed."""
        newer = session.execute(_REGISTRY_CHANGED_AFTER, {"after": self._registry_position}).scalar()
        if self._registry is None or newer is not None:
            rows = session.execute(
                select(facts).where(facts.c.type.in_(REGISTRY_TYPES)).order_by(facts.c.position)
            )
            records = [record_from_row(row) for row in rows]
            self._registry = registry_from(records)
            self._registry_position = records[-1].position if records else 0
        return self._registry


def _dependents(session: Session, keys: set[str], days: set[date]) -> set[str]:
    """The cases whose stored judgement read one of these registry entries, or counted working
    days over one of these days."""
    found: set[str] = set()
    ordered = sorted(keys)
    for start in range(0, len(ordered), CHUNK):
        query = select(registry_reads.c.case_ref).where(registry_reads.c.read.in_(ordered[start : start + CHUNK]))
        found.update(session.execute(query).scalars())
    spans = sorted(days)
    for start in range(0, len(spans), 50):
        covering = [(case_files.c.calendar_from <= day) & (case_files.c.calendar_to >= day)
                    for day in spans[start : start + 50]]
        found.update(session.execute(select(case_files.c.case_ref).where(or_(*covering))).scalars())
    return found


def _insert_case_rows(session: Session, cases: Iterable[tuple[str, list[EventRecord]]], judgement: Judgement) -> None:
    for table, table_rows in case_table_rows(cases, judgement).items():
        insert_rows(session, table, table_rows)
