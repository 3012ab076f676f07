"""The benchmark's workload: the demo year of `ledger demo`, as the JSON Lines file it imports.

`ledger demo` (`ledger.demo.generate`) needs a ledger: it imports the default registry, reads the
clock and the calendar from it, then imports the year's history in one `import_lines` call. This
module collects the very same lines without a ledger, with the generator's own `history_lines`:
the default registry's lines, then the history claimed up to a minute before `now`, sorted by
claimed time — exactly what `generate`
passes to `import_lines` (it then adds 24 "web" events and a few findings, which are not part of
an import and are left out here). `check_against_generate` proves the equality on a small year.

A size is met exactly by generating a few more cases than needed and keeping the first `events`
lines (registry first, then the history in claimed-time order): a store of "100k" holds exactly
100,000 events.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

from ledger.calendar import LOCAL_TZ
from ledger.demo import DEFAULT_REGISTRY
from ledger.demo import history_lines as demo_history_lines

SEED = 2024  # `ledger demo`'s default seed


def registry_lines() -> list[str]:
    return DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines()


def history_lines(cases: int, seed: int, now: datetime) -> list[str]:
    """The lines `generate(ledger, cases=cases, seed=seed)` imports after the registry, for a
    ledger whose clock reads `now` (the demo's own `history_lines`, which needs no store)."""
    return demo_history_lines(cases, seed, now)


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
