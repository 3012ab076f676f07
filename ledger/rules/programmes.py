"""Each department, board and district adopts its year's work programme in January."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from ..calendar import local_date
from ..domain.payloads import WorkProgrammeAdopted
from ..domain.records import EventRecord
from .rulebook import RULEBOOK
from .violation import Judgement, Violation


def work_programme_late(adoptions: Iterable[EventRecord], j: Judgement) -> Iterator[Violation]:
    """WORK_PROGRAMME_LATE, for each year from the rulebook's first up to A's year."""
    parameters = RULEBOOK["WORK_PROGRAMME_LATE"].parameters
    first: dict[tuple[str, int], EventRecord] = {}
    for record in sorted(adoptions, key=lambda r: (r.at, r.position)):
        adopted = record.payload
        assert isinstance(adopted, WorkProgrammeAdopted)
        first.setdefault((adopted.agency, adopted.year), record)
    assert j.as_of is not None, "work programmes are judged on a given day"
    for year in range(parameters["first_year"], j.as_of.year + 1):
        deadline = date(year, 1, 31)
        for agency in sorted(j.registry.agencies.values(), key=lambda a: a.code):
            if agency.kind not in parameters["agency_kinds"]:
                continue
            if local_date(agency.registered_at) >= date(year, 1, 1):
                continue
            if agency.merged_at is not None and local_date(agency.merged_at) <= deadline:
                continue
            adoption = first.get((agency.code, year))
            evidence: tuple[str, ...]
            if adoption is not None:
                days, status, evidence = j.late_by(deadline, adoption.claimed_date), "closed", (adoption.event,)
            else:
                days, status, evidence = j.late_by(deadline, j.as_of), "open", ()
            if days >= 1:
                yield Violation(rule="WORK_PROGRAMME_LATE", agency=agency.code, due=deadline, days_late=days,
                                status=status, evidence=evidence, act_on=deadline, details={"year": year})
