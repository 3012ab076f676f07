"""Every step of a replay judged in one pass (`_judge_steps`; see the package's docstring).

One case file is folded event by event; the case-level rules run once per step over it, the
consultation rules only over the consultations a step can change, late recording once per event.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from datetime import date, datetime

from ..calendar import WorkingCalendar
from ..domain import payloads as p
from ..domain.casefile import CaseFile
from ..domain.records import EventRecord
from ..domain.registry import RegistryState
from ..rules import consultations, responses
from ..rules.engine import CASE_RULES, CaseRule, apply_findings, sort_violations
from ..rules.recording import late_recording
from ..rules.rulebook import RULEBOOK
from ..rules.violation import Judgement, Violation
from .model import ConsultationState, StepState

Identity = tuple[str, str | None, str]


def _identity(v: Violation) -> Identity:
    return v.rule, v.consultation, v.evidence[0] if v.evidence else ""


@dataclass
class _Judged:
    casefile: CaseFile
    by_step: list[list[Violation]]  # index k - 1: the violations after step k (the last: as of A)
    days: list[date]  # index k - 1: d(k)
    since: list[dict[Identity, int]]  # index k - 1: each violation's step of (last) appearance
    state: StepState | None  # after the selected step
    late: dict[str, Violation]  # LATE_RECORDING of each event recorded late, by event id


#: The rules that judge each consultation on its own: from its request, designation, answer or
#: withdrawal, the case's domains and resolution, the registry and, while it is open, the day
#: judged on. A consultation answered or withdrawn keeps its verdict until an event names it again.
PER_CONSULTATION: tuple[CaseRule, ...] = (
    consultations.unrelated_consultation, consultations.late_response, responses.evasive_response,
    responses.buck_passing, responses.out_of_mandate_response,
)
#: The rule that compares a request with the earlier requests to the same agency. A request claimed
#: after every event already in the case is judged against the consultations still open (one
#: answered or withdrawn before it cannot make it redundant), and changes no other request's verdict.
REDUNDANT: CaseRule = consultations.redundant_consultation


def _judge_steps(records: list[EventRecord], registry: RegistryState, calendar: WorkingCalendar,
                 as_of: date, selected: int) -> _Judged:
    """Every step's violations in one pass over one case file (see the package's docstring).

    The case-level rules run over the whole file at every step (each looks at a handful of
    events). The consultation rules would compare every consultation at every step (a 200-event
    case would be judged 200 times over); instead, at a step claimed in order, only the
    consultations still open and the one the event names are judged again, over a view of the file
    holding just those, and every other consultation keeps its verdict. A step claimed out of order
    (earlier than an event recorded before it) judges every consultation afresh.
    tests/unit/test_replay.py holds the result to judging each step's events afresh."""
    return _StepJudge(registry, calendar, as_of, selected).run(records)


class _StepJudge:
    """The state of the one pass: the case file folded so far, each consultation's verdicts, the
    late recordings found so far, and the step at which each violation (last) appeared."""

    def __init__(self, registry: RegistryState, calendar: WorkingCalendar, as_of: date, selected: int) -> None:
        self.registry, self.calendar, self.as_of, self.selected = registry, calendar, as_of, selected
        self.casefile = CaseFile(calendar, registry)
        self.recording = Judgement(as_of, registry, calendar)
        self.late: list[Violation] = []
        self.by_consultation: dict[str, list[Violation]] = {}
        self.redundant: dict[str, list[Violation]] = {}
        self.case_rules = [rule for rule in CASE_RULES if rule not in PER_CONSULTATION and rule is not REDUNDANT]
        self.result = _Judged(self.casefile, [], [], [], None, {})
        self.seen: dict[Identity, int] = {}
        self.judged_once = False

    def run(self, records: list[EventRecord]) -> _Judged:
        latest: date | None = None
        latest_claim: datetime | None = None
        for number, record in enumerate(records, start=1):
            self.casefile.apply(record)
            for violation in late_recording([record], self.recording):
                self.late.append(violation)
                self.result.late[record.event] = violation
            latest = record.claimed_date if latest is None else max(latest, record.claimed_date)
            out_of_order = latest_claim is not None and record.at < latest_claim
            latest_claim = record.at if latest_claim is None else max(latest_claim, record.at)
            self.judge_now(min(latest, self.as_of), number, record, out_of_order)
        self.judge_now(self.as_of, len(records) + 1, None, False)
        return self.result

    def judge_now(self, day: date, number: int, record: EventRecord | None, out_of_order: bool) -> None:
        """The violations after step `number`, judged on `day`."""
        casefile = self.casefile
        found: list[Violation] = []
        if casefile.opened is not None:
            j = Judgement(day, self.registry, self.calendar)
            self.judge_consultations(j, record, out_of_order)
            found = [v for rule in self.case_rules for v in rule(casefile, j)]
            found.extend(v for verdicts in self.by_consultation.values() for v in verdicts)
            found.extend(v for verdicts in self.redundant.values() for v in verdicts)
            found.extend(self.late)
            found = [v for v in found if RULEBOOK[v.rule].applies_on(v.due or v.act_on)]
            found = sort_violations(apply_findings(found, casefile.finding_records))
        self.seen = {key: self.seen.get(key, number) for key in map(_identity, found)}
        self.result.by_step.append(found)
        self.result.days.append(day)
        self.result.since.append(self.seen)
        if number == self.selected:
            self.result.state = _state(casefile, day) if casefile.opened is not None else None

    def judge_consultations(self, j: Judgement, record: EventRecord | None, out_of_order: bool) -> None:
        """Judge again the consultations this step can change (all of them out of order or at first)."""
        if out_of_order or not self.judged_once:
            view, judged = self.casefile, self.judge_all_requests(j)
        else:
            view, judged = self.judge_changed_request(j, record)
        fresh: dict[str, list[Violation]] = {c: [] for c in judged}
        for rule in PER_CONSULTATION:
            for v in rule(view, j):
                fresh[v.consultation or ""].append(v)
        self.by_consultation.update(fresh)

    def judge_all_requests(self, j: Judgement) -> set[str]:
        """Every request compared afresh; every consultation to be judged again."""
        casefile = self.casefile
        self.redundant.clear()
        self.redundant.update((c, []) for c in casefile.consultations)
        for v in REDUNDANT(casefile, j):
            self.redundant[v.consultation or ""].append(v)
        self.judged_once = True
        return set(casefile.consultations)

    def judge_changed_request(self, j: Judgement, record: EventRecord | None) -> tuple[CaseFile, set[str]]:
        """A view of the file holding the consultations still open and the one the event names
        (those to judge again), and that request compared with the others if the event made it."""
        casefile = self.casefile
        named = p.consultation_named(record.payload) if record is not None else None
        judged = {c for c, f in casefile.consultations.items() if f.status == "open" or c == named}
        view = copy(casefile)
        view.consultations = {c: f for c, f in casefile.consultations.items() if c in judged}
        if record is not None and isinstance(record.payload, p.ConsultationRequested) and named in judged:
            self.redundant[named] = [v for v in REDUNDANT(view, j) if v.consultation == named]
        return view, judged


def _state(casefile: CaseFile, day: date) -> StepState:
    lead = casefile.lead
    return StepState(
        status=casefile.status(), opened_on=casefile.opened_on,
        lead_agency=lead.agency if lead else None, lead_official=lead.official if lead else None,
        lead_since=lead.assigned_on if lead else None,
        coordinators=tuple((c.agency, c.part, c.official) for c in casefile.coordinators),
        initial_due=casefile.initial_due, due=casefile.due(day), paused_since=casefile.paused_since,
        supplement_requests=len(casefile.supplement_records),
        apologies=tuple((a.on, a.new_due) for a in casefile.apologies),
        outcome=casefile.resolved.outcome if casefile.resolved else None, resolved_on=casefile.resolved_on,
        consultations=tuple(
            ConsultationState(c.consultation, c.to, c.requested_by, c.requested_on, c.due, c.status, c.handler,
                              c.answered_by, c.answered_on, c.position)
            for c in casefile.consultations.values()),
    )
