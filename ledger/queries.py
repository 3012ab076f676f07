"""What the web pages ask of the ledger, as frozen plain data (SPEC §11).

Read-only: each answer comes from the read models (`case_files`, `consultation_files`, `facts`)
and the registry as it stands now, folded with the same pure functions the rules use, so a page
shows exactly what `ledger history` and `ledger violations` would. Nothing here writes.

Working days left on an open item, for the inbox's colours: `wd(today, due]` working days remain
when the due date is today or later (0 on the due date itself); after it, the item is overdue by
`wd(due, today]` working days. "Due soon" is at most `DUE_SOON` working days left.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from .calendar import WorkingCalendar
from .domain.casefile import fold_case
from .domain.records import EventRecord
from .domain.registry import RegistryState
from .projections.tables import case_files, consultation_files

#: An open item with at most this many working days left is shown as due soon (amber).
DUE_SOON = 2


@dataclass(frozen=True)
class OfficialInfo:
    official: str
    name: str
    agency: str | None
    agency_name: str | None
    role: str | None  # the registry role now; None when departed

    @property
    def serving(self) -> bool:
        return self.agency is not None


@dataclass(frozen=True)
class Choice:
    code: str
    name: str


@dataclass(frozen=True)
class Clock:
    """An open obligation's due date seen from today."""

    due: date | None
    days_left: int | None  # working days left (0 on the due date); None when overdue or no due date
    days_overdue: int | None  # working days past the due date; None when not overdue

    @property
    def urgency(self) -> str:
        """`overdue` (red), `soon` (amber), `ok`, or `none` (no due date)."""
        if self.due is None:
            return "none"
        if self.days_overdue:
            return "overdue"
        return "soon" if (self.days_left or 0) <= DUE_SOON else "ok"


@dataclass(frozen=True)
class ConsultationItem:
    case: str
    title: str | None
    consultation: str
    to: str
    lead_agency: str | None
    requested_on: date | None
    handler: str | None
    clock: Clock


@dataclass(frozen=True)
class CaseItem:
    case: str
    title: str | None
    procedure: str | None
    status: str
    lead_official: str | None
    opened_on: date | None
    clock: Clock
    paused_since: date | None
    apologies: int
    open_consultations: int


@dataclass(frozen=True)
class Inbox:
    agency: str
    today: date
    awaiting: tuple[ConsultationItem, ...]  # consultations this agency must answer
    leading: tuple[CaseItem, ...]  # open cases this agency leads
    asked: tuple[ConsultationItem, ...]  # what it asked of others, still unanswered


@dataclass(frozen=True)
class CaseSummary:
    """A case as it stands now, for the forms: who leads, which consultations are open."""

    case: str
    title: str | None
    procedure: str | None
    status: str
    lead_agency: str | None
    lead_official: str | None
    open_consultations: tuple[ConsultationItem, ...]
    state: dict[str, Any]


class Queries:
    """The pages' questions over one ledger's read models."""

    def __init__(
        self,
        session: Callable[[], Any],
        registry: Callable[[], RegistryState],
        facts: Callable[[list[str]], Iterable[EventRecord]],
        now: Callable[[], datetime],
        today: Callable[[], date],
    ) -> None:
        self._session = session  # a read-only transaction over the read models
        self._registry = registry
        self._facts = facts
        self._now = now
        self._today = today

    # --- the registry, for selects and the header ---------------------------------------------

    def official(self, official: str) -> OfficialInfo | None:
        registry = self._registry()
        known = registry.officials.get(official)
        if known is None:
            return None
        posting = known.posting_at(self._now())
        agency = registry.agencies.get(posting.agency) if posting else None
        return OfficialInfo(official, known.name, posting.agency if posting else None,
                            agency.name if agency else None, posting.role if posting else None)

    def official_exists(self, official: str) -> bool:
        info = self.official(official)
        return info is not None and info.serving

    def holder(self, agency: str) -> str:
        """Who holds `agency`'s obligations now (itself, or its successor after a merge)."""
        return self._registry().successor_at(agency, self._now())

    def agency_codes(self) -> list[str]:
        """Every agency code the registry has ever known (merged ones included)."""
        return sorted(self._registry().agencies)

    def agencies(self) -> list[Choice]:
        """The agencies that can act or be consulted now."""
        now = self._now()
        return [Choice(a.code, a.name) for a in sorted(self._registry().agencies.values(), key=lambda a: a.code)
                if a.exists_at(now)]

    def officials(self, agency: str | None = None) -> list[Choice]:
        """Serving officials (of one agency, if given), as `id` and `name (agency, role)`."""
        now = self._now()
        found = []
        for official in sorted(self._registry().officials.values(), key=lambda o: o.id):
            posting = official.posting_at(now)
            if posting is None or (agency is not None and posting.agency != agency):
                continue
            found.append(Choice(official.id, f"{official.name} ({posting.agency}, {posting.role})"))
        return found

    def procedures(self) -> list[Choice]:
        now = self._now()
        registry = self._registry()
        found = []
        for code in sorted(registry.procedures):
            procedure = registry.procedure_at(code, now)
            if procedure is not None:
                found.append(Choice(code, procedure.name))
        return found

    # --- the inbox ----------------------------------------------------------------------------

    def inbox(self, agency: str) -> Inbox:
        registry, today, now = self._registry(), self._today(), self._now()
        calendar = WorkingCalendar(registry.calendar_overrides())

        def holder(code: str | None) -> str | None:
            return None if code is None else registry.successor_at(code, now)

        with self._session() as session:
            open_cases = {row.case_ref: row for row in session.execute(
                select(case_files).where(case_files.c.status != "resolved"))}
            open_consultations = [row for row in session.execute(
                select(consultation_files).where(consultation_files.c.status == "open")
                .order_by(consultation_files.c.due, consultation_files.c.case_ref))
                if row.case_ref in open_cases]

        def item(row: Any) -> ConsultationItem:
            case = open_cases[row.case_ref]
            return ConsultationItem(row.case_ref, case.title, row.consultation, row.to_agency, case.lead_agency,
                                    row.requested_on, row.handler, clock_of(calendar, row.due, today))

        awaiting = tuple(item(r) for r in open_consultations if holder(r.to_agency) == agency)
        led = sorted(ref for ref, row in open_cases.items() if holder(row.lead_agency) == agency)
        asked = tuple(item(r) for r in open_consultations if r.case_ref in set(led))
        leading = tuple(sorted(self._case_items(led, registry, calendar, today),
                               key=lambda c: (c.clock.due or date.max, c.case)))
        return Inbox(agency, today, awaiting, leading, asked)

    def _case_items(self, refs: list[str], registry: RegistryState, calendar: WorkingCalendar,
                    today: date) -> list[CaseItem]:
        by_case: dict[str, list[EventRecord]] = defaultdict(list)
        for record in self._facts(refs) if refs else ():
            by_case[record.case or ""].append(record)
        items = []
        for ref in refs:
            case = fold_case(by_case[ref], registry, calendar)
            open_count = sum(1 for c in case.consultations.values() if c.status == "open")
            items.append(CaseItem(
                ref, case.title, case.procedure, case.status(),
                case.lead.official if case.lead else None, case.opened_on,
                clock_of(calendar, case.due(today), today), case.paused_since, len(case.apologies), open_count,
            ))
        return items

    # --- one case -----------------------------------------------------------------------------

    def case(self, ref: str) -> CaseSummary | None:
        records = list(self._facts([ref]))
        if not records:
            return None
        registry, today = self._registry(), self._today()
        calendar = WorkingCalendar(registry.calendar_overrides())
        case = fold_case(records, registry, calendar)
        if case.opened is None:
            return None
        open_items = tuple(
            ConsultationItem(ref, case.title, c.consultation, c.to, case.lead.agency if case.lead else None,
                             c.requested_on, c.handler, clock_of(calendar, c.due, today))
            for c in case.consultations.values() if c.status == "open" and case.resolved is None
        )
        return CaseSummary(ref, case.title, case.procedure, case.status(),
                           case.lead.agency if case.lead else None,
                           case.lead.official if case.lead else None, open_items, case.snapshot(today))


def clock_of(calendar: WorkingCalendar, due: date | None, today: date) -> Clock:
    if due is None:
        return Clock(None, None, None)
    if today > due:
        late = calendar.wd(due, today)  # a weekend after a Friday due date is not yet late
        return Clock(due, None, late) if late else Clock(due, 0, None)
    return Clock(due, calendar.wd(today, due), None)
