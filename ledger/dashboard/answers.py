"""The ledger's answers the dashboard's figures are counted from, and the violations the filters
keep (the table of the oversight pages)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..rules import judge, scoring, visible
from .model import DashboardFilters, ViolationList

if TYPE_CHECKING:
    from ..application import Ledger
    from ..rules.violation import Violation


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
        if known_at is None and end == self.ledger.today():
            # today's violations come from the maintained table, the cases from the case tables
            found = self.violations(end, None)
            return found, self.ledger.scorecard(start, end, violations=found)
        self.ledger.projections.catch_up()
        records = list(self.ledger.projections.facts(as_of=end, known_at=known_at))
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
