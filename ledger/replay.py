"""Inspectors replay case histories (issue 9): find cases, step through one event by event, print
its control slip. Plain frozen data for the pages; nothing here writes.

**Searching** (`search_cases`) reads the read models (`case_files`, `consultation_files`) and, for
the rule and "responsible" agency filters, the violations as judged now (`Ledger.violations()`:
as of today, known now, dismissed ones left out, as the default report has it).

**Replaying** (`replay_case`) reads the case's own stream (sealed events only) and the registry as
of the as-of date / known-at time, never the whole ledger:

- the *steps* are the case's events visible as of A and known at T, in log order (as `ledger
  history` lists them); each carries both times, the working days since the step before it
  (claimed dates, negative when it claims an earlier date), whether it claims a time earlier than
  an event recorded before it (out of order), and, for web and API events, how many working days
  late it was recorded (SPEC §6 `LATE_RECORDING`; imports are exempt);
- the *state after step k* is the case folded from steps 1..k, judged on d(k) = the latest
  claimed date among steps 1..k (never after A): due dates move with a pause counted up to d(k),
  and the rules run over exactly those events as of d(k). A violation therefore *appears* at the
  first step after which the ledger shows it: a late answer at the answer, a missing lead at the
  first step claimed after the lead deadline, an obligation left open at the first later step;
- one more step, number N + 1 (`Replay.end`), is the case *as of A* with no further event: every
  event judged as of A, exactly the case's rows of `ledger violations --as-of A --known-at T
  --include-dismissed`. A violation that appears there arose from time passing after the last
  event (an obligation still open at A);
- every step is judged with the registry as of A and known at T (the rules look each fact up as
  of the claimed time of the act they judge, so later registry changes rarely matter);
- a violation is the same one from step to step when its rule, consultation and first evidence
  event are the same (its days, status and later evidence may change); it is *new* at step k when
  it was not present after step k − 1, and *cleared* when present after k − 1 and not after k.

All steps are judged in one pass (`_judge_steps`): one case file folded event by event, the
case-level rules run once per step over it, the consultation rules only over the consultations a
step can change, late recording once per event. Nothing outside the case is read but the registry
as of A / T. A 200-event case with 66 consultations replays in about 30 ms of CPU.

**The control slip** (`control_slip`, `control_slip_pdf`): see `ledger/reports/slip.py`.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from .calendar import WorkingCalendar, local_date
from .domain.casefile import CaseFile
from .domain.records import EventRecord
from .domain.registry import RegistryState
from .projections.tables import case_files, consultation_files
from .reports.slip import ControlSlip, SlipParty, SlipRow, build_slip, render_slip
from .rules import judge
from .rules import consultations, responses
from .rules.engine import CASE_RULES, CaseRule, apply_findings, sort_violations
from .rules.recording import late_recording
from .rules.rulebook import RULEBOOK, rulebook_version
from .rules.violation import Judgement, Violation

if TYPE_CHECKING:
    from .application import Ledger

__all__ = [
    "AGENCY_ROLES",
    "CASE_STATUSES",
    "CasePage",
    "CaseQuery",
    "CaseRow",
    "ConsultationState",
    "ControlSlip",
    "FindingItem",
    "Replay",
    "ReplayStep",
    "SlipParty",
    "SlipRow",
    "StepOutOfRange",
    "StepState",
    "StepViolation",
    "control_slip",
    "control_slip_pdf",
    "replay_case",
    "search_cases",
]

#: How the agency filter matches a case: "lead" (the case's lead agency now), "consulted" (asked
#: for an opinion in the case), "responsible" (answers for one of its violations judged now), or
#: "any" of the three.
AGENCY_ROLES = ("any", "lead", "consulted", "responsible")
#: "open" includes a case paused for a supplement; "resolved" is a case with `CaseResolved`.
CASE_STATUSES = ("open", "resolved")
#: The largest page of search results.
MAX_PER_PAGE = 200


# --- searching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseQuery:
    """What an inspector looks for; every filter is optional and they all apply together."""

    reference: str | None = None  # a part of the case reference (case-insensitive for ASCII letters)
    agency: str | None = None  # an agency code, matched as `agency_role` says
    agency_role: str = "any"
    procedure: str | None = None  # a procedure code
    status: str | None = None  # "open" (paused included) or "resolved"
    rule: str | None = None  # cases with a violation of this rule as judged now (dismissed ones aside)
    opened_from: date | None = None  # opened on or after (claimed date of `CaseOpened`)
    opened_to: date | None = None  # opened on or before

    def __post_init__(self) -> None:
        if self.agency_role not in AGENCY_ROLES:
            raise ValueError(f"agency_role must be one of {', '.join(AGENCY_ROLES)}")
        if self.status is not None and self.status not in CASE_STATUSES:
            raise ValueError(f"status must be one of {', '.join(CASE_STATUSES)}")
        if self.rule is not None and self.rule not in RULEBOOK:
            raise ValueError(f"unknown rule {self.rule!r}")


@dataclass(frozen=True)
class CaseRow:
    case: str
    title: str | None
    procedure: str | None
    status: str  # open | paused | resolved
    opened_on: date | None
    lead_agency: str | None
    lead_official: str | None
    resolved_on: date | None
    violations: int  # as judged now, dismissed ones aside


@dataclass(frozen=True)
class CasePage:
    rows: tuple[CaseRow, ...]
    total: int  # cases matching the query
    page: int  # 1-based
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search_cases(ledger: Ledger, query: CaseQuery, *, page: int = 1, per_page: int = 50) -> CasePage:
    """The cases matching `query`, newest opening first (then by reference), one page of them.
    Each filter applies on its own: an agency "responsible for a violation" and a rule need not
    meet in the same violation. Agency codes are matched as written (a merged agency's old cases
    are found under its old code)."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"page must be >= 1 and per_page within 1..{MAX_PER_PAGE}")
    ledger.projections.catch_up()
    role = query.agency_role if query.agency is not None else None
    needs_judging = query.rule is not None or role in ("any", "responsible")
    judged = list(ledger.violations()) if needs_judging else []
    with ledger.projections.view.transaction(commit=False) as session:
        selected = select(case_files.c.case_ref).order_by(case_files.c.opened_on.desc(), case_files.c.case_ref)
        for condition in _conditions(query):
            selected = selected.where(condition)
        refs = list(session.execute(selected).scalars())
        if query.agency is not None:
            matching: set[str] = set()
            if role in ("any", "lead"):
                matching.update(session.execute(select(case_files.c.case_ref).where(
                    case_files.c.lead_agency == query.agency)).scalars())
            if role in ("any", "consulted"):
                matching.update(session.execute(select(consultation_files.c.case_ref).where(
                    consultation_files.c.to_agency == query.agency)).scalars())
            if role in ("any", "responsible"):
                matching.update(v.case for v in judged if v.case is not None and v.agency == query.agency)
            refs = [ref for ref in refs if ref in matching]
        if query.rule is not None:
            with_rule = {v.case for v in judged if v.rule == query.rule}
            refs = [ref for ref in refs if ref in with_rule]
        shown = refs[(page - 1) * per_page: page * per_page]
        rows = {row.case_ref: row for row in session.execute(select(case_files).where(case_files.c.case_ref.in_(shown)))}
    if needs_judging:  # already judged: count from it
        on_page = set(shown)
        counts: dict[str, int] = {}
        for violation in judged:
            if violation.case is not None and violation.case in on_page:
                counts[violation.case] = counts.get(violation.case, 0) + 1
    else:
        counts = _violation_counts(ledger, shown)
    return CasePage(tuple(
        CaseRow(ref, rows[ref].title, rows[ref].procedure, rows[ref].status, rows[ref].opened_on,
                rows[ref].lead_agency, rows[ref].lead_official, rows[ref].resolved_on, counts.get(ref, 0))
        for ref in shown), len(refs), page, per_page)


def _conditions(query: CaseQuery) -> list[Any]:
    conditions: list[Any] = []
    if query.reference:
        # As written, or with ASCII letters in any case (SQLite's lower() folds ASCII only).
        conditions.append(or_(case_files.c.case_ref.contains(query.reference, autoescape=True),
                              func.lower(case_files.c.case_ref).contains(query.reference.lower(), autoescape=True)))
    if query.procedure:
        conditions.append(case_files.c.procedure == query.procedure)
    if query.status == "resolved":
        conditions.append(case_files.c.status == "resolved")
    elif query.status == "open":
        conditions.append(case_files.c.status != "resolved")
    if query.opened_from is not None:
        conditions.append(case_files.c.opened_on >= query.opened_from)
    if query.opened_to is not None:
        conditions.append(case_files.c.opened_on <= query.opened_to)
    return conditions


def _violation_counts(ledger: Ledger, refs: list[str]) -> dict[str, int]:
    """Each listed case's violations as judged now (dismissed aside), judging only those cases."""
    if not refs:
        return {}
    records = sorted([*ledger.projections.facts(non_case_only=True), *ledger.projections.facts(cases=refs)],
                     key=lambda r: r.position)
    counts: dict[str, int] = {}
    for violation in judge(records, ledger.today()):
        if violation.case is not None and violation.finding != "dismissed":
            counts[violation.case] = counts.get(violation.case, 0) + 1
    return counts


# --- replaying ---------------------------------------------------------------------------------


class StepOutOfRange(ValueError):
    """The step asked for is not one of the case's steps (1 .. `last`)."""

    def __init__(self, step: int, last: int) -> None:
        super().__init__(f"step {step} is not between 1 and {last}")
        self.step, self.last = step, last


@dataclass(frozen=True)
class StepViolation:
    """A violation as it stands after one step, and since when it has."""

    rule: str
    title_vi: str
    title_en: str
    consultation: str | None
    agency: str
    official: str | None
    due: date | None
    days_late: int | None
    status: str
    deemed_consent: bool
    finding: str | None
    evidence: tuple[str, ...]  # ledger event ids (the timeline's anchors)
    message_vi: str
    message_en: str
    since: int  # the step after which it (last) appeared
    new: bool  # it appeared at this very step


@dataclass(frozen=True)
class ConsultationState:
    consultation: str
    to: str
    requested_by: str | None
    requested_on: date
    due: date
    status: str  # open | answered | withdrawn
    handler: str | None
    answered_by: str | None
    answered_on: date | None
    position: Any


@dataclass(frozen=True)
class StepState:
    """The case after a step, judged on that step's day."""

    status: str  # open | paused | resolved
    opened_on: date | None
    lead_agency: str | None
    lead_official: str | None
    lead_since: date | None
    coordinators: tuple[tuple[str, str, str | None], ...]  # (agency, part, official)
    initial_due: date | None
    due: date | None  # D, moved by the pauses (an open one counted up to the day judged on)
    paused_since: date | None
    supplement_requests: int
    apologies: tuple[tuple[date, date], ...]  # (issued on, new appointment)
    outcome: str | None
    resolved_on: date | None
    consultations: tuple[ConsultationState, ...]


@dataclass(frozen=True)
class ReplayStep:
    number: int  # 1-based, log order
    position: int  # the ledger's log position
    event: str  # the ledger event id
    type: str
    at: datetime  # claimed
    recorded: datetime
    claimed_on: date
    recorded_on: date
    by: str | None
    agency: str | None  # the actor's agency as of the claimed time
    source: str  # web | api | import
    key: str | None  # the client's idempotency id
    note: str | None
    fields: dict[str, Any]
    gap: int | None  # working days since the previous step's claimed date (negative: earlier); None first
    out_of_order: bool  # claims a time earlier than an event recorded before it
    late_recording: int | None  # LATE_RECORDING days, for web/API events recorded late
    judged_on: date  # d(k): the day the state after this step is judged on
    appeared: tuple[str, ...]  # rules of the violations new at this step
    cleared: tuple[str, ...]  # rules of the violations gone at this step


@dataclass(frozen=True)
class FindingItem:
    """An inspector's ruling recorded in the case."""

    step: int
    event: str
    rule: str
    decision: str
    consultation: str | None
    evidence: str | None
    by: str | None
    at: datetime
    note: str | None


@dataclass(frozen=True)
class Replay:
    case: str
    title: str | None
    procedure: str | None
    procedure_name: str | None
    applicant: str | None
    as_of: date
    known_at: datetime | None
    calendar: str  # the calendar version judged with
    rulebook: str
    steps: tuple[ReplayStep, ...]
    hidden: int  # events of the case left out by as-of / known-at
    selected: int  # 1 .. end
    judged_on: date
    state: StepState | None  # None when no event is visible
    violations: tuple[StepViolation, ...]  # after the selected step
    cleared: tuple[StepViolation, ...]  # present after the step before, gone after this one
    findings: tuple[FindingItem, ...]
    agency_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (vi, en)
    official_names: dict[str, str] = field(default_factory=dict)

    @property
    def end(self) -> int:
        """The last step: the case as of the as-of date, after every visible event."""
        return len(self.steps) + 1

    @property
    def at_end(self) -> bool:
        return self.selected == self.end

    @property
    def step(self) -> ReplayStep | None:
        """The selected event (None for the as-of step)."""
        return None if self.at_end else self.steps[self.selected - 1]


Identity = tuple[str, str | None, str]


def _identity(v: Violation) -> Identity:
    return v.rule, v.consultation, v.evidence[0] if v.evidence else ""


def replay_case(ledger: Ledger, case: str, *, as_of: date | None = None, known_at: datetime | None = None,
                step: int | None = None) -> Replay:
    """The case's history step by step, its state and violations after `step` (default: the last
    step, the case as of `as_of`). Raises `UnknownReference` for a case the ledger does not hold
    and `StepOutOfRange` for a step it does not have."""
    as_of = as_of or ledger.today()
    seen = ledger.case_as_seen(case, as_of, known_at)
    records, registry, calendar = seen.records, seen.registry, seen.calendar
    end = len(records) + 1
    selected = end if step is None else step
    if not 1 <= selected <= end:
        raise StepOutOfRange(selected, end)
    judged = _judge_steps(records, registry, calendar, as_of, selected)
    steps = _steps(records, calendar, judged)
    current = judged.by_step[selected - 1]
    previous = judged.by_step[selected - 2] if selected > 1 else []
    kept = {_identity(v) for v in current}
    opened = judged.casefile.opened
    procedure = registry.procedure_at(judged.casefile.procedure or "", opened.at) if opened else None
    applicant = opened.fields.get("applicant") if opened else None
    findings = tuple(
        FindingItem(n, r.event, r.fields["rule"], r.fields["decision"], r.fields.get("consultation"),
                    r.fields.get("evidence"), r.by, r.at, r.fields.get("note") or r.note)
        for n, r in enumerate(records, start=1) if r.type == "FindingRecorded")
    return Replay(
        case=case, title=judged.casefile.title, procedure=judged.casefile.procedure,
        procedure_name=procedure.name if procedure else None,
        applicant=applicant.get("name") if isinstance(applicant, dict) else None,
        as_of=as_of, known_at=known_at, calendar=calendar.version, rulebook=rulebook_version(),
        steps=steps, hidden=seen.hidden, selected=selected,
        judged_on=judged.days[selected - 1], state=judged.state,
        violations=tuple(_step_violation(v, judged.since[selected - 1][_identity(v)], selected) for v in current),
        cleared=tuple(_step_violation(v, 0, selected) for v in previous if _identity(v) not in kept),
        findings=findings, agency_names=_agency_names(registry, records), official_names=_official_names(registry, records),
    )


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
    """Every step's violations in one pass over one case file (see the module docstring).

    The case-level rules run over the whole file at every step (each looks at a handful of
    events). The consultation rules would compare every consultation at every step (a 200-event
    case would be judged 200 times over); instead, at a step claimed in order, only the
    consultations still open and the one the event names are judged again, over a view of the file
    holding just those, and every other consultation keeps its verdict. A step claimed out of order
    (earlier than an event recorded before it) judges every consultation afresh.
    tests/unit/test_replay.py holds the result to judging each step's events afresh."""
    casefile = CaseFile(calendar, registry)
    recording_j = Judgement(as_of, registry, calendar)
    late: list[Violation] = []
    by_consultation: dict[str, list[Violation]] = {}
    redundant: dict[str, list[Violation]] = {}
    case_rules = [rule for rule in CASE_RULES if rule not in PER_CONSULTATION and rule is not REDUNDANT]
    result = _Judged(casefile, [], [], [], None, {})
    latest: date | None = None
    latest_claim: datetime | None = None
    seen: dict[Identity, int] = {}
    judged_once = False

    def judge_consultations(j: Judgement, record: EventRecord | None, out_of_order: bool) -> None:
        nonlocal judged_once
        named = record.fields.get("consultation") if record is not None else None
        if out_of_order or not judged_once:
            view, judged = casefile, set(casefile.consultations)
            redundant.clear()
            redundant.update((c, []) for c in casefile.consultations)
            for v in REDUNDANT(casefile, j):
                redundant[v.consultation or ""].append(v)
            judged_once = True
        else:
            judged = {c for c, f in casefile.consultations.items() if f.status == "open" or c == named}
            view = copy(casefile)
            view.consultations = {c: f for c, f in casefile.consultations.items() if c in judged}
            if record is not None and record.type == "ConsultationRequested" and named in judged:
                redundant[named] = [v for v in REDUNDANT(view, j) if v.consultation == named]
        fresh: dict[str, list[Violation]] = {c: [] for c in judged}
        for rule in PER_CONSULTATION:
            for v in rule(view, j):
                fresh[v.consultation or ""].append(v)
        by_consultation.update(fresh)

    def judge_now(day: date, number: int, record: EventRecord | None, out_of_order: bool) -> None:
        nonlocal seen
        found: list[Violation] = []
        if casefile.opened is not None:
            j = Judgement(day, registry, calendar)
            judge_consultations(j, record, out_of_order)
            found = [v for rule in case_rules for v in rule(casefile, j)]
            found.extend(v for verdicts in by_consultation.values() for v in verdicts)
            found.extend(v for verdicts in redundant.values() for v in verdicts)
            found.extend(late)
            found = [v for v in found if RULEBOOK[v.rule].applies_on(v.due or v.act_on)]
            found = sort_violations(apply_findings(found, casefile.finding_records))
        seen = {key: seen.get(key, number) for key in map(_identity, found)}
        result.by_step.append(found)
        result.days.append(day)
        result.since.append(seen)
        if number == selected:
            result.state = _state(casefile, day) if casefile.opened is not None else None

    for number, record in enumerate(records, start=1):
        casefile.apply(record)
        for violation in late_recording([record], recording_j):
            late.append(violation)
            result.late[record.event] = violation
        latest = record.claimed_date if latest is None else max(latest, record.claimed_date)
        out_of_order = latest_claim is not None and record.at < latest_claim
        latest_claim = record.at if latest_claim is None else max(latest_claim, record.at)
        judge_now(min(latest, as_of), number, record, out_of_order)
    judge_now(as_of, len(records) + 1, None, False)
    return result


def _steps(records: list[EventRecord], calendar: WorkingCalendar, judged: _Judged) -> tuple[ReplayStep, ...]:
    by_step, registry = judged.by_step, judged.casefile.registry
    steps = []
    latest_claim: datetime | None = None
    previous: EventRecord | None = None
    for number, record in enumerate(records, start=1):
        late = judged.late.get(record.event)
        posting = registry.posting_at(record.by, record.at) if record.by else None
        before = {_identity(v): v.rule for v in by_step[number - 2]} if number > 1 else {}
        after = {_identity(v): v.rule for v in by_step[number - 1]}
        steps.append(ReplayStep(
            number=number, position=record.position, event=record.event, type=record.type, at=record.at,
            recorded=record.recorded, claimed_on=record.claimed_date, recorded_on=local_date(record.recorded),
            by=record.by, agency=posting.agency if posting else record.actor_agency, source=record.source, key=record.key,
            note=record.note, fields=dict(record.fields),
            gap=None if previous is None else _signed_wd(calendar, previous.claimed_date, record.claimed_date),
            out_of_order=latest_claim is not None and record.at < latest_claim,
            late_recording=late.days_late if late is not None else None,
            judged_on=judged.days[number - 1],
            appeared=tuple(rule for key, rule in after.items() if key not in before),
            cleared=tuple(rule for key, rule in before.items() if key not in after),
        ))
        latest_claim = record.at if latest_claim is None else max(latest_claim, record.at)
        previous = record
    return tuple(steps)


def _signed_wd(calendar: WorkingCalendar, a: date, b: date) -> int:
    return calendar.wd(a, b) if b >= a else -calendar.wd(b, a)


def _state(casefile: CaseFile, day: date) -> StepState:
    lead = casefile.lead
    return StepState(
        status=casefile.status(), opened_on=casefile.opened_on,
        lead_agency=lead["agency"] if lead else None, lead_official=lead["official"] if lead else None,
        lead_since=date.fromisoformat(lead["assigned_on"]) if lead else None,
        coordinators=tuple((c["agency"], c["part"], c.get("official")) for c in casefile.coordinators),
        initial_due=casefile.initial_due, due=casefile.due(day), paused_since=casefile.paused_since,
        supplement_requests=len(casefile.supplement_records),
        apologies=tuple((r.claimed_date, date.fromisoformat(r.fields["new_due"])) for r in casefile.apology_records),
        outcome=casefile.resolved["outcome"] if casefile.resolved else None, resolved_on=casefile.resolved_on,
        consultations=tuple(
            ConsultationState(c.consultation, c.to, c.requested_by, c.requested_on, c.due, c.status, c.handler,
                              c.answered_by, c.answered_on, c.position)
            for c in casefile.consultations.values()),
    )


def _step_violation(v: Violation, since: int, selected: int) -> StepViolation:
    rule, shown = RULEBOOK[v.rule], v.as_dict()
    return StepViolation(v.rule, rule.title_vi, rule.title_en, v.consultation, v.agency, v.official, v.due,
                         v.days_late, v.status, v.deemed_consent, v.finding, v.evidence, shown["message_vi"],
                         shown["message_en"], since, since == selected)


def _agency_names(registry: RegistryState, records: list[EventRecord]) -> dict[str, tuple[str, str]]:
    codes: set[str] = set()
    for record in records:
        codes.update(str(record.fields[k]) for k in ("agency", "to", "refer_to") if isinstance(record.fields.get(k), str))
        if record.actor_agency:
            codes.add(record.actor_agency)
        if record.by:
            posting = registry.posting_at(record.by, record.at)
            if posting:
                codes.add(posting.agency)
    return {code: (a.name, a.name_en) for code in codes if (a := registry.agencies.get(code)) is not None}


def _official_names(registry: RegistryState, records: list[EventRecord]) -> dict[str, str]:
    ids: set[str] = set()
    for record in records:
        ids.update(str(record.fields[k]) for k in ("official",) if isinstance(record.fields.get(k), str))
        if record.by:
            ids.add(record.by)
    return {official: o.name for official in ids if (o := registry.officials.get(official)) is not None}


# --- the control slip --------------------------------------------------------------------------


def control_slip(ledger: Ledger, case: str, *, as_of: date | None = None, known_at: datetime | None = None) -> ControlSlip:
    """The case's control slip (Phiếu kiểm soát quá trình giải quyết hồ sơ) as of A, known at T."""
    as_of = as_of or ledger.today()
    seen = ledger.case_as_seen(case, as_of, known_at)
    return build_slip(case, seen.records, seen.registry, seen.calendar, as_of, known_at, ledger.clock(),
                      hidden=seen.hidden)


def control_slip_pdf(slip: ControlSlip) -> bytes:
    """The slip as an A4 PDF in Vietnamese (DejaVu Sans)."""
    return render_slip(slip)
