"""`dashboard_figures`: the figures behind the dashboard's charts for one question, counted from
the ledger's own answers (see the package's docstring for the semantics)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from ..rules import scoring
from .answers import Answers, _dated, _kept
from .model import AgencyName, AgencyOnTime, Count, Dashboard, DashboardFilters, DashboardTotals, OfficialDelay

if TYPE_CHECKING:
    from ..application import Ledger
    from ..domain.registry import RegistryState
    from ..rules.violation import Violation

#: How many officials the "most delayed officials" chart shows by default.
TOP_OFFICIALS = 10
#: The longest period the trend shows month by month; a longer one is shown year by year.
TREND_MONTHS = 36


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
    """The dashboard's figures for one question (see the package's docstring for the semantics)."""
    answers = answers or Answers(ledger)
    events = ledger.event_count()  # read first: what is computed is at least this fresh
    found, scorecard = answers.judged(filters)
    kept, _total = _kept(answers, filters, found)
    by_rule = sorted(_counts(kept, lambda v: v.rule), key=lambda c: (-c.count, c.key))
    by_agency = sorted(_counts(kept, lambda v: v.agency), key=lambda c: (-c.count, c.key))
    trend = _trend(kept, filters.start, filters.end)

    on_time = _on_time(r for r in scorecard if filters.agency is None or r["agency"] == filters.agency)

    registry = ledger.registry_as_of()
    delays = scoring.delays(kept, by_official=True)
    officials = _officials(delays, registry, top)

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


def _trend(kept: list[Violation], start: date, end: date) -> list[Count]:
    """Every bucket of the period in order, empty ones included."""
    buckets, bucket_of = _trend_keys(start, end)
    counted = {c.key: c for c in _counts(kept, lambda v: bucket_of(_dated(v)))}
    return [counted.get(key, Count(key, 0, 0)) for key in buckets]


def _officials(delays: list[dict[str, Any]], registry: RegistryState, top: int) -> list[OfficialDelay]:
    """The `top` most delayed officials of the delay ledger by official, most days first."""
    officials: list[OfficialDelay] = []
    for row in delays:
        if row["official"] is None or len(officials) >= top:
            continue
        known = registry.officials.get(row["official"])
        officials.append(OfficialDelay(row["agency"], row["official"], known.name if known else None, row["days"],
                                       tuple(row["by_rule"].items()), len(row["cases"])))
    return officials
