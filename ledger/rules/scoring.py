"""The delay ledger and the Decision 766 scorecard (SPEC §7), computed from judged facts.

Pure: violations and case files in, rows of plain data out. Both depend on the day they are
judged on (open items keep growing later), so they are computed when asked, from the
maintained violations (today) or from the stored facts (any other day), never stored stale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..calendar import LOCAL_TZ
from ..domain.payloads import LeadAssigned
from ..domain.casefile import CaseFile, fold_case
from ..domain.records import EventRecord
from .violation import Judgement, Violation

DELAY_RULES = ("NO_LEAD", "LATE_RESPONSE", "CASE_OVERDUE", "WORK_PROGRAMME_LATE", "LATE_RECORDING")

Key = tuple[str, str | None]


def _order(key: Key) -> tuple[str, bool, str]:
    agency, official = key
    return agency, official is not None, official or ""


def delays(violations: Iterable[Violation], *, by_official: bool = False) -> list[dict[str, Any]]:
    """Working days of delay each agency (or agency and official) is responsible for."""
    days: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    cases: dict[Key, set[str]] = defaultdict(set)
    for v in violations:
        if v.rule not in DELAY_RULES or not v.days_late:
            continue
        key: Key = (v.agency, v.official if by_official else None)
        days[key][v.rule] += v.days_late
        if v.case:
            cases[key].add(v.case)
    rows = []
    for key, by_rule in days.items():
        total = sum(by_rule.values())
        if total == 0:
            continue
        row: dict[str, Any] = {"agency": key[0]}
        if by_official:
            row["official"] = key[1]
        row["days"] = total
        row["by_rule"] = {rule: by_rule[rule] for rule in DELAY_RULES if by_rule.get(rule)}
        row["cases"] = sorted(cases[key])
        rows.append(row)
    rows.sort(key=lambda r: (-r["days"], *_order((r["agency"], r.get("official")))))
    return rows


def delay_json(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The §7 JSON shape of delay rows: the text and CSV forms add the cases, JSON does not."""
    return [{k: v for k, v in row.items() if k != "cases"} for row in rows]


def scorecard_from_records(
    records: list[EventRecord], start: date, end: date, *, by_official: bool = False,
    violations: list[Violation] | None = None,
) -> list[dict[str, Any]]:
    """The scorecard from the records visible as of `end` (log order): fold, judge, count.
    `violations`, when the caller has already judged those records as of `end`, spares judging
    them again."""
    from .engine import judge, judgement_for, visible

    judgement = judgement_for([r for r in records if r.case is None], end)
    if violations is None:
        violations = list(visible(judge(records, end)))
    cases = scored_cases(records, judgement, end)
    return scorecard(cases, violations, judgement, start, end, by_official=by_official)


def scored_cases(records: Iterable[EventRecord], judgement: Judgement, end: date) -> list[ScoredCase]:
    """What the scorecard counts of each case of `records` (log order) opened by `end`."""
    by_case: dict[str, list[EventRecord]] = defaultdict(list)
    for record in records:
        if record.case is not None:
            by_case[record.case].append(record)
    cases = (fold_case(rs, judgement.registry, judgement.calendar) for rs in by_case.values())
    return [scored for case in cases if (scored := scored_case(case, end)) is not None]


@dataclass(frozen=True)
class ScoredConsultation:
    """One consultation as the scorecard counts it (§7): its consulted agency and official."""

    to: str
    official: str | None
    requested_on: date
    due: date
    answered_on: date | None
    withdrawn_on: date | None


@dataclass(frozen=True)
class ScoredCase:
    """One case as the scorecard judges it as of a day `end`: its resolution by then (None: open
    at `end`), the lead answering for it (at the resolution, or at the end of `end`; None: none
    yet, the opener answers), its due date judged on the resolution or `end`, its consultations."""

    opened_on: date
    resolved_on: date | None
    lead: tuple[str, str] | None
    opener_agency: str | None
    due: date | None
    consultations: tuple[ScoredConsultation, ...]


def scored_case(case: CaseFile, end: date) -> ScoredCase | None:
    """The scorecard's view of a case folded from the records visible as of `end` (None: not
    opened by then)."""
    if case.opened_on is None or case.opened_on > end:
        return None
    resolved = case.resolved_on if case.resolved_on is not None and case.resolved_on <= end else None
    moment = case.resolution.at if resolved is not None and case.resolution else _end_of(end)
    return ScoredCase(case.opened_on, resolved, _lead_at(case, moment), case.opener_agency, case.due(resolved or end),
                      scored_consultations(case))


def lead_answering(case: CaseFile) -> tuple[str, str] | None:
    """The lead the scorecard holds to account for a case judged on any day after all its events:
    the lead at its resolution, or the latest lead assigned (by claimed time)."""
    return _lead_at(case, case.resolution.at if case.resolution else _LATEST)


def scored_consultations(case: CaseFile) -> tuple[ScoredConsultation, ...]:
    return tuple(ScoredConsultation(c.to, c.handler or c.answered_by, c.requested_on, c.due, c.answered_on,
                                    c.withdrawn_on) for c in case.consultations.values())


def score_766(on_time: int, cases: int) -> float | None:
    """Decision 766's progress indicator: the on-time rate times 20, rounded half up to 2 places."""
    if cases == 0:
        return None
    return float((Decimal(on_time) / Decimal(cases) * 20).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


_LATEST = datetime.max.replace(tzinfo=LOCAL_TZ)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=LOCAL_TZ)


def _lead_at(case: CaseFile, moment: datetime) -> tuple[str, str] | None:
    in_force = [r for r in sorted(case.lead_records, key=lambda r: (r.at, r.position)) if r.at <= moment]
    if not in_force:
        return None
    assigned = in_force[-1].payload
    assert isinstance(assigned, LeadAssigned)
    return assigned.agency, assigned.official


def scorecard(
    cases: Iterable[ScoredCase],
    violations: Iterable[Violation],
    j: Judgement,
    start: date,
    end: date,
    *,
    by_official: bool = False,
    counted: Iterable[tuple[str, str | None, str, int]] = (),
) -> list[dict[str, Any]]:
    """One row per agency (or agency and official) with a case or consultation in [start, end].
    `counted`: violations dated in the period already counted, (agency, official, rule, how many),
    besides `violations`."""
    row = _Rows(j, end, by_official)
    for case in cases:
        resolved = case.resolved_on
        if resolved is None or resolved >= start:  # resolved before the period: out (its consultations may count)
            _count_case(row, case, j, end)
        _count_consultations(row, case, j, start, end)
    counts = _violation_counts(violations, j, start, end, by_official)
    for agency, official, rule, many in counted:
        counts[(j.successor_on(agency, end), official if by_official else None)][rule] += many
    return [_entry(key, row.rows[key], counts, by_official) for key in sorted(row.rows, key=_order)]


#: The counters of a scorecard row.
_COUNTERS = ("cases", "cases_on_time", "cases_late", "cases_overdue_open",
             "consultations", "answered_on_time", "answered_late", "unanswered_overdue")


class _Rows:
    """The scorecard's counters, one row per (agency as of the period's end, official or None):
    `row(agency, official)` is that row, made on first use."""

    def __init__(self, j: Judgement, end: date, by_official: bool) -> None:
        self.j, self.end, self.by_official = j, end, by_official
        self.rows: dict[Key, dict[str, Any]] = {}

    def __call__(self, agency: str, official: str | None) -> dict[str, Any]:
        key: Key = (self.j.successor_on(agency, self.end), official if self.by_official else None)
        if key not in self.rows:
            self.rows[key] = dict.fromkeys(_COUNTERS, 0)
        return self.rows[key]


def _count_case(row: _Rows, case: ScoredCase, j: Judgement, end: date) -> None:
    """The case in its lead's row (the lead at its resolution, or at the period's end): on time,
    late, or still open past its due date at the period's end."""
    counted = row(*case.lead) if case.lead else row(case.opener_agency or "", None)
    counted["cases"] += 1
    if case.due is not None:
        late = j.calendar.wd(case.due, case.resolved_on or end) >= 1
        if not late:
            counted["cases_on_time"] += 1
        elif case.resolved_on is not None:
            counted["cases_late"] += 1
        else:
            counted["cases_overdue_open"] += 1


def _count_consultations(row: _Rows, case: ScoredCase, j: Judgement, start: date, end: date) -> None:
    """Each consultation of the case requested by the period's end and not closed before it, in
    the consulted agency's row (and its handler's or answerer's)."""
    for c in case.consultations:
        if c.requested_on > end:
            continue
        closed_on = c.answered_on or c.withdrawn_on
        if closed_on is not None and closed_on < start:
            continue
        counted = row(c.to, c.official)
        counted["consultations"] += 1
        if c.answered_on is not None and start <= c.answered_on <= end:
            late = j.calendar.wd(c.due, c.answered_on) >= 1
            counted["answered_late" if late else "answered_on_time"] += 1
        elif c.answered_on is None and c.withdrawn_on is None:
            judged_on = case.resolved_on if case.resolved_on is not None else end
            if j.calendar.wd(c.due, judged_on) >= 1:
                counted["unanswered_overdue"] += 1


def _violation_counts(violations: Iterable[Violation], j: Judgement, start: date, end: date,
                      by_official: bool) -> dict[Key, dict[str, int]]:
    """The violations dated in the period (by due date, else act date), by row and rule."""
    counts: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for v in violations:
        reference = v.due or v.act_on
        if start <= reference <= end:
            counts[(j.successor_on(v.agency, end), v.official if by_official else None)][v.rule] += 1
    return counts


def _entry(key: Key, data: dict[str, Any], counts: dict[Key, dict[str, int]], by_official: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"agency": key[0]}
    if by_official:
        entry["official"] = key[1]
    entry.update(
        cases=data["cases"],
        cases_on_time=data["cases_on_time"],
        cases_late=data["cases_late"],
        cases_overdue_open=data["cases_overdue_open"],
        on_time_rate=(data["cases_on_time"] / data["cases"]) if data["cases"] else None,
        score_766=score_766(data["cases_on_time"], data["cases"]),
        consultations=data["consultations"],
        answered_on_time=data["answered_on_time"],
        answered_late=data["answered_late"],
        unanswered_overdue=data["unanswered_overdue"],
        violations=dict(sorted(counts.get(key, {}).items())),
    )
    return entry
