"""What judging one case read of the registry and the calendar, so that a registry event re-judges
only the cases it can change (issue 10: "a registry event re-judges only the cases it can affect").

A case's stored rows are a function of its own events, the registry and the calendar. Folding and
judging it through `ReadRegistry` and `ReadCalendar` notes every registry entry it asked about —
found or not: an official looked up before their appointment was recorded is noted too, so the
appointment re-judges the case — and the span of days its working-day arithmetic covered. A
registry event then changes the rows of exactly the cases that read what it changes
(`changed_by`): its agency, official or procedure, or, for a declared calendar day, a case whose
span covers that day (`wd(a, b]` and `add_wd(d, n)` depend on the days between their two ends only).

The wrappers answer every look-up the fold and the rules make from the real state, unchanged; any
other attribute is missing on purpose (AttributeError), so a rule that starts reading the registry
some other way fails loudly in the tests instead of escaping the tracking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ..calendar import WorkingCalendar
from ..domain import payloads as p
from ..domain.registry import RegistryState
from ..domain.registry_state import Agency, Posting, Procedure


@dataclass
class Reads:
    """The registry entries (`agency:SXD`, `official:sxd.nva`, `procedure:P`) and calendar span one
    case's judgement read."""

    keys: set[str] = field(default_factory=set)
    first_day: date | None = None
    last_day: date | None = None

    def days(self, a: date, b: date) -> None:
        low, high = (a, b) if a <= b else (b, a)
        if self.first_day is None or low < self.first_day:
            self.first_day = low
        if self.last_day is None or high > self.last_day:
            self.last_day = high


class ReadRegistry(RegistryState):
    """The registry as one case's judgement sees it, noting each entry it asks about. A subclass
    only so that it goes where a `RegistryState` is expected: it holds no state of its own (its
    base's `__init__` is not run, so the tables are not there to be read around the tracking)."""

    def __init__(self, state: RegistryState, reads: Reads) -> None:  # noqa: D107 - see the class
        self._state = state
        self._reads = reads

    def agency_at(self, code: str, moment: datetime) -> Agency | None:
        self._reads.keys.add(f"agency:{code}")
        return self._state.agency_at(code, moment)

    def successor_at(self, code: str, moment: datetime) -> str:
        # Every agency on the merge chain was asked whether it was merged by `moment`.
        chain, seen = [code], {code}
        agency = self._state.agencies.get(code)
        while agency is not None and agency.merged_into and agency.merged_into not in seen:
            chain.append(agency.merged_into)
            seen.add(agency.merged_into)
            agency = self._state.agencies.get(agency.merged_into)
        self._reads.keys.update(f"agency:{c}" for c in chain)
        return self._state.successor_at(code, moment)

    def mandate_at(self, code: str, moment: datetime) -> tuple[str, ...]:
        self._reads.keys.add(f"agency:{code}")
        return self._state.mandate_at(code, moment)

    def posting_at(self, official: str, moment: datetime) -> Posting | None:
        self._reads.keys.add(f"official:{official}")
        return self._state.posting_at(official, moment)

    def procedure_at(self, code: str, moment: datetime) -> Procedure | None:
        self._reads.keys.add(f"procedure:{code}")
        return self._state.procedure_at(code, moment)

    def calendar_overrides(self) -> dict[date, bool]:
        raise AttributeError("a case's judgement reads the calendar through its ReadCalendar")


class ReadCalendar(WorkingCalendar):
    """The working calendar as one case's judgement sees it, noting the span of days it counted
    over. A subclass only to go where a `WorkingCalendar` is expected (its tables are the
    wrapped calendar's, built once for every case)."""

    def __init__(self, calendar: WorkingCalendar, reads: Reads) -> None:  # noqa: D107 - see the class
        self._calendar = calendar
        self._reads = reads

    def is_working_day(self, day: date) -> bool:
        self._reads.days(day, day)
        return self._calendar.is_working_day(day)

    def wd(self, a: date, b: date) -> int:
        self._reads.days(a, b)
        return self._calendar.wd(a, b)

    def add_wd(self, day: date, n: int) -> date:
        result = self._calendar.add_wd(day, n)
        self._reads.days(day, result)
        return result

    def last_working_day_before(self, day: date) -> date:
        result = self._calendar.last_working_day_before(day)
        self._reads.days(result, day)
        return result

    def days_late(self, due: date, act: date) -> int:
        return self.wd(due, act)


def changed_by(payload: p.Payload) -> tuple[set[str], date | None]:
    """The registry entries a registry event changes (keys as `Reads` notes them), and the calendar
    day it declares (None for the other types)."""
    if isinstance(payload, p.CalendarDayDeclared):
        return set(), payload.date
    if isinstance(payload, p.AgencyMerged):
        return {f"agency:{payload.agency}", f"agency:{payload.into}"}, None
    if isinstance(payload, (p.AgencyRegistered, p.AgencyMandateChanged)):
        return {f"agency:{payload.agency}"}, None
    if isinstance(payload, (p.OfficialAppointed, p.OfficialTransferred, p.OfficialDeparted)):
        return {f"official:{payload.official}"}, None
    if isinstance(payload, p.ProcedureDefined):
        return {f"procedure:{payload.procedure}"}, None
    raise ValueError(f"{type(payload).__name__} is not a registry event")
