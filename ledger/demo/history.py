"""The demo year's history without a ledger: the work programmes and every case, as the JSON
Lines `ledger demo` imports after the default registry (`history_lines`)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from ..calendar import LOCAL_TZ, WorkingCalendar
from .cases import _case_events
from .world import Registry, Year, default_calendar


def history_lines(cases: int, seed: int, now: datetime, calendar: WorkingCalendar | None = None) -> list[str]:
    """The JSON lines `generate(ledger, cases=cases, seed=seed)` imports after the default registry
    (`DEFAULT_REGISTRY`'s lines), for a ledger whose clock reads `now` and whose calendar is
    `calendar` (default: the default registry's, `default_calendar()`): the work programmes and
    the cases' events claimed up to a minute before `now`, sorted by claimed time. No ledger is
    needed; the web events and findings `generate` adds afterwards are not part of it."""
    rng = random.Random(seed)
    reg = Registry.default()
    year = Year(now.astimezone(LOCAL_TZ).date(), calendar or default_calendar())
    return [json.dumps(e, ensure_ascii=False) for e in _history(rng, reg, year, cases, now)]


def _history(rng: random.Random, reg: Registry, year: Year, cases: int, now: datetime,
             planned: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """The year's events up to a minute before `now`, in claimed-time order: openings over the
    last year (moved to a working day), the work programmes, then each case's plan (`planned(1)`
    after each). A case whose plan runs past now keeps only what has already happened: it is
    still open."""
    start = year.today - timedelta(days=365)
    openings = sorted(start + timedelta(days=rng.randrange(0, 360)) for _ in range(cases))
    openings = [d if year.calendar.is_working_day(d) else year.after(d, 1) for d in openings]
    events: list[dict[str, Any]] = list(_programmes(rng, reg, year))
    for n, opened_on in enumerate(openings, start=1):
        events.extend(_case_events(n, rng, reg, year, opened_on).events)
        if planned is not None:
            planned(1)
    cutoff = now.astimezone(LOCAL_TZ) - timedelta(minutes=1)
    history = [e for e in events if datetime.fromisoformat(e["at"]) <= cutoff]
    history.sort(key=lambda e: datetime.fromisoformat(e["at"]))
    return history


def _programmes(rng: random.Random, reg: Registry, year: Year) -> Iterator[dict[str, Any]]:
    for y in range(2024, year.today.year + 1):
        for agency, kind in sorted(reg.kinds.items()):
            if kind not in ("department", "board", "district"):
                continue
            fate = rng.random()
            if fate < 0.85:
                day = date(y, 1, rng.randint(8, 30))
            elif fate < 0.95:
                day = date(y, 2, rng.randint(16, 28))
            else:
                continue
            if day > year.today:
                continue
            yield {"type": "WorkProgrammeAdopted", "agency": agency, "year": y, "at": year.at(day, rng).isoformat(),
                   "by": reg.one(rng, agency, "head"), "id": f"programme-{agency}-{y}"}
