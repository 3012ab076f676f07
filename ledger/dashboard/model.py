"""The dashboard's figures and filters, as frozen plain data (see the package's docstring for
what each filter means)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..domain.errors import InvalidField


@dataclass(frozen=True)
class DashboardFilters:
    """One question an oversight body asks (see the package's docstring for what each means)."""

    start: date
    end: date
    as_of: date
    known_at: datetime | None = None
    agency: str | None = None
    rule: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidField(code="period_reversed", params={}, field="to")


@dataclass(frozen=True)
class Count:
    """How many violations share one key (a rule code, an agency code or a month `YYYY-MM`), and how
    many of them are still open at the as-of date."""

    key: str
    count: int
    open: int


@dataclass(frozen=True)
class AgencyOnTime:
    """One agency's row of the Decision 766 scorecard over the period (SPEC §7)."""

    agency: str
    cases: int
    cases_on_time: int
    cases_late: int
    cases_overdue_open: int
    on_time_rate: float | None  # None when the agency had no case in the period
    score_766: float | None


@dataclass(frozen=True)
class OfficialDelay:
    """One row of the §7 delay ledger by official: the working days of delay a person answers for."""

    agency: str
    official: str
    name: str | None  # the registry's name for the official, when known
    days: int
    by_rule: tuple[tuple[str, int], ...]
    cases: int


@dataclass(frozen=True)
class AgencyName:
    code: str
    name: str  # Vietnamese
    name_en: str


@dataclass(frozen=True)
class DashboardTotals:
    violations: int
    open: int
    delay_days: int  # working days of delay (SPEC §7) over the violations kept
    cases: int  # cases in the period (the scorecard's, summed over its rows)
    cases_on_time: int

    @property
    def on_time_rate(self) -> float | None:
        return self.cases_on_time / self.cases if self.cases else None


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows for one question, computed at `events` events."""

    filters: DashboardFilters
    events: int
    by_rule: tuple[Count, ...]  # most violations first, then rule code
    by_agency: tuple[Count, ...]  # most violations first, then agency code
    trend: tuple[Count, ...]  # every month (`YYYY-MM`) of the period in order, empty ones included;
    # every year (`YYYY`) when the period spans more than TREND_MONTHS months
    on_time: tuple[AgencyOnTime, ...]  # lowest on-time rate first; agencies without cases last
    officials: tuple[OfficialDelay, ...]  # the most delayed officials, most days first (top N)
    totals: DashboardTotals
    agencies: tuple[AgencyName, ...]  # the name of every agency code shown above

    def agency_name(self, code: str, language: str = "vi") -> str:
        for known in self.agencies:
            if known.code == code:
                return known.name_en if language == "en" else known.name
        return code


@dataclass(frozen=True)
class ViolationList:
    """A window of the violations the filters keep, as SPEC §6 objects (`Violation.as_dict()`) in
    the violations report's order; how many the filters keep; and how many the ledger reports as
    of A before the period, rule and agency narrowed them."""

    rows: tuple[dict[str, Any], ...]
    matched: int
    total: int


def default_period(end: date, months: int = 12) -> tuple[date, date]:
    """The last `months` calendar months up to `end`: from the first day of the month `months - 1`
    months before `end`'s month, through `end` (so the trend shows `months` monthly bars)."""
    index = end.year * 12 + end.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1), end
