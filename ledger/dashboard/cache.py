"""`FiguresCache`: the last few answers of this process, each kept under (what was asked, the
ledger's event count), so the page and its charts share one computation."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from .answers import Answers, violation_list
from .figures import dashboard_figures
from .model import Dashboard, DashboardFilters, ViolationList

if TYPE_CHECKING:
    from ..application import Ledger
    from ..rules.violation import Violation

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
