"""Judge a ledger: every rule over every case, agency-year and recorded event, then the findings.

A pure function of the records (already filtered by as-of / known-at), the registry and calendar
those records give, and the rulebook.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import date

from ..calendar import WorkingCalendar
from ..domain.casefile import CaseFile, fold_case
from ..domain.payloads import FindingRecorded, WorkProgrammeAdopted
from ..domain.schema import REGISTRY_TYPES
from ..domain.records import EventRecord
from ..domain.registry import RegistryState
from . import consultations, deadlines, leads, programmes, recording, responses
from .rulebook import RULE_ORDER, RULEBOOK
from .violation import Judgement, Violation

CaseRule = Callable[[CaseFile, Judgement], Iterable[Violation]]

CASE_RULES: tuple[CaseRule, ...] = (
    leads.no_lead,
    leads.wrong_focal_point,
    consultations.unrelated_consultation,
    consultations.redundant_consultation,
    consultations.late_response,
    responses.evasive_response,
    responses.buck_passing,
    responses.out_of_mandate_response,
    deadlines.case_overdue,
    deadlines.apology_missing,
    deadlines.reschedule_missed,
    deadlines.reschedule_repeated,
    deadlines.repeated_supplement_request,
)


def registry_from(records: Iterable[EventRecord]) -> RegistryState:
    state = RegistryState()
    for record in records:
        state.apply(record.payload, record.at)
    return state


def judge_case(records: list[EventRecord], j: Judgement) -> list[Violation]:
    """Every rule over one case's records (log order), late recording included, findings applied."""
    return judge_case_file(fold_case(records, j.registry, j.calendar), records, j)


def judge_case_file(case: CaseFile, records: list[EventRecord], j: Judgement) -> list[Violation]:
    """`judge_case` for a case already folded from `records` (the read models fold each case once
    and keep both its rows and its violations from that one fold)."""
    if case.opened is None:
        return []
    found = [v for rule in CASE_RULES for v in rule(case, j)]
    found.extend(recording.late_recording(records, j))
    return apply_findings([v for v in found if RULEBOOK[v.rule].applies_on(v.due or v.act_on)], case.finding_records)


def judge_agencies(records: list[EventRecord], j: Judgement) -> list[Violation]:
    """The rules over events of no case: work programmes, and late recording of registry and
    programme events; with the agency-level findings."""
    findings = [r for r in records if isinstance(r.payload, FindingRecorded)]
    adoptions = [r for r in records if isinstance(r.payload, WorkProgrammeAdopted)]
    found = list(programmes.work_programme_late(adoptions, j)) + list(recording.late_recording(records, j))
    return apply_findings([v for v in found if RULEBOOK[v.rule].applies_on(v.due or v.act_on)], findings)


def judge(records: Iterable[EventRecord], as_of: date) -> list[Violation]:
    """All violations of the given records (log order), judged as of `as_of`."""
    by_case: dict[str, list[EventRecord]] = defaultdict(list)
    others: list[EventRecord] = []
    for record in records:
        if record.case is not None:
            by_case[record.case].append(record)
        else:
            others.append(record)
    return judge_grouped(others, by_case.values(), as_of)


def judge_grouped(others: list[EventRecord], cases: Iterable[list[EventRecord]], as_of: date) -> list[Violation]:
    """`judge` over the events of no case (log order) and each case's own (log order), given one
    case at a time: a caller streaming the cases holds one case, not the log."""
    j = judgement_for(others, as_of)
    found: list[Violation] = []
    for case_records in cases:
        found.extend(judge_case(case_records, j))
    found.extend(judge_agencies(others, j))
    return sort_violations(found)


def judgement_for(records: Iterable[EventRecord], as_of: date) -> Judgement:
    """The registry and calendar the registry events among `records` give, judged as of `as_of`."""
    registry = registry_from(r for r in records if r.type in REGISTRY_TYPES)
    return Judgement(as_of, registry, WorkingCalendar(registry.calendar_overrides()))


def apply_findings(violations: list[Violation], findings: Iterable[EventRecord]) -> list[Violation]:
    """An inspector's latest finding on a violation marks it confirmed or dismissed (SPEC §6): the
    latest by claimed time, equal claimed times in log order (a ruling recorded late but claimed
    earlier does not overturn a later one)."""
    findings = sorted(findings, key=lambda r: (r.at, r.position))
    if not findings:
        return violations
    result = []
    for violation in violations:
        decision = None
        for finding in findings:
            if _matches(finding, violation):
                decision = _finding(finding).decision
        result.append(violation.with_finding(decision) if decision else violation)
    return result


def _matches(finding: EventRecord, violation: Violation) -> bool:
    f = _finding(finding)
    if f.rule != violation.rule:
        return False
    if finding.case is None:
        if violation.case is not None or f.agency != violation.agency:
            return False
        if violation.due is None or f.year != violation.due.year:
            return False
    elif finding.case != violation.case:
        return False
    if f.consultation != violation.consultation:
        return False
    return f.evidence is None or f.evidence in violation.evidence


def _finding(record: EventRecord) -> FindingRecorded:
    finding = record.payload
    assert isinstance(finding, FindingRecorded)
    return finding


def sort_violations(violations: Iterable[Violation]) -> list[Violation]:
    return sorted(
        violations,
        key=lambda v: (
            v.case is None,
            v.case or "",
            RULE_ORDER[v.rule],
            v.consultation or "",
            v.due or v.act_on,
            v.agency,
            v.evidence,
        ),
    )


def visible(violations: Iterable[Violation], *, include_dismissed: bool = False) -> Iterator[Violation]:
    """The default report leaves dismissed violations out."""
    return (v for v in violations if include_dismissed or v.finding != "dismissed")
