"""The inspectors' case search (`search_cases`): the read models (`case_files`,
`consultation_files`) and, for the rule and "responsible" agency filters, the violations as judged
now (`Ledger.violations()`: as of today, known now, dismissed ones left out, as the default report
has it). Plain frozen data; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from ..projections.tables import case_files, consultation_files
from ..rules import judge
from ..rules.rulebook import RULEBOOK

if TYPE_CHECKING:
    from ..application import Ledger

#: How the agency filter matches a case: "lead" (the case's lead agency now), "consulted" (asked
#: for an opinion in the case), "responsible" (answers for one of its violations judged now), or
#: "any" of the three.
AGENCY_ROLES = ("any", "lead", "consulted", "responsible")
#: "open" includes a case paused for a supplement; "resolved" is a case with `CaseResolved`.
CASE_STATUSES = ("open", "resolved")
#: The largest page of search results.
MAX_PER_PAGE = 200


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
