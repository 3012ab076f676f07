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

The package's modules: `model` (the frozen figures and filters), `answers` (the ledger's answers
and the violations the filters keep), `figures` (`dashboard_figures`), `cache` (`FiguresCache`).
"""

from .answers import Answers, violation_list
from .cache import FiguresCache
from .figures import dashboard_figures
# Not in the facade, but importable from here as from the single module this package was:
from .figures import TOP_OFFICIALS as TOP_OFFICIALS
from .figures import TREND_MONTHS as TREND_MONTHS
from .model import (
    AgencyName,
    AgencyOnTime,
    Count,
    Dashboard,
    DashboardFilters,
    DashboardTotals,
    OfficialDelay,
    ViolationList,
    default_period,
)

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
