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
    later = set(session.execute(select(facts.c.case_ref).where(facts.c.at_date > end).distinct()).scalars())
    if None in later:
        return None
    consultations: dict[str, list[ScoredConsultation]] = defaultdict(list)
    for c in session.execute(select(consultation_files).execution_options(yield_per=5000)):
        if c.case_ref not in later:
            consultations[c.case_ref].append(ScoredConsultation(
                c.to_agency, c.handler or c.answered_by, c.requested_on, c.due, c.answered_on, c.withdrawn_on))
    scored: list[ScoredCase] = []
    for row in session.execute(select(case_files).execution_options(yield_per=5000)):
        if row.case_ref in later:
            continue
        if row.status == "paused":
            later.add(row.case_ref)
            continue
        lead = (row.score_lead_agency, row.score_lead_official) if row.score_lead_agency is not None else None
        scored.append(ScoredCase(row.opened_on, row.resolved_on, lead, row.opener_agency, row.due_now,
                                 tuple(consultations.pop(row.case_ref, ()))))
    return scored, later
