"""Before an aggregate takes new events: is its stream the one the read models took in?

An aggregate is loaded from its stored stream, whose own checks (each event against its leaf, no
version missing) cannot see an event moved to another aggregate id outside the ledger: the stream
just looks shorter. Loaded so, a case (the registry, an agency's year) would take a second event of
a version it already has, or validate new events against a registry without one of its own. The
read models took in each event under its case, as the registry's or as an agency's year's when it
was appended, so the two are compared (`ledger.decoding.check_taken`) whenever a batch reads an
aggregate from the log, and for the aggregates an import finds with no stream at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from .decoding import check_taken, stream_differs
from .domain.schema import Envelope
from .eventlog import EventLog
from .projections import Projections


class StreamGuard:
    """The check `Batch` runs (see `ledger.batch.StreamChecks`), over one store's log and read models."""

    def __init__(self, log: EventLog, projections: Projections) -> None:
        self._log = log
        self._projections = projections

    def loaded(self, envelope: Envelope | None, aggregate_id: UUID) -> None:
        """An aggregate (None: the registry) read from the log, before it validates anything. The
        read models are read first: an event appended meanwhile lies past their tracked position,
        and is not compared."""
        family = "registry" if envelope is None else envelope.family
        tracked, taken = self._projections.stream_positions(
            family, case=envelope.case if envelope is not None else None, agency_year=_agency_year(envelope))
        check_taken(sorted(self._log.recorder.positions_of(aggregate_id).values()), tracked, taken)

    def absent(self, envelopes: Sequence[Envelope]) -> None:
        """Aggregates with no stored event (an import's new cases and years): the read models must
        hold no event of theirs either (one query per 500 cases)."""
        cases = sorted({e.case for e in envelopes if e.family == "case" and e.case is not None})
        found = self._projections.cases_taken(cases)
        if found:
            raise stream_differs(min(found.values()))
        for agency_year in sorted({_agency_year(e) for e in envelopes if e.family == "agency_year"}, key=repr):
            check_taken([], *self._projections.stream_positions("agency_year", agency_year=agency_year))


def _agency_year(envelope: Envelope | None) -> tuple[str, int] | None:
    if envelope is None or envelope.family != "agency_year":
        return None
    return envelope.fields["agency"], envelope.fields["year"]
