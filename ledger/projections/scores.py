"""The scorecard's view of every case (`rules.scoring.ScoredCase`) read from the case tables, for a
scorecard judged as of today and known now — the dashboard's default question and `ledger
scorecard --to TODAY` — instead of folding every case's facts again (three quarters of a cold
dashboard at 100,000 events).

A case's stored row was folded from ALL its facts, with the registry as it stands: it is what
the fold as of `end` gives only when none of those facts is claimed after `end` (the ledger
accepts a claimed time a few minutes ahead of its clock, so a fact can be dated tomorrow) and the
registry has no event claimed after `end` either. So:

- a registry event claimed after `end`: the caller folds everything (None);
- a case with a fact claimed after `end`, or whose supplement pause is open (its due date moves
  with the day it is judged on, so no due date is stored for it): named for the caller to fold
  from its facts;
- every other case: read from `case_files` and `consultation_files`.

The unit and integration tests hold both ways equal, case by case and row by row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..rules.scoring import ScoredCase, ScoredConsultation
from .tables import case_files, consultation_files, facts


def stored_scores(session: Session, end: date) -> tuple[list[ScoredCase], set[str]] | None:
    """The stored cases as the scorecard counts them as of `end`, and the cases to fold instead;
    None if the registry has an event claimed after `end`."""
    # No DISTINCT: with it SQLite scans the whole case_ref index (2 s at 1M events) instead of
    # the few facts past `end` through the at_date index.
    later = set(session.execute(select(facts.c.case_ref).where(facts.c.at_date > end)).scalars())
    if None in later:
        return None
    # Only the columns counted, unpacked by position (a SQLAlchemy row's attributes cost more than
    # the rest of this loop at 1M events).
    c = consultation_files.c
    consultations: dict[str, list[ScoredConsultation]] = defaultdict(list)
    query = select(c.case_ref, c.to_agency, c.handler, c.answered_by, c.requested_on, c.due, c.answered_on,
                   c.withdrawn_on)
    for ref, to, handler, answered_by, requested_on, due, answered_on, withdrawn_on in session.execute(
            query.execution_options(yield_per=5000)):
        if ref not in later:
            consultations[ref].append(ScoredConsultation(to, handler or answered_by, requested_on, due, answered_on,
                                                         withdrawn_on))
    f = case_files.c
    scored: list[ScoredCase] = []
    query = select(f.case_ref, f.status, f.score_lead_agency, f.score_lead_official, f.opened_on, f.resolved_on,
                   f.opener_agency, f.due_now)
    for ref, status, lead_agency, lead_official, opened_on, resolved_on, opener, due_now in session.execute(
            query.execution_options(yield_per=5000)):
        if ref in later:
            continue
        if status == "paused":
            later.add(ref)
            continue
        lead = (lead_agency, lead_official) if lead_agency is not None else None
        scored.append(ScoredCase(opened_on, resolved_on, lead, opener, due_now, tuple(consultations.pop(ref, ()))))
    return scored, later
