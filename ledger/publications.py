"""What the ledger publishes to anyone: the rulebook (each rule with its clause, source, parameters
and validity) and the working calendar in force (the package's holidays, the make-up working days
and every day the ledger declared, with its notice). Plain frozen data for the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .calendar import FIRST_YEAR as CALENDAR_FIRST_YEAR
from .calendar import LAST_YEAR as CALENDAR_LAST_YEAR
from .calendar import WorkingCalendar
from .domain.registry import RegistryState
from .reports.verifiable import CSV_MARK as REPORT_CSV_MARK
from .rules.rulebook import RULEBOOK, RULES, rulebook_version

__all__ = ["CALENDAR_FIRST_YEAR", "CALENDAR_LAST_YEAR", "REPORT_CSV_MARK", "CalendarDay", "CalendarYear", "RuleEntry", "calendar_year", "rule_entry", "rulebook_entries",
           "rulebook_version"]


@dataclass(frozen=True)
class RuleEntry:
    code: str
    title_vi: str
    title_en: str
    clause: str
    source: str
    parameters: dict[str, Any]
    valid_from: date
    valid_to: date | None
    measures_lateness: bool


@dataclass(frozen=True)
class CalendarDay:
    day: date
    working: bool
    why: str  # the holiday's name, "make-up working day", or the declared notice
    declared: bool  # a `CalendarDayDeclared` of the ledger (its notice is `why`)


@dataclass(frozen=True)
class CalendarYear:
    year: int
    version: str
    working_days: int
    exceptions: tuple[CalendarDay, ...]  # every weekday off and every weekend day worked, in date order


def _entry(code: str) -> RuleEntry:
    rule = RULEBOOK[code]
    return RuleEntry(rule.code, rule.title_vi, rule.title_en, rule.clause, rule.source, dict(rule.parameters),
                     rule.valid_from, rule.valid_to, rule.measures_lateness)


def rulebook_entries() -> list[RuleEntry]:
    """The rules in the rulebook's order."""
    return [_entry(rule.code) for rule in RULES]


def rule_entry(code: str) -> RuleEntry | None:
    return _entry(code) if code in RULEBOOK else None


def calendar_year(registry: RegistryState, year: int, language: str = "vi") -> CalendarYear:
    """The calendar of `year` as the ledger judges it: the exceptions to Monday–Friday and why."""
    calendar = WorkingCalendar(registry.calendar_overrides())
    names = calendar.holiday_names(year, language)
    exceptions, working = [], 0
    day = date(year, 1, 1)
    while day.year == year:
        is_working = calendar.is_working_day(day)
        working += is_working
        declared = registry.calendar.get(day)
        weekend = day.weekday() >= 5
        if declared is not None:
            exceptions.append(CalendarDay(day, is_working, declared[1], True))
        elif is_working == weekend:
            exceptions.append(CalendarDay(day, is_working, names.get(day, ""), False))
        day += timedelta(days=1)
    return CalendarYear(year, calendar.version, working, tuple(exceptions))
