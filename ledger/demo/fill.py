"""`generate`: fill a ledger with the demo year, reporting progress as it goes."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..calendar import LOCAL_TZ
from .history import _history
from .world import DEFAULT_REGISTRY, INSPECTOR, Registry, Year

if TYPE_CHECKING:
    from ..application import Ledger

#: Steps per case that `generate` reports to `progress` in each phase, roughly in proportion to
#: the time the phase takes: planning the cases, validating and storing them, the read models
#: taking them in, then the web events, findings and summary.
PHASES = (("plan", 1), ("validate", 4), ("project", 2), ("finish", 1))


def progress_length(cases: int) -> int:
    """How many steps `generate(..., cases=cases, progress=...)` reports in all: a progress bar's length."""
    return cases * sum(weight for _, weight in PHASES)


class _Phase:
    """Turns a phase's own counts (cases, lines, events) into its share of the run's steps, so
    that a bar of `progress_length(cases)` fills evenly and ends exactly full."""

    def __init__(self, report: Callable[[int], None] | None, steps: int, expected: int) -> None:
        self.report, self.steps, self.expected = report, steps, max(1, expected)
        self.seen = self.done = 0

    def __call__(self, count: int) -> None:
        self.seen += count
        self._reach(min(self.steps, self.seen * self.steps // self.expected))

    def end(self) -> None:
        self._reach(self.steps)

    def _reach(self, done: int) -> None:
        if done > self.done and self.report is not None:
            self.report(done - self.done)
        self.done = max(self.done, done)


def generate(
    ledger: Ledger, *, cases: int, seed: int, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Fill the ledger; returns a summary of what was made.

    `progress(n)`, if given, is called as the work advances, `progress_length(cases)` steps in all
    (for `click.progressbar(length=progress_length(cases))`); it changes nothing that is made."""
    weights = dict(PHASES)

    def phase(name: str, expected: int) -> _Phase:
        return _Phase(progress, weights[name] * cases, expected)

    rng = random.Random(seed)
    reg = Registry.default()
    registry = ledger.import_lines(DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines())
    if registry.refused:
        raise RuntimeError(f"the default registry was refused: {registry.refused[:3]}")
    now = ledger.clock()
    year = Year(now.astimezone(LOCAL_TZ).date(), ledger.calendar())
    planning = phase("plan", cases)
    history = _history(rng, reg, year, cases, now, planning)
    planning.end()
    _import_history(ledger, history, phase("validate", len(history)), phase("project", len(history)),
                    reporting=bool(progress))
    web = _web_events(rng, reg, year, now, start_number=cases + 1)
    finishing = phase("finish", len(web) + 2)
    web_appended = _append_web(ledger, web, finishing)
    findings = _findings(ledger, rng, now)
    finishing(1)
    by_type = Counter(e["type"] for e in history) + Counter(e["type"] for e in web)
    violations = Counter(v.rule for v in ledger.violations(include_dismissed=True))
    finishing.end()
    return {
        "cases": len({e["case"] for e in history if "case" in e} | {e["case"] for e in web}),
        "events": ledger.event_count(),
        "imported": len(history),
        "web": web_appended,
        "findings": findings,
        "by_type": dict(sorted(by_type.items())),
        "violations": dict(sorted(violations.items())),
    }


def _import_history(ledger: Ledger, history: list[dict[str, Any]], validating: _Phase, projecting: _Phase, *,
                    reporting: bool) -> None:
    """The year's history imported in one `import_lines` call (validating, then projecting)."""
    report = ledger.import_lines(
        [json.dumps(e, ensure_ascii=False) for e in history],
        progress=validating if reporting else None,
        project_progress=projecting if reporting else None,
    )
    validating.end()
    projecting.end()
    if report.refused:
        raise RuntimeError(f"the demo generator made a refused event: {report.refused[:3]}")


def _append_web(ledger: Ledger, web: list[dict[str, Any]], finishing: _Phase) -> int:
    """The recent cases appended as from the web, one event at a time; returns how many were."""
    from ..domain.errors import Refused

    appended = 0
    for obj in web:
        try:
            ledger.append(obj, source="web")
            appended += 1
        except Refused as refusal:
            raise RuntimeError(f"the demo generator made a refused web event: {refusal}") from None
        finishing(1)
    return appended


def _web_events(rng: random.Random, reg: Registry, year: Year, now: datetime, *, start_number: int) -> list[dict[str, Any]]:
    """A few cases of the last days entered through the web, some backdated by days."""
    events = []
    today = year.today
    recent = [d for d in (today - timedelta(days=k) for k in range(1, 15)) if year.calendar.is_working_day(d)]
    for k in range(12):
        n = start_number + k
        ref = f"HCM-{today.year}-W{n:04d}"
        backdated = k % 3 == 0
        day = recent[-1] if backdated else recent[0]
        opened = year.at(day, rng, earliest=8)
        if opened > now:
            opened = now - timedelta(hours=2)
        lead = reg.one(rng, "SXD", "specialist")
        events.append({"type": "CaseOpened", "case": ref, "procedure": "CONSTRUCTION_PERMIT",
                       "title": f"Cấp giấy phép xây dựng số {n}", "by": "vp.clerk", "at": opened.isoformat(),
                       "id": f"{ref}-01"})
        events.append({"type": "LeadAssigned", "case": ref, "agency": "SXD", "official": lead, "by": "vp.clerk",
                       "at": (opened + timedelta(minutes=30)).isoformat(), "id": f"{ref}-02"})
    return events


def _findings(ledger: Ledger, rng: random.Random, now: datetime) -> int:
    """An inspector rules on a few detected violations: most confirmed, some dismissed."""
    candidates = [v for v in ledger.violations() if v.case is not None and v.status == "closed"]
    chosen = rng.sample(candidates, k=min(len(candidates), max(2, len(candidates) // 50))) if candidates else []
    lines = []
    for index, violation in enumerate(sorted(chosen, key=lambda v: (v.case or "", v.rule, v.evidence))):
        finding: dict[str, Any] = {"type": "FindingRecorded", "case": violation.case, "rule": violation.rule,
                                   "decision": "dismissed" if index % 4 == 0 else "confirmed",
                                   "evidence": violation.evidence[0], "by": INSPECTOR,
                                   "at": (now - timedelta(hours=6)).isoformat(), "id": f"finding-{index}"}
        if violation.consultation:
            finding["consultation"] = violation.consultation
        lines.append(json.dumps(finding, ensure_ascii=False))
    report = ledger.import_lines(lines)
    if report.refused:
        raise RuntimeError(f"the demo generator made a refused finding: {report.refused[:3]}")
    return len(chosen)
