"""The oversight bodies' dashboard (issue 9): the figures behind its charts, as frozen plain data.

Nothing here judges anything new: every figure is counted from the ledger's own answers for the
same filters — `Ledger.violations(as_of=, known_at=)`, the §7 delay ledger over those violations
(`rules.scoring.delays`, what `Ledger.delays` runs) and `Ledger.scorecard(start, end,
known_at=)`, violations and scorecard computed from one reading of the facts when they share it (`Answers`)
— so a chart always agrees with `ledger violations`, `ledger delays --by official` and `ledger
scorecard` asked the same question.

What the filters mean:
- **as-of A** and **known-at T** (SPEC §2) choose what the ledger knows: violations and delays are
  judged as of A with the events recorded by T; the scorecard is judged as of the period's end
  (SPEC §7) with the events recorded by T.
- **the period [start, end]** keeps the violations *dated* in it, a violation's date being the one
  the §7 scorecard counts it by: its due date, or, without one, the claimed date of the act that
  caused it. The monthly trend counts them by that same date (year by year over more than three
  years), and the delays (totals and the most delayed officials) are the §7 delay ledger over the
  violations kept: a period that covers every violation gives exactly `ledger delays --by
  official` (the officials) and `ledger delays` (the total).
- **agency** keeps the violations whose responsible agency it is (the `agency` of SPEC §6, as the
  violations report shows it), and the scorecard row of that agency (its lead cases and the
  consultations addressed to it, merged agencies folded into their successor as §7 does).
- **rule** keeps the violations of that rule (and so the delays that rule measures); the
  scorecard counts cases, not rules, and is the same whatever the rule.

Each figure is computed once per (filters, ledger event count): `FiguresCache` keeps the last few,
so the page and its five charts share one computation, and any append (a finding, a registry
change, a new case event) makes the next request compute afresh.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from .domain.errors import InvalidField
from .rules import judge, scoring, visible

if TYPE_CHECKING:
    from .application import Ledger
    from .rules.violation import Violation

__all__ = [
    "AgencyName",
    "Answers",
    "AgencyOnTime",
    "Count",
    "Dashboard",
    "DashboardFilters",
    "DashboardTotals",
    "FiguresCache",
    "OfficialDelay",
    "ViolationList",
    "dashboard_figures",
    "default_period",
    "violation_list",
]

#: How many officials the "most delayed officials" chart shows by default.
TOP_OFFICIALS = 10
#: The longest period the trend shows month by month; a longer one is shown year by year.
TREND_MONTHS = 36


@dataclass(frozen=True)
class DashboardFilters:
    """One question an oversight body asks (see the module's docstring for what each means)."""

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


def _dated(violation: Violation) -> date:
    """The date the §7 scorecard counts a violation by: its due date, else its act's date."""
    return violation.due or violation.act_on


class Answers:
    """The ledger's answers the figures are counted from: `Ledger.violations` and `Ledger.scorecard`,
    asked afresh each time (`FiguresCache` keeps them instead).

    Asked together, with the as-of date the period's end (the page's default), both answers are
    computed from one reading of the stored facts, judged once: `Ledger.scorecard` judges the
    violations as of the period's end to count them, which are the violations already at hand.
    The unit tests hold both ways equal."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def violations(self, as_of: date, known_at: datetime | None) -> list[Violation]:
        """`Ledger.violations(as_of=, known_at=)`."""
        return self.ledger.violations(as_of=as_of, known_at=known_at)

    def judged(self, filters: DashboardFilters) -> tuple[list[Violation], list[dict[str, Any]]]:
        """(the violations as of A known at T, the scorecard of the period known at T)."""
        start, end, known_at = filters.start, filters.end, filters.known_at
        if filters.as_of != end:
            return self.violations(filters.as_of, known_at), self.ledger.scorecard(start, end, known_at=known_at)
        self.ledger.projections.catch_up()
        records = list(self.ledger.projections.facts(as_of=end, known_at=known_at))
        if known_at is None and end == self.ledger.today():
            found = self.violations(end, None)  # today's violations come from the maintained table
        else:
            found = list(visible(judge(records, end)))  # what `Ledger.violations` does on any other day
        return found, scoring.scorecard_from_records(records, start, end, violations=found)


def _kept(answers: Answers, filters: DashboardFilters,
          found: list[Violation] | None = None) -> tuple[list[Violation], int]:
    if found is None:
        found = answers.violations(filters.as_of, filters.known_at)
    kept = [v for v in found
            if (filters.rule is None or v.rule == filters.rule)
            and (filters.agency is None or v.agency == filters.agency)
            and filters.start <= _dated(v) <= filters.end]
    return kept, len(found)


def violation_list(ledger: Ledger, filters: DashboardFilters, *, offset: int = 0, limit: int | None = None,
                   answers: Answers | None = None) -> ViolationList:
    """The violations the filters keep (the table of the oversight pages), `limit` of them from
    `offset` on."""
    kept, total = _kept(answers or Answers(ledger), filters)
    window = kept[offset:] if limit is None else kept[offset: offset + limit]
    return ViolationList(tuple(v.as_dict() for v in window), len(kept), total)


def _counts(violations: Iterable[Violation], key: Callable[[Violation], str]) -> list[Count]:
    counts: Counter[str] = Counter()
    open_: Counter[str] = Counter()
    for v in violations:
        counts[key(v)] += 1
        open_[key(v)] += v.status == "open"
    return [Count(k, n, open_[k]) for k, n in counts.items()]


def _trend_keys(start: date, end: date) -> tuple[list[str], Callable[[date], str]]:
    """The trend's buckets over the period, and the bucket of a date: months, or years when the
    period spans more than TREND_MONTHS months."""
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    if last - first + 1 > TREND_MONTHS:
        return [f"{y:04d}" for y in range(start.year, end.year + 1)], lambda d: f"{d.year:04d}"
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(first, last + 1)], lambda d: f"{d.year:04d}-{d.month:02d}"


def _on_time(rows: Iterable[dict[str, Any]]) -> list[AgencyOnTime]:
    found = [AgencyOnTime(r["agency"], r["cases"], r["cases_on_time"], r["cases_late"], r["cases_overdue_open"],
                          r["on_time_rate"], r["score_766"]) for r in rows]
    return sorted(found, key=lambda a: (a.on_time_rate is None, a.on_time_rate or 0.0, a.agency))


def dashboard_figures(ledger: Ledger, filters: DashboardFilters, *, top: int = TOP_OFFICIALS,
                      answers: Answers | None = None) -> Dashboard:
    """The dashboard's figures for one question (see the module's docstring for the semantics)."""
    answers = answers or Answers(ledger)
    events = ledger.event_count()  # read first: what is computed is at least this fresh
    found, scorecard = answers.judged(filters)
    kept, _total = _kept(answers, filters, found)
    by_rule = sorted(_counts(kept, lambda v: v.rule), key=lambda c: (-c.count, c.key))
    by_agency = sorted(_counts(kept, lambda v: v.agency), key=lambda c: (-c.count, c.key))
    buckets, bucket_of = _trend_keys(filters.start, filters.end)
    counted = {c.key: c for c in _counts(kept, lambda v: bucket_of(_dated(v)))}
    trend = [counted.get(key, Count(key, 0, 0)) for key in buckets]

    on_time = _on_time(r for r in scorecard if filters.agency is None or r["agency"] == filters.agency)

    registry = ledger.registry_as_of()
    delays = scoring.delays(kept, by_official=True)
    officials: list[OfficialDelay] = []
    for row in delays:
        if row["official"] is None or len(officials) >= top:
            continue
        known = registry.officials.get(row["official"])
        officials.append(OfficialDelay(row["agency"], row["official"], known.name if known else None, row["days"],
                                       tuple(row["by_rule"].items()), len(row["cases"])))

    totals = DashboardTotals(
        violations=len(kept),
        open=sum(v.status == "open" for v in kept),
        delay_days=sum(row["days"] for row in delays),
        cases=sum(a.cases for a in on_time),
        cases_on_time=sum(a.cases_on_time for a in on_time),
    )
    codes = sorted({c.key for c in by_agency} | {a.agency for a in on_time} | {o.agency for o in officials})
    names = tuple(AgencyName(code, registry.agencies[code].name, registry.agencies[code].name_en)
                  for code in codes if code in registry.agencies)
    return Dashboard(filters, events, tuple(by_rule), tuple(by_agency), tuple(trend), tuple(on_time),
                     tuple(officials), totals, names)


T = TypeVar("T")


class FiguresCache:
    """The last few answers of this process, each kept under (what was asked, the ledger's event
    count): a new event changes the count, so nothing stale is served. The ledger's own answers
    (the violations as of a date, the scorecard of a period) are kept too, so that narrowing the
    page to an agency or a rule, or paging the table, counts again without judging again.
    Thread-safe; two requests racing for the same new answer may both compute it, harmlessly."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, ledger: Ledger, question: Hashable, compute: Callable[[], T]) -> T:
        key = (question, ledger.event_count())
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                found: T = self._entries[key]
                return found
        value = compute()
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def answers(self, ledger: Ledger) -> Answers:
        return _CachedAnswers(ledger, self)

    def dashboard(self, ledger: Ledger, filters: DashboardFilters) -> Dashboard:
        return self.get(ledger, ("dashboard", filters),
                        lambda: dashboard_figures(ledger, filters, answers=self.answers(ledger)))

    def violations(self, ledger: Ledger, filters: DashboardFilters, *, offset: int = 0,
                   limit: int | None = None) -> ViolationList:
        return violation_list(ledger, filters, offset=offset, limit=limit, answers=self.answers(ledger))

    def __len__(self) -> int:
        return len(self._entries)


class _CachedAnswers(Answers):
    def __init__(self, ledger: Ledger, cache: FiguresCache) -> None:
        super().__init__(ledger)
        self.cache = cache

    def violations(self, as_of: date, known_at: datetime | None) -> list[Violation]:
        return self.cache.get(self.ledger, ("violations", as_of, known_at),
                              lambda: Answers.violations(self, as_of, known_at))

    def judged(self, filters: DashboardFilters) -> tuple[list[Violation], list[dict[str, Any]]]:
        question = ("judged", filters.as_of, filters.start, filters.end, filters.known_at)
        found, scorecard = self.cache.get(self.ledger, question, lambda: Answers.judged(self, filters))
        # The violations of the same question, for the table and for narrower dashboards:
        self.cache.get(self.ledger, ("violations", filters.as_of, filters.known_at), lambda: found)
        return found, scorecard
