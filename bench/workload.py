"""The benchmark's workload: the demo year of `ledger demo`, as the JSON Lines file it imports.

`ledger demo` (`ledger.demo.generate`) needs a ledger: it imports the default registry, reads the
clock and the calendar from it, then imports the year's history in one `import_lines` call. This
module collects the very same lines without a ledger, from the generator's own functions
(`_programmes`, `_case_events`, `Registry`, `Year`): the default registry's lines, then the
history claimed up to a minute before `now`, sorted by claimed time — exactly what `generate`
passes to `import_lines` (it then adds 24 "web" events and a few findings, which are not part of
an import and are left out here). `check_against_generate` proves the equality on a small year.

A size is met exactly by generating a few more cases than needed and keeping the first `events`
lines (registry first, then the history in claimed-time order): a store of "100k" holds exactly
100,000 events.
"""

from __future__ import annotations

import json
import math
import random
from datetime import date, datetime, timedelta
from pathlib import Path

from ledger.calendar import LOCAL_TZ, WorkingCalendar
from ledger.demo import DEFAULT_REGISTRY, Registry, Year, _case_events, _programmes

SEED = 2024  # `ledger demo`'s default seed


def registry_lines() -> list[str]:
    return DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines()


def _calendar(lines: list[str]) -> WorkingCalendar:
    """The calendar `Ledger.calendar()` builds from the default registry: its declared days."""
    overrides: dict[date, bool] = {}
    for line in lines:
        obj = json.loads(line)
        if obj["type"] == "CalendarDayDeclared":
            overrides[date.fromisoformat(obj["date"])] = bool(obj["working"])
    return WorkingCalendar(overrides)


def history_lines(cases: int, seed: int, now: datetime) -> list[str]:
    """The lines `generate(ledger, cases=cases, seed=seed)` imports after the registry, for a
    ledger whose clock reads `now`: the same statements in the same order."""
    rng = random.Random(seed)
    reg = Registry.default()
    today = now.astimezone(LOCAL_TZ).date()
    year = Year(today, _calendar(registry_lines()))
    start = today - timedelta(days=365)
    openings = sorted(start + timedelta(days=rng.randrange(0, 360)) for _ in range(cases))
    openings = [d if year.calendar.is_working_day(d) else year.after(d, 1) for d in openings]
    events = list(_programmes(rng, reg, year))
    for n, opened_on in enumerate(openings, start=1):
        events.extend(_case_events(n, rng, reg, year, opened_on).events)
    cutoff = now.astimezone(LOCAL_TZ) - timedelta(minutes=1)
    history = [e for e in events if datetime.fromisoformat(e["at"]) <= cutoff]
    history.sort(key=lambda e: datetime.fromisoformat(e["at"]))
    return [json.dumps(e, ensure_ascii=False) for e in history]


def events_per_case(seed: int, now: datetime, sample: int = 400) -> float:
    return len(history_lines(sample, seed, now)) / sample


def workload_lines(events: int, seed: int = SEED, now: datetime | None = None) -> tuple[list[str], int]:
    """Exactly `events` lines (the registry first); returns them and the number of cases generated."""
    now = now or datetime.now(LOCAL_TZ)
    registry = registry_lines()
    wanted = events - len(registry)
    if wanted <= 0:
        return registry[:events], 0
    cases = max(10, math.ceil(wanted / events_per_case(seed, now) * 1.03))
    while True:
        history = history_lines(cases, seed, now)
        if len(history) >= wanted:
            return registry + history[:wanted], cases
        cases = math.ceil(cases * 1.1)


def write_workload(path: Path, events: int, seed: int = SEED, now: datetime | None = None) -> dict[str, int]:
    lines, cases = workload_lines(events, seed, now)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"events": len(lines), "cases_generated": cases, "bytes": path.stat().st_size}


def check_against_generate(cases: int = 60, seed: int = SEED) -> None:
    """Run the real `generate` on a scratch ledger with a fixed clock, capture the lines it imports,
    and compare them with `history_lines` (raises AssertionError if they differ)."""
    import tempfile

    from ledger import Ledger
    from ledger.demo import generate

    now = datetime.now(LOCAL_TZ).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger(f"sqlite:///{folder}/check.db", clock=lambda: now, key_file=f"{folder}/ledger.key")
        captured: list[list[str]] = []
        original = ledger.import_lines

        def capture(lines, *args, **kwargs):  # type: ignore[no-untyped-def]
            lines = list(lines)
            captured.append(lines)
            return original(lines, *args, **kwargs)

        ledger.import_lines = capture  # type: ignore[method-assign]
        try:
            generate(ledger, cases=cases, seed=seed)
        finally:
            ledger.close()
    assert captured[0] == registry_lines(), "the registry lines differ"
    mine = history_lines(cases, seed, now)
    assert captured[1] == mine, f"the history differs: {len(captured[1])} lines imported, {len(mine)} made here"


if __name__ == "__main__":
    check_against_generate()
    print("bench/workload.py: the lines equal what `ledger demo` imports")
