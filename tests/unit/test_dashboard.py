"""The oversight dashboard's figures (ledger.dashboard) are the ledger's own answers, counted:
`violations`, `delays --by official` and `scorecard` asked the same question."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger import (
    LOCAL_TZ, Answers, DashboardFilters, FiguresCache, InvalidField, Ledger, dashboard_figures, default_period, violation_list,
)
from ledger.demo import generate

EVERYTHING = date(2000, 1, 1)  # the ledger accepts no earlier date: a period from it covers every violation


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    """A synthetic year of 120 cases up to today (every rule fires somewhere)."""
    folder = tmp_path_factory.mktemp("dashboard")
    ledger = Ledger(str(folder / "demo.db"), key_file=folder / "ledger.key")
    generate(ledger, cases=120, seed=11)
    yield ledger
    ledger.close()


def everything(ledger: Ledger, **narrowed: Any) -> DashboardFilters:
    """Every violation the ledger reports today, narrowed as asked."""
    today = ledger.today()
    return replace(DashboardFilters(EVERYTHING, today, today), **narrowed)


def dated(violation: Any) -> date:
    """The date the §7 scorecard counts a violation by."""
    return violation.due or violation.act_on  # type: ignore[no-any-return]


# --- the counts are the violations report's ------------------------------------------------------------


def test_the_counts_by_rule_and_by_agency_each_add_up_to_the_violations_the_ledger_reports(demo: Ledger) -> None:
    figures = dashboard_figures(demo, everything(demo))
    reported = demo.violations()

    assert len(reported) > 100
    assert figures.totals.violations == len(reported)
    assert sum(c.count for c in figures.by_rule) == len(reported)
    assert sum(c.count for c in figures.by_agency) == len(reported)
    assert {c.key: c.count for c in figures.by_rule} == Counter(v.rule for v in reported)
    assert {c.key: c.count for c in figures.by_agency} == Counter(v.agency for v in reported)


def test_open_violations_are_those_the_report_shows_open(demo: Ledger) -> None:
    figures = dashboard_figures(demo, everything(demo))
    reported = demo.violations()

    assert figures.totals.open == sum(v.status == "open" for v in reported) > 0
    assert {c.key: c.open for c in figures.by_rule} == {
        rule: sum(v.status == "open" for v in reported if v.rule == rule) for rule in {v.rule for v in reported}}


def test_the_bars_are_sorted_most_violations_first(demo: Ledger) -> None:
    figures = dashboard_figures(demo, everything(demo))

    for bars in (figures.by_rule, figures.by_agency):
        assert [(-c.count, c.key) for c in bars] == sorted((-c.count, c.key) for c in bars)


def test_the_trend_counts_each_violation_of_the_period_in_the_month_of_its_due_date_else_of_its_act(
        demo: Ledger) -> None:
    today = demo.today()
    start, end = default_period(today)
    figures = dashboard_figures(demo, DashboardFilters(start, end, today))
    expected = Counter(dated(v).strftime("%Y-%m") for v in demo.violations() if start <= dated(v) <= end)

    assert len(figures.trend) == 12
    assert figures.trend[-1].key == today.strftime("%Y-%m")
    assert {c.key: c.count for c in figures.trend if c.count} == expected
    assert sum(c.count for c in figures.trend) == figures.totals.violations


def test_a_period_longer_than_three_years_is_shown_year_by_year(demo: Ledger) -> None:
    figures = dashboard_figures(demo, everything(demo))

    assert [c.key for c in figures.trend] == [str(y) for y in range(2000, demo.today().year + 1)]
    assert sum(c.count for c in figures.trend) == figures.totals.violations


# --- the scorecard and the delays ----------------------------------------------------------------------


def test_the_on_time_rates_are_the_scorecards_of_the_same_period(demo: Ledger) -> None:
    today = demo.today()
    start, end = default_period(today)
    figures = dashboard_figures(demo, DashboardFilters(start, end, today))
    scorecard = demo.scorecard(start, end)

    assert {a.agency: (a.cases, a.cases_on_time, a.on_time_rate, a.score_766) for a in figures.on_time} == {
        r["agency"]: (r["cases"], r["cases_on_time"], r["on_time_rate"], r["score_766"]) for r in scorecard}
    assert figures.totals.cases == sum(r["cases"] for r in scorecard) > 0
    assert figures.totals.cases_on_time == sum(r["cases_on_time"] for r in scorecard)


def test_the_lowest_on_time_rate_comes_first_and_agencies_without_cases_last(demo: Ledger) -> None:
    today = demo.today()
    figures = dashboard_figures(demo, DashboardFilters(*default_period(today), today))
    rates = [a.on_time_rate for a in figures.on_time]

    rated = [r for r in rates if r is not None]
    assert rated == sorted(rated)
    assert rates == rated + [None] * (len(rates) - len(rated))


def test_the_most_delayed_officials_are_the_top_of_the_delay_ledger_by_official(demo: Ledger) -> None:
    figures = dashboard_figures(demo, everything(demo), top=5)
    ledger_rows = [r for r in demo.delays(by_official=True) if r["official"] is not None]

    assert [(o.agency, o.official, o.days, dict(o.by_rule)) for o in figures.officials] == [
        (r["agency"], r["official"], r["days"], r["by_rule"]) for r in ledger_rows[:5]]
    assert all(o.name for o in figures.officials)


def test_the_working_days_of_delay_are_the_delay_ledgers_total(demo: Ledger) -> None:
    figures = dashboard_figures(demo, everything(demo))

    assert figures.totals.delay_days == sum(r["days"] for r in demo.delays()) > 0


@pytest.mark.parametrize("days_ago", [0, 45], ids=["today", "45 days ago"])
@pytest.mark.parametrize("known", [False, True], ids=["known now", "known at a moment"])
def test_asked_together_the_violations_and_the_scorecard_are_the_ledgers_own_answers(
        demo: Ledger, days_ago: int, known: bool) -> None:
    end = demo.today() - timedelta(days=days_ago)
    known_at = datetime.now(LOCAL_TZ) if known else None
    filters = DashboardFilters(end - timedelta(days=200), end, end, known_at)

    violations, scorecard = Answers(demo).judged(filters)

    assert violations == demo.violations(as_of=end, known_at=known_at) != []
    assert scorecard == demo.scorecard(filters.start, end, known_at=known_at) != []


def test_with_an_as_of_date_before_the_periods_end_each_answer_is_asked_for_its_own_date(demo: Ledger) -> None:
    end = demo.today()
    filters = DashboardFilters(end - timedelta(days=200), end, end - timedelta(days=30))

    violations, scorecard = Answers(demo).judged(filters)

    assert violations == demo.violations(as_of=filters.as_of)
    assert scorecard == demo.scorecard(filters.start, end)


# --- the filters narrow ------------------------------------------------------------------------------------


def test_an_agency_keeps_its_own_violations_and_its_scorecard_row(demo: Ledger) -> None:
    busiest = Counter(v.agency for v in demo.violations()).most_common(1)[0][0]
    today = demo.today()
    figures = dashboard_figures(demo, everything(demo, agency=busiest))

    assert figures.totals.violations == sum(v.agency == busiest for v in demo.violations())
    assert [c.key for c in figures.by_agency] == [busiest]
    assert {a.agency for a in figures.on_time} <= {busiest}
    assert {a.agency for a in figures.on_time} == {r["agency"] for r in demo.scorecard(EVERYTHING, today)} & {busiest}
    assert {o.agency for o in figures.officials} <= {busiest}


def test_a_rule_keeps_that_rules_violations_and_only_the_delays_it_measures(demo: Ledger) -> None:
    figures = dashboard_figures(demo, everything(demo, rule="LATE_RESPONSE"))
    late = [v for v in demo.violations() if v.rule == "LATE_RESPONSE"]

    assert [(c.key, c.count) for c in figures.by_rule] == [("LATE_RESPONSE", len(late))]
    assert figures.totals.delay_days == sum(v.days_late or 0 for v in late)
    assert all(dict(o.by_rule).keys() == {"LATE_RESPONSE"} for o in figures.officials)


def test_a_period_keeps_the_violations_dated_in_it(demo: Ledger) -> None:
    today = demo.today()
    start, end = today - timedelta(days=120), today - timedelta(days=30)
    figures = dashboard_figures(demo, DashboardFilters(start, end, today))
    inside = [v for v in demo.violations() if start <= dated(v) <= end]

    assert 0 < figures.totals.violations == len(inside) < len(demo.violations())
    assert {c.key: c.count for c in figures.by_rule} == Counter(v.rule for v in inside)


def test_an_earlier_as_of_date_judges_as_the_violations_report_does_on_that_date(demo: Ledger) -> None:
    earlier = demo.today() - timedelta(days=60)
    figures = dashboard_figures(demo, DashboardFilters(EVERYTHING, earlier, earlier))
    reported = demo.violations(as_of=earlier)

    assert figures.totals.violations == len(reported) < len(demo.violations())
    assert {c.key: c.count for c in figures.by_agency} == Counter(v.agency for v in reported)
    assert [(o.official, o.days) for o in figures.officials] == [
        (r["official"], r["days"]) for r in demo.delays(as_of=earlier, by_official=True) if r["official"]][:10]


def test_known_before_anything_was_recorded_the_dashboard_is_empty(demo: Ledger) -> None:
    before = datetime.now(LOCAL_TZ) - timedelta(days=2)
    figures = dashboard_figures(demo, everything(demo, known_at=before))

    assert figures.totals == figures.totals.__class__(0, 0, 0, 0, 0)
    assert figures.by_rule == figures.by_agency == figures.on_time == figures.officials == ()


def test_known_now_the_dashboard_is_the_same_as_without_known_at(demo: Ledger) -> None:
    now = datetime.now(LOCAL_TZ)
    known = dashboard_figures(demo, everything(demo, known_at=now))
    default = dashboard_figures(demo, everything(demo))

    assert (known.by_rule, known.by_agency, known.on_time, known.officials, known.totals) == (
        default.by_rule, default.by_agency, default.on_time, default.officials, default.totals)


def test_the_violation_list_pages_the_violations_the_filters_keep(demo: Ledger) -> None:
    filters = everything(demo, rule="EVASIVE_RESPONSE")
    whole = violation_list(demo, filters)
    window = violation_list(demo, filters, offset=2, limit=3)

    assert whole.total == len(demo.violations())
    assert whole.matched == len(whole.rows) == sum(v.rule == "EVASIVE_RESPONSE" for v in demo.violations()) > 5
    assert window.rows == whole.rows[2:5]
    assert window.matched == whole.matched
    assert all(row["rule"] == "EVASIVE_RESPONSE" for row in whole.rows)


# --- the filters themselves ----------------------------------------------------------------------------------


def test_a_reversed_period_is_refused() -> None:
    with pytest.raises(InvalidField) as refused:
        DashboardFilters(date(2026, 2, 1), date(2026, 1, 31), date(2026, 2, 1))
    assert refused.value.code == "period_reversed"


def test_the_default_period_is_the_last_twelve_calendar_months_up_to_the_day() -> None:
    assert default_period(date(2026, 12, 7)) == (date(2026, 1, 1), date(2026, 12, 7))
    assert default_period(date(2026, 3, 15)) == (date(2025, 4, 1), date(2026, 3, 15))
    assert default_period(date(2026, 1, 31), months=1) == (date(2026, 1, 1), date(2026, 1, 31))


# --- computed once per question and event count -----------------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(str(tmp_path / "small.db"))
    generate(ledger, cases=8, seed=2)
    yield ledger
    ledger.close()


def test_the_cache_answers_the_same_question_once_until_an_event_is_appended(small: Ledger) -> None:
    cache = FiguresCache()
    computed: list[int] = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    first, again = cache.get(small, "question", compute), cache.get(small, "question", compute)
    small.append({"type": "CaseOpened", "case": "HCM-CACHE-1", "procedure": "JUDICIAL_RECORD", "title": "Lý lịch tư pháp",
                  "by": "stp.clerk", "at": datetime.now(LOCAL_TZ).isoformat()}, source="web")
    after = cache.get(small, "question", compute)

    assert (first, again, after) == (1, 1, 2)


def test_the_cache_keeps_only_its_last_few_answers(small: Ledger) -> None:
    cache = FiguresCache(size=2)
    for question in ("a", "b", "c"):
        cache.get(small, question, lambda q=question: q)
    recomputed = cache.get(small, "a", lambda: "a again")

    assert len(cache) == 2
    assert recomputed == "a again"


def test_the_cached_dashboard_is_the_dashboard_and_narrowing_it_reuses_the_ledgers_answers(small: Ledger) -> None:
    cache = FiguresCache()
    whole = everything(small)
    agency = small.violations()[0].agency

    assert cache.dashboard(small, whole) == dashboard_figures(small, whole)
    entries = len(cache)
    narrowed = cache.dashboard(small, everything(small, agency=agency))

    assert narrowed == dashboard_figures(small, everything(small, agency=agency))
    assert len(cache) == entries + 1  # the narrowed dashboard only: violations and scorecard were kept
